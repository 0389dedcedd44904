//! `terminate`: EC2 instances that are running, stopped, pending or stopping (`force` clears
//! termination protection when AWS refuses).

use super::plan::{batched, need_state, PlanContext};
use super::request::{Operation, Request};
use super::{permissions_except, Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, Checker};
use crate::resource::{resource_state, ResourceKind};
use serde_json::Value;

/// The `terminate` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::Terminate,
    names: &["terminate"],
    summary: "Terminate EC2 instances that are running, stopped, pending or stopping (force: clear termination protection).",
    example: |_| "- type: terminate\n  force: true",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    ends_compute: true,
    keys: |_| &["type", "force"],
    permissions: |_| {
        &[
            "ec2:TerminateInstances",
            "ec2:DescribeInstanceAttribute",
            "ec2:ModifyInstanceAttribute",
        ]
    },
    parse,
};

/// A validated `terminate`.
#[derive(Debug, Clone)]
pub struct Terminate {
    /// Clear termination protection first if the call is refused.
    pub force: bool,
}

impl Behaviour for Terminate {
    fn check(&self, kind: ResourceKind, doc: &Value) -> Result<(), String> {
        need_state(
            resource_state(kind, doc),
            &["running", "stopped", "pending", "stopping"],
            "terminate",
        )
    }

    fn requests(&self, _cx: &PlanContext, _targets: &[&Value], ids: &[String]) -> Vec<Request> {
        batched(ids, Operation::Ec2TerminateInstances { force: self.force })
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        let unused: &[&str] = if self.force {
            &[]
        } else {
            &["ec2:DescribeInstanceAttribute", "ec2:ModifyInstanceAttribute"]
        };
        permissions_except((DEF.permissions)(kind), unused)
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    Some(Action::Terminate(Terminate {
        force: c.flag(get(a.entries, "force")),
    }))
}
