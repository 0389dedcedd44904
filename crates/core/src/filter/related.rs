//! Filters over related documents, with Cloud Custodian's rules:
//! - `subnet`, `security-group`, `vpc` (EC2 and RDS): `c7n/filters/related.py`
//!   `RelatedResourceFilter`: a value filter over each related document the resource names;
//!   `operator: or` (default) needs one to match, `and` needs all (so `and` over none matches);
//!   a related document that no longer exists matches only `value: absent`; `match-resource`
//!   takes the value from the resource's own `key`; `value_type: resource_count` compares the
//!   number of related ids. `subnet` also reuses `operator` inside each match (c7n's
//!   `SubnetFilter.match` in `c7n/filters/vpc.py`, default `and` there).
//! - `ebs` (EC2, `AttachedVolume` in `c7n/resources/ec2.py`): the instance's volumes (those whose
//!   first attachment is the instance), minus `skip-devices`; `or` (default) any, `and` all; an
//!   instance without volumes never matches.
//! - `image` / `image-age` (EC2, `InstanceImage` / `ImageAge`): the instance's AMI; a missing AMI
//!   never matches `image` and is dated 2000-01-01 by `image-age`.
//! - `default-vpc` (EC2 and RDS, `DefaultVpcBase`): the resource's VPC is the region's default.
//! - IAM (`iam-role`, `has-specific-managed-policy`) in [`iam`]; RDS configuration (`kms-alias`,
//!   `db-option-groups`, `db-parameter`) in [`rds`]; RDS engine versions and snapshots
//!   (`engine`, `upgrade-available`, `consecutive-snapshots`) in [`rds_history`].

mod iam;
mod rds;
mod rds_history;

pub use iam::{HAS_SPECIFIC_MANAGED_POLICY, IAM_ROLE};
pub use rds::{recast, DB_OPTION_GROUPS, DB_PARAMETER, KMS_ALIAS};
pub use rds_history::{loose_cmp, upgrade_target, CONSECUTIVE_SNAPSHOTS, ENGINE, UPGRADE_AVAILABLE};

use super::age::AgeFilter;
use super::value::parse::{comparison_op, value_filter_keyed, Attributes};
use super::value::{Op, Operand, ValueFilter};
use super::{EvalContext, Filter, FilterDef, FilterInput};
use crate::input::{get, Checker, NodeValue};
use crate::resource::related::{refs, refs_root, Related};
use crate::resource::{resource_id, ResourceKind};
use serde_json::Value;
use std::collections::BTreeSet;

const VALUE_KEYS: [&str; 5] = ["key", "value", "op", "value_type", "value_regex"];

/// The `ebs` row of the filter table.
pub const EBS: FilterDef = FilterDef {
    name: "ebs",
    summary: "A value filter over the instance's EBS volumes (DescribeVolumes, once per region): operator or (default, any volume) / and (all); skip-devices leaves devices out.",
    example: "- type: ebs\n  key: Encrypted\n  value: false",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type", "key", "value", "op", "value_type", "value_regex", "operator", "skip-devices"],
    parse,
};

/// The `image` row of the filter table.
pub const IMAGE: FilterDef = FilterDef {
    name: "image",
    summary: "A value filter over the instance's AMI (DescribeImages for the AMIs in use); a deregistered AMI never matches.",
    example: "- type: image\n  key: Public\n  value: true",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type", "key", "value", "op", "value_type", "value_regex"],
    parse,
};

/// The `image-age` row of the filter table.
pub const IMAGE_AGE: FilterDef = FilterDef {
    name: "image-age",
    summary: "Age of the instance's AMI (its CreationDate; a deregistered AMI counts as created 2000-01-01). op defaults to greater-than (older than).",
    example: "- type: image-age\n  op: ge\n  days: 90",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type", "op", "days"],
    parse,
};

/// The `subnet` row of the filter table.
pub const SUBNET: FilterDef = FilterDef {
    name: "subnet",
    summary: "A value filter over the resource's subnets (EC2: its network interfaces'; RDS: its subnet group's); match-resource, operator, value_type resource_count; igw / nat: the subnet routes to an internet or NAT gateway (DescribeRouteTables).",
    example: "- type: subnet\n  key: tag:Tier\n  value: public",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    keys: &["type", "key", "value", "op", "value_type", "value_regex", "match-resource", "operator", "igw", "nat"],
    parse,
};

