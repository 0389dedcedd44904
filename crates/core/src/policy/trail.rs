//! CloudTrail shortcut names of `mode.events`: an API call's name standing for its event
//! source and the JMESPath expression that finds the resource ids in the event
//! (`c7n/cwe.py`, `CloudWatchEvents.trail_events`). Cloud Custodian's own shortcuts for
//! custodian's kinds are `RunInstances` and `CreateDBInstance`; the others are custodian's,
//! written the same way (`{source, event, ids}` spelled out works in both tools).

use crate::resource::ResourceKind;

/// One shortcut.
#[derive(Debug)]
pub struct Shortcut {
    /// The API call (`eventName`).
    pub name: &'static str,
    /// Its `eventSource`.
    pub source: &'static str,
    /// JMESPath over the event's `detail` (the CloudTrail record).
    pub ids: &'static str,
    /// The kinds whose ids it yields.
    pub kinds: &'static [ResourceKind],
    /// Whether Cloud Custodian defines it too.
    pub c7n: bool,
}

const EC2: &str = "ec2.amazonaws.com";
const RDS: &str = "rds.amazonaws.com";
const INSTANCES: &str = "responseElements.instancesSet.items[].instanceId";
const DB: &str = "requestParameters.dBInstanceIdentifier";

/// The shortcuts, by API call name.
pub const SHORTCUTS: &[Shortcut] = &[
    Shortcut {
        name: "RunInstances",
        source: EC2,
        ids: INSTANCES,
        kinds: &[ResourceKind::Ec2],
        c7n: true,
    },
    Shortcut {
        name: "StartInstances",
        source: EC2,
        ids: INSTANCES,
        kinds: &[ResourceKind::Ec2],
        c7n: false,
    },
    Shortcut {
        name: "StopInstances",
        source: EC2,
        ids: INSTANCES,
        kinds: &[ResourceKind::Ec2],
        c7n: false,
    },
    Shortcut {
        name: "ModifyInstanceAttribute",
        source: EC2,
        ids: "requestParameters.instanceId",
        kinds: &[ResourceKind::Ec2],
        c7n: false,
    },
    // Names instances, spot requests and more: each kind keeps the ids of its own prefix.
    Shortcut {
        name: "CreateTags",
        source: EC2,
        ids: "requestParameters.resourcesSet.items[].resourceId",
        kinds: &[ResourceKind::Ec2, ResourceKind::SpotRequest],
        c7n: false,
    },
    Shortcut {
        name: "DeleteTags",
        source: EC2,
        ids: "requestParameters.resourcesSet.items[].resourceId",
        kinds: &[ResourceKind::Ec2, ResourceKind::SpotRequest],
        c7n: false,
    },
    Shortcut {
        name: "RequestSpotInstances",
        source: EC2,
        ids: "responseElements.spotInstanceRequestSet.items[].spotInstanceRequestId",
        kinds: &[ResourceKind::SpotRequest],
        c7n: false,
    },
    Shortcut {
        name: "CreateDBInstance",
        source: RDS,
        ids: DB,
        kinds: &[ResourceKind::Rds],
        c7n: true,
    },
    Shortcut {
        name: "CreateDBInstanceReadReplica",
        source: RDS,
        ids: DB,
        kinds: &[ResourceKind::Rds],
        c7n: false,
    },
    Shortcut {
        name: "RestoreDBInstanceFromDBSnapshot",
        source: RDS,
        ids: DB,
        kinds: &[ResourceKind::Rds],
        c7n: false,
    },
    Shortcut {
        name: "ModifyDBInstance",
        source: RDS,
        ids: DB,
        kinds: &[ResourceKind::Rds],
        c7n: false,
    },
    Shortcut {
        name: "StartDBInstance",
        source: RDS,
        ids: DB,
        kinds: &[ResourceKind::Rds],
        c7n: false,
    },
];

/// Cloud Custodian shortcuts for resources custodian does not cover (accepted by c7n, refused
/// here with that reason).
pub const C7N_OTHER_KINDS: &[&str] = &[
    "ConsoleLogin",
    "CreateAutoScalingGroup",
    "CreateBucket",
    "CreateCluster",
    "CreateElasticsearchDomain",
    "CreateFunction",
    "CreateLoadBalancer",
    "CreateLoadBalancerPolicy",
    "CreateTable",
    "CreateVolume",
    "SetLoadBalancerPoliciesOfListener",
    "UpdateAutoScalingGroup",
];

/// The shortcut called `name`.
pub fn shortcut(name: &str) -> Option<&'static Shortcut> {
    SHORTCUTS.iter().find(|s| s.name == name)
}

/// A `mode:` for examples and tests: a cloudtrail mode on `kind`'s first shortcut.
pub fn example_mode(kind: ResourceKind) -> String {
    let name = for_kind(kind).next().map(|s| s.name).unwrap_or("RunInstances");
    format!("{{type: cloudtrail, events: [{name}]}}")
}

/// The shortcuts that yield ids of `kind`.
pub fn for_kind(kind: ResourceKind) -> impl Iterator<Item = &'static Shortcut> {
    SHORTCUTS.iter().filter(move |s| s.kinds.contains(&kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shortcut_compiles_and_is_named_once() {
        for s in SHORTCUTS {
            assert!(jmespath::compile(&format!("detail.{}", s.ids)).is_ok(), "{}", s.name);
            assert_eq!(SHORTCUTS.iter().filter(|o| o.name == s.name).count(), 1, "{}", s.name);
            assert!(!C7N_OTHER_KINDS.contains(&s.name));
        }
        assert!(C7N_OTHER_KINDS.windows(2).all(|w| w[0] < w[1]));
    }
}
