//! Policy variables, expanded into every string of a policy before it is validated, as c7n does
//! for each account and region (`c7n/policy.py`: `Policy.get_variables`, `expand_variables`;
//! `c7n/utils.py`: `format_string_values`, `FormatDate`; `c7n/varfmt.py`: `VarFormat`).
//!
//! Python's `str.format` rules: `{name}`, `{name[key]}`, `{now:%Y-%m-%d}`, `{{` and `}}` for
//! braces. A string naming a variable that is not defined (or a positional field such as a
//! regex's `{2}`) is left exactly as written, as c7n's `KeyError`/`IndexError` fallback does; a
//! string that is one whole `{name}` keeps the variable's type (a list stays a list), as c7n's
//! `VarFormat`. Names that c7n defers to run time (`op`, `action_date`, `event`, `service`,
//! `bucket_region`, `bucket_name`, `policy`) stay as written for the actions that read them.

use crate::input::{Key, Node, NodeValue};
use serde_json::{Map, Value};

/// Names c7n keeps for the actions to expand at run time.
const DEFERRED: &[&str] = &["op", "action_date", "event", "service", "bucket_region", "bucket_name", "policy"];

/// The variables of one account and region.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    values: Map<String, Value>,
    now: Option<jiff::Timestamp>,
}

impl Variables {
    /// c7n-org's variables for one account and region: `account_id`, `account` (its name),
    /// `region`, `partition`, `now`, then the account's own `vars` (which may not redefine those).
    pub fn for_account(account_id: &str, account: &str, region: &str, now: jiff::Timestamp, vars: &Map<String, Value>) -> Self {
        let mut values = vars.clone();
        values.insert("account_id".into(), Value::String(account_id.into()));
        values.insert("account".into(), Value::String(account.into()));
        values.insert("region".into(), Value::String(region.into()));
        values.insert("partition".into(), Value::String(partition(region).into()));
        Variables { values, now: Some(now) }
    }

    /// Expands every string in `node` (keys stay as written).
    pub fn expand(&self, node: &mut Node) {
        match &mut node.value {
            NodeValue::Str(s) => {
                if let Some(v) = self.format(s) {
                    node.value = match v {
                        Formatted::Text(t) => NodeValue::Str(t),
                        Formatted::Value(v) => from_json(&v, node.pos).value,
                    };
                }
            }
            NodeValue::Seq(items) => items.iter_mut().for_each(|i| self.expand(i)),
            NodeValue::Map(entries) => entries.iter_mut().for_each(|(_, v)| self.expand(v)),
            NodeValue::Null | NodeValue::Bool(_) | NodeValue::Int(_) | NodeValue::Float(_) => {}
        }
    }

    /// One string formatted, or `None` when it stays as written (nothing to expand, or a
    /// field it cannot expand).
    fn format(&self, s: &str) -> Option<Formatted> {
        if !s.contains(['{', '}']) {
            return None;
        }
        let pieces = parse(s)?;
        if let [Piece::Field {
            name, keys, spec: None, ..
        }] = pieces.as_slice()
        {
            if name != "now" {
                if let Some(v) = self.lookup(name, keys)? {
                    return Some(Formatted::Value(v));
                }
            }
        }
        let mut out = String::new();
        for p in &pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Field { name, keys, spec, raw } => {
                    if name == "now" {
                        out.push_str(&self.format_now(keys, spec.as_deref())?);
                        continue;
                    }
                    match self.lookup(name, keys)? {
                        Some(v) => out.push_str(&py_str(&v)),
                        None => out.push_str(raw),
                    }
                }
            }
        }
        (out != s).then_some(Formatted::Text(out))
    }

    /// A field's value; `Some(None)` for a deferred name (kept as written); `None` when the
    /// whole string must stay as written.
    fn lookup(&self, name: &str, keys: &[String]) -> Option<Option<Value>> {
        if DEFERRED.contains(&name) {
            return Some(None);
        }
        let mut v = self.values.get(name)?;
        for k in keys {
            v = match v {
                Value::Object(m) => m.get(k)?,
                Value::Array(a) => a.get(k.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(Some(v.clone()))
    }

    /// `{now}` and `{now:SPEC}`: c7n's `FormatDate` (strftime, with `+Nd`, `+Nh`, `+NM` added first).
    fn format_now(&self, keys: &[String], spec: Option<&str>) -> Option<String> {
        let now = self.now?;
        if !keys.is_empty() {
            return None;
        }
        let mut at = now.to_zoned(jiff::tz::TimeZone::UTC);
        let Some(spec) = spec.filter(|s| !s.is_empty()) else {
            // Python's str(datetime.utcnow()).
            return Some(at.strftime("%Y-%m-%d %H:%M:%S.%6f").to_string());
        };
        let mut fmt = String::new();
        let mut rest = spec;
        while let Some(i) = rest.find('+') {
            fmt.push_str(&rest[..i]);
            let tail = &rest[i + 1..];
            let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
            let unit = tail[digits..].chars().next();
            match (digits, unit) {
                (1.., Some(u @ ('M' | 'd' | 'h'))) => {
                    let n: i64 = tail[..digits].parse().ok()?;
                    let span = match u {
                        'M' => jiff::Span::new().minutes(n),
                        'h' => jiff::Span::new().hours(n),
                        _ => jiff::Span::new().hours(n.checked_mul(24)?),
                    };
                    at = at.checked_add(span).ok()?;
                    rest = &tail[digits + 1..];
                }
                _ => {
                    fmt.push('+');
                    rest = tail;
                }
            }
        }
        fmt.push_str(rest);
        Some(at.strftime(&fmt).to_string())
    }
}

/// The partition a region is in.
pub use crate::action::notify::message::partition;

enum Formatted {
    Text(String),
    Value(Value),
}

#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    Field {
        name: String,
        keys: Vec<String>,
        spec: Option<String>,
        raw: String,
    },
}