/// The `security-group` row of the filter table.
pub const SECURITY_GROUP: FilterDef = FilterDef {
    name: "security-group",
    summary: "A value filter over the resource's security groups (EC2: its network interfaces'; RDS: VpcSecurityGroups); match-resource, operator, value_type resource_count.",
    example: "- type: security-group\n  key: GroupName\n  value: default",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    keys: &["type", "key", "value", "op", "value_type", "value_regex", "match-resource", "operator"],
    parse,
};

/// The `vpc` row of the filter table.
pub const VPC: FilterDef = FilterDef {
    name: "vpc",
    summary: "A value filter over the resource's VPC (EC2: VpcId; RDS: its subnet group's); match-resource, operator.",
    example: "- type: vpc\n  key: tag:Environment\n  value: prod",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    keys: &[
        "type",
        "key",
        "value",
        "op",
        "value_type",
        "value_regex",
        "match-resource",
        "operator",
    ],
    parse,
};

/// The `default-vpc` row of the filter table.
pub const DEFAULT_VPC: FilterDef = FilterDef {
    name: "default-vpc",
    summary: "The resource is in its region's default VPC (DescribeVpcs, once per region).",
    example: "- default-vpc",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    keys: &["type"],
    parse,
};

/// How the matches over several related documents combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// One matches.
    Any,
    /// All match.
    All,
}

/// What a related filter tests.
#[derive(Debug, Clone)]
pub enum Test {
    /// A value filter over each related document (`None` for a `subnet` without key and value:
    /// every subnet passes).
    Value {
        /// The value filter.
        filter: Option<Box<ValueFilter>>,
        /// `match-resource`: the value is the resource's own value at the key.
        match_resource: bool,
    },
    /// `value_type: resource_count`: the number of related ids compared with the value.
    Count {
        /// The operator.
        op: Op,
        /// The count compared with.
        value: f64,
    },
    /// `image-age`: the AMI's CreationDate.
    Age(AgeFilter),
    /// `default-vpc`.
    DefaultVpc,
    /// `upgrade-available`: whether an upgrade exists (`value`), majors included (`major`).
    Upgrade {
        /// Count major-version upgrades.
        major: bool,
        /// Match when one exists (true) or when none does (false).
        value: bool,
    },
    /// `consecutive-snapshots`: one available snapshot on each of the last `days` days.
    Consecutive {
        /// Days.
        days: u32,
    },
}

/// A validated related-resource filter.
#[derive(Debug, Clone)]
pub struct RelatedFilter {
    /// The related type.
    pub related: Related,
    /// The filter's name (`ebs`, `subnet`, ...).
    pub name: &'static str,
    /// How matches over several documents combine (`operator`, default `or`).
    pub combine: Combine,
    /// `operator` as written, when it was (the `subnet` filter reads it twice).
    pub operator: Option<Combine>,
    /// What each document is tested for.
    pub test: Test,
    /// `ebs`: devices left out.
    pub skip_devices: Vec<String>,
    /// `subnet`: the subnet routes to an internet gateway (true) or not (false).
    pub igw: Option<bool>,
    /// `subnet`: the subnet routes to a NAT gateway (true) or not (false).
    pub nat: Option<bool>,
}

impl RelatedFilter {
    /// The top-level keys of the resource it reads.
    pub fn read_fields(&self, kind: ResourceKind, out: &mut BTreeSet<String>) {
        if let Some(root) = refs_root(kind, self.related) {
            out.insert(root.to_string());
        }
        if self.related == Related::AttachedRolePolicies {
            out.insert("State".to_string());
        }
        if self.related == Related::EngineVersions {
            out.insert("EngineVersion".to_string());
        }
        if let Test::Value {
            filter: Some(f),
            match_resource: true,
        } = &self.test
        {
            f.read_fields(out);
        }
    }

