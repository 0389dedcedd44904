//! `resize`, with Cloud Custodian's rules.
//! - EC2 (`Resize` in `c7n/resources/ec2.py`): the new type is `type-map[current type]`, else
//!   `default`; none, or the same type, leaves the instance alone. Running and stopped
//!   instances only. `restart: true` stops a running instance, waits until it is stopped,
//!   changes its type (`ModifyInstanceAttribute`) and starts it again, so it is left in the
//!   state it was found in. Without `restart`, c7n sends the change to running instances too,
//!   which EC2 always refuses; custodian skips them with that reason instead.
//! - RDS (`ResizeInstance` in `c7n/resources/rds.py`): `AllocatedStorage` grows (or shrinks) by
//!   `percent`, rounded half up, with `ApplyImmediately` from `immediate` (default false: the
//!   next maintenance window). Available instances only.

use super::plan::{need_state, per_resource, PlanContext};
use super::request::{Operation, Request};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, number, Checker, NodeValue};
use crate::resource::{resource_state, ResourceKind};
use serde_json::Value;

/// The `resize` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::Resize,
    names: &["resize"],
    summary: "EC2: change the instance type (type-map from current type, or default; restart stops running instances first and starts them after). RDS: change AllocatedStorage by percent (immediate, default false).",
    example: |kind| match kind {
        ResourceKind::Ec2 | ResourceKind::SpotRequest => "- type: resize\n  type-map: {m5.4xlarge: m5.2xlarge}\n  restart: true",
        ResourceKind::Rds => "- type: resize\n  percent: 30\n  immediate: true",
    },
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    ends_compute: false,
    keys: |kind| match kind {
        ResourceKind::Ec2 => &["type", "type-map", "default", "restart"],
        ResourceKind::Rds | ResourceKind::SpotRequest => &["type", "percent", "immediate"],
    },
    permissions: |kind| match kind {
        ResourceKind::Ec2 => &["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"],
        ResourceKind::Rds | ResourceKind::SpotRequest => &["rds:ModifyDBInstance"],
    },
    parse,
};

/// A validated `resize`.
#[derive(Debug, Clone)]
pub enum Resize {
    /// EC2.
    Instance {
        /// Current type -> new type.
        type_map: Vec<(String, String)>,
        /// The new type of any other type.
        default: Option<String>,
        /// Stop running instances first, start them after.
        restart: bool,
    },
    /// RDS.
    Storage {
        /// Percent change of `AllocatedStorage`.
        percent: f64,
        /// `ApplyImmediately`.
        immediate: bool,
    },
}

impl Resize {
    /// The EC2 type an instance is resized to, if any.
    fn target(&self, doc: &Value) -> Option<String> {
        let Resize::Instance { type_map, default, .. } = self else {
            return None;
        };
        let current = doc.get("InstanceType").and_then(Value::as_str).unwrap_or("");
        type_map
            .iter()
            .find(|(from, _)| from == current)
            .map(|(_, to)| to.clone())
            .or_else(|| default.clone())
            .filter(|t| t != current)
    }

    /// The new `AllocatedStorage`: `(100 + percent) / 100 * old`, rounded half up.
    fn storage(&self, doc: &Value) -> Option<i64> {
        let Resize::Storage { percent, .. } = self else { return None };
        let old = doc.get("AllocatedStorage").and_then(Value::as_f64)?;
        Some(((100.0 + percent) / 100.0 * old + 0.5).floor() as i64)
    }
}

impl Behaviour for Resize {
    fn check(&self, kind: ResourceKind, doc: &Value) -> Result<(), String> {
        match self {
            Resize::Instance { restart, .. } => {
                let state = resource_state(kind, doc);
                need_state(state, &["running", "stopped"], "resize")?;
                if self.target(doc).is_none() {
                    let current = doc.get("InstanceType").and_then(Value::as_str).unwrap_or("?");
                    return Err(format!("no new type for {current}"));
                }
                if state == Some("running") && !restart {
                    return Err("running: EC2 changes the type of stopped instances only (use restart: true)".into());
                }
                Ok(())
            }
            Resize::Storage { .. } => {
                need_state(resource_state(kind, doc), &["available"], "resize")?;
                match self.storage(doc) {
                    None => Err("no AllocatedStorage".into()),
                    Some(new) if Some(new as f64) == doc.get("AllocatedStorage").and_then(Value::as_f64) => {
                        Err(format!("AllocatedStorage is already {new}"))
                    }
                    Some(_) => Ok(()),
                }
            }
        }
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        per_resource(targets, ids, |doc, _| match self {
            Resize::Instance { .. } => Operation::Ec2ModifyInstanceType {
                instance_type: self.target(doc).unwrap_or_default(),
                restart: resource_state(cx.kind, doc) == Some("running"),
            },
            Resize::Storage { immediate, .. } => Operation::RdsModifyDbInstance {
                params: vec![
                    ("AllocatedStorage".into(), Value::from(self.storage(doc).unwrap_or_default())),
                    ("ApplyImmediately".into(), Value::Bool(*immediate)),
                ],
            },
        })
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        match self {
            Resize::Instance { restart: true, .. } => (DEF.permissions)(kind).to_vec(),
            Resize::Instance { restart: false, .. } => vec!["ec2:ModifyInstanceAttribute"],
            Resize::Storage { .. } => vec!["rds:ModifyDBInstance"],
        }
    }

