//! `modify-security-groups` (EC2, RDS), Cloud Custodian's `ModifyVpcSecurityGroupsAction`
//! (`c7n/actions/network.py`) with its EC2 and RDS senders (`c7n/resources/ec2.py`,
//! `c7n/resources/rds.py`). For each network interface (EC2) or instance (RDS): start from its
//! groups, drop `remove` (ids, names, `matched`: the groups the policy's `security-group`
//! filters matched, `all`), append `add` (ids, names) and the groups of the same VPC tagged as
//! `add-by-tag` says; when nothing is left, use `isolation-group`. Names resolve to the group of
//! that name in the resource's VPC (`DescribeSecurityGroups`, once per region); a name that does
//! not resolve leaves the resource alone with the reason (c7n fails the whole action).
//! Interfaces whose groups would not change get no call. Aurora cluster members are left alone
//! (c7n modifies their cluster). `remove: network-location` removes the groups the policy's
//! `network-location` filters found differing from the resource (`SecurityGroupMismatch`).

use super::plan::{GroupAnnotations, PlanContext};
use super::request::{Operation, Request};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, Checker, Node, NodeValue};
use crate::resource::details::Need;
use crate::resource::related::Related;
use crate::resource::{resource_id, ResourceKind};
use serde_json::Value;

/// The `modify-security-groups` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::ModifySecurityGroups,
    names: &["modify-security-groups"],
    summary: "Change security groups: remove (ids, names, matched, network-location, all), add (ids, names), add-by-tag, isolation-group when none is left. EC2: per network interface (ModifyNetworkInterfaceAttribute); RDS: ModifyDBInstance.",
    example: |_| "- type: modify-security-groups\n  remove: matched\n  isolation-group: sg-0123456789abcdef0",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type", "add", "remove", "isolation-group", "add-by-tag"],
    permissions: |kind| match kind {
        ResourceKind::Rds => &["rds:ModifyDBInstance", "ec2:DescribeSecurityGroups"],
        ResourceKind::Ec2 | ResourceKind::SpotRequest => &["ec2:ModifyNetworkInterfaceAttribute", "ec2:DescribeSecurityGroups"],
    },
    parse,
};

/// What `remove` names.
#[derive(Debug, Clone, PartialEq)]
pub enum Remove {
    /// Group ids or names.
    Groups(Vec<String>),
    /// The groups the policy's `security-group` filters matched on the resource.
    Matched,
    /// The groups the policy's `network-location` filters found differing from the resource.
    NetworkLocation,
    /// Every group.
    All,
}

/// A validated `modify-security-groups`.
#[derive(Debug, Clone)]
pub struct ModifySecurityGroups {
    /// Groups added (ids or names).
    pub add: Vec<String>,
    /// Groups removed.
    pub remove: Remove,
    /// Groups set when none would be left (ids or names).
    pub isolation: Vec<String>,
    /// `add-by-tag`: the tag key and values of groups to add.
    pub add_by_tag: Option<(String, Vec<String>)>,
}

/// One attachment point: an EC2 network interface, or the RDS instance itself.
struct Attachment<'d> {
    interface: Option<&'d str>,
    vpc: Option<&'d str>,
    groups: Vec<String>,
}

fn attachments<'d>(kind: ResourceKind, doc: &'d Value) -> Vec<Attachment<'d>> {
    let ids = |v: Option<&'d Value>, key: &str| -> Vec<String> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|g| g.get(key).and_then(Value::as_str).map(str::to_string))
            .collect()
    };
    match kind {
        ResourceKind::Ec2 => doc
            .get("NetworkInterfaces")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|eni| Attachment {
                interface: eni.get("NetworkInterfaceId").and_then(Value::as_str),
                vpc: eni
                    .get("VpcId")
                    .and_then(Value::as_str)
                    .or(doc.get("VpcId").and_then(Value::as_str)),
                groups: ids(eni.get("Groups"), "GroupId"),
            })
            .collect(),
        ResourceKind::Rds => vec![Attachment {
            interface: None,
            vpc: doc.pointer("/DBSubnetGroup/VpcId").and_then(Value::as_str),
            groups: ids(doc.get("VpcSecurityGroups"), "VpcSecurityGroupId"),
        }],
        ResourceKind::SpotRequest => Vec::new(),
    }
}

