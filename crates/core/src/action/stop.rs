//! `stop`: EC2 instances that are `running` (c7n's implicit state filter; `hibernate`, `force`
//! clears stop protection), RDS instances that are `available` and eligible
//! (`c7n/resources/rds.py`, `Stop` and `_eligible_start_stop`). An EC2 instance whose root
//! device is instance store cannot be stopped: c7n's `Stop.split_on_storage` leaves it alone,
//! or terminates it with `terminate-ephemeral` (`c7n/resources/ec2.py`).

use super::plan::{batched, need_state, per_resource, PlanContext};
use super::request::{Operation, Request};
use super::{permissions_except, Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, Checker};
use crate::resource::{resource_state, ResourceKind};
use serde_json::Value;

/// The `stop` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::Stop,
    names: &["stop"],
    summary: "Stop instances. EC2: only running ones (hibernate, force). RDS: eligible engines, status available, not Aurora members or replicas.",
    example: |_| "- stop",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    ends_compute: true,
    keys: |kind| match kind {
        ResourceKind::Ec2 => &["type", "hibernate", "force", "terminate-ephemeral"],
        ResourceKind::Rds | ResourceKind::SpotRequest => &["type"],
    },
    permissions: |kind| match kind {
        ResourceKind::Ec2 => &[
            "ec2:StopInstances",
            "ec2:DescribeInstanceAttribute",
            "ec2:ModifyInstanceAttribute",
            "ec2:TerminateInstances",
        ],
        ResourceKind::Rds | ResourceKind::SpotRequest => &["rds:StopDBInstance"],
    },
    parse,
};

/// A validated `stop`.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    /// EC2: hibernate instead of stopping.
    pub hibernate: bool,
    /// EC2: clear stop protection first if the call is refused.
    pub force: bool,
    /// EC2: terminate the instances whose root device is instance store.
    pub terminate_ephemeral: bool,
}

/// Whether the instance's root device is instance store (c7n's `is_ephemeral`), as far as its
/// document says: one without `BlockDeviceMappings` at all is taken as EBS-backed.
fn ephemeral(doc: &Value) -> bool {
    doc.get("BlockDeviceMappings").is_some() && crate::resource::is_ephemeral(doc)
}

impl Behaviour for Stop {
    fn check(&self, kind: ResourceKind, doc: &Value) -> Result<(), String> {
        match kind {
            ResourceKind::Ec2 => {
                need_state(resource_state(kind, doc), &["running"], "stop")?;
                if ephemeral(doc) && !self.terminate_ephemeral {
                    return Err("root device is instance store: it cannot be stopped (terminate-ephemeral terminates it)".into());
                }
                Ok(())
            }
            ResourceKind::Rds => {
                rds_start_stop_eligible(doc)?;
                need_state(resource_state(kind, doc), &["available"], "stop")
            }
            ResourceKind::SpotRequest => Err("stop does not apply to spot requests".into()),
        }
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        match cx.kind {
            ResourceKind::Ec2 => {
                let (mut gone, mut kept) = (Vec::new(), Vec::new());
                for (doc, id) in targets.iter().zip(ids) {
                    if ephemeral(doc) { &mut gone } else { &mut kept }.push(id.clone());
                }
                let mut out = batched(&gone, Operation::Ec2TerminateInstances { force: self.force });
                out.extend(batched(
                    &kept,
                    Operation::Ec2StopInstances {
                        hibernate: self.hibernate,
                        force: self.force,
                    },
                ));
                out
            }
            ResourceKind::Rds => per_resource(targets, ids, |_, _| Operation::RdsStopDbInstance),
            ResourceKind::SpotRequest => Vec::new(),
        }
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        let mut unused: Vec<&str> = Vec::new();
        if !self.force {
            unused.extend(["ec2:DescribeInstanceAttribute", "ec2:ModifyInstanceAttribute"]);
        }
        if !self.terminate_ephemeral {
            unused.push("ec2:TerminateInstances");
        }
        permissions_except((DEF.permissions)(kind), &unused)
    }

    fn outlines(&self) -> &'static [(&'static str, &'static crate::resource::Outline)] {
        &[("BlockDeviceMappings", &crate::resource::ROOT_DEVICE)]
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    Some(Action::Stop(Stop {
        hibernate: c.flag(get(a.entries, "hibernate")),
        force: c.flag(get(a.entries, "force")),
        terminate_ephemeral: c.flag(get(a.entries, "terminate-ephemeral")),
    }))
}

/// Engines RDS can stop and start (c7n's `START_STOP_ELIGIBLE_ENGINES`, prefixes included).
const RDS_START_STOP_ENGINES: &[&str] = &["postgres", "mysql", "mariadb", "oracle-", "sqlserver-", "db2-"];

