//! `network-location` (EC2, RDS): whether a resource, its subnets and its security groups
//! agree on one attribute (a tag, usually), Cloud Custodian's `NetworkLocation`
//! (`c7n/filters/vpc.py`): `compare` (default subnet, security-group, resource), `key`,
//! `match` (`not-equal`, the default, matches resources with a problem; `equal` those without;
//! `in`: every compared value in `value`), `max-cardinality` (distinct values allowed among
//! subnets or groups, default 1), `missing-ok`, `ignore` (subnets and groups with one of these
//! key/values are left out). Values are Python-truthy ones (an empty string counts as absent
//! in the value sets, as `filter(None, ...)` does). The security groups whose value differs
//! from the resource's (c7n's `SecurityGroupMismatch`) are what `modify-security-groups
//! remove: network-location` removes.

use super::path::KeyPath;
use super::{EvalContext, Filter, FilterDef, FilterInput};
use crate::input::{get, Checker, NodeValue};
use crate::resource::related::{refs, Related};
use crate::resource::ResourceKind;
use serde_json::Value;
use std::collections::BTreeSet;

/// The `network-location` row of the filter table.
pub const NETWORK_LOCATION: FilterDef = FilterDef {
    name: "network-location",
    summary: "The resource, its subnets and its security groups disagree on `key` (match: not-equal, the default), agree (equal), or all take values in `value` (in); compare, max-cardinality, missing-ok, ignore.",
    example: "- type: network-location\n  compare: [resource, security-group]\n  key: tag:TEAM_NAME\n  ignore:\n    - tag:TEAM_NAME: Enterprise",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    keys: &["type", "key", "compare", "match", "max-cardinality", "missing-ok", "ignore", "value"],
    parse,
};

/// How `network-location` decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Some disagreement (c7n's default).
    NotEqual,
    /// No disagreement.
    Equal,
    /// Every compared value is one of `value`.
    In,
}

/// A validated `network-location`.
#[derive(Debug, Clone)]
pub struct NetworkLocation {
    key: KeyPath,
    subnets: bool,
    groups: bool,
    resource: bool,
    max_cardinality: usize,
    matching: Match,
    missing_ok: bool,
    ignore: Vec<(KeyPath, Value)>,
    values: Vec<Value>,
}

