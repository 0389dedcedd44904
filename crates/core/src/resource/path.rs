//! Key resolution for value filters, as c7n does it: `tag:K` (exact, case-sensitive, over `Tags`),
//! a literal top-level key, else a JMESPath-style path (`State.Name`, `BlockDeviceMappings[0]`,
//! `NetworkInterfaces[].PrivateIpAddress`), resolved natively; any other JMESPath expression
//! (`length(Tags)`, `Tags[?Key=='Owner'].Value | [0]`) goes through the `jmespath` crate, as
//! c7n's `jmespath_search` (`c7n/filters/core.py`, `ValueFilter.get_resource_value`).

use serde_json::Value;
use std::borrow::Cow;

/// One step of a key path.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// `.Name`
    Field(String),
    /// `[N]` (negative counts from the end)
    Index(i64),
    /// `[]` flatten projection or `[*]` list projection
    Project {
        /// `[]`: nested lists are flattened into one.
        flatten: bool,
    },
}

/// A parsed filter key.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyPath {
    /// `tag:Name`
    Tag(String),
    /// Any other key: the literal text (tried first as a top-level key) and its parsed path.
    Path {
        /// The key as written.
        text: String,
        /// Its parsed segments.
        segments: Vec<Segment>,
    },
    /// A JMESPath expression beyond plain paths (functions, filters, pipes).
    Expression(String),
}

thread_local! {
    /// Compiled expressions, per thread (the crate's expressions are not `Send`).
    static COMPILED: std::cell::RefCell<std::collections::HashMap<String, jmespath::Expression<'static>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Evaluates a JMESPath expression (already validated) over `doc`.
pub fn search(expression: &str, doc: &Value) -> Option<Value> {
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(expression) {
            cache.insert(expression.to_string(), jmespath::compile(expression).ok()?);
        }
        let found = cache.get(expression)?.search(doc).ok()?;
        serde_json::to_value(&*found).ok()
    })
}

impl KeyPath {
    /// Parses a key. Errors name the unsupported syntax.
    pub fn parse(key: &str) -> Result<KeyPath, String> {
        if let Some(tag) = key.strip_prefix("tag:") {
            return Ok(KeyPath::Tag(tag.to_string()));
        }
        if key.is_empty() {
            return Err("empty key".into());
        }
        match Self::parse_path(key) {
            Ok(p) => Ok(p),
            Err(e) => match jmespath::compile(key) {
                Ok(_) => Ok(KeyPath::Expression(key.to_string())),
                Err(j) => Err(format!("{e}; as JMESPath: {}", j.to_string().lines().next().unwrap_or(""))),
            },
        }
    }

    fn parse_path(key: &str) -> Result<KeyPath, String> {
        let mut segments = Vec::new();
        let mut rest = key;
        let mut expect_field = true;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']').ok_or_else(|| format!("unclosed '[' in key '{key}'"))?;
                let inner = r[..end].trim();
                segments.push(match inner {
                    "" => Segment::Project { flatten: true },
                    "*" => Segment::Project { flatten: false },
                    n => {
                        Segment::Index(n.parse().map_err(|_| {
                            format!("unsupported expression '[{n}]' in key '{key}': keys take dotted names, [N], [] and [*]")
                        })?)
                    }
                });
                rest = &r[end + 1..];
                expect_field = false;
            } else if let Some(r) = rest.strip_prefix('.') {
                if r.is_empty() || r.starts_with('.') {
                    return Err(format!("empty name in key '{key}'"));
                }
                rest = r;
                expect_field = true;
            } else if expect_field {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                let name = &rest[..end];
                if let Some(bad) = name
                    .chars()
                    .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '@' | '/')))
                {
                    return Err(format!(
                        "unsupported character '{bad}' in key '{key}': keys take dotted names, [N], [] and [*]"
                    ));
                }
                segments.push(Segment::Field(name.to_string()));
                rest = &rest[end..];
                expect_field = false;
            } else {
                return Err(format!("expected '.' or '[' in key '{key}'"));
            }
        }
        Ok(KeyPath::Path {
            text: key.to_string(),
            segments,
        })
    }

    /// The top-level attribute this key reads (`None` for tags).
    pub fn root(&self) -> Option<&str> {
        match self {
            KeyPath::Tag(_) | KeyPath::Expression(_) => None,
            KeyPath::Path { segments, .. } => match segments.first() {
                Some(Segment::Field(f)) => Some(f),
                _ => None,
            },
        }
    }

    /// The key as written.
    pub fn text(&self) -> String {
        match self {
            KeyPath::Tag(t) => format!("tag:{t}"),
            KeyPath::Path { text, .. } | KeyPath::Expression(text) => text.clone(),
        }
    }

    /// The top-level keys an expression may read: every name in it (a superset), or `None`
    /// when it reads the whole document (`@`, a root projection or literal).
    pub fn expression_fields(text: &str) -> Option<Vec<String>> {
        let t = text.trim_start();
        if text.contains('@') || t.starts_with(['[', '*', '{', '`', '\'', '&']) {
            return None;
        }
        let mut out = Vec::new();
        let mut word = String::new();
        let mut quoted = false;
        for c in text.chars() {
            match c {
                '"' if quoted => {
                    out.push(std::mem::take(&mut word));
                    quoted = false;
                }
                '"' => quoted = true,
                c if quoted || c.is_alphanumeric() || c == '_' => word.push(c),
                _ if !word.is_empty() => out.push(std::mem::take(&mut word)),
                _ => {}
            }
        }
        if !word.is_empty() {
            out.push(word);
        }
        Some(out)
    }

    /// Resolves the key on a resource document; `None` when missing (or JSON null).
    pub fn resolve<'a>(&self, doc: &'a Value) -> Option<Cow<'a, Value>> {
        let found = match self {
            KeyPath::Tag(k) => tag_value(doc, k).map(Cow::Borrowed),
            KeyPath::Path { text, segments } => match doc.get(text) {
                Some(v) => Some(Cow::Borrowed(v)),
                None => walk(Cow::Borrowed(doc), segments),
            },
            KeyPath::Expression(text) => match doc.get(text) {
                Some(v) => Some(Cow::Borrowed(v)),
                None => search(text, doc).map(Cow::Owned),
            },
        };
        found.filter(|v| !v.is_null())
    }
}

