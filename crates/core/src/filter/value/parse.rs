//! The `value` filter's YAML face: its keys, the `- Key: value` shorthand, key paths checked
//! against the kind's attributes, ops, value types and patterns.

use super::{Op, Pattern, TagKeyTransform, ValueFilter, ValueType, OP_NAMES, VALUE_TYPE_NAMES};
use crate::filter::path::KeyPath;
use crate::filter::{Filter, FilterDef, FilterInput, ALL_KINDS};
use crate::input::{get, hint, number, suggest, Checker, Key, Node, NodeValue, Pos};
use crate::resource::ResourceKind;
use serde_json::Value;

/// The `value` row of the filter table.
pub const VALUE: FilterDef = FilterDef {
    name: "value",
    summary: "Compare a key of the resource (tag:K, dotted path) with a value. Ops: eq ne gt ge lt le glob regex regex-case in not-in contains difference intersect; sentinels absent present empty not-null; value_type age expiration integer float size normalize date swap. Shorthand: '- Key: value'.",
    example: "- type: value\n  key: tag:Environment\n  op: in\n  value: [dev, test]",
    kinds: ALL_KINDS,
    needs_event: false,
    keys: &["type", "key", "value", "op", "value_type", "value_regex", "value_from", "tag_key_transforms"],
    parse: parse_value,
};

/// c7n value types custodian does not implement.
const UNSUPPORTED_VALUE_TYPES: &[&str] = &["cidr", "cidr_size", "unique_size", "expr", "resource_count", "version"];

/// Validates a value filter's mapping (keys already checked).
pub fn parse_value(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    let attributes = Attributes {
        name: f.kind.spec().name,
        names: f.kind.spec().collection.attributes,
        checked: f.kind_known,
    };
    value_filter(c, f, &attributes).map(Filter::Value)
}

/// The attributes a value filter's keys are checked against: the resource kind's, or a
/// related type's (an `ebs` filter's keys are volume attributes).
pub struct Attributes {
    /// What the keys belong to, for messages (`aws.ec2`, `EBS volume`).
    pub name: &'static str,
    /// The top-level attributes, sorted.
    pub names: &'static [&'static str],
    /// Whether to check at all (not when the policy's kind is unknown).
    pub checked: bool,
}

/// Validates the value-filter keys of a mapping (`key`, `value`, `op`, `value_type`,
/// `value_regex`) into a [`ValueFilter`], its key checked against `attributes`.
pub fn value_filter(c: &mut Checker, f: &FilterInput, attributes: &Attributes) -> Option<ValueFilter> {
    value_filter_keyed(c, f, attributes, None)
}

/// [`value_filter`], with the key `default_key` when the filter names none (c7n's
/// `has-specific-managed-policy` defaults to `PolicyName`).
pub fn value_filter_keyed(c: &mut Checker, f: &FilterInput, attributes: &Attributes, default_key: Option<&str>) -> Option<ValueFilter> {
    let before = c.errors();
    let value_from = get(f.entries, "value_from").and_then(|v| crate::filter::values_from::parse(c, v));
    if let (Some(_), Some(v)) = (get(f.entries, "value_from"), get(f.entries, "value")) {
        c.at_node(v, "give either 'value' or 'value_from', not both");
    }
    let tag_key_transforms = match get(f.entries, "tag_key_transforms") {
        None => Vec::new(),
        Some(t) => c
            .string_list(t, "tag_key_transforms")
            .iter()
            .filter_map(|name| match TagKeyTransform::from_name(name) {
                Some(tr) => Some(tr),
                None => {
                    let help = hint(name, TagKeyTransform::NAMES.iter().copied(), || {
                        Some(format!("transforms: {}", TagKeyTransform::NAMES.join(", ")))
                    });
                    c.at_node_help(t, format!("unknown tag key transform '{name}'"), help);
                    None
                }
            })
            .collect(),
    };
    let key = match get(f.entries, "key") {
        None if default_key.is_some() => default_key.and_then(|k| key_path_in(c, f.at.pos, k, attributes)),
        None => {
            c.at_node(f.at, "value filter is missing 'key'");
            None
        }
        Some(k) => match k.as_str() {
            Some(text) => key_path_in(c, k.pos, text, attributes),
            None => {
                c.at_node(k, "'key' must be a string");
                None
            }
        },
    };
    let op = match get(f.entries, "op") {
        None => None,
        Some(o) => match o.as_str().and_then(Op::from_name) {
            Some(op) => Some(op),
            None => {
                let text = o.as_str().unwrap_or("");
                let help = hint(text, OP_NAMES.iter().map(|(n, _)| *n), || {
                    Some("ops: eq, ne, gt, ge, lt, le, glob, regex, regex-case, in, not-in, contains, difference, intersect".into())
                });
                c.at_node_help(o, format!("unknown op '{text}'"), help);
                None
            }
        },
    };
    let value_type = match get(f.entries, "value_type") {
        None => None,
        Some(t) => match t.as_str().and_then(ValueType::from_name) {
            Some(vt) => Some(vt),
            None => {
                let text = t.as_str().unwrap_or("");
                if UNSUPPORTED_VALUE_TYPES.contains(&text) {
                    c.at_node(t, format!("value_type '{text}' is not supported by custodian"));
                } else {
                    let help = suggest(text, VALUE_TYPE_NAMES.iter().map(|(n, _)| *n));
                    c.at_node_help(t, format!("unknown value_type '{text}'"), help);
                }
                None
            }
        },
    };
    let value = match get(f.entries, "value") {
        None => {
            if get(f.entries, "value_from").is_none() {
                c.at_node(f.at, "value filter is missing 'value'");
            }
            None
        }
        Some(v) => {
            if matches!(v.value, NodeValue::Map(_) | NodeValue::Null) {
                c.at_node(
                    v,
                    format!("'value' must be a string, number, boolean or list, found {}", v.kind_name()),
                );
            }
            Some(v)
        }
    };
    let mut pattern = None;
    if let (Some(op), Some(v)) = (op, value) {
        match op {
            Op::Regex | Op::RegexCase | Op::Glob => match v.as_str() {
                None => c.at_node(v, format!("op '{}' needs a string value", op_name(op))),
                Some(text) if op == Op::Glob => pattern = Some(Pattern::glob(text)),
                Some(text) => match Pattern::regex(text, op == Op::Regex) {
                    Ok(p) => pattern = Some(p),
                    Err(e) => c.at_node(v, format!("invalid regex: {}", regex_error(&e))),
                },
            },
            Op::Difference | Op::Intersect if !matches!(v.value, NodeValue::Seq(_)) => {
                c.at_node(v, format!("op '{}' needs a list value", op_name(op)))
            }
            _ => {}
        }
    }
    if let (Some(ValueType::Age | ValueType::Expiration), Some(v)) = (value_type, value) {
        if number(v).is_none() && !matches!(v.as_str(), Some("absent" | "present" | "empty" | "not-null")) {
            c.at_node(v, "with value_type age/expiration, 'value' is a number of days");
        }
    }
    let value_regex = match get(f.entries, "value_regex") {
        None => None,
        Some(r) => match r.as_str().map(|t| (t, regex::Regex::new(&format!(r"\A(?:{t})")))) {
            Some((_, Ok(re))) if re.captures_len() >= 2 => Some(re),
            Some((_, Ok(_))) => {
                c.at_node(r, "'value_regex' needs one capture group, e.g. 'env-(\\w+)'");
                None
            }
            Some((_, Err(e))) => {
                c.at_node(r, format!("invalid value_regex: {}", regex_error(&e)));
                None
            }
            None => {
                c.at_node(r, "'value_regex' must be a string");
                None
            }
        },
    };
    if c.errors() > before {
        return None;
    }
    let value = match (value, &value_from) {
        (Some(v), _) => v.to_json(),
        (None, Some(_)) => Value::Null,
        (None, None) => return None,
    };
    Some(ValueFilter {
        key: key?,
        op,
        value,
        value_type,
        pattern,
        value_regex,
        value_from: value_from.map(std::sync::Arc::new),
        tag_key_transforms,
    })
}

