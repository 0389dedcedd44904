//! Planning: turns an action and the matched resources into the exact API requests a real run
//! sends (batched), plus the resources skipped by c7n's implicit state filters, with the reason.
//! A dry run is this plan without applying it.

use super::{Action, ActionName, MarkForOp};
use crate::resource::{resource_id, resource_state, ResourceKind};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{json, Value};

/// Most ids sent in one EC2 call (`CreateTags`, `DeleteTags`, `Stop/Start/TerminateInstances`,
/// `CancelSpotInstanceRequests`).
pub const EC2_BATCH: usize = 100;

/// One API request a real run sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiRequest {
    /// `service:Operation`, as in IAM.
    pub api: &'static str,
    /// The resource ids the request names.
    pub ids: Vec<String>,
    /// The other parameters (tags, flags, snapshot names).
    #[serde(skip_serializing_if = "Value::is_null")]
    pub params: Value,
}

/// A matched resource the action leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// Resource id.
    pub id: String,
    /// Why it is skipped (e.g. "state is 'stopped', stop needs 'running'").
    pub reason: String,
}

/// The plan of one action over the matched resources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionPlan {
    /// The action's canonical name.
    pub action: &'static str,
    /// Requests, in the order a real run sends them.
    pub requests: Vec<ApiRequest>,
    /// Resources the action does not touch.
    pub skipped: Vec<Skipped>,
    /// Ids the action acts on (once each).
    pub targets: Vec<String>,
}

/// What planning needs besides the action and resources.
#[derive(Debug, Clone, Copy)]
pub struct PlanContext<'a> {
    /// The resource kind.
    pub kind: ResourceKind,
    /// The region (for `{region}` in tag values).
    pub region: &'a str,
    /// "Now", from the injected clock.
    pub now: Timestamp,
}

/// Engines RDS can stop and start (c7n's `START_STOP_ELIGIBLE_ENGINES`, prefixes included).
const RDS_START_STOP_ENGINES: &[&str] = &["postgres", "mysql", "mariadb", "oracle-", "sqlserver-", "db2-"];

/// Plans one action.
pub fn plan(action: &Action, docs: &[&Value], cx: &PlanContext) -> ActionPlan {
    let mut targets: Vec<&Value> = Vec::new();
    let mut skipped = Vec::new();
    for doc in docs {
        match eligibility(action, cx.kind, doc) {
            Ok(()) => targets.push(doc),
            Err(reason) => skipped.push(Skipped {
                id: resource_id(cx.kind, doc).to_string(),
                reason,
            }),
        }
    }
    let ids: Vec<String> = targets.iter().map(|d| resource_id(cx.kind, d).to_string()).collect();
    let requests = requests(action, cx, &targets, &ids);
    ActionPlan {
        action: action.name().as_str(),
        requests,
        skipped,
        targets: ids,
    }
}

/// c7n's implicit state filters and eligibility rules.
fn eligibility(action: &Action, kind: ResourceKind, doc: &Value) -> Result<(), String> {
    let state = resource_state(kind, doc).unwrap_or("unknown");
    let need = |allowed: &[&str], verb: &str| {
        if allowed.contains(&state) {
            Ok(())
        } else {
            Err(format!("state is '{state}', {verb} needs {}", quoted(allowed)))
        }
    };
    match (kind, action) {
        (_, Action::Tag { .. } | Action::RemoveTag { .. } | Action::MarkForOp(_)) => Ok(()),
        (ResourceKind::Ec2, Action::Stop { .. }) => need(&["running"], "stop"),
        (ResourceKind::Ec2, Action::Start) => need(&["stopped"], "start"),
        (ResourceKind::Ec2, Action::Terminate { .. }) => need(&["running", "stopped", "pending", "stopping"], "terminate"),
        (ResourceKind::Rds, Action::Stop { .. }) => {
            rds_start_stop_eligible(doc)?;
            need(&["available"], "stop")
        }
        (ResourceKind::Rds, Action::Start) => {
            rds_start_stop_eligible(doc)?;
            need(&["stopped"], "start")
        }
        (ResourceKind::Rds, Action::Snapshot) => {
            if doc.get("DBClusterIdentifier").is_some_and(|c| !c.is_null()) {
                return Err("Aurora cluster member: snapshot the cluster instead".into());
            }
            need(&["available"], "snapshot")
        }
        (ResourceKind::Rds, Action::Delete { .. }) => {
            if doc.get("DBClusterIdentifier").is_some_and(|c| !c.is_null()) {
                return Err("Aurora cluster member: delete the cluster instead".into());
            }
            Ok(())
        }
        (ResourceKind::SpotRequest, Action::Cancel { .. }) => need(&["open", "active", "disabled"], "cancel"),
        _ => Err(format!("{} is not supported on {}", action.name().as_str(), kind.spec().name)),
    }
}