/// New groups for one attachment: the interface (EC2; `None` for an RDS instance) and all its
/// groups.
type Change = (Option<String>, Vec<String>);

fn is_id(g: &str) -> bool {
    g.starts_with("sg-")
}

impl ModifySecurityGroups {
    fn names(&self) -> impl Iterator<Item = &String> {
        let removed = match &self.remove {
            Remove::Groups(g) => g.as_slice(),
            Remove::Matched | Remove::NetworkLocation | Remove::All => &[],
        };
        self.add.iter().chain(removed).chain(&self.isolation).filter(|g| !is_id(g))
    }

    /// Whether it reads the region's security groups (names or `add-by-tag`).
    fn reads_groups(&self) -> bool {
        self.add_by_tag.is_some() || self.names().next().is_some()
    }

    /// `ids` with names resolved to the group of that name in `vpc`.
    fn resolve(&self, cx: &PlanContext, vpc: Option<&str>, ids: &[String], rid: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for g in ids {
            if is_id(g) {
                out.push(g.clone());
                continue;
            }
            let Some(vpc) = vpc else {
                return Err(format!("{rid} is not in a VPC: the group name '{g}' cannot be resolved"));
            };
            let found = cx
                .details
                .and_then(|d| d.all_related(Related::SecurityGroups))
                .ok_or_else(|| "the region's security groups were not read".to_string())?
                .into_iter()
                .rfind(|s| s.get("GroupName").and_then(Value::as_str) == Some(g) && s.get("VpcId").and_then(Value::as_str) == Some(vpc))
                .and_then(|s| s.get("GroupId").and_then(Value::as_str));
            match found {
                Some(id) => out.push(id.to_string()),
                None => return Err(format!("no security group named '{g}' in {vpc}")),
            }
        }
        Ok(out)
    }

    /// The groups each attachment should end with (`get_groups`), only where they change.
    fn plan_for(&self, cx: &PlanContext, doc: &Value) -> Result<Vec<Change>, String> {
        if cx.kind == ResourceKind::Rds && doc.get("DBClusterIdentifier").is_some_and(|c| !c.is_null()) {
            return Err("Aurora cluster member: modify the cluster's security groups instead".into());
        }
        let rid = resource_id(cx.kind, doc);
        let annotated = |pick: fn(&GroupAnnotations) -> &std::collections::HashMap<String, Vec<String>>| -> Vec<String> {
            cx.groups.and_then(|g| pick(g).get(rid)).cloned().unwrap_or_default()
        };
        let mut out = Vec::new();
        for a in attachments(cx.kind, doc) {
            let add = self.resolve(cx, a.vpc, &self.add, rid)?;
            let isolation = self.resolve(cx, a.vpc, &self.isolation, rid)?;
            let remove = match &self.remove {
                Remove::Groups(g) => self.resolve(cx, a.vpc, g, rid)?,
                Remove::Matched => annotated(|g| &g.matched),
                Remove::NetworkLocation => annotated(|g| &g.mismatched),
                Remove::All => a.groups.clone(),
            };
            let mut tagged = Vec::new();
            if let Some((key, values)) = &self.add_by_tag {
                let all = cx
                    .details
                    .and_then(|d| d.all_related(Related::SecurityGroups))
                    .ok_or_else(|| "the region's security groups were not read".to_string())?;
                for s in all {
                    let tag = crate::resource::tags(s).find(|(k, _)| k == key).map(|(_, v)| v);
                    if tag.is_some_and(|v| values.iter().any(|x| x == v)) && s.get("VpcId").and_then(Value::as_str) == a.vpc {
                        tagged.extend(s.get("GroupId").and_then(Value::as_str).map(str::to_string));
                    }
                }
            }
            let mut groups = a.groups.clone();
            groups.retain(|g| !remove.contains(g));
            for g in add.into_iter().chain(tagged) {
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
            if groups.is_empty() {
                groups = isolation;
            }
            if groups.is_empty() {
                return Err("no security group would be left (give an isolation-group)".into());
            }
            if groups != a.groups {
                out.push((a.interface.map(str::to_string), groups));
            }
        }
        if out.is_empty() {
            return Err("its security groups are already as asked".into());
        }
        Ok(out)
    }
}

impl Behaviour for ModifySecurityGroups {
    fn check(&self, _kind: ResourceKind, _doc: &Value) -> Result<(), String> {
        Ok(())
    }