/// The `- Key: value` shorthand of a value filter (equality with one value).
pub fn shorthand(c: &mut Checker, key: &Key, value: &Node, kind: ResourceKind, kind_known: bool) -> Option<Filter> {
    match &value.value {
        NodeValue::Seq(items) if !items.is_empty() => {
            c.at_node(
                value,
                "a value shorthand takes a single value; use 'type: value' with 'op: in' for a list",
            );
            return None;
        }
        NodeValue::Map(_) => {
            c.at_node(
                value,
                format!("a value shorthand takes a single value, found {}", value.kind_name()),
            );
            return None;
        }
        _ => {}
    }
    let path = key_path(c, key.pos, &key.name, kind, kind_known)?;
    Some(Filter::Value(ValueFilter {
        key: path,
        op: None,
        value: value.to_json(),
        value_type: None,
        pattern: None,
        value_regex: None,
        value_from: None,
        tag_key_transforms: Vec::new(),
    }))
}

/// A key path, its root checked against the kind's attributes (a typo is an error, never a
/// silent no-match).
pub fn key_path(c: &mut Checker, pos: Pos, text: &str, kind: ResourceKind, kind_known: bool) -> Option<KeyPath> {
    let attributes = Attributes {
        name: kind.spec().name,
        names: kind.spec().collection.attributes,
        checked: kind_known,
    };
    key_path_in(c, pos, text, &attributes)
}

/// [`key_path`] against any attribute list.
pub fn key_path_in(c: &mut Checker, pos: Pos, text: &str, attributes: &Attributes) -> Option<KeyPath> {
    let path = match KeyPath::parse(text) {
        Ok(p) => p,
        Err(e) => {
            c.error(pos, text.chars().count(), e);
            return None;
        }
    };
    if let (Some(root), true) = (path.root(), attributes.checked) {
        if !attributes.names.contains(&root) && !attributes.names.contains(&text) {
            let help = suggest(root, attributes.names.iter().copied());
            let is_path = text.contains('.') || text.contains('[');
            let help = match help {
                Some(h) => Some(h),
                None if !is_path => Some(format!("for a tag, write 'tag:{text}'")),
                None => None,
            };
            c.report(
                crate::input::Severity::Error,
                pos,
                text.chars().count(),
                format!("unknown key '{root}' for {}", attributes.name),
                help,
            );
            return None;
        }
    }
    Some(path)
}

/// A comparison op (`eq`, `gt`, ... and their aliases), `default` when absent.
pub fn comparison_op(c: &mut Checker, node: Option<&Node>, default: Op) -> Option<Op> {
    let Some(node) = node else { return Some(default) };
    match node.as_str().and_then(Op::from_name) {
        Some(op) if op.is_comparison() => Some(op),
        _ => {
            let text = node.as_str().unwrap_or("");
            let names = OP_NAMES.iter().filter(|(_, o)| o.is_comparison()).map(|(n, _)| *n);
            let help = hint(text, names, || Some("use eq, ne, gt, ge, lt or le".into()));
            c.at_node_help(node, format!("unknown comparison op '{text}'"), help);
            None
        }
    }
}

fn op_name(op: Op) -> &'static str {
    OP_NAMES.iter().find(|(_, o)| *o == op).map(|(n, _)| *n).unwrap_or("?")
}

fn regex_error(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .map(|l| l.trim_start_matches("error:").trim().to_string())
        .unwrap_or(text)
}
