//! Filters: the validated filter tree and its evaluation over resource documents.

pub mod path;
pub mod value;

use crate::resource::ResourceKind;
use crate::time::parse_date_in;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
pub use value::{Op, ValueFilter, ValueType};

/// Every filter type name custodian accepts, for suggestions and `schema`.
pub const FILTER_TYPES: &[&str] = &[
    "value",
    "and",
    "or",
    "not",
    "instance-age",
    "state-age",
    "tag-count",
    "marked-for-op",
];

/// A validated filter.
#[derive(Debug, Clone)]
pub enum Filter {
    /// `value` (and its shorthands).
    Value(ValueFilter),
    /// `and`: every child matches.
    And(Vec<Filter>),
    /// `or`: any child matches.
    Or(Vec<Filter>),
    /// `not`: the children, taken as an `and`, do not match.
    Not(Vec<Filter>),
    /// `instance-age`: age of the resource compared with a threshold.
    InstanceAge(AgeFilter),
    /// `state-age`: time since the last state transition (EC2 `StateTransitionReason`).
    StateAge(AgeFilter),
    /// `tag-count`: number of tags, not counting `aws:` ones.
    TagCount {
        /// Compared count.
        count: i64,
        /// Operator (default `gte`).
        op: Op,
    },
    /// `marked-for-op`: the resource carries a `mark-for-op` tag whose date has come.
    MarkedForOp(MarkedForOp),
    /// `offhour` / `onhour`: the resource's schedule says stop / start now.
    OffHours(Box<crate::schedule::OffHours>),
}

/// `instance-age` / `state-age`: `op(now - threshold, resource_date)`, c7n's argument order.
#[derive(Debug, Clone)]
pub struct AgeFilter {
    /// Operator (default `greater-than`: older than the threshold).
    pub op: Op,
    /// The threshold age.
    pub threshold: SignedDuration,
}

/// `marked-for-op`.
#[derive(Debug, Clone)]
pub struct MarkedForOp {
    /// Tag key (default `maid_status`).
    pub tag: String,
    /// Action the mark must name (default `stop`).
    pub op: String,
    /// Match this long before the marked date.
    pub skew: SignedDuration,
    /// Zone for marks without a zone.
    pub tz: TimeZone,
}

/// Everything a filter needs besides the document.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    /// The resource kind.
    pub kind: ResourceKind,
    /// "Now", from the injected clock.
    pub now: Timestamp,
    /// Where off-hours filters record opt-outs, unparsable tags and tag lint.
    pub notes: Option<&'a crate::schedule::ScheduleNotes>,
}

impl Filter {
    /// Does the document match?
    pub fn matches(&self, doc: &Value, cx: &EvalContext) -> bool {
        match self {
            Filter::Value(v) => v.matches(doc, cx.now),
            Filter::And(children) => children.iter().all(|f| f.matches(doc, cx)),
            Filter::Or(children) => children.iter().any(|f| f.matches(doc, cx)),
            Filter::Not(children) => !children.iter().all(|f| f.matches(doc, cx)),
            Filter::InstanceAge(age) => match launch_date(cx.kind, doc) {
                Some(date) => age.compare(date, cx.now),
                None => false,
            },
            Filter::StateAge(age) => match state_transition_date(doc) {
                Some(date) => age.compare(date, cx.now),
                None => false,
            },
            Filter::TagCount { count, op } => {
                let n = tags(doc).filter(|(k, _)| !k.starts_with("aws:")).count() as i64;
                op.compare(&value::Operand::Int(n), &value::Operand::Int(*count)).unwrap_or(false)
            }
            Filter::MarkedForOp(m) => m.matches(doc, cx.now),
            Filter::OffHours(o) => o.matches(cx.kind, doc, cx.now, cx.notes),
        }
    }
}

impl Filter {
    /// Adds the top-level document keys this filter reads to `out`.
    pub fn read_fields(&self, kind: ResourceKind, out: &mut std::collections::BTreeSet<String>) {
        match self {
            Filter::Value(v) => match &v.key {
                path::KeyPath::Tag(_) => {
                    out.insert("Tags".into());
                }
                path::KeyPath::Path { text, .. } => {
                    out.insert(text.clone());
                    if let Some(root) = v.key.root() {
                        out.insert(root.to_string());
                    }
                }
            },
            Filter::And(c) | Filter::Or(c) | Filter::Not(c) => c.iter().for_each(|f| f.read_fields(kind, out)),
            Filter::InstanceAge(_) => {
                out.insert(kind.spec().date_field.into());
                if kind == ResourceKind::Ec2 {
                    out.insert("BlockDeviceMappings".into());
                }
            }
            Filter::StateAge(_) => {
                out.insert("StateTransitionReason".into());
            }
            Filter::TagCount { .. } | Filter::MarkedForOp(_) => {
                out.insert("Tags".into());
            }
            Filter::OffHours(_) => {
                out.insert("Tags".into());
                out.insert("State".into());
            }
        }
    }
}