    fn check_with(&self, cx: &PlanContext, doc: &Value) -> Result<(), String> {
        self.plan_for(cx, doc).map(|_| ())
    }

    fn needs(&self, _doc: &Value) -> Vec<Need> {
        if self.reads_groups() {
            vec![Need::Related(Related::SecurityGroups, String::new())]
        } else {
            Vec::new()
        }
    }

    fn wants_matched_groups(&self) -> bool {
        matches!(self.remove, Remove::Matched | Remove::NetworkLocation)
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        let mut out = Vec::new();
        for (doc, id) in targets.iter().zip(ids) {
            let Ok(changes) = self.plan_for(cx, doc) else {
                continue;
            };
            for (interface, groups) in changes {
                let operation = match interface {
                    Some(interface) => Operation::Ec2ModifyNetworkInterfaceGroups { interface, groups },
                    None => Operation::RdsModifyDbInstance {
                        params: vec![(
                            "VpcSecurityGroupIds".into(),
                            Value::Array(groups.into_iter().map(Value::String).collect()),
                        )],
                    },
                };
                out.push(Request {
                    ids: vec![id.clone()],
                    operation,
                });
            }
        }
        out
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        let all = (DEF.permissions)(kind);
        all.iter()
            .copied()
            .filter(|p| *p != "ec2:DescribeSecurityGroups" || self.reads_groups())
            .collect()
    }

    fn reads(&self) -> &'static [&'static str] {
        &[
            "NetworkInterfaces",
            "VpcId",
            "VpcSecurityGroups",
            "DBSubnetGroup",
            "DBClusterIdentifier",
        ]
    }
}

fn groups(c: &mut Checker, node: &Node, what: &str) -> Vec<String> {
    match &node.value {
        NodeValue::Str(s) => vec![s.clone()],
        _ => c.string_list(node, what),
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let before = c.errors();
    let add = get(a.entries, "add").map(|n| groups(c, n, "add")).unwrap_or_default();
    let isolation = get(a.entries, "isolation-group")
        .map(|n| groups(c, n, "isolation-group"))
        .unwrap_or_default();
    let remove_node = get(a.entries, "remove");
    let remove = match remove_node.map(|n| (n, n.as_str())) {
        None => Remove::Groups(Vec::new()),
        Some((_, Some("matched"))) => Remove::Matched,
        Some((_, Some("all"))) => Remove::All,
        Some((_, Some("network-location"))) => Remove::NetworkLocation,
        Some((n, _)) => Remove::Groups(groups(c, n, "remove")),
    };
    let add_by_tag = match get(a.entries, "add-by-tag") {
        None => None,
        Some(n) => match n.as_map() {
            Some(e) => {
                c.check_keys(e, &["key", "values"], "add-by-tag");
                match (get(e, "key").and_then(|k| k.as_str()), get(e, "values")) {
                    (Some(k), Some(v)) => Some((k.to_string(), c.string_list(v, "values"))),
                    _ => {
                        c.at_node(n, "add-by-tag needs 'key' and 'values'");
                        None
                    }
                }
            }
            None => {
                c.at_node(n, "add-by-tag is a mapping with 'key' and 'values'");
                None
            }
        },
    };
    // c7n's schema: isolation-group with remove, or add (with or without remove), or add-by-tag.
    let valid = (!isolation.is_empty() && remove_node.is_some()) || !add.is_empty() || add_by_tag.is_some();
    if !valid && c.errors() == before {
        c.at_node(
            a.at,
            "modify-security-groups needs 'add', 'add-by-tag', or 'remove' with 'isolation-group'",
        );
    }
    if remove == Remove::All && isolation.is_empty() {
        if let Some(n) = remove_node {
            c.at_node(n, "remove: all needs an isolation-group");
        }
    }
    if c.errors() > before {
        return None;
    }
    Some(Action::ModifySecurityGroups(ModifySecurityGroups {
        add,
        remove,
        isolation,
        add_by_tag,
    }))
}

#[cfg(test)]
#[path = "tests/modify_security_groups.rs"]
mod tests;