    fn reads(&self) -> &'static [&'static str] {
        &["InstanceType", "AllocatedStorage"]
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let before = c.errors();
    let resize = match a.kind {
        ResourceKind::Ec2 | ResourceKind::SpotRequest => {
            let type_map = match get(a.entries, "type-map") {
                None => Vec::new(),
                Some(n) => match &n.value {
                    NodeValue::Map(entries) => entries
                        .iter()
                        .filter_map(|(k, v)| match v.as_str() {
                            Some(t) => Some((k.name.clone(), t.to_string())),
                            None => {
                                c.at_node(v, "type-map values are instance types");
                                None
                            }
                        })
                        .collect(),
                    _ => {
                        c.at_node(n, "'type-map' maps current instance types to new ones");
                        Vec::new()
                    }
                },
            };
            let default = c.opt_string(get(a.entries, "default"), "default").flatten();
            if type_map.is_empty() && default.is_none() && c.errors() == before {
                c.at_node(a.at, "resize needs 'type-map' or 'default' (the new instance type)");
            }
            Resize::Instance {
                type_map,
                default,
                restart: c.flag(get(a.entries, "restart")),
            }
        }
        ResourceKind::Rds => {
            let percent = match get(a.entries, "percent") {
                None => {
                    c.at_node(a.at, "resize on aws.rds needs 'percent' (the change of AllocatedStorage)");
                    0.0
                }
                Some(n) => match number(n) {
                    Some(p) if p > -100.0 => p,
                    _ => {
                        c.at_node(n, "'percent' is a number above -100");
                        0.0
                    }
                },
            };
            Resize::Storage {
                percent,
                immediate: c.flag(get(a.entries, "immediate")),
            }
        }
    };
    if c.errors() > before {
        return None;
    }
    Some(Action::Resize(resize))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::plan::{plan, Candidate};
    use serde_json::json;

    fn action(kind: &str, yaml: &str) -> Result<Action, String> {
        let text = format!(
            "policies:\n  - name: p\n    resource: {kind}\n    actions:\n{}\n",
            yaml.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
        );
        crate::policy::load_text("p.yml", &text)
            .map(|mut p| p.remove(0).actions.remove(0))
            .map_err(|e| e[0].to_string())
    }

    #[test]
    fn ec2_type_map_default_and_restart() {
        let a = action(
            "ec2",
            "- type: resize\n  type-map: {m5.4xlarge: m5.2xlarge}\n  default: t3.large\n  restart: true",
        )
        .unwrap();
        let big = json!({"InstanceId": "i-1", "InstanceType": "m5.4xlarge", "State": {"Name": "running"}});
        let other = json!({"InstanceId": "i-2", "InstanceType": "c5.large", "State": {"Name": "stopped"}});
        let same = json!({"InstanceId": "i-3", "InstanceType": "t3.large", "State": {"Name": "stopped"}});
        let cx = PlanContext::new(ResourceKind::Ec2, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap());
        let p = plan(
            &a,
            &[Candidate::fresh(&big), Candidate::fresh(&other), Candidate::fresh(&same)],
            &cx,
        );
        assert_eq!(p.targets, vec!["i-1", "i-2"]);
        assert_eq!(
            serde_json::to_value(&p.requests).unwrap(),
            json!([
                {"api": "ec2:ModifyInstanceAttribute", "ids": ["i-1"], "params": {"InstanceType": {"Value": "m5.2xlarge"}, "StopAndStartAround": true}},
                {"api": "ec2:ModifyInstanceAttribute", "ids": ["i-2"], "params": {"InstanceType": {"Value": "t3.large"}}}
            ])
        );
        assert_eq!(p.skipped[0].reason, "no new type for t3.large");
        let no_restart = action("ec2", "- type: resize\n  default: t3.large").unwrap();
        let p = plan(&no_restart, &[Candidate::fresh(&big)], &cx);
        assert!(p.skipped[0].reason.contains("use restart: true"), "{}", p.skipped[0].reason);
        assert_eq!(no_restart.permissions(ResourceKind::Ec2), vec!["ec2:ModifyInstanceAttribute"]);
    }

    #[test]
    fn rds_storage_by_percent_rounded_half_up() {
        let a = action("rds", "- type: resize\n  percent: 30\n  immediate: true").unwrap();
        let db = json!({"DBInstanceIdentifier": "db-1", "DBInstanceStatus": "available", "AllocatedStorage": 25});
        let cx = PlanContext::new(ResourceKind::Rds, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap());
        let p = plan(&a, &[Candidate::fresh(&db)], &cx);
        // 25 * 1.3 = 32.5 -> 33.
        assert_eq!(
            serde_json::to_value(&p.requests).unwrap(),
            json!([{"api": "rds:ModifyDBInstance", "ids": ["db-1"], "params": {"AllocatedStorage": 33, "ApplyImmediately": true}}])
        );
        assert!(action("rds", "- resize").unwrap_err().contains("needs 'percent'"));
        assert!(action("ec2", "- resize").unwrap_err().contains("needs 'type-map' or 'default'"));
        assert!(action("rds", "- type: resize\n  percent: 10\n  restart: true")
            .unwrap_err()
            .contains("unknown resize action key 'restart'"));
    }
}