/// The value of tag `key` (exact match) in the document's `Tags` list.
pub fn tag_value<'a>(doc: &'a Value, key: &str) -> Option<&'a Value> {
    doc.get("Tags")?
        .as_array()?
        .iter()
        .find(|t| t.get("Key").and_then(Value::as_str) == Some(key))?
        .get("Value")
}

fn walk<'a>(current: Cow<'a, Value>, segments: &[Segment]) -> Option<Cow<'a, Value>> {
    let Some((first, rest)) = segments.split_first() else {
        return Some(current);
    };
    match first {
        Segment::Field(name) => match current {
            Cow::Borrowed(v) => walk(Cow::Borrowed(v.as_object()?.get(name)?), rest),
            Cow::Owned(v) => walk(Cow::Owned(v.as_object()?.get(name)?.clone()), rest),
        },
        Segment::Index(i) => {
            let len = current.as_array()?.len() as i64;
            let idx = if *i < 0 { len + i } else { *i };
            if idx < 0 || idx >= len {
                return None;
            }
            match current {
                Cow::Borrowed(v) => walk(Cow::Borrowed(&v.as_array()?[idx as usize]), rest),
                Cow::Owned(v) => walk(Cow::Owned(v.as_array()?[idx as usize].clone()), rest),
            }
        }
        Segment::Project { flatten } => {
            let items = current.as_array()?;
            let mut out = Vec::new();
            for item in items {
                let elems: Vec<&Value> = match (flatten, item) {
                    (true, Value::Array(inner)) => inner.iter().collect(),
                    _ => vec![item],
                };
                for e in elems {
                    if let Some(v) = walk(Cow::Borrowed(e), rest) {
                        if !v.is_null() {
                            out.push(v.into_owned());
                        }
                    }
                }
            }
            Some(Cow::Owned(Value::Array(out)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "InstanceId": "i-1",
            "State": {"Name": "running"},
            "Tags": [{"Key": "Owner", "Value": "ana"}, {"Key": "owner", "Value": "bob"}],
            "BlockDeviceMappings": [{"Ebs": {"VolumeId": "v-1"}}, {"Ebs": {"VolumeId": "v-2"}}],
            "a.b": "literal",
            "Empty": null
        })
    }

    fn get(key: &str) -> Option<Value> {
        KeyPath::parse(key).unwrap().resolve(&doc()).map(Cow::into_owned)
    }

    #[test]
    fn tags_are_case_sensitive() {
        assert_eq!(get("tag:Owner"), Some(json!("ana")));
        assert_eq!(get("tag:owner"), Some(json!("bob")));
        assert_eq!(get("tag:OWNER"), None);
    }

    #[test]
    fn dotted_paths_indexes_and_projections() {
        assert_eq!(get("State.Name"), Some(json!("running")));
        assert_eq!(get("BlockDeviceMappings[1].Ebs.VolumeId"), Some(json!("v-2")));
        assert_eq!(get("BlockDeviceMappings[-1].Ebs.VolumeId"), Some(json!("v-2")));
        assert_eq!(get("BlockDeviceMappings[].Ebs.VolumeId"), Some(json!(["v-1", "v-2"])));
        assert_eq!(get("BlockDeviceMappings[*].Ebs.VolumeId"), Some(json!(["v-1", "v-2"])));
        assert_eq!(get("State.Code"), None);
        assert_eq!(get("InstanceId.Name"), None);
        assert_eq!(get("Empty"), None);
    }

    #[test]
    fn literal_top_level_key_wins() {
        assert_eq!(get("a.b"), Some(json!("literal")));
    }

    #[test]
    fn jmespath_expressions_beyond_paths() {
        assert_eq!(get("length(Tags)"), Some(json!(2)));
        assert_eq!(get("Tags[?Key=='owner'].Value | [0]"), Some(json!("bob")));
        assert_eq!(get("length(BlockDeviceMappings[].Ebs)"), Some(json!(2)));
        assert_eq!(get("Tags[?Key=='none'] | [0]"), None);
        let e = KeyPath::parse("State..Name").unwrap_err();
        assert!(e.starts_with("empty name in key 'State..Name'; as JMESPath:"), "{e}");
        assert_eq!(
            KeyPath::expression_fields("length(Tags[?Key=='Owner']) > `1`"),
            Some(vec!["length".into(), "Tags".into(), "Key".into(), "Owner".into(), "1".into()])
        );
        assert_eq!(KeyPath::expression_fields("length(@)"), None);
    }
}