    /// Matches, or `None` while the related documents are not loaded.
    pub fn check(&self, doc: &Value, cx: &EvalContext) -> Option<bool> {
        match (&self.test, self.related) {
            (Test::DefaultVpc, _) => {
                let vpc = refs(cx.kind, Related::Vpcs, doc).into_iter().next();
                let all = cx.all_related(Related::Vpcs)?;
                // c7n keeps the last default VPC DescribeVpcs lists (there is one per region).
                let default = all
                    .iter()
                    .filter(|v| v.get("IsDefault") == Some(&Value::Bool(true)))
                    .filter_map(|v| v.get("VpcId").and_then(Value::as_str))
                    .next_back();
                Some(vpc.is_some() && vpc.as_deref() == default)
            }
            (Test::Age(age), _) => {
                let Some(id) = refs(cx.kind, Related::Images, doc).into_iter().next() else {
                    return Some(false);
                };
                let date = match cx.related(Related::Images, &id)? {
                    Some(image) => image.get("CreationDate").and_then(Value::as_str).and_then(crate::time::parse_date),
                    None => crate::time::parse_date("2000-01-01T01:01:01.000Z"),
                };
                Some(date.is_some_and(|d| age.compare(d, cx.now)))
            }
            (_, Related::Volumes) => self.check_volumes(doc, cx),
            (_, Related::Images) => {
                let Some(id) = refs(cx.kind, Related::Images, doc).into_iter().next() else {
                    return Some(false);
                };
                Some(match cx.related(Related::Images, &id)? {
                    Some(image) => self.test_one(image, doc, cx),
                    None => false,
                })
            }
            (_, Related::Subnets) if (self.igw.is_some() || self.nat.is_some()) && cx.all_related(Related::RouteTables).is_none() => None,
            (_, Related::Subnets | Related::SecurityGroups | Related::Vpcs | Related::Roles) => self.check_related(doc, cx),
            (_, Related::AttachedRolePolicies) => self.check_attached_policies(doc, cx),
            (_, Related::KmsAliases | Related::OptionGroups | Related::DbParameters) => self.check_rds_config(doc, cx),
            (_, Related::EngineVersions | Related::DbSnapshots) => self.check_rds_history(doc, cx),
            (_, Related::InstanceProfiles | Related::Alarms | Related::SpotRequests | Related::RouteTables) => Some(false),
        }
    }

    /// The ids of the related documents of `doc` this filter's test matches (c7n's
    /// `c7n:matched-security-groups` annotation, read by `modify-security-groups`); loaded
    /// documents only.
    pub fn matched_ids(&self, doc: &Value, cx: &EvalContext) -> Vec<String> {
        if matches!(self.test, Test::Count { .. }) {
            return Vec::new();
        }
        refs(cx.kind, self.related, doc)
            .into_iter()
            .filter(|id| match cx.related(self.related, id) {
                Some(Some(related)) => self.test_one(related, doc, cx),
                Some(None) => self.value_is("absent"),
                None => false,
            })
            .collect()
    }

    /// `c7n/filters/related.py` `RelatedResourceFilter.process_resource`.
    fn check_related(&self, doc: &Value, cx: &EvalContext) -> Option<bool> {
        let ids = match self.related {
            Related::Roles => self.role_ids(doc, cx)?,
            _ => refs(cx.kind, self.related, doc),
        };
        if let Test::Count { op, value } = self.test {
            return Some(op.compare(&Operand::Int(ids.len() as i64), &Operand::Float(value)).unwrap_or(false));
        }
        let mut found = 0;
        let mut undecided = false;
        for id in &ids {
            match cx.related(self.related, id) {
                None => undecided = true,
                Some(None) => {
                    // A related document that no longer exists has every key absent.
                    if self.value_is("absent") {
                        found += 1;
                    }
                }
                Some(Some(related)) => {
                    if self.test_one(related, doc, cx) {
                        found += 1;
                    }
                }
            }
        }
        if undecided {
            return None;
        }
        Some(match self.combine {
            Combine::Any => found > 0,
            Combine::All => found == ids.len(),
        })
    }

    /// `c7n/resources/ec2.py` `AttachedVolume`.
    fn check_volumes(&self, doc: &Value, cx: &EvalContext) -> Option<bool> {
        let instance = resource_id(cx.kind, doc);
        let mut volumes = Vec::new();
        let mut undecided = false;
        for id in refs(cx.kind, Related::Volumes, doc) {
            match cx.related(Related::Volumes, &id) {
                None => undecided = true,
                Some(None) => {}
                Some(Some(v)) => {
                    let first = v.get("Attachments").and_then(|a| a.get(0));
                    if first.and_then(|a| a.get("InstanceId")).and_then(Value::as_str) == Some(instance) {
                        volumes.push(v);
                    }
                }
            }
        }
        if undecided {
            return None;
        }
        if volumes.is_empty() {
            return Some(false);
        }
        volumes.retain(|v| {
            !v.get("Attachments").and_then(Value::as_array).into_iter().flatten().any(|a| {
                a.get("Device")
                    .and_then(Value::as_str)
                    .is_some_and(|d| self.skip_devices.iter().any(|s| s == d))
            })
        });
        Some(match self.combine {
            Combine::Any => volumes.iter().any(|v| self.test_one(v, doc, cx)),
            Combine::All => volumes.iter().all(|v| self.test_one(v, doc, cx)),
        })
    }

