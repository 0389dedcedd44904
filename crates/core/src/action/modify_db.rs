//! RDS `ModifyDBInstance` actions, with Cloud Custodian's rules (`c7n/resources/rds.py`):
//! - `modify-db` (`ModifyDb`): `update: [{property, value}]`, `immediate` (default false); per
//!   instance only the properties whose current value differs are sent (read at the property's
//!   own key or c7n's `conversion_map` path), and an instance with none is left alone.
//! - `set-public-access` (`RDSSetPublicAvailability`): `PubliclyAccessible` to `state` (default
//!   false); AWS applies it at once.
//! - `retention` (`RetentionWindow`): `BackupRetentionPeriod` to `days` as `enforce` says (`min`,
//!   the default: at least `days`; `max`: at most; `exact`) and `CopyTagsToSnapshot` to
//!   `copy-tags` (default true), on instances eligible for backup (available, not a cluster
//!   member, not a postgres read replica).
//!
//! Each acts on available instances only (RDS refuses to modify others).

use super::plan::{need_state, per_resource, PlanContext};
use super::request::{Operation, Request};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, number, Checker, NodeValue};
use crate::resource::{resource_state, ResourceKind};
use serde_json::Value;

/// The `modify-db` row of the action table.
pub const MODIFY_DB: ActionDef = ActionDef {
    name: ActionName::ModifyDb,
    names: &["modify-db"],
    summary: "ModifyDBInstance with update: [{property, value}] (only the properties that differ; immediate, default false).",
    example: |_| "- type: modify-db\n  update:\n    - property: DeletionProtection\n      value: true\n  immediate: true",
    kinds: &[ResourceKind::Rds],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type", "update", "immediate"],
    permissions: |_| &["rds:ModifyDBInstance"],
    parse: parse_modify_db,
};

/// The `set-public-access` row of the action table.
pub const SET_PUBLIC_ACCESS: ActionDef = ActionDef {
    name: ActionName::SetPublicAccess,
    names: &["set-public-access"],
    summary: "Set PubliclyAccessible (ModifyDBInstance) to state (default false).",
    example: |_| "- type: set-public-access\n  state: false",
    kinds: &[ResourceKind::Rds],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type", "state"],
    permissions: |_| &["rds:ModifyDBInstance"],
    parse: parse_public_access,
};

/// The `retention` row of the action table.
pub const RETENTION: ActionDef = ActionDef {
    name: ActionName::Retention,
    names: &["retention"],
    summary: "Set BackupRetentionPeriod to days (enforce min, the default / max / exact) and CopyTagsToSnapshot to copy-tags (default true) on instances eligible for backup.",
    example: |_| "- type: retention\n  days: 7\n  enforce: exact",
    kinds: &[ResourceKind::Rds],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type", "days", "copy-tags", "enforce"],
    permissions: |_| &["rds:ModifyDBInstance"],
    parse: parse_retention,
};

/// The value type of a `modify-db` property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyType {
    /// An integer.
    Int,
    /// A string.
    Str,
    /// A boolean.
    Bool,
}

