//! `tag-count`: the number of tags, not counting `aws:` ones (`c7n/filters/core.py`,
//! `TagCountFilter`: count defaults to 10, op to `gte`).

use super::value::{parse::comparison_op, Op, Operand};
use super::{Filter, FilterDef, FilterInput, ALL_KINDS};
use crate::input::{get, Checker, NodeValue};
use serde_json::Value;

/// The `tag-count` row of the filter table.
pub const TAG_COUNT: FilterDef = FilterDef {
    name: "tag-count",
    summary: "Number of tags, not counting aws: tags. count defaults to 10, op to gte.",
    example: "- type: tag-count\n  count: 0\n  op: eq",
    kinds: ALL_KINDS,
    needs_event: false,
    keys: &["type", "count", "op"],
    parse,
};

/// A validated `tag-count`.
#[derive(Debug, Clone)]
pub struct TagCount {
    /// Compared count.
    pub count: i64,
    /// Operator (default `gte`).
    pub op: Op,
}

impl TagCount {
    /// `op(tags, count)`.
    pub fn matches(&self, doc: &Value) -> bool {
        let n = crate::resource::tags(doc).filter(|(k, _)| !k.starts_with("aws:")).count() as i64;
        self.op.compare(&Operand::Int(n), &Operand::Int(self.count)).unwrap_or(false)
    }
}

fn parse(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    let op = comparison_op(c, get(f.entries, "op"), Op::Ge)?;
    let count = match get(f.entries, "count") {
        None => 10,
        Some(n) => match n.value {
            NodeValue::Int(count) if count >= 0 => count,
            _ => {
                c.at_node(n, "'count' must be a non-negative integer");
                return None;
            }
        },
    };
    Some(Filter::TagCount(TagCount { count, op }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tag_count_ignores_aws_tags() {
        let doc = json!({"Tags": [{"Key": "a", "Value": "1"}, {"Key": "aws:cloudformation:stack-name", "Value": "x"}]});
        assert!(TagCount { count: 1, op: Op::Eq }.matches(&doc));
        assert!(!TagCount { count: 2, op: Op::Ge }.matches(&doc));
        assert!(TagCount { count: 0, op: Op::Eq }.matches(&json!({})));
    }
}