    /// One related document against the value test (`resource` for `match-resource`).
    fn test_one(&self, related: &Value, resource: &Value, cx: &EvalContext) -> bool {
        let Test::Value { filter, match_resource } = &self.test else {
            return false;
        };
        let value_match = match filter {
            None => true,
            Some(f) if *match_resource => {
                let mut own = f.clone();
                own.value = f.key.resolve(resource).map(|v| v.into_owned()).unwrap_or(Value::Null);
                own.matches(related, cx.now)
            }
            Some(f) => f.matches(related, cx.now),
        };
        if self.name == SUBNET.name {
            // c7n's SubnetFilter.match: op((igw, nat, value)), igw and nat True when unset, op
            // from the same `operator` key, default `and`.
            let parts = [
                self.routes_to(related, cx, self.igw, "igw"),
                self.routes_to(related, cx, self.nat, "nat"),
                value_match,
            ];
            return match self.operator.unwrap_or(Combine::All) {
                Combine::All => parts.iter().all(|p| *p),
                Combine::Any => parts.iter().any(|p| *p),
            };
        }
        value_match
    }

    /// c7n's `match_igw` / `match_nat`: the subnet's route table (its own association, else
    /// its VPC's main table; the last listed wins) has a route to an internet gateway
    /// (`GatewayId` `igw-...`) or a NAT gateway, as `want` says; no route table is no match.
    fn routes_to(&self, subnet: &Value, cx: &EvalContext, want: Option<bool>, gateway: &str) -> bool {
        let Some(want) = want else {
            return true;
        };
        let Some(tables) = cx.all_related(Related::RouteTables) else {
            return false;
        };
        let subnet_id = subnet.get("SubnetId").and_then(Value::as_str);
        let vpc_id = subnet.get("VpcId").and_then(Value::as_str);
        let associated = |main: bool| {
            tables.iter().rev().find(|t| {
                t.get("Associations").and_then(Value::as_array).into_iter().flatten().any(|a| {
                    let is_main = a.get("Main").and_then(Value::as_bool) == Some(true);
                    if main {
                        is_main && t.get("VpcId").and_then(Value::as_str) == vpc_id
                    } else {
                        !is_main && a.get("SubnetId").and_then(Value::as_str) == subnet_id
                    }
                })
            })
        };
        let Some(table) = associated(false).or_else(|| associated(true)) else {
            return false;
        };
        let found = table
            .get("Routes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|r| match gateway {
                "igw" => r.get("GatewayId").and_then(Value::as_str).is_some_and(|g| g.starts_with("igw-")),
                _ => r.get("NatGatewayId").and_then(Value::as_str).is_some_and(|g| !g.is_empty()),
            });
        found == want
    }

    fn value_is(&self, s: &str) -> bool {
        matches!(&self.test, Test::Value { filter: Some(f), .. } if f.value.as_str() == Some(s))
    }
}

fn related_of(name: &str) -> Related {
    match name {
        "ebs" => Related::Volumes,
        "image" | "image-age" => Related::Images,
        "subnet" => Related::Subnets,
        "security-group" => Related::SecurityGroups,
        "iam-role" => Related::Roles,
        "has-specific-managed-policy" => Related::AttachedRolePolicies,
        "kms-alias" => Related::KmsAliases,
        "db-option-groups" => Related::OptionGroups,
        "db-parameter" => Related::DbParameters,
        "engine" | "upgrade-available" => Related::EngineVersions,
        "consecutive-snapshots" => Related::DbSnapshots,
        _ => Related::Vpcs,
    }
}