/// `(property, type, where the document shows its current value)`: the `ModifyDBInstance`
/// parameters custodian sends (c7n's enumeration, less the ones named in
/// [`UNSUPPORTED_PROPERTIES`]).
pub const PROPERTIES: &[(&str, PropertyType, &str)] = &[
    ("AllocatedStorage", PropertyType::Int, "AllocatedStorage"),
    ("AllowMajorVersionUpgrade", PropertyType::Bool, "AllowMajorVersionUpgrade"),
    ("AutoMinorVersionUpgrade", PropertyType::Bool, "AutoMinorVersionUpgrade"),
    ("BackupRetentionPeriod", PropertyType::Int, "BackupRetentionPeriod"),
    ("CACertificateIdentifier", PropertyType::Str, "CACertificateIdentifier"),
    ("CertificateRotationRestart", PropertyType::Bool, "CertificateRotationRestart"),
    ("CopyTagsToSnapshot", PropertyType::Bool, "CopyTagsToSnapshot"),
    ("DBInstanceClass", PropertyType::Str, "DBInstanceClass"),
    ("DBParameterGroupName", PropertyType::Str, "DBParameterGroups.DBParameterGroupName"),
    ("DBPortNumber", PropertyType::Int, "Endpoint.Port"),
    ("DBSubnetGroupName", PropertyType::Str, "DBSubnetGroup.DBSubnetGroupName"),
    ("DeletionProtection", PropertyType::Bool, "DeletionProtection"),
    (
        "EnableIAMDatabaseAuthentication",
        PropertyType::Bool,
        "IAMDatabaseAuthenticationEnabled",
    ),
    ("EnablePerformanceInsights", PropertyType::Bool, "PerformanceInsightsEnabled"),
    ("EngineVersion", PropertyType::Str, "EngineVersion"),
    ("Iops", PropertyType::Int, "Iops"),
    ("LicenseModel", PropertyType::Str, "LicenseModel"),
    ("MaxAllocatedStorage", PropertyType::Int, "MaxAllocatedStorage"),
    ("MonitoringInterval", PropertyType::Int, "MonitoringInterval"),
    ("MonitoringRoleARN", PropertyType::Str, "MonitoringRoleArn"),
    ("MultiAZ", PropertyType::Bool, "MultiAZ"),
    ("OptionGroupName", PropertyType::Str, "OptionGroupMemberships.OptionGroupName"),
    ("PerformanceInsightsKMSKeyId", PropertyType::Str, "PerformanceInsightsKMSKeyId"),
    (
        "PerformanceInsightsRetentionPeriod",
        PropertyType::Int,
        "PerformanceInsightsRetentionPeriod",
    ),
    ("PreferredBackupWindow", PropertyType::Str, "PreferredBackupWindow"),
    ("PreferredMaintenanceWindow", PropertyType::Str, "PreferredMaintenanceWindow"),
    ("PromotionTier", PropertyType::Int, "PromotionTier"),
    ("PubliclyAccessible", PropertyType::Bool, "PubliclyAccessible"),
    ("StorageType", PropertyType::Str, "StorageType"),
];

/// c7n `modify-db` properties custodian does not send: lists and structures, secrets and
/// renames.
pub const UNSUPPORTED_PROPERTIES: &[&str] = &[
    "CloudwatchLogsExportConfiguration",
    "DBSecurityGroups",
    "Domain",
    "DomainIAMRoleName",
    "MasterUserPassword",
    "NewDBInstanceIdentifier",
    "ProcessorFeatures",
    "TdeCredentialArn",
    "TdeCredentialPassword",
    "UseDefaultProcessorFeatures",
    "VpcSecurityGroupIds",
];

/// A validated `modify-db`, `set-public-access` or `retention`.
#[derive(Debug, Clone)]
pub enum ModifyDb {
    /// `modify-db`.
    Update {
        /// `(property, value)`.
        update: Vec<(String, Value)>,
        /// `ApplyImmediately`.
        immediate: bool,
    },
    /// `set-public-access`.
    PublicAccess(bool),
    /// `retention`.
    Retention {
        /// The days.
        days: i64,
        /// `CopyTagsToSnapshot`.
        copy_tags: bool,
        /// `min`, `max` or `exact`.
        enforce: Enforce,
    },
}

/// How `retention` applies `days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enforce {
    /// At least.
    Min,
    /// At most.
    Max,
    /// Exactly.
    Exact,
}

/// The current value at a dotted path (lists searched; the first value found).
fn current<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = doc;
    for key in path.split('.') {
        v = match v {
            Value::Array(items) => items.first()?.get(key)?,
            other => other.get(key)?,
        };
    }
    match v {
        Value::Array(items) => items.first(),
        other => Some(other),
    }
}

