//! The YAML layer: parses a policy file into a tree whose every node and key carries its position.
//! The parser (serde-saphyr) stays behind [`parse`], so it can be swapped without touching validation.

use super::diagnostic::Pos;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: NodeValue,
    /// Where the value starts.
    pub pos: Pos,
}

/// A mapping key with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key text.
    pub name: String,
    /// Where the key starts.
    pub pos: Pos,
}

/// The value of a YAML node. Mappings keep their source order.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `~`, `null` or an empty value.
    Null,
    /// `true` / `false` (strict: `yes`, `on` stay strings).
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(Key, Node)>),
}

impl Node {
    /// A short name of the node's type, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) => "an integer",
            NodeValue::Float(_) => "a number",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a mapping",
        }
    }

    /// The string, if this node is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if this node is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The mapping entries, if this node is a mapping.
    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            NodeValue::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Converts to JSON (used for policy values and for echoing the policy into metadata).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null),
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => Value::Object(entries.iter().map(|(k, v)| (k.name.clone(), v.to_json())).collect()),
        }
    }
}

fn pos_of<T>(s: &Spanned<T>) -> Pos {
    Pos {
        line: s.referenced.line() as u32,
        col: s.referenced.column() as u32,
    }
}

struct RawNode(NodeValue);

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawNode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::Null))
            }
            fn visit_none<E>(self) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::Null))
            }
            fn visit_bool<E>(self, v: bool) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::Int(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawNode, E> {
                Ok(RawNode(i64::try_from(v).map(NodeValue::Int).unwrap_or(NodeValue::Float(v as f64))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::Float(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::Str(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<RawNode, E> {
                Ok(RawNode(NodeValue::Str(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<RawNode, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element::<Spanned<RawNode>>()? {
                    items.push(Node {
                        pos: pos_of(&item),
                        value: item.value.0,
                    });
                }
                Ok(RawNode(NodeValue::Seq(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<RawNode, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = a.next_entry::<Spanned<String>, Spanned<RawNode>>()? {
                    let key = Key {
                        pos: pos_of(&k),
                        name: k.value,
                    };
                    entries.push((
                        key,
                        Node {
                            pos: pos_of(&v),
                            value: v.value.0,
                        },
                    ));
                }
                Ok(RawNode(NodeValue::Map(entries)))
            }
        }
        d.deserialize_any(V)
    }
}

/// A YAML syntax error with its position, when the parser knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// Where the parser stopped.
    pub pos: Option<Pos>,
    /// The parser's message, first line only.
    pub message: String,
}

/// Parses YAML text into a [`Node`] tree. Duplicate keys are errors; `yes`/`on`/`012` stay strings.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
    };
    match serde_saphyr::from_str_with_options::<Spanned<RawNode>>(text, options) {
        Ok(root) => Ok(Node {
            pos: pos_of(&root),
            value: root.value.0,
        }),
        Err(e) => {
            let pos = e.location().filter(|l| l.line() > 0).map(|l| Pos {
                line: l.line() as u32,
                col: l.column() as u32,
            });
            let full = e.to_string();
            let first = full.lines().next().unwrap_or("invalid YAML").to_string();
            // serde-saphyr prefixes "error: line L column C: "; keep only the message.
            let message = match first.split_once(": ").map(|(_, rest)| rest) {
                Some(rest) if first.starts_with("error: line") => rest
                    .split_once(": ")
                    .map(|(_, m)| m.to_string())
                    .unwrap_or_else(|| rest.to_string()),
                _ => first,
            };
            let message = message.replace(", set DuplicateKeyPolicy in Options if acceptable", "");
            let message = budget_message(&message).unwrap_or(message);
            Err(SyntaxError { pos, message })
        }
    }
}

/// The parser's budget limits (aliases expanded, nesting) said in words: its own text is a
/// debug dump (`budget breached: Nodes { nodes: 250001 }`).
fn budget_message(message: &str) -> Option<String> {
    let what = message.strip_prefix("budget breached: ")?;
    let name = what.split([' ', '{']).next().unwrap_or(what);
    let b = serde_saphyr::Budget::default();
    Some(match name {
        "Nodes" | "Aliases" | "AliasAnchorRatio" | "RecordedAnchorEvents" | "RecordedAnchorBytes" => format!(
            "the alias expansion limit was exceeded: aliases (*name) expand this file past {} nodes (an alias bomb?)",
            b.max_nodes
        ),
        "Depth" => format!("nested deeper than {} levels", b.max_depth),
        "Events" => format!("more than {} YAML events in one file", b.max_events),
        "Anchors" => format!("more than {} anchors (&name) in one file", b.max_anchors),
        "ScalarBytes" => format!("more than {} bytes of values in one file", b.max_total_scalar_bytes),
        other => format!("the file exceeds the YAML parser's limits ({other})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_bomb_is_named_as_such() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let e = parse(&text).unwrap_err();
        assert!(e.message.starts_with("the alias expansion limit was exceeded"), "{}", e.message);
        assert!(e.pos.is_some());
    }

    #[test]
    fn keys_and_values_carry_positions() {
        let n = parse("policies:\n  - name: a\n    resource: ec2\n").unwrap();
        let top = n.as_map().unwrap();
        assert_eq!(top[0].0.name, "policies");
        assert_eq!(top[0].0.pos, Pos { line: 1, col: 1 });
        let NodeValue::Seq(items) = &top[0].1.value else {
            panic!("not a list")
        };
        let p = items[0].as_map().unwrap();
        assert_eq!(p[1].0.name, "resource");
        assert_eq!(p[1].0.pos, Pos { line: 3, col: 5 });
        assert_eq!(p[1].1.pos, Pos { line: 3, col: 15 });
    }

    #[test]
    fn yes_on_and_leading_zeros_stay_strings() {
        let n = parse("a: yes\nb: on\nc: 012\nd: true\ne: 12\n").unwrap();
        let vals: Vec<_> = n.as_map().unwrap().iter().map(|(_, v)| v.value.clone()).collect();
        assert_eq!(
            vals,
            vec![
                NodeValue::Str("yes".into()),
                NodeValue::Str("on".into()),
                NodeValue::Str("012".into()),
                NodeValue::Bool(true),
                NodeValue::Int(12)
            ]
        );
    }

    #[test]
    fn duplicate_keys_are_located_errors() {
        let e = parse("policies:\n  - name: a\n    name: b\n").unwrap_err();
        assert_eq!(e.pos, Some(Pos { line: 3, col: 5 }));
        assert!(e.message.contains("duplicate mapping key"), "{}", e.message);
    }

    #[test]
    fn anchors_and_aliases_resolve() {
        let n = parse("vars:\n  t: &t {tag:Owner: absent}\npolicies:\n  - x: *t\n").unwrap();
        let json = n.to_json();
        assert_eq!(json["policies"][0]["x"]["tag:Owner"], "absent");
    }
}
