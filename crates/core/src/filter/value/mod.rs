//! The `value` filter with Cloud Custodian's exact semantics (`c7n/filters/core.py`):
//! Python comparison rules, sentinels checked before the operator, a type mismatch is no match,
//! `ne`/`not-in` match a missing key, and the value types.

pub mod parse;
mod tag_keys;

pub use tag_keys::TagKeyTransform;

use super::path::KeyPath;
use crate::time::parse_date;
use jiff::Timestamp;
use regex::Regex;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

/// A comparison operator. Names and aliases as c7n's `OPERATORS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `eq`, `equal`
    Eq,
    /// `ne`, `not-equal`
    Ne,
    /// `gt`, `greater-than`
    Gt,
    /// `ge`, `gte`
    Ge,
    /// `lt`, `less-than`
    Lt,
    /// `le`, `lte`
    Le,
    /// `glob` (fnmatch, case-sensitive)
    Glob,
    /// `regex` (anchored at the start, case-insensitive)
    Regex,
    /// `regex-case` (anchored at the start, case-sensitive)
    RegexCase,
    /// `in`
    In,
    /// `not-in`, `ni`
    NotIn,
    /// `contains`: the resource value contains the policy value
    Contains,
    /// `difference`: the resource set has items the policy set lacks
    Difference,
    /// `intersect`: the sets share an item
    Intersect,
}

/// Every operator name c7n accepts, with its meaning.
pub const OP_NAMES: &[(&str, Op)] = &[
    ("eq", Op::Eq),
    ("equal", Op::Eq),
    ("ne", Op::Ne),
    ("not-equal", Op::Ne),
    ("gt", Op::Gt),
    ("greater-than", Op::Gt),
    ("ge", Op::Ge),
    ("gte", Op::Ge),
    ("lt", Op::Lt),
    ("less-than", Op::Lt),
    ("le", Op::Le),
    ("lte", Op::Le),
    ("glob", Op::Glob),
    ("regex", Op::Regex),
    ("regex-case", Op::RegexCase),
    ("in", Op::In),
    ("not-in", Op::NotIn),
    ("ni", Op::NotIn),
    ("contains", Op::Contains),
    ("difference", Op::Difference),
    ("intersect", Op::Intersect),
];

impl Op {
    /// Looks up an operator by any of its names.
    pub fn from_name(name: &str) -> Option<Op> {
        OP_NAMES.iter().find(|(n, _)| *n == name).map(|(_, op)| *op)
    }

    /// True for the ordering operators that make sense on numbers and dates.
    pub fn is_comparison(self) -> bool {
        matches!(self, Op::Eq | Op::Ne | Op::Gt | Op::Ge | Op::Lt | Op::Le)
    }

    /// Applies a comparison operator to already-resolved operands, c7n style (`op(r, v)`).
    /// `None` means Python would raise `TypeError`, which c7n turns into "no match".
    pub fn compare(self, r: &Operand, v: &Operand) -> Option<bool> {
        match self {
            Op::Eq => Some(py_eq(r, v)),
            Op::Ne => Some(!py_eq(r, v)),
            Op::Gt => py_cmp(r, v).map(Ordering::is_gt),
            Op::Ge => py_cmp(r, v).map(Ordering::is_ge),
            Op::Lt => py_cmp(r, v).map(Ordering::is_lt),
            Op::Le => py_cmp(r, v).map(Ordering::is_le),
            Op::In => py_in(r, v),
            Op::NotIn => py_in(r, v).map(|b| !b),
            Op::Contains => py_in(v, r),
            Op::Difference => set_op(r, v, false),
            Op::Intersect => set_op(r, v, true),
            // Pattern operators are matched by the filter, which owns the compiled pattern.
            Op::Glob | Op::Regex | Op::RegexCase => None,
        }
    }
}

/// How the resource value (and sometimes the policy value) is converted before comparing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Policy value is days; matches by the resource date's age (`gt 30` = older than 30 days).
    Age,
    /// Policy value is days; `lt 30` = the resource date is less than 30 days away.
    Expiration,
    /// `int(str(r).strip())`, 0 when that fails.
    Integer,
    /// `float(str(r).strip())`, 0.0 when that fails.
    Float,
    /// The length of the resource value (string, list, map), 0 otherwise.
    Size,
    /// The resource string stripped and lowercased.
    Normalize,
    /// Both sides parsed as dates.
    Date,
    /// Swap the operands.
    Swap,
}

