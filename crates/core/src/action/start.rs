//! `start`: EC2 instances that are `stopped`, RDS instances that are `stopped` and eligible.

use super::plan::{batched, need_state, per_resource, PlanContext};
use super::request::{Operation, Request};
use super::stop::rds_start_stop_eligible;
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::Checker;
use crate::resource::{resource_state, ResourceKind};
use serde_json::Value;

/// The `start` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::Start,
    names: &["start"],
    summary: "Start instances. EC2: only stopped ones. RDS: eligible and stopped.",
    example: |_| "- start",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type"],
    permissions: |kind| match kind {
        ResourceKind::Ec2 => &["ec2:StartInstances"],
        ResourceKind::Rds | ResourceKind::SpotRequest => &["rds:StartDBInstance"],
    },
    parse,
};

/// A validated `start`.
#[derive(Debug, Clone)]
pub struct Start;

impl Behaviour for Start {
    fn check(&self, kind: ResourceKind, doc: &Value) -> Result<(), String> {
        match kind {
            ResourceKind::Ec2 => need_state(resource_state(kind, doc), &["stopped"], "start"),
            ResourceKind::Rds => {
                rds_start_stop_eligible(doc)?;
                need_state(resource_state(kind, doc), &["stopped"], "start")
            }
            ResourceKind::SpotRequest => Err("start does not apply to spot requests".into()),
        }
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        match cx.kind {
            ResourceKind::Ec2 => batched(ids, Operation::Ec2StartInstances),
            ResourceKind::Rds => per_resource(targets, ids, |_, _| Operation::RdsStartDbInstance),
            ResourceKind::SpotRequest => Vec::new(),
        }
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        (DEF.permissions)(kind).to_vec()
    }
}

fn parse(_c: &mut Checker, _a: &ActionInput) -> Option<Action> {
    Some(Action::Start(Start))
}
