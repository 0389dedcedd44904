//! `reduce`: a filter over the whole set of resources rather than each one
//! (`c7n/filters/core.py`, `ReduceFilter`): group (`group-by`), order each group and the groups
//! (`sort-by`, `order`, `null-order`), then per group drop the first `discard` /
//! `discard-percent` and keep the first `limit` / `limit-percent`. Filters before it narrow the
//! set it sees; filters after it narrow what it kept, as in c7n's sequential evaluation. Only
//! at the top level of `filters`. `order: randomize` is a shuffle seeded by the day and the
//! resource ids, so a dry run selects exactly what the real run of that day selects.

use super::path::KeyPath;
use super::value::parse::key_path;
use super::{Filter, FilterDef, FilterInput, ALL_KINDS};
use crate::input::{get, number, Checker, Node, NodeValue};
use crate::resource::{resource_id, Resource, ResourceKind};
use jiff::Timestamp;
use regex::Regex;
use serde_json::Value;
use std::cmp::Ordering;

/// The `reduce` row of the filter table.
pub const REDUCE: FilterDef = FilterDef {
    name: "reduce",
    summary: "Over the whole set: group-by a key, order (asc, desc, reverse, randomize) by sort-by, then per group discard / discard-percent and keep limit / limit-percent.",
    example: "- type: reduce\n  group-by: tag:Team\n  order: randomize\n  limit: 2",
    kinds: ALL_KINDS,
    needs_event: false,
    keys: &["type", "group-by", "sort-by", "order", "null-order", "limit", "limit-percent", "discard", "discard-percent"],
    parse,
};

/// How values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortType {
    /// As text (the default).
    String,
    /// As numbers.
    Number,
    /// As dates.
    Date,
}

/// A `group-by` or `sort-by` key.
#[derive(Debug, Clone)]
pub struct SortKey {
    /// What to read.
    pub key: KeyPath,
    /// How to compare it.
    pub value_type: SortType,
    /// The first capture group replaces the value.
    pub value_regex: Option<Regex>,
}

/// The order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
    /// The reverse of the current order.
    Reverse,
    /// Shuffled.
    Randomize,
}

/// A validated `reduce`.
#[derive(Debug, Clone)]
pub struct Reduce {
    /// `group-by`.
    pub group_by: Option<SortKey>,
    /// `sort-by`.
    pub sort_by: Option<SortKey>,
    /// `order` (default asc).
    pub order: Order,
    /// Whether `order` was written (c7n sorts only when `sort-by` or `order` is).
    pub order_given: bool,
    /// Missing values sort first (`null-order: first`); default last.
    pub nulls_first: bool,
    /// `limit` (0: none).
    pub limit: usize,
    /// `limit-percent` (0: none).
    pub limit_percent: f64,
    /// `discard`.
    pub discard: usize,
    /// `discard-percent`.
    pub discard_percent: f64,
}

/// A value to sort by.
#[derive(Debug, Clone, PartialEq)]
enum Sortable {
    Str(String),
    Num(f64),
    Date(i128),
}

impl Sortable {
    fn cmp(&self, other: &Sortable) -> Ordering {
        match (self, other) {
            (Sortable::Str(a), Sortable::Str(b)) => a.cmp(b),
            (Sortable::Num(a), Sortable::Num(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Sortable::Date(a), Sortable::Date(b)) => a.cmp(b),
            _ => Ordering::Equal,
        }
    }

    fn group_name(&self) -> String {
        match self {
            Sortable::Str(s) => s.clone(),
            Sortable::Num(n) => n.to_string(),
            Sortable::Date(d) => d.to_string(),
        }
    }
}

impl Reduce {
    /// What c7n substitutes for a missing value, so it sorts first or last as asked.
    fn null_value(&self, t: SortType) -> Sortable {
        let first = (!self.nulls_first && self.order == Order::Desc) || (self.nulls_first && self.order != Order::Desc);
        match (t, first) {
            (SortType::Number, true) => Sortable::Num(f64::NEG_INFINITY),
            (SortType::Number, false) => Sortable::Num(f64::INFINITY),
            (SortType::Date, true) => Sortable::Date(i128::MIN),
            (SortType::Date, false) => Sortable::Date(i128::MAX),
            (SortType::String, true) => Sortable::Str(String::new()),
            (SortType::String, false) => Sortable::Str("\u{ffff}".into()),
        }
    }