impl ModifyDb {
    /// The parameters one instance needs (empty: nothing to change), without `ApplyImmediately`.
    fn changes(&self, doc: &Value) -> Vec<(String, Value)> {
        match self {
            ModifyDb::Update { update, .. } => update
                .iter()
                .filter(|(p, v)| {
                    let path = PROPERTIES.iter().find(|(n, _, _)| n == p).map(|(_, _, path)| *path).unwrap_or(p);
                    current(doc, path) != Some(v)
                })
                .cloned()
                .collect(),
            ModifyDb::PublicAccess(state) => {
                if doc.get("PubliclyAccessible") == Some(&Value::Bool(*state)) {
                    Vec::new()
                } else {
                    vec![("PubliclyAccessible".into(), Value::Bool(*state))]
                }
            }
            ModifyDb::Retention { days, copy_tags, enforce } => {
                let now = doc.get("BackupRetentionPeriod").and_then(Value::as_i64).unwrap_or(0);
                let want = match enforce {
                    Enforce::Min => now.max(*days),
                    Enforce::Max => now.min(*days),
                    Enforce::Exact => *days,
                };
                let tags_now = doc.get("CopyTagsToSnapshot").and_then(Value::as_bool);
                if want == now && tags_now == Some(*copy_tags) {
                    return Vec::new();
                }
                vec![
                    ("BackupRetentionPeriod".into(), Value::from(want)),
                    ("CopyTagsToSnapshot".into(), Value::Bool(*copy_tags)),
                ]
            }
        }
    }
}

impl Behaviour for ModifyDb {
    fn check(&self, kind: ResourceKind, doc: &Value) -> Result<(), String> {
        need_state(resource_state(kind, doc), &["available"], "modify")?;
        if let ModifyDb::Retention { .. } = self {
            if doc.get("DBClusterIdentifier").is_some_and(|c| !c.is_null()) {
                return Err("cluster member: its retention is the cluster's".into());
            }
            let replica = doc.get("ReadReplicaSourceDBInstanceIdentifier").is_some_and(|r| !r.is_null());
            if replica && doc.get("Engine").and_then(Value::as_str) == Some("postgres") {
                return Err("postgres read replica: no backups".into());
            }
        }
        if self.changes(doc).is_empty() {
            return Err("already as asked".into());
        }
        Ok(())
    }

    fn requests(&self, _cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        per_resource(targets, ids, |doc, _| {
            let mut params = self.changes(doc);
            if let ModifyDb::Update { immediate, .. } = self {
                params.push(("ApplyImmediately".into(), Value::Bool(*immediate)));
            }
            Operation::RdsModifyDbInstance { params }
        })
    }

    fn permissions(&self, _kind: ResourceKind) -> Vec<&'static str> {
        vec!["rds:ModifyDBInstance"]
    }

    fn reads(&self) -> &'static [&'static str] {
        &[
            "AllocatedStorage",
            "AutoMinorVersionUpgrade",
            "BackupRetentionPeriod",
            "CACertificateIdentifier",
            "CopyTagsToSnapshot",
            "DBClusterIdentifier",
            "DBInstanceClass",
            "DBParameterGroups",
            "DBSubnetGroup",
            "DeletionProtection",
            "Endpoint",
            "Engine",
            "EngineVersion",
            "IAMDatabaseAuthenticationEnabled",
            "Iops",
            "LicenseModel",
            "MaxAllocatedStorage",
            "MonitoringInterval",
            "MonitoringRoleArn",
            "MultiAZ",
            "OptionGroupMemberships",
            "PerformanceInsightsEnabled",
            "PerformanceInsightsKMSKeyId",
            "PerformanceInsightsRetentionPeriod",
            "PreferredBackupWindow",
            "PreferredMaintenanceWindow",
            "PromotionTier",
            "PubliclyAccessible",
            "ReadReplicaSourceDBInstanceIdentifier",
            "StorageType",
        ]
    }
}

