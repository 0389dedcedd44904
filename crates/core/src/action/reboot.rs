//! `reboot` (EC2): `RebootInstances` for instances that are `running` (c7n/resources/ec2.py,
//! `Reboot`: `valid_origin_states = ('running',)`), batched like every EC2 call.

use super::plan::{batched, need_state, PlanContext};
use super::request::{Operation, Request};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::Checker;
use crate::resource::{resource_state, ResourceKind};
use serde_json::Value;

/// The `reboot` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::Reboot,
    names: &["reboot"],
    summary: "Reboot running EC2 instances (RebootInstances); others are skipped.",
    example: |_| "- reboot",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type"],
    permissions: |_| &["ec2:RebootInstances"],
    parse,
};

/// A validated `reboot`.
#[derive(Debug, Clone)]
pub struct Reboot;

impl Behaviour for Reboot {
    fn check(&self, kind: ResourceKind, doc: &Value) -> Result<(), String> {
        need_state(resource_state(kind, doc), &["running"], "reboot")
    }

    fn requests(&self, _cx: &PlanContext, _targets: &[&Value], ids: &[String]) -> Vec<Request> {
        batched(ids, Operation::Ec2RebootInstances)
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        (DEF.permissions)(kind).to_vec()
    }
}

fn parse(_c: &mut Checker, _a: &ActionInput) -> Option<Action> {
    Some(Action::Reboot(Reboot))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::plan::{plan, Candidate, Change};
    use serde_json::json;

    #[test]
    fn reboots_running_instances_once_a_run() {
        let running = json!({"InstanceId": "i-1", "State": {"Name": "running"}});
        let stopped = json!({"InstanceId": "i-2", "State": {"Name": "stopped"}});
        let cx = PlanContext::new(ResourceKind::Ec2, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap());
        let p = plan(
            &Action::Reboot(Reboot),
            &[Candidate::fresh(&running), Candidate::fresh(&stopped)],
            &cx,
        );
        assert_eq!(p.targets, vec!["i-1"]);
        assert_eq!(
            serde_json::to_value(&p.requests).unwrap(),
            json!([{"api": "ec2:RebootInstances", "ids": ["i-1"]}])
        );
        assert_eq!(p.skipped[0].reason, "state is 'stopped', reboot needs 'running'");
        // A reboot leaves no trace in DescribeInstances, so a second policy's reboot in the
        // same run is recognised by the earlier change itself.
        let earlier = [Change {
            policy: "reboot-stuck".into(),
            action: "reboot",
        }];
        let again = Candidate {
            changed_by: &earlier,
            ..Candidate::fresh(&running)
        };
        let p = plan(&Action::Reboot(Reboot), &[again], &cx);
        assert!(p.requests.is_empty());
        assert_eq!(p.skipped[0].reason, "already done by policy 'reboot-stuck' (reboot)");
    }
}