fn rds_start_stop_eligible(doc: &Value) -> Result<(), String> {
    let engine = doc.get("Engine").and_then(Value::as_str).unwrap_or("");
    if !RDS_START_STOP_ENGINES
        .iter()
        .any(|e| if e.ends_with('-') { engine.starts_with(e) } else { engine == *e })
    {
        return Err(format!("engine '{engine}' cannot be stopped or started"));
    }
    if doc.get("DBClusterIdentifier").is_some_and(|c| !c.is_null()) {
        return Err("Aurora cluster member: stop or start the cluster instead".into());
    }
    if engine.starts_with("sqlserver") && doc.get("MultiAZ").and_then(Value::as_bool) == Some(true) {
        return Err("Multi-AZ SQL Server cannot be stopped or started".into());
    }
    if doc.get("ReadReplicaSourceDBInstanceIdentifier").is_some_and(|v| !v.is_null()) {
        return Err("read replica cannot be stopped or started".into());
    }
    if doc
        .get("ReadReplicaDBInstanceIdentifiers")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        return Err("source of read replicas cannot be stopped or started".into());
    }
    Ok(())
}

fn quoted(states: &[&str]) -> String {
    let q: Vec<String> = states.iter().map(|s| format!("'{s}'")).collect();
    match q.len() {
        1 => q[0].clone(),
        _ => format!("{} or {}", q[..q.len() - 1].join(", "), q[q.len() - 1]),
    }
}

fn batched(api: &'static str, ids: &[String], params: Value) -> Vec<ApiRequest> {
    ids.chunks(EC2_BATCH)
        .map(|c| ApiRequest {
            api,
            ids: c.to_vec(),
            params: params.clone(),
        })
        .collect()
}

fn per_resource(api: &'static str, targets: &[&Value], ids: &[String], params: impl Fn(&Value, &str) -> Value) -> Vec<ApiRequest> {
    targets
        .iter()
        .zip(ids)
        .map(|(doc, id)| ApiRequest {
            api,
            ids: vec![id.clone()],
            params: params(doc, id),
        })
        .collect()
}

fn tag_list(tags: &[(String, String)]) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect())
}