fn parse_modify_db(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let before = c.errors();
    let mut update = Vec::new();
    match get(a.entries, "update").map(|n| (n, &n.value)) {
        None => c.at_node(a.at, "modify-db needs 'update' (a list of {property, value})"),
        Some((_, NodeValue::Seq(items))) => {
            for item in items {
                let Some(entries) = item.as_map() else {
                    c.at_node(item, "each update is a mapping with 'property' and 'value'");
                    continue;
                };
                c.check_keys(entries, &["property", "value"], "modify-db update");
                let (Some(p), Some(v)) = (get(entries, "property"), get(entries, "value")) else {
                    c.at_node(item, "each update has 'property' and 'value'");
                    continue;
                };
                let name = p.as_str().unwrap_or("");
                let Some((_, ty, _)) = PROPERTIES.iter().find(|(n, _, _)| *n == name) else {
                    if UNSUPPORTED_PROPERTIES.contains(&name) {
                        c.at_node(p, format!("modify-db property '{name}' is not supported by custodian yet"));
                    } else {
                        let help = crate::input::suggest(name, PROPERTIES.iter().map(|(n, _, _)| *n));
                        c.at_node_help(p, format!("unknown modify-db property '{name}'"), help);
                    }
                    continue;
                };
                let ok = matches!(
                    (ty, &v.value),
                    (PropertyType::Int, NodeValue::Int(_))
                        | (PropertyType::Str, NodeValue::Str(_))
                        | (PropertyType::Bool, NodeValue::Bool(_))
                );
                if !ok {
                    let want = match ty {
                        PropertyType::Int => "an integer",
                        PropertyType::Str => "a string",
                        PropertyType::Bool => "true or false",
                    };
                    c.at_node(v, format!("{name} takes {want}, found {}", v.kind_name()));
                    continue;
                }
                update.push((name.to_string(), v.to_json()));
            }
        }
        Some((n, _)) => c.at_node(n, "'update' is a list of {property, value}"),
    }
    let interval = update.iter().find(|(p, _)| p == "MonitoringInterval").and_then(|(_, v)| v.as_i64());
    if interval.is_some_and(|i| i > 0) && !update.iter().any(|(p, _)| p == "MonitoringRoleARN") {
        c.at_node(a.at, "a MonitoringInterval above 0 needs a MonitoringRoleARN update too");
    }
    let immediate = c.flag(get(a.entries, "immediate"));
    if c.errors() > before {
        return None;
    }
    Some(Action::ModifyDb(ModifyDb::Update { update, immediate }))
}

fn parse_public_access(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let before = c.errors();
    let state = c.flag(get(a.entries, "state"));
    (c.errors() == before).then_some(Action::ModifyDb(ModifyDb::PublicAccess(state)))
}