/// Python's format-string grammar; `None` where Python raises (an unmatched brace, a
/// positional or empty field, a conversion or attribute custodian does not evaluate).
fn parse(s: &str) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|(_, c)| *c) == Some('{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().map(|(_, c)| *c) == Some('}') => {
                chars.next();
                text.push('}');
            }
            '}' => return None,
            '{' => {
                let end = s[i..].find('}')? + i;
                let body = &s[i + 1..end];
                while chars.peek().is_some_and(|(j, _)| *j <= end) {
                    chars.next();
                }
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(field(body, &s[i..=end])?);
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Some(pieces)
}

fn field(body: &str, raw: &str) -> Option<Piece> {
    let (head, spec) = match body.split_once(':') {
        Some((h, s)) => (h, Some(s.to_string())),
        None => (body, None),
    };
    if head.contains('!') || head.contains('{') {
        return None;
    }
    let name_end = head.find(['[', '.']).unwrap_or(head.len());
    let name = &head[..name_end];
    if name.is_empty() || name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut keys = Vec::new();
    let mut rest = &head[name_end..];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        keys.push(inner[..close].to_string());
        rest = &inner[close + 1..];
    }
    Some(Piece::Field {
        name: name.to_string(),
        keys,
        spec,
        raw: raw.to_string(),
    })
}

/// Python's `str()` of a value that came from YAML.
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("'{k}': {}", py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A JSON value as a YAML node at `pos` (a variable's value put where its field was).
fn from_json(v: &Value, pos: crate::input::Pos) -> Node {
    let value = match v {
        Value::Null => NodeValue::Null,
        Value::Bool(b) => NodeValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => NodeValue::Int(i),
            None => NodeValue::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => NodeValue::Str(s.clone()),
        Value::Array(a) => NodeValue::Seq(a.iter().map(|i| from_json(i, pos)).collect()),
        Value::Object(m) => NodeValue::Map(m.iter().map(|(k, v)| (Key { name: k.clone(), pos }, from_json(v, pos))).collect()),
    };
    Node { value, pos }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Variables {
        let custom = json!({"charge_code": "xyz", "owners": ["a", "b"], "limits": {"max": 3}, "n": 7});
        let now = "2026-12-02T05:30:00Z".parse().unwrap();
        Variables::for_account("111111111111", "dev", "eu-west-1", now, custom.as_object().unwrap())
    }

    fn expand(s: &str) -> Value {
        let mut node = Node {
            value: NodeValue::Str(s.into()),
            pos: crate::input::Pos { line: 1, col: 1 },
        };
        vars().expand(&mut node);
        node.to_json()
    }

    #[test]
    fn fields_expand_inside_text_and_whole_fields_keep_their_type() {
        assert_eq!(
            expand("arn:{partition}:sns:{region}:{account_id}:alerts"),
            json!("arn:aws:sns:eu-west-1:111111111111:alerts")
        );
        assert_eq!(expand("my_{charge_code}"), json!("my_xyz"));
        assert_eq!(expand("{account}"), json!("dev"));
        assert_eq!(expand("{owners}"), json!(["a", "b"]));
        assert_eq!(expand("{n}"), json!(7));
        assert_eq!(expand("n={n} owners={owners}"), json!("n=7 owners=['a', 'b']"));
        assert_eq!(expand("{limits[max]}"), json!(3));
        assert_eq!(expand("{{literal}} {region}"), json!("{literal} eu-west-1"));
    }

    #[test]
    fn what_python_cannot_format_stays_as_written() {
        // KeyError, IndexError (a regex's repetition), an unmatched brace, a JSON-looking string.
        for s in ["{unknown}-{region}", "^a{2}$", "{}", "a}b", "{\"k\": 1}", "{region", "{region!r}"] {
            assert_eq!(expand(s), json!(s), "{s}");
        }
    }

    #[test]
    fn deferred_names_stay_for_the_actions() {
        assert_eq!(expand("{op}@{action_date} in {region}"), json!("{op}@{action_date} in eu-west-1"));
        assert_eq!(expand("{event}"), json!("{event}"));
    }

    #[test]
    fn now_takes_strftime_and_c7n_increments() {
        assert_eq!(expand("{now}"), json!("2026-12-02 05:30:00.000000"));
        assert_eq!(expand("{now:%Y-%m-%d}"), json!("2026-12-02"));
        assert_eq!(expand("until {now:+2d%Y/%m/%d %H:%M}"), json!("until 2026/12/04 05:30"));
        assert_eq!(expand("{now:%H:%M+90M}"), json!("07:00"));
    }

    #[test]
    fn the_partition_follows_the_region() {
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("eu-west-1"), "aws");
    }
}
