//! A small builder for AWS-CLI-shaped JSON: PascalCase keys, absent values omitted, dates as the
//! CLI prints them (`2026-11-23T15:00:00+00:00`, microseconds when present).

use aws_smithy_types::DateTime;
use serde_json::{Map, Value};

/// A JSON object under construction.
#[derive(Default)]
pub struct Obj(Map<String, Value>);

impl Obj {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a string.
    pub fn s(mut self, key: &str, v: Option<&str>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), Value::String(v.to_string()));
        }
        self
    }

    /// Adds a boolean.
    pub fn b(mut self, key: &str, v: Option<bool>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), Value::Bool(v));
        }
        self
    }

    /// Adds an integer.
    pub fn i(mut self, key: &str, v: Option<impl Into<i64>>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), Value::from(v.into()));
        }
        self
    }

    /// Adds a date.
    pub fn t(mut self, key: &str, v: Option<&DateTime>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), Value::String(cli_date(v)));
        }
        self
    }

    /// Adds a nested value.
    pub fn v(mut self, key: &str, v: Option<Value>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), v);
        }
        self
    }

    /// Adds a list, mapping each item; an absent list is omitted.
    pub fn list<T>(mut self, key: &str, items: &Option<Vec<T>>, f: impl Fn(&T) -> Value) -> Self {
        if let Some(items) = items {
            self.0.insert(key.into(), Value::Array(items.iter().map(f).collect()));
        }
        self
    }

    /// Adds a list of strings.
    pub fn strs(self, key: &str, items: &Option<Vec<String>>) -> Self {
        self.list(key, items, |s| Value::String(s.clone()))
    }

    /// The finished object.
    pub fn done(self) -> Value {
        Value::Object(self.0)
    }
}

/// A date as the AWS CLI prints it.
pub fn cli_date(d: &DateTime) -> String {
    let ts = jiff::Timestamp::new(d.secs(), d.subsec_nanos() as i32).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    if d.subsec_nanos() == 0 {
        ts.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string()
    } else {
        ts.strftime("%Y-%m-%dT%H:%M:%S.%6f+00:00").to_string()
    }
}

/// `{"Key": k, "Value": v}` tags.
pub fn tags<T>(items: &Option<Vec<T>>, kv: impl Fn(&T) -> (Option<&str>, Option<&str>)) -> Option<Value> {
    items.as_ref().map(|items| {
        Value::Array(
            items
                .iter()
                .map(|t| {
                    let (k, v) = kv(t);
                    Obj::new().s("Key", k).s("Value", v).done()
                })
                .collect(),
        )
    })
}

/// A describe response written as compact JSON text while its pages arrive
/// (`{"Reservations":[...]}`): each item's document is serialized as soon as it is mapped, so
/// neither the SDK's page structs nor a tree of every document outlive their page.
pub struct CompactList {
    text: String,
    empty: bool,
}

impl CompactList {
    /// An empty list under `key`.
    pub fn new(key: &str) -> CompactList {
        CompactList {
            text: format!("{{\"{key}\":["),
            empty: true,
        }
    }

    /// Appends one item.
    pub fn push(&mut self, item: &Value) {
        if !self.empty {
            self.text.push(',');
        }
        self.empty = false;
        // A Value always serializes.
        self.text.push_str(&serde_json::to_string(item).unwrap_or_else(|_| "null".into()));
    }

    /// The response's text.
    pub fn finish(mut self) -> String {
        self.text.push_str("]}");
        self.text
    }
}
