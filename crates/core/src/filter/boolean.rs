//! The boolean blocks `and`, `or` and `not`, written `- or: [filters...]`.

use super::{parse_list, Filter, FilterDef, FilterInput, ALL_KINDS};
use crate::input::{Checker, Key, Node, NodeValue};
use crate::resource::ResourceKind;

/// The `and` row of the filter table.
pub const AND: FilterDef = FilterDef {
    name: "and",
    summary: "Every filter in the list matches (a policy's filter list is already an and).",
    example: "- and:\n    - tag:Environment: dev\n    - tag:Owner: present",
    kinds: ALL_KINDS,
    needs_event: false,
    keys: &[],
    parse: typed_form,
};

/// The `or` row of the filter table.
pub const OR: FilterDef = FilterDef {
    name: "or",
    summary: "Any filter in the list matches.",
    example: "- or:\n    - tag:Owner: absent\n    - tag:CostCenter: absent",
    kinds: ALL_KINDS,
    needs_event: false,
    keys: &[],
    parse: typed_form,
};

/// The `not` row of the filter table.
pub const NOT: FilterDef = FilterDef {
    name: "not",
    summary: "The filters in the list, taken together, do not match.",
    example: "- not:\n    - tag:Approved: \"true\"",
    kinds: ALL_KINDS,
    needs_event: false,
    keys: &[],
    parse: typed_form,
};

/// The constructor of a block name (`and`, `or`, `not`).
pub fn block(name: &str) -> Option<fn(Vec<Filter>) -> Filter> {
    match name {
        "and" => Some(Filter::And),
        "or" => Some(Filter::Or),
        "not" => Some(Filter::Not),
        _ => None,
    }
}

/// `- and: [...]`: the children, validated.
pub fn parse_block(
    c: &mut Checker,
    key: &Key,
    value: &Node,
    make: fn(Vec<Filter>) -> Filter,
    kind: ResourceKind,
    kind_known: bool,
) -> Option<Filter> {
    let NodeValue::Seq(_) = value.value else {
        c.at_node(
            value,
            format!("'{}' takes a list of filters, found {}", key.name, value.kind_name()),
        );
        return None;
    };
    Some(make(parse_list(c, value, kind, kind_known)))
}

/// `type: and` is not how blocks are written.
fn typed_form(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    c.at_node(f.at, format!("write '{}' as a block: '- {}: [filters...]'", f.name, f.name));
    None
}

#[cfg(test)]
mod tests {
    use super::super::{path, EvalContext};
    use super::*;
    use crate::filter::ValueFilter;
    use serde_json::{json, Value};

    fn vf(key: &str, value: Value) -> Filter {
        Filter::Value(ValueFilter {
            key: path::KeyPath::parse(key).unwrap(),
            op: None,
            value,
            value_type: None,
            pattern: None,
            value_regex: None,
            value_from: None,
            tag_key_transforms: Vec::new(),
        })
    }

    #[test]
    fn boolean_blocks_nest() {
        let doc = json!({"A": 1, "B": 2});
        let c = EvalContext::new(ResourceKind::Ec2, "2026-06-15T12:00:00Z".parse().unwrap());
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
}