/// Python truthiness: `None`, `""`, `0`, `false`, empty lists and maps are false.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The distinct truthy values, in order (c7n's `set(filter(None, values))`).
fn space(values: &[(String, Option<Value>)]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in values.iter().filter_map(|(_, v)| v.as_ref()).filter(|v| truthy(v)) {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

fn same_set(a: &[Value], b: &[Value]) -> bool {
    a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
}

/// What one evaluation found.
struct Verdict {
    problems: usize,
    mismatched_groups: Vec<String>,
}

impl NetworkLocation {
    /// Top-level keys of the resource it reads.
    pub fn read_fields(&self, kind: ResourceKind, out: &mut BTreeSet<String>) {
        for r in [Related::Subnets, Related::SecurityGroups] {
            if let Some(root) = crate::resource::related::refs_root(kind, r) {
                out.insert(root.to_string());
            }
        }
        match &self.key {
            KeyPath::Tag(_) => {
                out.insert("Tags".into());
            }
            k => {
                out.extend(k.root().map(str::to_string));
                out.insert(k.text());
            }
        }
    }

    /// The related documents of `doc` of type `r` that exist and are not ignored, with ids;
    /// `None` until loaded.
    fn related<'a>(&self, r: Related, doc: &Value, cx: &EvalContext<'a>) -> Option<Vec<(String, &'a Value)>> {
        let mut out = Vec::new();
        let mut undecided = false;
        for id in refs(cx.kind, r, doc) {
            match cx.related(r, &id) {
                None => undecided = true,
                Some(None) => {}
                Some(Some(d)) => {
                    let ignored = self.ignore.iter().any(|(k, v)| k.resolve(d).as_deref() == Some(v));
                    if !ignored {
                        out.push((id, d));
                    }
                }
            }
        }
        (!undecided).then_some(out)
    }

    fn value_of(&self, doc: &Value) -> Option<Value> {
        self.key.resolve(doc).map(|v| v.into_owned())
    }

    fn evaluate(&self, doc: &Value, cx: &EvalContext) -> Option<Verdict> {
        let groups = self.related(Related::SecurityGroups, doc, cx)?;
        let subnets = self.related(Related::Subnets, doc, cx)?;
        let values = |docs: &[(String, &Value)]| -> Vec<(String, Option<Value>)> {
            docs.iter().map(|(id, d)| (id.clone(), self.value_of(d))).collect()
        };
        let (subnet_values, group_values) = (values(&subnets), values(&groups));
        let missing = |vals: &[(String, Option<Value>)]| !self.missing_ok && vals.iter().any(|(_, v)| v.is_none());
        let r_value = self.value_of(doc);
        if self.matching == Match::In {
            let allowed = |v: &Value| self.values.contains(v);
            let ok = (!self.subnets || (!missing(&subnet_values) && space(&subnet_values).iter().all(allowed)))
                && (!self.groups || (!missing(&group_values) && space(&group_values).iter().all(allowed)))
                && (!self.resource
                    || match &r_value {
                        None if !self.missing_ok => false,
                        v => v.as_ref().is_some_and(allowed),
                    });
            return Some(Verdict {
                problems: usize::from(!ok),
                mismatched_groups: Vec::new(),
            });
        }
        let mut problems = 0;
        let (subnet_space, group_space) = (space(&subnet_values), space(&group_values));
        if self.subnets {
            problems += usize::from(missing(&subnet_values));
            problems += usize::from(subnet_space.len() > self.max_cardinality);
        }
        if self.groups {
            problems += usize::from(missing(&group_values));
            problems += usize::from(group_space.len() > self.max_cardinality);
        }
        if self.subnets && self.groups && !same_set(&subnet_space, &group_space) {
            problems += 1;
        }
        let mut mismatched_groups = Vec::new();
        if self.resource {
            let absent = r_value.is_none();
            let in_space = |space: &[Value]| r_value.as_ref().is_some_and(|v| space.contains(v));
            // c7n's elif chain: one problem at most from these.
            let mismatch = (self.groups && !groups.is_empty() && !in_space(&group_space))
                || (self.subnets && !subnets.is_empty() && !in_space(&subnet_space));
            if (!self.missing_ok && absent) || mismatch {
                problems += 1;
            }
            if self.groups {
                mismatched_groups = group_values
                    .iter()
                    .filter(|(_, v)| *v != r_value)
                    .map(|(id, _)| id.clone())
                    .collect();
                problems += usize::from(!mismatched_groups.is_empty());
            }
        }
        Some(Verdict {
            problems,
            mismatched_groups,
        })
    }

    /// Matches, or `None` while the subnets and groups are not loaded.
    pub fn check(&self, doc: &Value, cx: &EvalContext) -> Option<bool> {
        let v = self.evaluate(doc, cx)?;
        Some(match self.matching {
            Match::NotEqual => v.problems > 0,
            Match::Equal | Match::In => v.problems == 0,
        })
    }

    /// The security groups whose value differs from the resource's (c7n's
    /// `SecurityGroupMismatch`), when the filter matches the resource.
    pub fn mismatched_groups(&self, doc: &Value, cx: &EvalContext) -> Vec<String> {
        match (self.matching, self.evaluate(doc, cx)) {
            (Match::NotEqual, Some(v)) if v.problems > 0 => v.mismatched_groups,
            _ => Vec::new(),
        }
    }
}

fn parse(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    let before = c.errors();
    let key = match get(f.entries, "key").map(|k| (k, k.as_str())) {
        Some((k, Some(text))) => match KeyPath::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                c.at_node(k, e);
                None
            }
        },
        Some((k, None)) => {
            c.at_node(k, "'key' must be a string");
            None
        }
        None => {
            c.at_node(f.at, "network-location needs 'key'");
            None
        }
    };
    let (mut subnets, mut groups, mut resource) = (true, true, true);
    if let Some(n) = get(f.entries, "compare") {
        (subnets, groups, resource) = (false, false, false);
        for item in c.string_list(n, "compare") {
            match item.as_str() {
                "subnet" => subnets = true,
                "security-group" => groups = true,
                "resource" => resource = true,
                other => c.at_node(n, format!("'compare' takes resource, subnet, security-group, not '{other}'")),
            }
        }
    }
    let matching = match get(f.entries, "match").map(|m| (m, m.as_str())) {
        None => Match::NotEqual,
        Some((_, Some("not-equal"))) => Match::NotEqual,
        Some((_, Some("equal"))) => Match::Equal,
        Some((_, Some("in"))) => Match::In,
        Some((m, _)) => {
            c.at_node(m, "'match' is not-equal, equal or in");
            Match::NotEqual
        }
    };
    let max_cardinality = match get(f.entries, "max-cardinality").map(|n| (n, &n.value)) {
        None => 1,
        Some((_, NodeValue::Int(n))) if *n >= 0 => *n as usize,
        Some((n, _)) => {
            c.at_node(n, "'max-cardinality' is a whole number");
            1
        }
    };
    let missing_ok = c.flag(get(f.entries, "missing-ok"));
    let mut ignore = Vec::new();
    if let Some(n) = get(f.entries, "ignore") {
        match &n.value {
            NodeValue::Seq(items) => {
                for item in items {
                    match item.as_map() {
                        Some(pairs) => {
                            for (k, v) in pairs {
                                match KeyPath::parse(&k.name) {
                                    Ok(p) => ignore.push((p, v.to_json())),
                                    Err(e) => c.at_key(k, e),
                                }
                            }
                        }
                        None => c.at_node(item, "each 'ignore' entry is a mapping of key to value"),
                    }
                }
            }
            _ => c.at_node(n, "'ignore' is a list of {key: value} mappings"),
        }
    }
    let values: Vec<Value> = get(f.entries, "value")
        .map(|v| c.string_list(v, "value").into_iter().map(Value::String).collect())
        .unwrap_or_default();
    if matching == Match::In && values.is_empty() && c.errors() == before {
        c.at_node(f.at, "match: in needs the allowed 'value' list");
    }
    if c.errors() > before {
        return None;
    }
    Some(Filter::NetworkLocation(Box::new(NetworkLocation {
        key: key?,
        subnets,
        groups,
        resource,
        max_cardinality,
        matching,
        missing_ok,
        ignore,
        values,
    })))
}

#[cfg(test)]
#[path = "tests/network_location.rs"]
mod tests;