    fn value(&self, key: Option<&SortKey>, doc: &Value) -> Sortable {
        let t = key.map(|k| k.value_type).unwrap_or(SortType::String);
        let Some(k) = key else { return self.null_value(t) };
        let raw = k.key.resolve(doc).map(|v| match v.as_ref() {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        let raw = match (&k.value_regex, raw) {
            (Some(re), Some(s)) => re.captures(&s).and_then(|c| c.get(1)).map(|m| m.as_str().to_string()),
            (_, r) => r,
        };
        let parsed = raw.and_then(|s| match t {
            SortType::String => Some(Sortable::Str(s)),
            SortType::Number => s.trim().parse::<f64>().ok().map(Sortable::Num),
            SortType::Date => crate::time::parse_date(&s).map(|d: Timestamp| Sortable::Date(d.as_nanosecond())),
        });
        parsed.unwrap_or_else(|| self.null_value(t))
    }

    fn reorder<T>(&self, items: &mut [T], key: impl Fn(&T) -> Sortable, shuffle_key: impl Fn(&T) -> u64) {
        match self.order {
            Order::Randomize => items.sort_by_key(|i| shuffle_key(i)),
            Order::Reverse => items.reverse(),
            Order::Asc => items.sort_by(|a, b| key(a).cmp(&key(b))),
            Order::Desc => items.sort_by(|a, b| key(b).cmp(&key(a))),
        }
    }

    /// The resources it keeps, in c7n's order.
    pub fn apply<'r>(&self, resources: Vec<&'r Resource>, kind: ResourceKind, now: Timestamp) -> Vec<&'r Resource> {
        let day = now.strftime("%Y-%m-%d").to_string();
        let shuffle = |id: &str| fnv(&format!("{day}/{id}"));
        let mut groups: Vec<(Sortable, Vec<&Resource>)> = Vec::new();
        for r in resources {
            let v = self.value(self.group_by.as_ref(), &r.view);
            let name = v.group_name();
            match groups.iter_mut().find(|(g, _)| g.group_name() == name) {
                Some((_, members)) => members.push(r),
                None => groups.push((v, vec![r])),
            }
        }
        if self.sort_by.is_some() || self.order_given {
            for (_, members) in &mut groups {
                self.reorder(
                    members,
                    |r| self.value(self.sort_by.as_ref(), &r.view),
                    |r| shuffle(resource_id(kind, &r.view)),
                );
            }
        }
        if self.group_by.is_some() || self.order_given {
            self.reorder(&mut groups, |(g, _)| g.clone(), |(g, _)| shuffle(&g.group_name()));
        }
        let mut out = Vec::new();
        for (_, members) in groups {
            let n = members.len();
            let drop = self.discard.max((self.discard_percent / 100.0 * n as f64) as usize).min(n);
            let rest = &members[drop..];
            let mut count = rest.len();
            if self.limit_percent > 0.0 {
                count = (self.limit_percent / 100.0 * rest.len() as f64) as usize;
            }
            if self.limit > 0 && self.limit < count {
                count = self.limit;
            }
            out.extend_from_slice(&rest[..count]);
        }
        out
    }