/// Every value type name, with its meaning.
pub const VALUE_TYPE_NAMES: &[(&str, ValueType)] = &[
    ("age", ValueType::Age),
    ("expiration", ValueType::Expiration),
    ("integer", ValueType::Integer),
    ("float", ValueType::Float),
    ("size", ValueType::Size),
    ("normalize", ValueType::Normalize),
    ("date", ValueType::Date),
    ("swap", ValueType::Swap),
];

impl ValueType {
    /// Looks up a value type by name.
    pub fn from_name(name: &str) -> Option<ValueType> {
        VALUE_TYPE_NAMES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }
}

/// A compiled pattern for `glob`, `regex` and `regex-case`.
#[derive(Debug, Clone)]
pub struct Pattern(pub Regex);

impl Pattern {
    /// Compiles a c7n `regex` (case-insensitive) or `regex-case` pattern, anchored at the start
    /// like Python's `re.match`.
    pub fn regex(pattern: &str, case_insensitive: bool) -> Result<Pattern, regex::Error> {
        regex::RegexBuilder::new(&format!(r"\A(?:{pattern})"))
            .case_insensitive(case_insensitive)
            .build()
            .map(Pattern)
    }

    /// Compiles an fnmatch glob (`*`, `?`, `[seq]`, `[!seq]`), case-sensitive, whole-string.
    pub fn glob(pattern: &str) -> Pattern {
        Pattern(Regex::new(&fnmatch_translate(pattern)).expect("fnmatch translation is always a valid regex"))
    }

    /// Matches a string.
    pub fn is_match(&self, s: &str) -> bool {
        self.0.is_match(s)
    }
}

/// Python's `fnmatch.translate`: `*` any run, `?` any char, `[...]`/`[!...]` sets, the rest literal.
fn fnmatch_translate(pat: &str) -> String {
    let chars: Vec<char> = pat.chars().collect();
    let mut out = String::from(r"(?s)\A");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => {
                let mut j = i;
                if j < chars.len() && chars[j] == '!' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == ']' {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    out.push_str(r"\[");
                } else {
                    let mut set: String = chars[i..j].iter().collect();
                    i = j + 1;
                    if let Some(rest) = set.strip_prefix('!') {
                        set = format!("^{rest}");
                    } else if set.starts_with('^') {
                        set = format!("\\{set}");
                    }
                    let set = set
                        .replace('\\', r"\\")
                        .replace('[', r"\[")
                        .replace("&&", r"\&\&")
                        .replace("~~", r"\~\~");
                    let set = if let Some(rest) = set.strip_prefix(r"\\^") {
                        format!(r"\^{rest}")
                    } else {
                        set
                    };
                    out.push('[');
                    out.push_str(&set);
                    out.push(']');
                }
            }
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push_str(r"\z");
    out
}

