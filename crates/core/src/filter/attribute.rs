//! Filters over EC2 instance attributes, one `DescribeInstanceAttribute` call per instance,
//! asked only for the instances the other filters leave undecided (Cloud Custodian's rules from
//! `c7n/resources/ec2.py`):
//! - `termination-protected` / `stop-protected`: `DisableApiTermination.Value` /
//!   `DisableApiStop.Value` is true.
//! - `instance-attribute`: a value filter over the answer's value (`{"Value": ...}` for most
//!   attributes, so `key: Value`; a list for `groupSet`, `blockDeviceMapping`, `productCodes`).
//! - `user-data`: a value filter over the decoded user data (base64, gzip when compressed), at
//!   c7n's key `c7n:user-data`; no user data is absent. c7n recommends `op: regex` with `(?sm)`.

use super::value::parse::{value_filter, Attributes};
use super::value::ValueFilter;
use super::{EvalContext, Filter, FilterDef, FilterInput};
use crate::input::{get, Checker, Key, Node, NodeValue};
use crate::resource::details::{attribute_key, INSTANCE_ATTRIBUTES};
use crate::resource::{resource_id, ResourceKind};
use base64::Engine;
use serde_json::{json, Value};
use std::io::Read;

/// The `termination-protected` row of the filter table.
pub const TERMINATION_PROTECTED: FilterDef = FilterDef {
    name: "termination-protected",
    summary: "The instance's disableApiTermination attribute is set (DescribeInstanceAttribute, only for instances the other filters leave undecided).",
    example: "- not:\n  - termination-protected",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type"],
    parse,
};

/// The `stop-protected` row of the filter table.
pub const STOP_PROTECTED: FilterDef = FilterDef {
    name: "stop-protected",
    summary:
        "The instance's disableApiStop attribute is set (DescribeInstanceAttribute, only for instances the other filters leave undecided).",
    example: "- stop-protected",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type"],
    parse,
};

/// The `instance-attribute` row of the filter table.
pub const INSTANCE_ATTRIBUTE: FilterDef = FilterDef {
    name: "instance-attribute",
    summary: "A value filter over one DescribeInstanceAttribute answer (attribute: instanceType, userData, disableApiTermination, instanceInitiatedShutdownBehavior, sourceDestCheck, ebsOptimized, ...; key: Value).",
    example: "- type: instance-attribute\n  attribute: instanceInitiatedShutdownBehavior\n  key: Value\n  value: terminate",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type", "attribute", "key", "value", "op", "value_type", "value_regex"],
    parse,
};

/// The `user-data` row of the filter table.
pub const USER_DATA: FilterDef = FilterDef {
    name: "user-data",
    summary: "A value filter over the instance's decoded user data (DescribeInstanceAttribute userData; base64, gzip when compressed); use op: regex with (?sm).",
    example: "- type: user-data\n  op: regex\n  value: '(?smi).*password='",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type", "value", "op", "value_type", "value_regex"],
    parse,
};

/// c7n's key for the decoded user data.
const USER_DATA_KEY: &str = "c7n:user-data";

/// A validated instance-attribute filter.
#[derive(Debug, Clone)]
pub enum AttributeFilter {
    /// `termination-protected`.
    TerminationProtected,
    /// `stop-protected`.
    StopProtected,
    /// `instance-attribute`.
    Value {
        /// The attribute (one of [`INSTANCE_ATTRIBUTES`]).
        attribute: &'static str,
        /// The value filter over the answer's value.
        filter: ValueFilter,
    },
    /// `user-data`.
    UserData(ValueFilter),
}

impl AttributeFilter {
    /// The attribute the filter asks for.
    pub fn attribute(&self) -> &'static str {
        match self {
            AttributeFilter::TerminationProtected => "disableApiTermination",
            AttributeFilter::StopProtected => "disableApiStop",
            AttributeFilter::Value { attribute, .. } => attribute,
            AttributeFilter::UserData(_) => "userData",
        }
    }

    /// Matches, or `None` while the instance's attribute is not loaded.
    pub fn check(&self, doc: &Value, cx: &EvalContext) -> Option<bool> {
        let attribute = self.attribute();
        let answer = cx.attribute(attribute, resource_id(cx.kind, doc))?;
        let value = answer.get(attribute_key(attribute));
        Some(match self {
            AttributeFilter::TerminationProtected | AttributeFilter::StopProtected => {
                value.and_then(|v| v.get("Value")) == Some(&Value::Bool(true))
            }
            AttributeFilter::Value { filter, .. } => filter.matches(value.unwrap_or(&Value::Null), cx.now),
            AttributeFilter::UserData(filter) => {
                let decoded = value
                    .and_then(|v| v.get("Value"))
                    .and_then(Value::as_str)
                    .and_then(decode_user_data);
                filter.matches(&json!({ USER_DATA_KEY: decoded }), cx.now)
            }
        })
    }
}

/// Most bytes of user data once decompressed (AWS allows 16 KB before base64; gzip can make
/// that about a thousand times larger, per instance, per evaluation).
pub const MAX_USER_DATA_BYTES: u64 = 1024 * 1024;

/// c7n's `deserialize_user_data`: base64, then UTF-8 text or gzip-compressed UTF-8 text (at
/// most [`MAX_USER_DATA_BYTES`] once inflated; past it, none).
pub fn decode_user_data(encoded: &str) -> Option<String> {
    let data = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    match String::from_utf8(data) {
        Ok(text) => Some(text),
        Err(e) => {
            let mut text = String::new();
            flate2::read::GzDecoder::new(e.as_bytes())
                .take(MAX_USER_DATA_BYTES + 1)
                .read_to_string(&mut text)
                .ok()?;
            (text.len() as u64 <= MAX_USER_DATA_BYTES).then_some(text)
        }
    }
}