fn parse_retention(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let before = c.errors();
    let days = match get(a.entries, "days") {
        None => {
            c.at_node(a.at, "retention needs 'days'");
            0
        }
        Some(n) => match number(n) {
            Some(d) if (0.0..=35.0).contains(&d) && d.fract() == 0.0 => d as i64,
            _ => {
                c.at_node(n, "'days' is a whole number of days from 0 to 35 (RDS's limit)");
                0
            }
        },
    };
    let copy_tags = c.flag_or(get(a.entries, "copy-tags"), true);
    let enforce = match get(a.entries, "enforce").map(|n| (n, n.as_str())) {
        None => Enforce::Min,
        Some((_, Some("min"))) => Enforce::Min,
        Some((_, Some("max"))) => Enforce::Max,
        Some((_, Some("exact"))) => Enforce::Exact,
        Some((n, _)) => {
            c.at_node(n, "'enforce' is min, max or exact");
            Enforce::Min
        }
    };
    (c.errors() == before).then_some(Action::ModifyDb(ModifyDb::Retention { days, copy_tags, enforce }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::plan::{plan, Candidate};
    use serde_json::json;

    fn action(yaml: &str) -> Result<Action, String> {
        let text = format!(
            "policies:\n  - name: p\n    resource: rds\n    actions:\n{}\n",
            yaml.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
        );
        crate::policy::load_text("p.yml", &text)
            .map(|mut p| p.remove(0).actions.remove(0))
            .map_err(|e| e[0].to_string())
    }

    fn params(a: &Action, db: &Value) -> Value {
        let cx = PlanContext::new(ResourceKind::Rds, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap());
        let p = plan(a, &[Candidate::fresh(db)], &cx);
        match p.requests.first() {
            Some(r) => r.operation.params(),
            None => json!({"skipped": p.skipped[0].reason}),
        }
    }

    #[test]
    fn modify_db_sends_only_what_differs() {
        let a = action("- type: modify-db\n  update:\n    - {property: DeletionProtection, value: true}\n    - {property: DBParameterGroupName, value: pg-1}\n  immediate: true").unwrap();
        let db = json!({"DBInstanceIdentifier": "db-1", "DBInstanceStatus": "available", "DeletionProtection": false,
                        "DBParameterGroups": [{"DBParameterGroupName": "pg-1"}]});
        assert_eq!(params(&a, &db), json!({"DeletionProtection": true, "ApplyImmediately": true}));
        let done = json!({"DBInstanceIdentifier": "db-1", "DBInstanceStatus": "available", "DeletionProtection": true,
                          "DBParameterGroups": [{"DBParameterGroupName": "pg-1"}]});
        assert_eq!(params(&a, &done), json!({"skipped": "already as asked"}));
        assert!(
            action("- type: modify-db\n  update:\n    - {property: MasterUserPassword, value: x}")
                .unwrap_err()
                .contains("not supported by custodian yet")
        );
        assert!(action("- type: modify-db\n  update:\n    - {property: MultiAz, value: true}")
            .unwrap_err()
            .contains("did you mean 'MultiAZ'"));
        assert!(action("- type: modify-db\n  update:\n    - {property: MultiAZ, value: 'yes'}")
            .unwrap_err()
            .contains("takes true or false"));
        assert!(
            action("- type: modify-db\n  update:\n    - {property: MonitoringInterval, value: 60}")
                .unwrap_err()
                .contains("MonitoringRoleARN")
        );
    }

    #[test]
    fn public_access_and_retention() {
        let db = json!({"DBInstanceIdentifier": "db-1", "DBInstanceStatus": "available", "PubliclyAccessible": true,
                        "BackupRetentionPeriod": 3, "CopyTagsToSnapshot": true, "Engine": "postgres"});
        assert_eq!(
            params(&action("- set-public-access").unwrap(), &db),
            json!({"PubliclyAccessible": false})
        );
        let min = action("- type: retention\n  days: 7").unwrap();
        assert_eq!(params(&min, &db), json!({"BackupRetentionPeriod": 7, "CopyTagsToSnapshot": true}));
        let max = action("- type: retention\n  days: 7\n  enforce: max").unwrap();
        assert_eq!(params(&max, &db), json!({"skipped": "already as asked"}), "3 is at most 7");
        let exact = action("- type: retention\n  days: 1\n  enforce: exact\n  copy-tags: false").unwrap();
        assert_eq!(
            params(&exact, &db),
            json!({"BackupRetentionPeriod": 1, "CopyTagsToSnapshot": false})
        );
        let replica = json!({"DBInstanceIdentifier": "db-2", "DBInstanceStatus": "available", "Engine": "postgres",
                             "ReadReplicaSourceDBInstanceIdentifier": "db-1", "BackupRetentionPeriod": 0});
        assert_eq!(params(&min, &replica), json!({"skipped": "postgres read replica: no backups"}));
        assert!(action("- type: retention\n  days: 40").unwrap_err().contains("0 to 35"));
    }
}