impl AgeFilter {
    fn compare(&self, date: Timestamp, now: Timestamp) -> bool {
        let Ok(threshold) = now.checked_sub(self.threshold) else {
            return false;
        };
        self.op
            .compare(&value::Operand::Date(threshold), &value::Operand::Date(date))
            .unwrap_or(false)
    }
}

/// The `(Key, Value)` pairs of a document's `Tags`.
pub fn tags(doc: &Value) -> impl Iterator<Item = (&str, &str)> {
    doc.get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| Some((t.get("Key")?.as_str()?, t.get("Value").and_then(Value::as_str).unwrap_or(""))))
}

/// The `(Key, Value)` pairs of a `[{"Key": ..., "Value": ...}]` list (a missing value reads "").
pub fn tag_pairs(list: Option<&Value>) -> Vec<(String, String)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some((
                t.get("Key")?.as_str()?.to_string(),
                t.get("Value").and_then(Value::as_str).unwrap_or("").to_string(),
            ))
        })
        .collect()
}

/// The strings of a JSON list (other items and a missing list give nothing).
pub fn string_list(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect()
}

/// The date `instance-age` uses: for EC2 the oldest EBS `AttachTime` (survives stop/start),
/// falling back to `LaunchTime`; for other kinds their creation date.
pub fn launch_date(kind: ResourceKind, doc: &Value) -> Option<Timestamp> {
    if kind == ResourceKind::Ec2 {
        let oldest_attach = doc
            .get("BlockDeviceMappings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|b| b.get("Ebs")?.get("AttachTime")?.as_str())
            .filter_map(crate::time::parse_date)
            .min();
        if oldest_attach.is_some() {
            return oldest_attach;
        }
    }
    crate::time::parse_date(doc.get(kind.spec().date_field)?.as_str()?)
}

/// The date inside an EC2 `StateTransitionReason`, e.g. `User initiated (2016-08-04 17:44:15 GMT)`.
pub fn state_transition_date(doc: &Value) -> Option<Timestamp> {
    let reason = doc.get("StateTransitionReason")?.as_str()?;
    let start = reason.find('(')?;
    let end = start + reason[start..].find(')')?;
    crate::time::parse_date(&reason[start + 1..end])
}

impl MarkedForOp {
    fn matches(&self, doc: &Value, now: Timestamp) -> bool {
        let Some((_, v)) = tags(doc).find(|(k, _)| *k == self.tag) else {
            return false;
        };
        if !v.contains(':') || !v.contains('@') {
            return false;
        }
        let target = v.rsplit_once(':').map(|(_, t)| t.trim()).unwrap_or("");
        let Some((action, date)) = target.split_once('@') else {
            return false;
        };
        if action != self.op {
            return false;
        }
        match parse_date_in(date, &self.tz) {
            Some(at) => at.checked_sub(self.skew).is_ok_and(|due| now >= due),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cx(kind: ResourceKind) -> EvalContext<'static> {
        EvalContext {
            kind,
            now: "2026-06-15T12:00:00Z".parse().unwrap(),
            notes: None,
        }
    }

    fn age(op: &str, days: f64) -> AgeFilter {
        AgeFilter {
            op: Op::from_name(op).unwrap(),
            threshold: crate::time::duration(days, 0.0, 0.0),
        }
    }

    fn vf(key: &str, value: Value) -> Filter {
        Filter::Value(ValueFilter {
            key: path::KeyPath::parse(key).unwrap(),
            op: None,
            value,
            value_type: None,
            pattern: None,
            value_regex: None,
        })
    }

    #[test]
    fn boolean_blocks_nest() {
        let doc = json!({"A": 1, "B": 2});
        let c = cx(ResourceKind::Ec2);
        let f = Filter::Or(vec![
            vf("A", json!(5)),
            Filter::And(vec![vf("A", json!(1)), Filter::Not(vec![vf("B", json!(3))])]),
        ]);
        assert!(f.matches(&doc, &c));
        let f = Filter::Not(vec![vf("A", json!(1)), vf("B", json!(2))]);
        assert!(!f.matches(&doc, &c), "not of an and that matches");
        let f = Filter::Not(vec![vf("A", json!(1)), vf("B", json!(3))]);
        assert!(f.matches(&doc, &c));
        assert!(Filter::And(vec![]).matches(&doc, &c), "empty and matches all");
        assert!(!Filter::Or(vec![]).matches(&doc, &c), "empty or matches none");
    }

    #[test]
    fn instance_age_prefers_oldest_ebs_attach_time() {
        let doc = json!({
            "LaunchTime": "2026-06-14T12:00:00Z",
            "BlockDeviceMappings": [
                {"Ebs": {"AttachTime": "2026-05-01T00:00:00Z"}},
                {"Ebs": {"AttachTime": "2026-03-01T00:00:00Z"}}
            ]
        });
        let c = cx(ResourceKind::Ec2);
        assert!(Filter::InstanceAge(age("gt", 90.0)).matches(&doc, &c));
        assert!(!Filter::InstanceAge(age("gt", 120.0)).matches(&doc, &c));
        let no_ebs = json!({"LaunchTime": "2026-06-14T12:00:00Z", "BlockDeviceMappings": []});
        assert!(!Filter::InstanceAge(age("gt", 2.0)).matches(&no_ebs, &c));
        assert!(Filter::InstanceAge(age("lt", 2.0)).matches(&no_ebs, &c));
        let hours = AgeFilter {
            op: Op::Gt,
            threshold: crate::time::duration(0.0, 23.0, 0.0),
        };
        assert!(Filter::InstanceAge(hours).matches(&no_ebs, &c));
        assert!(!Filter::InstanceAge(age("gt", 1.0)).matches(&json!({}), &c), "no date: no match");
    }

    #[test]
    fn instance_age_uses_kind_date_field() {
        let spot = json!({"CreateTime": "2026-06-15T06:00:00Z"});
        let four_hours = AgeFilter {
            op: Op::Gt,
            threshold: crate::time::duration(0.0, 4.0, 0.0),
        };
        assert!(Filter::InstanceAge(four_hours).matches(&spot, &cx(ResourceKind::SpotRequest)));
        let db = json!({"InstanceCreateTime": "2026-06-10T12:00:00Z"});
        assert!(Filter::InstanceAge(age("ge", 5.0)).matches(&db, &cx(ResourceKind::Rds)));
    }

    #[test]
    fn state_age_reads_the_transition_reason() {
        let doc = json!({"StateTransitionReason": "User initiated (2026-06-01 10:00:00 GMT)"});
        let c = cx(ResourceKind::Ec2);
        assert!(Filter::StateAge(age("gt", 14.0)).matches(&doc, &c));
        assert!(!Filter::StateAge(age("gt", 15.0)).matches(&doc, &c));
        assert!(!Filter::StateAge(age("gt", 0.0)).matches(&json!({"StateTransitionReason": ""}), &c));
    }

    #[test]
    fn tag_count_ignores_aws_tags() {
        let doc = json!({"Tags": [{"Key": "a", "Value": "1"}, {"Key": "aws:cloudformation:stack-name", "Value": "x"}]});
        let c = cx(ResourceKind::Ec2);
        assert!(Filter::TagCount { count: 1, op: Op::Eq }.matches(&doc, &c));
        assert!(!Filter::TagCount { count: 2, op: Op::Ge }.matches(&doc, &c));
        assert!(Filter::TagCount { count: 0, op: Op::Eq }.matches(&json!({}), &c));
    }

    fn marked(op: &str, skew_days: f64) -> Filter {
        Filter::MarkedForOp(MarkedForOp {
            tag: "maid_status".into(),
            op: op.into(),
            skew: crate::time::duration(skew_days, 0.0, 0.0),
            tz: TimeZone::UTC,
        })
    }

    fn tagged(v: &str) -> Value {
        json!({"Tags": [{"Key": "maid_status", "Value": v}]})
    }

    #[test]
    fn marked_for_op_semantics() {
        let c = cx(ResourceKind::Ec2);
        assert!(marked("stop", 0.0).matches(&tagged("Resource does not meet policy: stop@2026/06/15"), &c));
        assert!(marked("stop", 0.0).matches(&tagged("Resource does not meet policy: stop@2026/06/01"), &c));
        assert!(!marked("stop", 0.0).matches(&tagged("Resource does not meet policy: stop@2026/06/16"), &c));
        assert!(
            marked("stop", 1.0).matches(&tagged("Resource does not meet policy: stop@2026/06/16"), &c),
            "skew"
        );
        assert!(!marked("terminate", 0.0).matches(&tagged("Resource does not meet policy: stop@2026/06/01"), &c));
        assert!(!marked("stop", 0.0).matches(&tagged("stop@2026/06/01"), &c), "needs a colon");
        assert!(!marked("stop", 0.0).matches(&tagged("policy: stop 2026/06/01"), &c), "needs an @");
        assert!(!marked("stop", 0.0).matches(&tagged("policy: stop@someday"), &c), "bad date");
        assert!(
            marked("stop", 0.0).matches(&tagged("a: b: stop@2026/06/15 1100 UTC"), &c),
            "last colon, with hours"
        );
        assert!(!marked("stop", 0.0).matches(&tagged("x: stop@2026/06/15 1300 UTC"), &c));
        assert!(!marked("stop", 0.0).matches(&json!({}), &c));
    }
}