fn parse(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    let unchecked = Attributes {
        name: "the attribute",
        names: &[],
        checked: false,
    };
    let a = match f.name {
        "termination-protected" => AttributeFilter::TerminationProtected,
        "stop-protected" => AttributeFilter::StopProtected,
        "user-data" => {
            // c7n sets the key itself.
            let mut entries = f.entries.to_vec();
            entries.push((
                Key {
                    name: "key".into(),
                    pos: f.at.pos,
                },
                Node {
                    value: NodeValue::Str(USER_DATA_KEY.into()),
                    pos: f.at.pos,
                },
            ));
            let input = FilterInput { entries: &entries, ..*f };
            AttributeFilter::UserData(value_filter(c, &input, &unchecked)?)
        }
        _ => {
            let attribute = match get(f.entries, "attribute") {
                None => {
                    c.at_node(f.at, "instance-attribute needs 'attribute'");
                    None
                }
                Some(n) => match INSTANCE_ATTRIBUTES.iter().find(|a| Some(**a) == n.as_str()) {
                    Some(a) => Some(*a),
                    None => {
                        let help = crate::input::hint(n.as_str().unwrap_or(""), INSTANCE_ATTRIBUTES.iter().copied(), || {
                            Some(format!("attributes: {}", INSTANCE_ATTRIBUTES.join(", ")))
                        });
                        c.at_node_help(n, "unknown instance attribute", help);
                        None
                    }
                },
            };
            let filter = value_filter(c, f, &unchecked);
            AttributeFilter::Value {
                attribute: attribute?,
                filter: filter?,
            }
        }
    };
    Some(Filter::Attribute(a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::details::{Details, Need};
    use std::cell::RefCell;

    fn filter(yaml: &str) -> Filter {
        let text = format!(
            "policies:\n  - name: p\n    resource: ec2\n    filters:\n{}\n",
            yaml.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
        );
        match crate::policy::load_text("p.yml", &text) {
            Ok(mut p) => p.remove(0).filters.remove(0),
            Err(e) => panic!("{}", e[0]),
        }
    }

    fn details() -> Details {
        let mut d = Details::default();
        d.add_attribute(
            "disableApiTermination",
            "i-1",
            json!({"InstanceId": "i-1", "DisableApiTermination": {"Value": true}}),
        );
        d.add_attribute(
            "disableApiTermination",
            "i-2",
            json!({"InstanceId": "i-2", "DisableApiTermination": {"Value": false}}),
        );
        d.add_attribute(
            "instanceInitiatedShutdownBehavior",
            "i-1",
            json!({"InstanceId": "i-1", "InstanceInitiatedShutdownBehavior": {"Value": "terminate"}}),
        );
        let gz = {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(b"#!/bin/sh\nexport DB_PASSWORD=hunter2\n").unwrap();
            base64::engine::general_purpose::STANDARD.encode(e.finish().unwrap())
        };
        d.add_attribute("userData", "i-1", json!({"InstanceId": "i-1", "UserData": {"Value": gz}}));
        d.add_attribute("userData", "i-2", json!({"InstanceId": "i-2", "UserData": {}}));
        d
    }

    fn check(f: &Filter, id: &str, d: &Details) -> Option<bool> {
        let cx = EvalContext {
            details: Some(d),
            ..EvalContext::new(ResourceKind::Ec2, "2026-07-01T00:00:00Z".parse().unwrap())
        };
        f.check(&json!({ "InstanceId": id }), &cx)
    }

    #[test]
    fn protection_attribute_and_user_data() {
        let d = details();
        let protected = filter("- termination-protected");
        assert_eq!(check(&protected, "i-1", &d), Some(true));
        assert_eq!(check(&protected, "i-2", &d), Some(false));
        assert_eq!(check(&filter("- not:\n  - termination-protected"), "i-2", &d), Some(true));
        let shutdown =
            filter("- type: instance-attribute\n  attribute: instanceInitiatedShutdownBehavior\n  key: Value\n  value: terminate");
        assert_eq!(check(&shutdown, "i-1", &d), Some(true));
        let secret = filter("- type: user-data\n  op: regex\n  value: '(?smi).*password='");
        assert_eq!(check(&secret, "i-1", &d), Some(true), "gzip-compressed user data is read");
        assert_eq!(check(&secret, "i-2", &d), Some(false));
        assert_eq!(check(&filter("- type: user-data\n  value: absent"), "i-2", &d), Some(true));
        assert_eq!(decode_user_data("aGVsbG8="), Some("hello".into()));
    }

    #[test]
    fn undecided_until_the_attribute_is_loaded() {
        let needs = RefCell::new(Vec::new());
        let d = details();
        let cx = EvalContext {
            details: Some(&d),
            needs: Some(&needs),
            ..EvalContext::new(ResourceKind::Ec2, "2026-07-01T00:00:00Z".parse().unwrap())
        };
        assert_eq!(filter("- stop-protected").check(&json!({"InstanceId": "i-1"}), &cx), None);
        assert_eq!(*needs.borrow(), vec![Need::Attribute("disableApiStop", "i-1".into())]);
    }

    #[test]
    fn bad_attributes_are_located() {
        let e = crate::policy::load_text(
            "p.yml",
            "policies:\n  - name: p\n    resource: ec2\n    filters:\n      - type: instance-attribute\n        attribute: disableApiTerminaton\n        key: Value\n        value: true\n",
        )
        .unwrap_err();
        assert_eq!(
            e[0].to_string().lines().next().unwrap(),
            "p.yml:6:20: unknown instance attribute (did you mean 'disableApiTermination'?)"
        );
    }
}
