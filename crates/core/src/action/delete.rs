//! `delete` (RDS): delete the instance with a final snapshot `Final-<id>-<timestamp>`, unless
//! `skip-snapshot` or the instance cannot have one (replicas, failed or creating instances).

use super::plan::{per_resource, PlanContext};
use super::request::{Operation, Request};
use super::{permissions_except, Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, Checker};
use crate::resource::ResourceKind;
use serde_json::Value;

/// The `delete` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::Delete,
    names: &["delete"],
    summary: "RDS: delete the instance with a final snapshot Final-<id>-<timestamp>, unless skip-snapshot.",
    example: |_| "- type: delete\n  skip-snapshot: false",
    kinds: &[ResourceKind::Rds],
    needs_event: false,
    ends_compute: true,
    keys: |_| &["type", "skip-snapshot"],
    permissions: |_| &["rds:DeleteDBInstance", "rds:CreateDBSnapshot"],
    parse,
};

/// A validated `delete`.
#[derive(Debug, Clone)]
pub struct Delete {
    /// Skip the final snapshot.
    pub skip_snapshot: bool,
}

impl Behaviour for Delete {
    fn check(&self, _kind: ResourceKind, doc: &Value) -> Result<(), String> {
        if doc.get("DBClusterIdentifier").is_some_and(|c| !c.is_null()) {
            return Err("Aurora cluster member: delete the cluster instead".into());
        }
        Ok(())
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        let ts = cx.now.strftime("%Y-%m-%d-%H-%M").to_string();
        per_resource(targets, ids, |doc, id| Operation::RdsDeleteDbInstance {
            final_snapshot: (!self.skip_snapshot && final_snapshot_possible(doc)).then(|| format!("Final-{id}-{ts}")),
        })
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        let unused: &[&str] = if self.skip_snapshot { &["rds:CreateDBSnapshot"] } else { &[] };
        permissions_except((DEF.permissions)(kind), unused)
    }
}

fn final_snapshot_possible(doc: &Value) -> bool {
    let status = doc.get("DBInstanceStatus").and_then(Value::as_str).unwrap_or("");
    let replica = doc.get("ReadReplicaSourceDBInstanceIdentifier").is_some_and(|v| !v.is_null());
    !replica && !matches!(status, "creating" | "failed" | "incompatible-restore" | "incompatible-network")
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    Some(Action::Delete(Delete {
        skip_snapshot: c.flag(get(a.entries, "skip-snapshot")),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::plan::{plan, Candidate};
    use serde_json::json;

    #[test]
    fn rds_delete_takes_a_final_snapshot_unless_told_not_to() {
        let db = json!({"DBInstanceIdentifier": "db1", "DBInstanceStatus": "available"});
        let cx = PlanContext::new(ResourceKind::Rds, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap());
        let p = plan(&Action::Delete(Delete { skip_snapshot: false }), &[Candidate::fresh(&db)], &cx);
        assert_eq!(
            p.requests[0].operation.params(),
            json!({"FinalDBSnapshotIdentifier": "Final-db1-2026-06-15-12-00"})
        );
        let p = plan(&Action::Delete(Delete { skip_snapshot: true }), &[Candidate::fresh(&db)], &cx);
        assert_eq!(p.requests[0].operation.params(), json!({"SkipFinalSnapshot": true}));
    }
}
