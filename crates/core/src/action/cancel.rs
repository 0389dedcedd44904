//! `cancel` (spot requests): cancel open, active or disabled requests; with
//! `terminate-instances: true`, then terminate the instances they launched (after cancelling,
//! so a persistent request cannot relaunch them).

use super::plan::{batched, need_state, PlanContext};
use super::request::{Operation, Request};
use super::{permissions_except, Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, Checker};
use crate::resource::{resource_state, ResourceKind};
use serde_json::Value;

/// The `cancel` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::Cancel,
    names: &["cancel"],
    summary: "Spot requests: cancel open, active or disabled requests; terminate-instances: true then terminates the instances they launched (after cancelling, so nothing relaunches them).",
    example: |_| "- type: cancel\n  terminate-instances: true",
    kinds: &[ResourceKind::SpotRequest],
    needs_event: false,
    ends_compute: true,
    keys: |_| &["type", "terminate-instances"],
    permissions: |_| &["ec2:CancelSpotInstanceRequests", "ec2:TerminateInstances"],
    parse,
};

/// A validated `cancel`.
#[derive(Debug, Clone)]
pub struct Cancel {
    /// Also terminate the requests' instances.
    pub terminate_instances: bool,
}

impl Behaviour for Cancel {
    fn check(&self, kind: ResourceKind, doc: &Value) -> Result<(), String> {
        need_state(resource_state(kind, doc), &["open", "active", "disabled"], "cancel")
    }

    fn requests(&self, _cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        let mut out = batched(ids, Operation::Ec2CancelSpotInstanceRequests);
        if self.terminate_instances {
            let instances: Vec<String> = targets
                .iter()
                .filter_map(|d| d.get("InstanceId").and_then(Value::as_str))
                .map(str::to_string)
                .collect();
            out.extend(batched(&instances, Operation::Ec2TerminateInstances { force: false }));
        }
        out
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        let unused: &[&str] = if self.terminate_instances {
            &[]
        } else {
            &["ec2:TerminateInstances"]
        };
        permissions_except((DEF.permissions)(kind), unused)
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    Some(Action::Cancel(Cancel {
        terminate_instances: c.flag(get(a.entries, "terminate-instances")),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::plan::{plan, Candidate};
    use serde_json::json;

    #[test]
    fn spot_cancel_then_terminate_launched_instances() {
        let open = json!({"SpotInstanceRequestId": "sir-1", "State": "open"});
        let active = json!({"SpotInstanceRequestId": "sir-2", "State": "active", "InstanceId": "i-9"});
        let closed = json!({"SpotInstanceRequestId": "sir-3", "State": "cancelled", "InstanceId": "i-8"});
        let cx = PlanContext::new(ResourceKind::SpotRequest, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap());
        let all = [Candidate::fresh(&open), Candidate::fresh(&active), Candidate::fresh(&closed)];
        let p = plan(&Action::Cancel(Cancel { terminate_instances: true }), &all, &cx);
        assert_eq!(p.requests.len(), 2);
        assert_eq!(p.requests[0].api(), "ec2:CancelSpotInstanceRequests");
        assert_eq!(p.requests[0].ids, vec!["sir-1", "sir-2"]);
        assert_eq!(p.requests[1].api(), "ec2:TerminateInstances");
        assert_eq!(p.requests[1].ids, vec!["i-9"]);
        assert_eq!(p.skipped[0].id, "sir-3");
        let p = plan(
            &Action::Cancel(Cancel {
                terminate_instances: false,
            }),
            &[Candidate::fresh(&active)],
            &cx,
        );
        assert_eq!(p.requests.len(), 1);
    }
}
