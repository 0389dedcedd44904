//! `snapshot` (RDS): a manual snapshot named `Backup-<id>-<timestamp>` of available instances
//! that are not Aurora members.

use super::plan::{need_state, per_resource, PlanContext};
use super::request::{Operation, Request};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::Checker;
use crate::resource::{resource_state, ResourceKind};
use serde_json::Value;

/// The `snapshot` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::Snapshot,
    names: &["snapshot"],
    summary: "RDS: take a manual snapshot named Backup-<id>-<timestamp> (available instances, not Aurora members).",
    example: "- snapshot",
    kinds: &[ResourceKind::Rds],
    ends_compute: false,
    keys: |_| &["type"],
    permissions: |_| &["rds:CreateDBSnapshot"],
    parse,
};

/// A validated `snapshot`.
#[derive(Debug, Clone)]
pub struct Snapshot;

impl Behaviour for Snapshot {
    fn check(&self, kind: ResourceKind, doc: &Value) -> Result<(), String> {
        if doc.get("DBClusterIdentifier").is_some_and(|c| !c.is_null()) {
            return Err("Aurora cluster member: snapshot the cluster instead".into());
        }
        need_state(resource_state(kind, doc), &["available"], "snapshot")
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        let ts = cx.now.strftime("%Y-%m-%d-%H-%M").to_string();
        per_resource(targets, ids, |_, id| Operation::RdsCreateDbSnapshot {
            snapshot: format!("Backup-{id}-{ts}"),
        })
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        (DEF.permissions)(kind).to_vec()
    }
}

fn parse(_c: &mut Checker, _a: &ActionInput) -> Option<Action> {
    Some(Action::Snapshot(Snapshot))
}