fn requests(action: &Action, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<ApiRequest> {
    if ids.is_empty() {
        return Vec::new();
    }
    let stamp = cx.now.strftime("%Y/%m/%d %H%M UTC").to_string();
    let expand = |v: &str| v.replace("{region}", cx.region).replace("{now}", &stamp);
    let tags_to_set = match action {
        Action::Tag { tags } => Some(tags.iter().map(|(k, v)| (k.clone(), expand(v))).collect::<Vec<_>>()),
        Action::MarkForOp(m) => Some(vec![(m.tag.clone(), mark_value(m, cx.now))]),
        _ => None,
    };
    match (cx.kind, action) {
        (ResourceKind::Ec2 | ResourceKind::SpotRequest, Action::Tag { .. } | Action::MarkForOp(_)) => batched(
            "ec2:CreateTags",
            ids,
            json!({"Tags": tag_list(tags_to_set.as_deref().unwrap_or_default())}),
        ),
        (ResourceKind::Ec2 | ResourceKind::SpotRequest, Action::RemoveTag { keys }) => batched(
            "ec2:DeleteTags",
            ids,
            json!({"Tags": keys.iter().map(|k| json!({"Key": k})).collect::<Vec<_>>()}),
        ),
        (ResourceKind::Rds, Action::Tag { .. } | Action::MarkForOp(_)) => {
            let tags = tag_list(tags_to_set.as_deref().unwrap_or_default());
            per_resource(
                "rds:AddTagsToResource",
                targets,
                ids,
                |doc, _| json!({"ResourceName": arn(doc), "Tags": tags}),
            )
        }
        (ResourceKind::Rds, Action::RemoveTag { keys }) => per_resource(
            "rds:RemoveTagsFromResource",
            targets,
            ids,
            |doc, _| json!({"ResourceName": arn(doc), "TagKeys": keys}),
        ),
        (ResourceKind::Ec2, Action::Stop { hibernate, force }) => {
            let mut params = serde_json::Map::new();
            if *hibernate {
                params.insert("Hibernate".into(), json!(true));
            }
            if *force {
                params.insert("Force".into(), json!(true));
            }
            let params = if params.is_empty() { Value::Null } else { Value::Object(params) };
            batched("ec2:StopInstances", ids, params)
        }
        (ResourceKind::Ec2, Action::Start) => batched("ec2:StartInstances", ids, Value::Null),
        (ResourceKind::Ec2, Action::Terminate { force }) => batched(
            "ec2:TerminateInstances",
            ids,
            if *force { json!({"Force": true}) } else { Value::Null },
        ),
        (ResourceKind::Rds, Action::Stop { .. }) => per_resource("rds:StopDBInstance", targets, ids, |_, _| Value::Null),
        (ResourceKind::Rds, Action::Start) => per_resource("rds:StartDBInstance", targets, ids, |_, _| Value::Null),
        (ResourceKind::Rds, Action::Snapshot) => {
            let ts = cx.now.strftime("%Y-%m-%d-%H-%M").to_string();
            per_resource(
                "rds:CreateDBSnapshot",
                targets,
                ids,
                |_, id| json!({"DBSnapshotIdentifier": format!("Backup-{id}-{ts}")}),
            )
        }
        (ResourceKind::Rds, Action::Delete { skip_snapshot }) => {
            let ts = cx.now.strftime("%Y-%m-%d-%H-%M").to_string();
            per_resource("rds:DeleteDBInstance", targets, ids, |doc, id| {
                if *skip_snapshot || !final_snapshot_possible(doc) {
                    json!({"SkipFinalSnapshot": true})
                } else {
                    json!({"FinalDBSnapshotIdentifier": format!("Final-{id}-{ts}")})
                }
            })
        }
        (ResourceKind::SpotRequest, Action::Cancel { terminate_instances }) => {
            let mut out = batched("ec2:CancelSpotInstanceRequests", ids, Value::Null);
            if *terminate_instances {
                let instances: Vec<String> = targets
                    .iter()
                    .filter_map(|d| d.get("InstanceId").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect();
                out.extend(batched("ec2:TerminateInstances", &instances, Value::Null));
            }
            out
        }
        _ => Vec::new(),
    }
}

fn arn(doc: &Value) -> Value {
    doc.get("DBInstanceArn").cloned().unwrap_or(Value::Null)
}

fn final_snapshot_possible(doc: &Value) -> bool {
    let status = doc.get("DBInstanceStatus").and_then(Value::as_str).unwrap_or("");
    let replica = doc.get("ReadReplicaSourceDBInstanceIdentifier").is_some_and(|v| !v.is_null());
    !replica && !matches!(status, "creating" | "failed" | "incompatible-restore" | "incompatible-network")
}

/// The tag value `mark-for-op` writes: `msg` with `{op}` and `{action_date}` filled in, the date
/// as `YYYY/MM/DD`, or `YYYY/MM/DD HHMM ZONE` when `hours` is set (c7n's format).
pub fn mark_value(m: &MarkForOp, now: Timestamp) -> String {
    let at = now
        .checked_add(crate::time::duration(m.days, m.hours, 0.0))
        .unwrap_or(now)
        .to_zoned(m.tz.clone());
    let date = if m.hours > 0.0 {
        at.strftime("%Y/%m/%d %H%M %Z").to_string()
    } else {
        at.strftime("%Y/%m/%d").to_string()
    };
    m.msg.replace("{op}", m.op.as_str()).replace("{action_date}", &date)
}

/// The API names an action's plan may use on a kind (for `schema` and IAM).
pub fn action_apis(kind: ResourceKind, name: ActionName) -> &'static [&'static str] {
    name.permissions(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;

    fn cx(kind: ResourceKind) -> PlanContext<'static> {
        PlanContext {
            kind,
            region: "us-east-1",
            now: "2026-06-15T12:00:00Z".parse().unwrap(),
        }
    }

    fn ec2(id: &str, state: &str) -> Value {
        json!({"InstanceId": id, "State": {"Name": state}})
    }

    #[test]
    fn ec2_stop_applies_the_implicit_running_filter() {
        let docs = [ec2("i-1", "running"), ec2("i-2", "stopped"), ec2("i-3", "running")];
        let refs: Vec<&Value> = docs.iter().collect();
        let p = plan(
            &Action::Stop {
                hibernate: false,
                force: false,
            },
            &refs,
            &cx(ResourceKind::Ec2),
        );
        assert_eq!(p.targets, vec!["i-1", "i-3"]);
        assert_eq!(
            p.requests,
            vec![ApiRequest {
                api: "ec2:StopInstances",
                ids: vec!["i-1".into(), "i-3".into()],
                params: Value::Null
            }]
        );
        assert_eq!(
            p.skipped,
            vec![Skipped {
                id: "i-2".into(),
                reason: "state is 'stopped', stop needs 'running'".into()
            }]
        );
    }

    #[test]
    fn batches_at_the_limit() {
        let docs: Vec<Value> = (0..250).map(|i| ec2(&format!("i-{i}"), "stopped")).collect();
        let refs: Vec<&Value> = docs.iter().collect();
        let p = plan(&Action::Start, &refs, &cx(ResourceKind::Ec2));
        assert_eq!(p.requests.iter().map(|r| r.ids.len()).collect::<Vec<_>>(), vec![100, 100, 50]);
        let p = plan(&Action::Terminate { force: false }, &refs, &cx(ResourceKind::Ec2));
        assert_eq!(p.requests.len(), 3);
    }

    #[test]
    fn tag_values_expand_region_and_now() {
        let docs = [ec2("i-1", "terminated")];
        let refs: Vec<&Value> = docs.iter().collect();
        let p = plan(
            &Action::Tag {
                tags: vec![("seen".into(), "{region} {now}".into())],
            },
            &refs,
            &cx(ResourceKind::Ec2),
        );
        assert_eq!(
            p.requests[0].params,
            json!({"Tags": [{"Key": "seen", "Value": "us-east-1 2026/06/15 1200 UTC"}]})
        );
    }

    #[test]
    fn mark_for_op_uses_c7n_format() {
        let mut m = MarkForOp {
            tag: "maid_status".into(),
            op: ActionName::Stop,
            msg: super::super::DEFAULT_MARK_MSG.into(),
            days: 4.0,
            hours: 0.0,
            tz: TimeZone::UTC,
        };
        let now: Timestamp = "2026-06-15T12:00:00Z".parse().unwrap();
        assert_eq!(mark_value(&m, now), "Resource does not meet policy: stop@2026/06/19");
        m.days = 0.0;
        m.hours = 6.0;
        m.tz = crate::time::resolve_tz("et").unwrap().0;
        assert_eq!(mark_value(&m, now), "Resource does not meet policy: stop@2026/06/15 1400 EDT");
    }

    #[test]
    fn rds_stop_eligibility() {
        let ok = json!({"DBInstanceIdentifier": "a", "Engine": "postgres", "DBInstanceStatus": "available"});
        let aurora = json!({"DBInstanceIdentifier": "b", "Engine": "aurora-postgresql", "DBInstanceStatus": "available", "DBClusterIdentifier": "c"});
        let replica = json!({"DBInstanceIdentifier": "c", "Engine": "mysql", "DBInstanceStatus": "available", "ReadReplicaSourceDBInstanceIdentifier": "a"});
        let sqlmaz = json!({"DBInstanceIdentifier": "d", "Engine": "sqlserver-se", "DBInstanceStatus": "available", "MultiAZ": true});
        let stopped = json!({"DBInstanceIdentifier": "e", "Engine": "oracle-ee", "DBInstanceStatus": "stopped"});
        let docs = [&ok, &aurora, &replica, &sqlmaz, &stopped];
        let p = plan(
            &Action::Stop {
                hibernate: false,
                force: false,
            },
            &docs,
            &cx(ResourceKind::Rds),
        );
        assert_eq!(p.targets, vec!["a"]);
        assert_eq!(p.skipped.len(), 4);
        assert!(p.skipped[0].reason.contains("engine 'aurora-postgresql'"), "{:?}", p.skipped);
        assert!(p.skipped[3].reason.contains("'available'"));
        let p = plan(&Action::Start, &docs, &cx(ResourceKind::Rds));
        assert_eq!(p.targets, vec!["e"]);
        assert_eq!(p.requests[0].api, "rds:StartDBInstance");
    }

    #[test]
    fn rds_delete_takes_a_final_snapshot_unless_told_not_to() {
        let db = json!({"DBInstanceIdentifier": "db1", "DBInstanceStatus": "available"});
        let p = plan(&Action::Delete { skip_snapshot: false }, &[&db], &cx(ResourceKind::Rds));
        assert_eq!(
            p.requests[0].params,
            json!({"FinalDBSnapshotIdentifier": "Final-db1-2026-06-15-12-00"})
        );
        let p = plan(&Action::Delete { skip_snapshot: true }, &[&db], &cx(ResourceKind::Rds));
        assert_eq!(p.requests[0].params, json!({"SkipFinalSnapshot": true}));
    }

    #[test]
    fn spot_cancel_then_terminate_launched_instances() {
        let open = json!({"SpotInstanceRequestId": "sir-1", "State": "open"});
        let active = json!({"SpotInstanceRequestId": "sir-2", "State": "active", "InstanceId": "i-9"});
        let closed = json!({"SpotInstanceRequestId": "sir-3", "State": "cancelled", "InstanceId": "i-8"});
        let p = plan(
            &Action::Cancel { terminate_instances: true },
            &[&open, &active, &closed],
            &cx(ResourceKind::SpotRequest),
        );
        assert_eq!(p.requests.len(), 2);
        assert_eq!(p.requests[0].api, "ec2:CancelSpotInstanceRequests");
        assert_eq!(p.requests[0].ids, vec!["sir-1", "sir-2"]);
        assert_eq!(p.requests[1].api, "ec2:TerminateInstances");
        assert_eq!(p.requests[1].ids, vec!["i-9"]);
        assert_eq!(p.skipped[0].id, "sir-3");
        let p = plan(
            &Action::Cancel {
                terminate_instances: false,
            },
            &[&active],
            &cx(ResourceKind::SpotRequest),
        );
        assert_eq!(p.requests.len(), 1);
    }
}