/// A Python-typed operand: what c7n's comparisons see after key resolution and conversion.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand<'a> {
    /// `None` (missing key or JSON null).
    None,
    /// `()`: what c7n substitutes for a missing key under `in` / `not-in`.
    EmptyTuple,
    /// A boolean (compares as 0/1 with numbers, as in Python).
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(Cow<'a, str>),
    /// A list.
    List(Cow<'a, [Value]>),
    /// A mapping.
    Map(Cow<'a, Map<String, Value>>),
    /// A parsed date.
    Date(Timestamp),
}

impl<'a> Operand<'a> {
    /// Borrows a JSON value as an operand.
    pub fn of(v: &'a Value) -> Operand<'a> {
        match v {
            Value::Null => Operand::None,
            Value::Bool(b) => Operand::Bool(*b),
            Value::Number(n) => n
                .as_i64()
                .map(Operand::Int)
                .unwrap_or_else(|| Operand::Float(n.as_f64().unwrap_or(f64::NAN))),
            Value::String(s) => Operand::Str(Cow::Borrowed(s)),
            Value::Array(a) => Operand::List(Cow::Borrowed(a)),
            Value::Object(o) => Operand::Map(Cow::Borrowed(o)),
        }
    }

    /// Takes ownership of a resolved JSON value.
    pub fn of_cow(v: Cow<'a, Value>) -> Operand<'a> {
        match v {
            Cow::Borrowed(b) => Operand::of(b),
            Cow::Owned(Value::String(s)) => Operand::Str(Cow::Owned(s)),
            Cow::Owned(Value::Array(a)) => Operand::List(Cow::Owned(a)),
            Cow::Owned(Value::Object(o)) => Operand::Map(Cow::Owned(o)),
            Cow::Owned(other) => Operand::of(&other).into_static(),
        }
    }

    fn into_static(self) -> Operand<'static> {
        match self {
            Operand::None => Operand::None,
            Operand::EmptyTuple => Operand::EmptyTuple,
            Operand::Bool(b) => Operand::Bool(b),
            Operand::Int(i) => Operand::Int(i),
            Operand::Float(f) => Operand::Float(f),
            Operand::Str(s) => Operand::Str(Cow::Owned(s.into_owned())),
            Operand::List(l) => Operand::List(Cow::Owned(l.into_owned())),
            Operand::Map(m) => Operand::Map(Cow::Owned(m.into_owned())),
            Operand::Date(d) => Operand::Date(d),
        }
    }

    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Operand::None | Operand::EmptyTuple => false,
            Operand::Bool(b) => *b,
            Operand::Int(i) => *i != 0,
            Operand::Float(f) => *f != 0.0,
            Operand::Str(s) => !s.is_empty(),
            Operand::List(l) => !l.is_empty(),
            Operand::Map(m) => !m.is_empty(),
            Operand::Date(_) => true,
        }
    }

    /// True if this is the string `s` (how c7n recognises its sentinels).
    pub fn is_str(&self, s: &str) -> bool {
        matches!(self, Operand::Str(x) if x == s)
    }

    fn number(&self) -> Option<f64> {
        match self {
            Operand::Bool(b) => Some(f64::from(u8::from(*b))),
            Operand::Int(i) => Some(*i as f64),
            Operand::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Python's `str(x)`, for the `integer` and `float` conversions.
    fn py_str(&self) -> String {
        match self {
            Operand::None => "None".into(),
            Operand::EmptyTuple => "()".into(),
            Operand::Bool(true) => "True".into(),
            Operand::Bool(false) => "False".into(),
            Operand::Int(i) => i.to_string(),
            Operand::Float(f) if f.fract() == 0.0 && f.is_finite() => format!("{f:.1}"),
            Operand::Float(f) => f.to_string(),
            Operand::Str(s) => s.to_string(),
            Operand::List(_) => "[...]".into(),
            Operand::Map(_) => "{...}".into(),
            Operand::Date(d) => d.to_string(),
        }
    }
}

/// Python `==`.
pub fn py_eq(a: &Operand, b: &Operand) -> bool {
    use Operand::*;
    match (a, b) {
        (None, None) | (EmptyTuple, EmptyTuple) => true,
        (Str(x), Str(y)) => x == y,
        (Date(x), Date(y)) => x == y,
        (Int(x), Int(y)) => x == y,
        (List(x), List(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| py_eq(&Operand::of(p), &Operand::of(q))),
        (Map(x), Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| py_eq(&Operand::of(v), &Operand::of(w))))
        }
        _ => match (a.number(), b.number()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// Python ordering; `None` where Python raises `TypeError`.
pub fn py_cmp(a: &Operand, b: &Operand) -> Option<Ordering> {
    use Operand::*;
    match (a, b) {
        (Str(x), Str(y)) => Some(x.as_ref().cmp(y.as_ref())),
        (Date(x), Date(y)) => Some(x.cmp(y)),
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (EmptyTuple, EmptyTuple) => Some(Ordering::Equal),
        (List(x), List(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                let (p, q) = (Operand::of(p), Operand::of(q));
                if !py_eq(&p, &q) {
                    return py_cmp(&p, &q);
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        _ => match (a.number(), b.number()) {
            (Some(x), Some(y)) => x.partial_cmp(&y),
            _ => Option::None,
        },
    }
}

/// Python `x in y`.
pub fn py_in(x: &Operand, y: &Operand) -> Option<bool> {
    match y {
        Operand::List(items) => Some(items.iter().any(|i| py_eq(x, &Operand::of(i)))),
        Operand::Str(hay) => match x {
            Operand::Str(needle) => Some(hay.contains(needle.as_ref())),
            _ => Option::None,
        },
        Operand::Map(m) => match x {
            Operand::Str(k) => Some(m.contains_key(k.as_ref())),
            Operand::List(_) | Operand::Map(_) => Option::None,
            _ => Some(false),
        },
        Operand::EmptyTuple => Some(false),
        _ => Option::None,
    }
}

/// Hashable set elements, as Python's `set()` would build them.
fn set_items<'a>(v: &'a Operand) -> Option<Vec<Operand<'a>>> {
    match v {
        Operand::List(items) => items
            .iter()
            .map(|i| match i {
                Value::Array(_) | Value::Object(_) => Option::None,
                other => Some(Operand::of(other)),
            })
            .collect(),
        Operand::Str(s) => Some(s.chars().map(|c| Operand::Str(Cow::Owned(c.to_string()))).collect()),
        Operand::Map(m) => Some(m.keys().map(|k| Operand::Str(Cow::Borrowed(k.as_str()))).collect()),
        Operand::EmptyTuple => Some(Vec::new()),
        _ => Option::None,
    }
}

fn set_op(r: &Operand, v: &Operand, intersect: bool) -> Option<bool> {
    let left = set_items(r)?;
    let right = set_items(v)?;
    Some(left.iter().any(|l| right.iter().any(|x| py_eq(l, x)) == intersect))
}

/// A validated value filter.
#[derive(Debug, Clone)]
pub struct ValueFilter {
    /// What to read from the resource.
    pub key: KeyPath,
    /// The operator; `None` means equality (after the sentinels).
    pub op: Option<Op>,
    /// The policy value.
    pub value: Value,
    /// Conversion applied before comparing.
    pub value_type: Option<ValueType>,
    /// Compiled pattern for `glob` / `regex` / `regex-case`.
    pub pattern: Option<Pattern>,
    /// `value_regex`: the resource string is replaced by the regex's first capture group.
    pub value_regex: Option<Regex>,
    /// `value_from`: the value is read from a file (shared by clones, read once).
    pub value_from: Option<std::sync::Arc<crate::filter::values_from::ValuesFrom>>,
    /// `tag_key_transforms`: applied to the resource's tag keys before a `tag:` key is looked up.
    pub tag_key_transforms: Vec<TagKeyTransform>,
}

impl ValueFilter {
    /// The value of the first tag whose key, transformed, is `key` (c7n's
    /// `_normalize_aws_tag_keys` then the lookup).
    fn transformed_tag<'d>(&self, doc: &'d Value, key: &str) -> Option<&'d Value> {
        doc.get("Tags")?.as_array()?.iter().find_map(|t| {
            let k = t.get("Key").and_then(Value::as_str)?;
            let k = self.tag_key_transforms.iter().fold(k.to_string(), |k, tr| tr.apply(&k));
            (k == key).then(|| t.get("Value")).flatten().filter(|v| !v.is_null())
        })
    }

    /// Adds the top-level document keys the filter reads to `out`.
    pub fn read_fields(&self, out: &mut std::collections::BTreeSet<String>) {
        match &self.key {
            KeyPath::Tag(_) => {
                out.insert("Tags".into());
            }
            KeyPath::Path { text, .. } => {
                out.insert(text.clone());
                if let Some(root) = self.key.root() {
                    out.insert(root.to_string());
                }
            }
            KeyPath::Expression(text) => match KeyPath::expression_fields(text) {
                Some(names) => out.extend(names),
                None => {
                    out.insert(crate::resource::document::ALL_FIELDS.to_string());
                }
            },
        }
    }

    /// Does the resource match? `now` feeds `age` and `expiration`.
    pub fn matches(&self, doc: &Value, now: Timestamp) -> bool {
        let resolved = match (&self.key, self.tag_key_transforms.is_empty()) {
            (KeyPath::Tag(k), false) => self.transformed_tag(doc, k).map(Cow::Borrowed),
            _ => self.key.resolve(doc),
        };
        let mut r = match resolved {
            Some(v) => Operand::of_cow(v),
            None => Operand::None,
        };
        let from_file = match self.value_from.as_ref().map(|v| v.values()) {
            // Unread (a failed read fails the policy before evaluation): never a match.
            Some(None | Some(Err(_))) => return false,
            Some(Some(Ok(v))) => Some(v),
            None => None,
        };
        let policy_value = from_file.unwrap_or(&self.value);
        if let Some(re) = &self.value_regex {
            r = match &r {
                Operand::Str(s) => re
                    .captures(s)
                    .filter(|c| c.get(0).is_some_and(|m| m.start() == 0))
                    .and_then(|c| c.get(1))
                    .map(|m| Operand::Str(Cow::Owned(m.as_str().to_string())))
                    .unwrap_or(Operand::None),
                _ => Operand::None,
            };
        }
        if matches!(self.op, Some(Op::In | Op::NotIn)) && r == Operand::None {
            r = Operand::EmptyTuple;
        }
        let (v, r) = match self.value_type {
            None => (Operand::of(policy_value), r),
            Some(vt) => convert(vt, Operand::of(policy_value), r, now),
        };
        if r == Operand::None && v.is_str("absent") {
            return true;
        }
        if r != Operand::None && v.is_str("present") {
            return true;
        }
        if v.is_str("not-null") && r.truthy() {
            return true;
        }
        if v.is_str("empty") && !r.truthy() {
            return true;
        }
        match self.op {
            Some(Op::Glob | Op::Regex | Op::RegexCase) => match (&r, &self.pattern) {
                (Operand::Str(s), Some(p)) => p.is_match(s),
                _ => false,
            },
            Some(op) => op.compare(&r, &v).unwrap_or(false),
            None => py_eq(&r, &v),
        }
    }
}

/// c7n's `process_value_type`: returns the converted `(v, r)` pair.
fn convert<'a>(vt: ValueType, sentinel: Operand<'a>, r: Operand<'a>, now: Timestamp) -> (Operand<'a>, Operand<'a>) {
    match vt {
        ValueType::Normalize => match r {
            Operand::Str(s) => (sentinel, Operand::Str(Cow::Owned(s.trim().to_lowercase()))),
            other => (sentinel, other),
        },
        ValueType::Integer => {
            let s = r.py_str();
            let n = parse_py_int(s.trim()).map(Operand::Int).unwrap_or(Operand::Int(0));
            (sentinel, n)
        }
        ValueType::Float => {
            let s = r.py_str();
            let n = parse_py_float(s.trim()).unwrap_or(0.0);
            (sentinel, Operand::Float(n))
        }
        ValueType::Size => {
            let n = match &r {
                Operand::Str(s) => s.chars().count() as i64,
                Operand::List(l) => l.len() as i64,
                Operand::Map(m) => m.len() as i64,
                _ => 0,
            };
            (sentinel, Operand::Int(n))
        }
        ValueType::Swap => (r, sentinel),
        ValueType::Date => (
            date_of(&sentinel).map(Operand::Date).unwrap_or(Operand::None),
            date_of(&r).map(Operand::Date).unwrap_or(Operand::None),
        ),
        ValueType::Age => {
            let threshold = days_from(now, &sentinel, -1.0);
            let value = date_of(&r).map(Operand::Date).unwrap_or(Operand::Int(0));
            (value, threshold)
        }
        ValueType::Expiration => {
            let threshold = days_from(now, &sentinel, 1.0);
            let value = date_of(&r).map(Operand::Date).unwrap_or(Operand::Int(0));
            (threshold, value)
        }
    }
}

fn days_from<'a>(now: Timestamp, days: &Operand, sign: f64) -> Operand<'a> {
    match days.number() {
        Some(d) => now
            .checked_add(crate::time::duration(sign * d, 0.0, 0.0))
            .map(Operand::Date)
            .unwrap_or(Operand::None),
        None => Operand::None,
    }
}

fn date_of(v: &Operand) -> Option<Timestamp> {
    match v {
        Operand::Date(d) => Some(*d),
        Operand::Str(s) => parse_date(s),
        Operand::Int(i) => parse_date(&i.abs().to_string()).filter(|_| *i >= 0),
        Operand::Float(f) => crate::time::parse_date(&format!("{}", f.trunc() as i64)),
        _ => None,
    }
}

fn parse_py_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    if !digits.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return None;
    }
    s.replace('_', "").parse().ok()
}

fn parse_py_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    match lower.trim_start_matches(['+', '-']) {
        "inf" | "infinity" | "nan" => return lower.parse().ok(),
        _ => {}
    }
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'))
    {
        return None;
    }
    s.replace('_', "").parse().ok()
}

#[cfg(test)]
mod tests;
