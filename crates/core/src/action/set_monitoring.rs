//! `set-monitoring` (EC2): detailed CloudWatch monitoring on or off, `MonitorInstances` /
//! `UnmonitorInstances` batched (`MonitorInstances` in `c7n/resources/ec2.py`); instances whose
//! `Monitoring.State` is already where it is asked to go are left alone.

use super::plan::{batched, PlanContext};
use super::request::{Operation, Request};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, Checker};
use crate::resource::ResourceKind;
use serde_json::Value;

/// The `set-monitoring` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::SetMonitoring,
    names: &["set-monitoring"],
    summary: "Turn detailed monitoring on (state: enable, MonitorInstances) or off (state: disable, UnmonitorInstances).",
    example: |_| "- type: set-monitoring\n  state: enable",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type", "state"],
    permissions: |_| &["ec2:MonitorInstances", "ec2:UnmonitorInstances"],
    parse,
};

/// A validated `set-monitoring`: enable or disable.
#[derive(Debug, Clone)]
pub struct SetMonitoring {
    /// Turn it on.
    pub enable: bool,
}

impl Behaviour for SetMonitoring {
    fn check(&self, _kind: ResourceKind, doc: &Value) -> Result<(), String> {
        let state = doc.get("Monitoring").and_then(|m| m.get("State")).and_then(Value::as_str);
        let done: &[&str] = if self.enable {
            &["enabled", "pending"]
        } else {
            &["disabled", "disabling"]
        };
        match state {
            Some(s) if done.contains(&s) => Err(format!("monitoring is already {s}")),
            _ => Ok(()),
        }
    }

    fn requests(&self, _cx: &PlanContext, _targets: &[&Value], ids: &[String]) -> Vec<Request> {
        batched(ids, Operation::Ec2MonitorInstances { enable: self.enable })
    }

    fn permissions(&self, _kind: ResourceKind) -> Vec<&'static str> {
        vec![if self.enable {
            "ec2:MonitorInstances"
        } else {
            "ec2:UnmonitorInstances"
        }]
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let enable = match get(a.entries, "state").map(|n| (n, n.as_str())) {
        Some((_, Some("enable"))) => true,
        Some((_, Some("disable"))) => false,
        Some((n, _)) => {
            c.at_node(n, "'state' is enable or disable");
            return None;
        }
        None => {
            c.at_node(a.at, "set-monitoring needs 'state' (enable or disable)");
            return None;
        }
    };
    Some(Action::SetMonitoring(SetMonitoring { enable }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::plan::{plan, Candidate};
    use serde_json::json;

    #[test]
    fn batched_and_skipping_instances_already_there() {
        let on = Action::SetMonitoring(SetMonitoring { enable: true });
        let a = json!({"InstanceId": "i-1", "Monitoring": {"State": "disabled"}});
        let b = json!({"InstanceId": "i-2", "Monitoring": {"State": "enabled"}});
        let cx = PlanContext::new(ResourceKind::Ec2, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap());
        let p = plan(&on, &[Candidate::fresh(&a), Candidate::fresh(&b)], &cx);
        assert_eq!(
            serde_json::to_value(&p.requests).unwrap(),
            json!([{"api": "ec2:MonitorInstances", "ids": ["i-1"]}])
        );
        assert_eq!(p.skipped[0].reason, "monitoring is already enabled");
    }
}
