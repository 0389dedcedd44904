//! `delete` (RDS): delete the instance with a final snapshot `Final-<id>-<timestamp>`, unless
//! `skip-snapshot` or the instance cannot have one (replicas, failed or creating instances).
//! `copy-restore-info` first tags the instance with what a restore needs and turns on
//! `CopyTagsToSnapshot`, so the final snapshot carries it (`c7n/resources/rds.py`, `Delete`
//! and `copy_restore_info`, whose tag values are kept exactly: security group ids joined
//! without a separator, `MultiAZ` as Python prints a boolean).

use super::plan::PlanContext;
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
    keys: |_| &["type", "skip-snapshot", "copy-restore-info"],
    permissions: |_| {
        &[
            "rds:DeleteDBInstance",
            "rds:CreateDBSnapshot",
            "rds:AddTagsToResource",
            "rds:ModifyDBInstance",
        ]
    },
    parse,
};

/// A validated `delete`.
#[derive(Debug, Clone)]
pub struct Delete {
    /// Skip the final snapshot.
    pub skip_snapshot: bool,
    /// Tag the instance with its restore settings first (copied to the final snapshot).
    pub copy_restore_info: bool,
}

/// c7n's restore-info tags.
fn restore_info(doc: &Value) -> Vec<(String, String)> {
    let s = |p: &str| doc.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
    let groups: String = doc
        .get("VpcSecurityGroups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| g.get("VpcSecurityGroupId").and_then(Value::as_str))
        .collect();
    let multi_az = match doc.get("MultiAZ").and_then(Value::as_bool) {
        Some(true) => "True",
        _ => "False",
    };
    vec![
        ("VPCSecurityGroups".into(), groups),
        ("OptionGroupName".into(), s("/OptionGroupMemberships/0/OptionGroupName")),
        ("ParameterGroupName".into(), s("/DBParameterGroups/0/DBParameterGroupName")),
        ("InstanceClass".into(), s("/DBInstanceClass")),
        ("StorageType".into(), s("/StorageType")),
        ("MultiAZ".into(), multi_az.into()),
        ("DBSubnetGroupName".into(), s("/DBSubnetGroup/DBSubnetGroupName")),
    ]
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
        let mut out = Vec::new();
        for (doc, id) in targets.iter().zip(ids) {
            let one = |operation| Request {
                ids: vec![id.clone()],
                operation,
            };
            if self.copy_restore_info {
                out.push(one(Operation::RdsAddTagsToResource {
                    arn: super::tag::rds_arn(doc),
                    tags: restore_info(doc),
                }));
                if doc.get("CopyTagsToSnapshot").and_then(Value::as_bool) != Some(true) {
                    out.push(one(Operation::RdsModifyDbInstance {
                        params: vec![("CopyTagsToSnapshot".into(), Value::Bool(true))],
                    }));
                }
            }
            out.push(one(Operation::RdsDeleteDbInstance {
                final_snapshot: (!self.skip_snapshot && final_snapshot_possible(doc)).then(|| format!("Final-{id}-{ts}")),
            }));
        }
        out
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        let mut unused: Vec<&str> = Vec::new();
        if self.skip_snapshot {
            unused.push("rds:CreateDBSnapshot");
        }
        if !self.copy_restore_info {
            unused.extend(["rds:AddTagsToResource", "rds:ModifyDBInstance"]);
        }
        permissions_except((DEF.permissions)(kind), &unused)
    }

    fn reads(&self) -> &'static [&'static str] {
        &[
            "VpcSecurityGroups",
            "OptionGroupMemberships",
            "DBParameterGroups",
            "DBInstanceClass",
            "StorageType",
            "MultiAZ",
            "DBSubnetGroup",
            "CopyTagsToSnapshot",
        ]
    }
}

fn final_snapshot_possible(doc: &Value) -> bool {
    let status = doc.get("DBInstanceStatus").and_then(Value::as_str).unwrap_or("");
    let replica = doc.get("ReadReplicaSourceDBInstanceIdentifier").is_some_and(|v| !v.is_null());
    !replica && !matches!(status, "creating" | "failed" | "incompatible-restore" | "incompatible-network")
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let skip_snapshot = c.flag(get(a.entries, "skip-snapshot"));
    let copy_restore_info = c.flag(get(a.entries, "copy-restore-info"));
    if skip_snapshot && copy_restore_info {
        if let Some(n) = get(a.entries, "copy-restore-info") {
            c.at_node(n, "copy-restore-info needs the final snapshot: it cannot go with skip-snapshot");
        }
        return None;
    }
    Some(Action::Delete(Delete {
        skip_snapshot,
        copy_restore_info,
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
        let delete = |skip_snapshot, copy_restore_info| {
            Action::Delete(Delete {
                skip_snapshot,
                copy_restore_info,
            })
        };
        let p = plan(&delete(false, false), &[Candidate::fresh(&db)], &cx);
        assert_eq!(
            p.requests[0].operation.params(),
            json!({"FinalDBSnapshotIdentifier": "Final-db1-2026-06-15-12-00"})
        );
        let p = plan(&delete(true, false), &[Candidate::fresh(&db)], &cx);
        assert_eq!(p.requests[0].operation.params(), json!({"SkipFinalSnapshot": true}));
    }

    #[test]
    fn copy_restore_info_tags_then_copies_tags_to_the_final_snapshot() {
        let db = json!({"DBInstanceIdentifier": "db1", "DBInstanceStatus": "available",
            "DBInstanceArn": "arn:aws:rds:us-east-1:1:db:db1",
            "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1"}, {"VpcSecurityGroupId": "sg-2"}],
            "OptionGroupMemberships": [{"OptionGroupName": "default:mysql-8-0"}],
            "DBParameterGroups": [{"DBParameterGroupName": "default.mysql8.0"}],
            "DBInstanceClass": "db.t3.micro", "StorageType": "gp3", "MultiAZ": false,
            "DBSubnetGroup": {"DBSubnetGroupName": "default"}, "CopyTagsToSnapshot": false});
        let cx = PlanContext::new(ResourceKind::Rds, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap());
        let action = Action::Delete(Delete {
            skip_snapshot: false,
            copy_restore_info: true,
        });
        let p = plan(&action, &[Candidate::fresh(&db)], &cx);
        let apis: Vec<&str> = p.requests.iter().map(|r| r.operation.api()).collect();
        assert_eq!(apis, vec!["rds:AddTagsToResource", "rds:ModifyDBInstance", "rds:DeleteDBInstance"]);
        match &p.requests[0].operation {
            Operation::RdsAddTagsToResource { tags, .. } => {
                assert_eq!(
                    tags[0],
                    ("VPCSecurityGroups".into(), "sg-1sg-2".into()),
                    "c7n joins without a separator"
                );
                assert_eq!(tags[5], ("MultiAZ".into(), "False".into()));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(p.requests[1].operation.params(), json!({"CopyTagsToSnapshot": true}));
        let text = "policies:\n  - name: p\n    resource: rds\n    actions:\n      - type: delete\n        skip-snapshot: true\n        copy-restore-info: true\n";
        let e = crate::policy::load_text("p.yml", text).unwrap_err();
        assert!(e[0].to_string().contains("cannot go with skip-snapshot"), "{}", e[0]);
    }
}