fn parse(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    let before = c.errors();
    let def = super::def(f.name)?;
    let related = related_of(f.name);
    let name = def.name;
    let gateway = |c: &mut Checker, key: &str| match get(f.entries, key) {
        None => None,
        Some(v) => match v.value {
            NodeValue::Bool(b) => Some(b),
            _ => {
                c.at_node(v, format!("'{key}' is true or false"));
                None
            }
        },
    };
    let (igw, nat) = (gateway(c, "igw"), gateway(c, "nat"));
    // c7n: `ebs` and `subnet` default to `or` across documents, as do the other related filters.
    let operator = match get(f.entries, "operator") {
        None => None,
        Some(v) => match v.as_str() {
            Some("or") => Some(Combine::Any),
            Some("and") => Some(Combine::All),
            _ => {
                c.at_node(v, "'operator' must be 'and' or 'or'");
                None
            }
        },
    };
    let combine = operator.unwrap_or(Combine::Any);
    let skip_devices = match get(f.entries, "skip-devices") {
        Some(v) => c.string_list(v, "skip-devices"),
        None => Vec::new(),
    };
    let match_resource = c.flag(get(f.entries, "match-resource"));
    let test = if name == IMAGE_AGE.name {
        let op = comparison_op(c, get(f.entries, "op"), Op::Gt)?;
        let days = c.non_negative(get(f.entries, "days"), "days")?;
        Test::Age(AgeFilter {
            op,
            threshold: crate::time::duration(days, 0.0, 0.0),
        })
    } else if name == DEFAULT_VPC.name {
        Test::DefaultVpc
    } else if name == UPGRADE_AVAILABLE.name {
        Test::Upgrade {
            major: c.flag(get(f.entries, "major")),
            value: c.flag_or(get(f.entries, "value"), true),
        }
    } else if name == CONSECUTIVE_SNAPSHOTS.name {
        let days = match get(f.entries, "days").map(|d| (d, &d.value)) {
            Some((_, NodeValue::Int(n))) if *n >= 1 && *n <= 3650 => *n as u32,
            Some((d, _)) => {
                c.at_node(d, "'days' is a whole number of days, at least 1");
                return None;
            }
            None => {
                c.at_node(f.at, "consecutive-snapshots needs 'days'");
                return None;
            }
        };
        Test::Consecutive { days }
    } else if get(f.entries, "value_type").and_then(|n| n.as_str()) == Some("resource_count") {
        let op = comparison_op(c, get(f.entries, "op"), Op::Eq)?;
        let value = match get(f.entries, "value").map(|v| (v, &v.value)) {
            Some((_, NodeValue::Int(n))) => *n as f64,
            Some((_, NodeValue::Float(n))) => *n,
            Some((v, _)) => {
                c.at_node(v, "with value_type resource_count, 'value' is a number");
                return None;
            }
            None => {
                c.at_node(f.at, "value_type resource_count needs a 'value'");
                return None;
            }
        };
        if related == Related::Volumes || related == Related::Images {
            c.at_node(f.at, format!("value_type resource_count is not available on the {name} filter"));
        }
        Test::Count { op, value }
    } else if name == SUBNET.name
        && (get(f.entries, "key").is_none() || get(f.entries, "value").is_none())
        && (igw.is_some() || nat.is_some() || !VALUE_KEYS.iter().any(|k| get(f.entries, k).is_some()))
    {
        Test::Value {
            filter: None,
            match_resource,
        }
    } else {
        let spec = related.spec();
        let attributes = Attributes {
            name: spec.name,
            names: spec.collection.attributes,
            checked: !spec.collection.attributes.is_empty(),
        };
        let default_key = (related == Related::AttachedRolePolicies).then_some("PolicyName");
        let filter = value_filter_keyed(c, f, &attributes, default_key)?;
        if match_resource {
            // The key is read from the resource too: it must exist there (c7n's
            // MatchResourceValidator).
            if let Some(text) = get(f.entries, "key").and_then(|k| k.as_str()) {
                let k = get(f.entries, "key").map(|k| k.pos).unwrap_or(f.at.pos);
                super::value::parse::key_path(c, k, text, f.kind, f.kind_known);
            }
        }
        Test::Value {
            filter: Some(Box::new(filter)),
            match_resource,
        }
    };
    if c.errors() > before {
        return None;
    }
    Some(Filter::Related(Box::new(RelatedFilter {
        related,
        name,
        combine,
        operator,
        test,
        skip_devices,
        igw,
        nat,
    })))
}

#[cfg(test)]
mod tests;