    /// Adds the top-level keys it reads.
    pub fn read_fields(&self, out: &mut std::collections::BTreeSet<String>) {
        for k in [&self.group_by, &self.sort_by].into_iter().flatten() {
            let f = super::value::ValueFilter {
                key: k.key.clone(),
                op: None,
                value: Value::Null,
                value_type: None,
                pattern: None,
                value_regex: None,
                value_from: None,
                tag_key_transforms: Vec::new(),
            };
            f.read_fields(out);
        }
    }
}

/// FNV-1a, a stable hash for the seeded shuffle.
fn fnv(s: &str) -> u64 {
    s.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn sort_key(c: &mut Checker, node: &Node, f: &FilterInput) -> Option<SortKey> {
    let (key_node, entries) = match &node.value {
        NodeValue::Str(_) => (node, None),
        NodeValue::Map(entries) => {
            c.check_keys(entries, &["key", "value_type", "value_regex"], "reduce key");
            match get(entries, "key") {
                Some(k) => (k, Some(entries)),
                None => {
                    c.at_node(node, "needs 'key'");
                    return None;
                }
            }
        }
        _ => {
            c.at_node(node, "a key, or {key, value_type, value_regex}");
            return None;
        }
    };
    let text = key_node.as_str().unwrap_or("");
    let key = key_path(c, key_node.pos, text, f.kind, f.kind_known)?;
    let value_type = match entries.and_then(|e| get(e, "value_type")) {
        None => SortType::String,
        Some(v) => match v.as_str() {
            Some("string") => SortType::String,
            Some("number") => SortType::Number,
            Some("date") => SortType::Date,
            _ => {
                c.at_node(v, "'value_type' is string, number or date");
                return None;
            }
        },
    };
    let value_regex = match entries.and_then(|e| get(e, "value_regex")) {
        None => None,
        Some(v) => match v.as_str().map(Regex::new) {
            Some(Ok(re)) if re.captures_len() >= 2 => Some(re),
            _ => {
                c.at_node(v, "'value_regex' must be a regex with one capture group");
                return None;
            }
        },
    };
    Some(SortKey {
        key,
        value_type,
        value_regex,
    })
}

fn parse(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    let before = c.errors();
    let group_by = get(f.entries, "group-by").and_then(|n| sort_key(c, n, f));
    let sort_by = get(f.entries, "sort-by").and_then(|n| sort_key(c, n, f));
    let order = match get(f.entries, "order") {
        None => Order::Asc,
        Some(v) => match v.as_str() {
            Some("asc") => Order::Asc,
            Some("desc") => Order::Desc,
            Some("reverse") => Order::Reverse,
            Some("randomize") => Order::Randomize,
            _ => {
                c.at_node(v, "'order' is asc, desc, reverse or randomize");
                Order::Asc
            }
        },
    };
    let nulls_first = match get(f.entries, "null-order").map(|v| (v, v.as_str())) {
        None | Some((_, Some("last"))) => false,
        Some((_, Some("first"))) => true,
        Some((v, _)) => {
            c.at_node(v, "'null-order' is first or last");
            false
        }
    };
    let count = |c: &mut Checker, key: &str| match get(f.entries, key) {
        None => 0,
        Some(v) => match v.value {
            NodeValue::Int(n) if n >= 0 => n as usize,
            _ => {
                c.at_node(v, format!("'{key}' must be a whole number of at least 0"));
                0
            }
        },
    };
    let percent = |c: &mut Checker, key: &str| match get(f.entries, key) {
        None => 0.0,
        Some(v) => match number(v) {
            Some(p) if (0.0..=100.0).contains(&p) => p,
            _ => {
                c.at_node(v, format!("'{key}' must be a number from 0 to 100"));
                0.0
            }
        },
    };
    let reduce = Reduce {
        group_by,
        sort_by,
        order,
        order_given: get(f.entries, "order").is_some(),
        nulls_first,
        limit: count(c, "limit"),
        limit_percent: percent(c, "limit-percent"),
        discard: count(c, "discard"),
        discard_percent: percent(c, "discard-percent"),
    };
    if c.errors() > before {
        return None;
    }
    Some(Filter::Reduce(Box::new(reduce)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resources() -> Vec<Resource> {
        [
            ("i-1", "m5", "2026-01-03"),
            ("i-2", "m5", "2026-01-01"),
            ("i-3", "c5", "2026-01-02"),
            ("i-4", "m5", "2026-01-02"),
            ("i-5", "c5", ""),
        ]
        .iter()
        .map(|(id, t, d)| {
            let mut doc = json!({"InstanceId": id, "InstanceType": t});
            if !d.is_empty() {
                doc["LaunchTime"] = json!(format!("{d}T00:00:00Z"));
            }
            Resource::from_document(doc)
        })
        .collect()
    }

    fn run(yaml: &str) -> Vec<String> {
        let p = crate::policy::load_text(
            "p.yml",
            &format!("policies:\n  - name: a\n    resource: aws.ec2\n    filters:\n      - {yaml}\n"),
        )
        .unwrap();
        let Filter::Reduce(r) = &p[0].filters[0] else { panic!() };
        let rs = resources();
        r.apply(rs.iter().collect(), ResourceKind::Ec2, "2026-06-15T12:00:00Z".parse().unwrap())
            .iter()
            .map(|r| r.view["InstanceId"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn c7n_grouping_ordering_and_limits() {
        // The oldest of each type; groups in ascending order of their key (c5 before m5).
        assert_eq!(
            run("{type: reduce, group-by: InstanceType, sort-by: {key: LaunchTime, value_type: date}, limit: 1}"),
            ["i-3", "i-2"]
        );
        // Nulls last by default, first when asked.
        assert_eq!(
            run("{type: reduce, sort-by: {key: LaunchTime, value_type: date}, order: desc}"),
            ["i-1", "i-3", "i-4", "i-2", "i-5"]
        );
        assert_eq!(
            run("{type: reduce, sort-by: {key: LaunchTime, value_type: date}, null-order: first, limit: 2}"),
            ["i-5", "i-2"]
        );
        assert_eq!(run("{type: reduce, discard: 1, limit-percent: 50}"), ["i-2", "i-3"]);
        assert_eq!(run("{type: reduce, order: reverse, limit: 2}"), ["i-5", "i-4"]);
        let shuffled = run("{type: reduce, order: randomize, limit: 3}");
        assert_eq!(shuffled.len(), 3);
        assert_eq!(
            shuffled,
            run("{type: reduce, order: randomize, limit: 3}"),
            "the same on every run of a day"
        );
    }
}