/// c7n's RDS start/stop eligibility: engine, not an Aurora member, not Multi-AZ SQL Server,
/// not a replica or a replica's source.
pub fn rds_start_stop_eligible(doc: &Value) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::plan::{plan, Candidate, EC2_BATCH};
    use serde_json::json;

    #[test]
    fn instance_store_roots_are_never_stopped_and_terminated_when_asked() {
        let root = |ebs: bool| {
            let mut m = json!({"DeviceName": "/dev/xvda"});
            if ebs {
                m["Ebs"] = json!({"VolumeId": "vol-1"});
            }
            m
        };
        let docs = [
            json!({"InstanceId": "i-ebs", "State": {"Name": "running"}, "BlockDeviceMappings": [root(true)]}),
            json!({"InstanceId": "i-store", "State": {"Name": "running"}, "BlockDeviceMappings": [root(false)]}),
            json!({"InstanceId": "i-none", "State": {"Name": "running"}, "BlockDeviceMappings": []}),
        ];
        let p = plan(&Action::Stop(Stop::default()), &fresh(&docs), &cx(ResourceKind::Ec2));
        assert_eq!(p.targets, vec!["i-ebs"]);
        assert!(p.skipped[0].reason.starts_with("root device is instance store"));
        assert_eq!(p.skipped.len(), 2, "no root mapping is ephemeral too (c7n)");
        let t = Stop {
            terminate_ephemeral: true,
            ..Stop::default()
        };
        let p = plan(&Action::Stop(t.clone()), &fresh(&docs), &cx(ResourceKind::Ec2));
        let ops: Vec<(&str, Vec<String>)> = p.requests.iter().map(|r| (r.operation.api(), r.ids.clone())).collect();
        assert_eq!(
            ops,
            vec![
                ("ec2:TerminateInstances", vec!["i-store".to_string(), "i-none".to_string()]),
                ("ec2:StopInstances", vec!["i-ebs".to_string()])
            ]
        );
        assert!(t.permissions(ResourceKind::Ec2).contains(&"ec2:TerminateInstances"));
        assert!(!Stop::default().permissions(ResourceKind::Ec2).contains(&"ec2:TerminateInstances"));
    }

    fn cx(kind: ResourceKind) -> PlanContext<'static> {
        PlanContext::new(kind, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap())
    }

    fn fresh(docs: &[Value]) -> Vec<Candidate<'_>> {
        docs.iter().map(Candidate::fresh).collect()
    }

    #[test]
    fn ec2_stop_applies_the_implicit_running_filter() {
        let docs = [
            json!({"InstanceId": "i-1", "State": {"Name": "running"}}),
            json!({"InstanceId": "i-2", "State": {"Name": "stopped"}}),
            json!({"InstanceId": "i-3", "State": {"Name": "running"}}),
        ];
        let p = plan(&Action::Stop(Stop::default()), &fresh(&docs), &cx(ResourceKind::Ec2));
        assert_eq!(p.targets, vec!["i-1", "i-3"]);
        assert_eq!(
            p.requests,
            vec![Request {
                ids: vec!["i-1".into(), "i-3".into()],
                operation: Operation::Ec2StopInstances {
                    hibernate: false,
                    force: false
                }
            }]
        );
        assert_eq!(p.skipped[0].id, "i-2");
        assert_eq!(p.skipped[0].reason, "state is 'stopped', stop needs 'running'");
        let docs: Vec<Value> = (0..250)
            .map(|i| json!({"InstanceId": format!("i-{i}"), "State": {"Name": "running"}}))
            .collect();
        let p = plan(&Action::Stop(Stop::default()), &fresh(&docs), &cx(ResourceKind::Ec2));
        assert_eq!(
            p.requests.iter().map(|r| r.ids.len()).collect::<Vec<_>>(),
            vec![EC2_BATCH, EC2_BATCH, 50]
        );
    }

    #[test]
    fn rds_stop_eligibility() {
        let docs = [
            json!({"DBInstanceIdentifier": "a", "Engine": "postgres", "DBInstanceStatus": "available"}),
            json!({"DBInstanceIdentifier": "b", "Engine": "aurora-postgresql", "DBInstanceStatus": "available", "DBClusterIdentifier": "c"}),
            json!({"DBInstanceIdentifier": "c", "Engine": "mysql", "DBInstanceStatus": "available", "ReadReplicaSourceDBInstanceIdentifier": "a"}),
            json!({"DBInstanceIdentifier": "d", "Engine": "sqlserver-se", "DBInstanceStatus": "available", "MultiAZ": true}),
            json!({"DBInstanceIdentifier": "e", "Engine": "oracle-ee", "DBInstanceStatus": "stopped"}),
        ];
        let p = plan(&Action::Stop(Stop::default()), &fresh(&docs), &cx(ResourceKind::Rds));
        assert_eq!(p.targets, vec!["a"]);
        assert_eq!(p.skipped.len(), 4);
        assert!(p.skipped[0].reason.contains("engine 'aurora-postgresql'"), "{:?}", p.skipped);
        assert!(p.skipped[3].reason.contains("'available'"));
        let p = plan(&Action::Start(crate::action::start::Start), &fresh(&docs), &cx(ResourceKind::Rds));
        assert_eq!(p.targets, vec!["e"]);
        assert_eq!(p.requests[0].api(), "rds:StartDBInstance");
    }
}
