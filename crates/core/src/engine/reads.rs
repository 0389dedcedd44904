//! What a set of policies reads besides the resource documents: the related types, the
//! instance attributes and the metric filters (what `custodian snapshot --policies` records).

use crate::filter::metrics::Metrics;
use crate::filter::Filter;
use crate::policy::Policy;
use crate::resource::related::Related;
use crate::resource::ResourceKind;
use std::collections::BTreeSet;

/// What policies read beyond their resources.
#[derive(Debug, Default)]
pub struct PolicyReads<'p> {
    /// Related types.
    pub related: BTreeSet<Related>,
    /// Instance attributes (`DescribeInstanceAttribute` names).
    pub attributes: BTreeSet<&'static str>,
    /// The `metrics` filters, with the kind of their policy.
    pub metrics: Vec<(ResourceKind, &'p Metrics)>,
}

/// What `policies` read.
pub fn policy_reads(policies: &[Policy]) -> PolicyReads<'_> {
    let mut out = PolicyReads::default();
    for p in policies {
        walk(&p.filters, p.kind, &mut out);
        for a in &p.actions {
            match a {
                crate::action::Action::ModifySecurityGroups(_) => {
                    out.related.insert(Related::SecurityGroups);
                }
                crate::action::Action::PropagateSpotTags(_) => {
                    out.related.insert(Related::SpotRequests);
                }
                _ => {}
            }
        }
    }
    out
}

fn walk<'p>(filters: &'p [Filter], kind: ResourceKind, out: &mut PolicyReads<'p>) {
    for f in filters {
        match f {
            Filter::And(c) | Filter::Or(c) | Filter::Not(c) => walk(c, kind, out),
            Filter::Related(r) => {
                out.related.insert(r.related);
                if matches!(r.related, Related::Roles | Related::AttachedRolePolicies) {
                    out.related.insert(Related::InstanceProfiles);
                }
                if r.igw.is_some() || r.nat.is_some() {
                    out.related.insert(Related::RouteTables);
                }
            }
            Filter::Singleton => {
                out.related.insert(Related::Alarms);
            }
            Filter::NetworkLocation(_) => {
                out.related.extend([Related::Subnets, Related::SecurityGroups]);
            }
            Filter::Attribute(a) => {
                out.attributes.insert(a.attribute());
            }
            Filter::Metrics(m) => out.metrics.push((kind, m)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_collected_through_boolean_blocks() {
        let text = "policies:\n  - name: p\n    resource: ec2\n    filters:\n      - or:\n          - type: iam-role\n            key: RoleName\n            value: x\n          - not:\n              - termination-protected\n      - singleton\n      - type: metrics\n        name: CPUUtilization\n        value: 1\n        op: lt\n    actions:\n      - type: modify-security-groups\n        add: sg-1\n";
        let p = crate::policy::load_text("p.yml", text).unwrap();
        let r = policy_reads(&p);
        assert_eq!(
            r.related.into_iter().collect::<Vec<_>>(),
            vec![Related::SecurityGroups, Related::InstanceProfiles, Related::Roles, Related::Alarms]
        );
        assert_eq!(r.attributes.into_iter().collect::<Vec<_>>(), vec!["disableApiTermination"]);
        assert_eq!(r.metrics.len(), 1);
    }
}
