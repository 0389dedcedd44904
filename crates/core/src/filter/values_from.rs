//! `value_from` (value filters) and `skip-days-from` (off-hours): values read from a file, with
//! Cloud Custodian's rules (`c7n/resolver.py` `ValuesFrom`): the format comes from `format` or
//! the URL's extension (`json`, `csv`, `csv2dict`, `txt`); `expr` is a JMESPath expression (or,
//! for `csv`, a column number); lists become sets of values.
//!
//! Where the file lives:
//! - `file:` URLs (`file:///abs/path.json`, or custodian's `file:values.json` relative to the
//!   policy file) are read by the loader, so they are checked at validation, before any call;
//! - `s3://bucket/key[?region=...]` (`GetObject`) and `http(s)://` (`GET` with `headers`) are
//!   read once per run before anything is fetched; a failure fails the policies that use them.

use crate::input::redact::redact_url;
use crate::input::{get, Checker, Node, NodeValue};
use serde_json::Value;
use std::sync::OnceLock;

/// The keys of a `value_from` mapping.
const KEYS: &[&str] = &["url", "format", "expr", "headers", "query"];
const FORMATS: &[&str] = &["json", "csv", "csv2dict", "txt"];

/// The file formats c7n reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON document.
    Json,
    /// Rows of comma-separated values.
    Csv,
    /// CSV whose first row names the columns: `{header: [values...]}`.
    Csv2Dict,
    /// One value per line.
    Txt,
}

/// What `expr` selects.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A CSV column number.
    Column(usize),
    /// A JMESPath expression.
    Path(String),
}

/// A validated `value_from` / `skip-days-from`.
#[derive(Debug)]
pub struct ValuesFrom {
    /// The URL as written.
    pub url: String,
    /// The format.
    pub format: Format,
    /// The selection.
    pub expr: Option<Expr>,
    /// HTTP headers (http(s) only).
    pub headers: Vec<(String, String)>,
    values: OnceLock<Result<Value, String>>,
}

impl Clone for ValuesFrom {
    fn clone(&self) -> Self {
        let values = OnceLock::new();
        if let Some(v) = self.values.get() {
            let _ = values.set(v.clone());
        }
        ValuesFrom {
            url: self.url.clone(),
            format: self.format,
            expr: self.expr.clone(),
            headers: self.headers.clone(),
            values,
        }
    }
}

impl ValuesFrom {
    /// Whether the values are read at run time (S3, HTTP) rather than by the loader.
    pub fn is_remote(&self) -> bool {
        !self.url.starts_with("file:")
    }

    /// The values, once read: a list (c7n's set) or whatever `expr` selected.
    pub fn values(&self) -> Option<&Result<Value, String>> {
        self.values.get()
    }

    /// Reads the values from the file's text (or records why it could not be read).
    pub fn resolve(&self, contents: Result<String, String>) {
        let values = contents.and_then(|text| parse_values(&text, self.format, self.expr.as_ref()));
        let _ = self
            .values
            .set(values.map_err(|e| format!("value_from {}: {e}", redact_url(&self.url))));
    }
}

/// Most bytes a remote `value_from` source may hold, before and after decompression: a list
/// read on every run has no business being larger, and a decompression bomb cannot exhaust a
/// 128 MB function.
pub const MAX_VALUES_BYTES: usize = 20 * 1024 * 1024;

/// Whether an `http://` URL points at this machine (a local proxy or a test stand-in): the
/// only place a value list may travel unencrypted.
pub fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
    let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// Validates a `value_from` mapping; a `file:` URL is read from what the loader read.
pub fn parse(c: &mut Checker, node: &Node) -> Option<ValuesFrom> {
    let before = c.errors();
    let NodeValue::Map(entries) = &node.value else {
        c.at_node(node, "'value_from' must be a mapping with 'url' (and 'format', 'expr', 'headers')");
        return None;
    };
    c.check_keys(entries, KEYS, "value_from");
    if let Some(q) = get(entries, "query") {
        c.at_node(q, "'query' (DynamoDB PartiQL) in value_from is not supported by custodian");
    }
    let Some(url_node) = get(entries, "url") else {
        c.at_node(node, "value_from needs a 'url'");
        return None;
    };
    let Some(url) = url_node.as_str().map(str::to_string) else {
        c.at_node(url_node, "'url' must be a string");
        return None;
    };
    if url.contains('{') {
        c.at_node(
            url_node,
            "variables in a value_from url ({account_id}, {region}) are not supported by custodian yet",
        );
    }
    let scheme_ok = ["file:", "s3://", "http://", "https://"].iter().any(|s| url.starts_with(s));
    if url.starts_with("http://") && !is_loopback_http(&url) {
        c.at_node(
            url_node,
            format!(
                "value_from url '{}' is plain http: anyone on the path could change the values; use https:// (plain http only to 127.0.0.1 or localhost)",
                redact_url(&url)
            ),
        );
    } else if !scheme_ok {
        c.at_node(
            url_node,
            format!("unsupported value_from url '{url}': use file:, s3:// or https:// (dynamodb is not supported)"),
        );
    }
    let format = match get(entries, "format") {
        Some(f) => match f.as_str() {
            Some(name) if FORMATS.contains(&name) => format_of(name),
            _ => {
                c.at_node(f, "'format' must be one of json, csv, csv2dict, txt");
                None
            }
        },
        None => {
            let path = url.split(['?', '#']).next().unwrap_or(&url);
            let ext = path
                .rsplit_once('/')
                .map(|(_, n)| n)
                .unwrap_or(path)
                .rsplit_once('.')
                .map(|(_, e)| e);
            match ext.and_then(format_of) {
                Some(f) => Some(f),
                None => {
                    c.at_node(
                        url_node,
                        "cannot tell the format from the url: add 'format' (json, csv, csv2dict, txt)",
                    );
                    None
                }
            }
        }
    };
    let expr = match get(entries, "expr") {
        None => None,
        Some(e) => match &e.value {
            NodeValue::Int(i) if *i >= 0 => Some(Expr::Column(*i as usize)),
            NodeValue::Str(s) => match jmespath::compile(s) {
                Ok(_) => Some(Expr::Path(s.clone())),
                Err(err) => {
                    c.at_node(e, format!("invalid expr: {err}"));
                    None
                }
            },
            _ => {
                c.at_node(e, "'expr' must be a JMESPath expression or a column number");
                None
            }
        },
    };
    if let (Some(Expr::Column(_)), Some(f)) = (&expr, format) {
        if f != Format::Csv {
            c.at_node(node, "a column number as 'expr' needs format csv");
        }
    }
    let mut headers = Vec::new();
    if let Some(h) = get(entries, "headers") {
        match &h.value {
            NodeValue::Map(items) => {
                for (k, v) in items {
                    match v.as_str() {
                        Some(s) => headers.push((k.name.clone(), s.to_string())),
                        None => c.at_node(v, "header values are strings"),
                    }
                }
            }
            _ => c.at_node(h, "'headers' must be a mapping"),
        }
    }
    if c.errors() > before {
        return None;
    }
    let v = ValuesFrom {
        url: url.clone(),
        format: format?,
        expr,
        headers,
        values: OnceLock::new(),
    };
    if !v.is_remote() {
        match c.include(&url).cloned() {
            Some(Ok((_, text))) => {
                v.resolve(Ok(text));
                if let Some(Err(e)) = v.values() {
                    c.at_node(url_node, e.clone());
                    return None;
                }
            }
            Some(Err(e)) => {
                c.at_node(url_node, e);
                return None;
            }
            None => {
                c.at_node(url_node, "value_from files are read only when the policy is loaded from a file");
                return None;
            }
        }
    }
    Some(v)
}

/// The local path a `file:` URL names, relative to the policy file's directory unless absolute.
pub fn file_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("file:")?;
    Some(rest.strip_prefix("//").unwrap_or(rest))
}

fn format_of(name: &str) -> Option<Format> {
    match name {
        "json" => Some(Format::Json),
        "csv" => Some(Format::Csv),
        "csv2dict" => Some(Format::Csv2Dict),
        "txt" => Some(Format::Txt),
        _ => None,
    }
}

/// c7n's `ValuesFrom._get_values`.
pub fn parse_values(text: &str, format: Format, expr: Option<&Expr>) -> Result<Value, String> {
    let search = |data: &Value, e: &str| -> Result<Value, String> {
        let found = crate::filter::path::search(e, data).unwrap_or(Value::Null);
        Ok(set(found))
    };
    match format {
        Format::Json => {
            let data: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
            match expr {
                Some(Expr::Path(e)) => search(&data, e),
                _ => Ok(data),
            }
        }
        Format::Txt => Ok(set(Value::Array(
            text.lines().map(|l| Value::String(l.trim().to_string())).collect(),
        ))),
        Format::Csv => {
            let rows = csv_rows(text)?;
            match expr {
                Some(Expr::Column(i)) => Ok(set(Value::Array(
                    rows.iter()
                        .filter(|r| !r.is_empty())
                        .map(|r| {
                            r.get(*i)
                                .cloned()
                                .map(Value::String)
                                .ok_or_else(|| format!("a row has no column {i}"))
                        })
                        .collect::<Result<_, _>>()?,
                ))),
                Some(Expr::Path(e)) => search(&rows_json(&rows), e),
                None => Ok(set(Value::Array(rows.into_iter().flatten().map(Value::String).collect()))),
            }
        }
        Format::Csv2Dict => {
            let rows = csv_rows(text)?;
            let mut dict = serde_json::Map::new();
            if let Some(header) = rows.first() {
                // Python's zip(*rows): columns up to the shortest row.
                let width = rows.iter().map(Vec::len).min().unwrap_or(0);
                for (i, name) in header.iter().enumerate().take(width) {
                    let column = rows[1..].iter().map(|r| Value::String(r[i].clone())).collect();
                    dict.insert(name.clone(), Value::Array(column));
                }
            }
            match expr {
                Some(Expr::Path(e)) => search(&Value::Object(dict), e),
                _ => Ok(set(Value::Array(
                    dict.into_iter()
                        .flat_map(|(_, v)| match v {
                            Value::Array(a) => a,
                            other => vec![other],
                        })
                        .collect(),
                ))),
            }
        }
    }
}

/// A list made a set (c7n's `set(...)`): duplicates dropped, first occurrence kept.
fn set(v: Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut out: Vec<Value> = Vec::new();
            for i in items {
                if !out.contains(&i) {
                    out.push(i);
                }
            }
            Value::Array(out)
        }
        other => other,
    }
}

fn rows_json(rows: &[Vec<String>]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| Value::Array(r.iter().cloned().map(Value::String).collect()))
            .collect(),
    )
}

/// Python's `csv.reader` over the default dialect: commas, double quotes (`""` inside quotes),
/// rows on line ends; an empty line is an empty row.
fn csv_rows(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut row = Vec::new();
        if line.is_empty() {
            rows.push(row);
            continue;
        }
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(ch) = chars.next() {
            match (ch, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                ('"', true) => quoted = false,
                ('"', false) if field.is_empty() => quoted = true,
                (',', false) => row.push(std::mem::take(&mut field)),
                (c, _) => field.push(c),
            }
        }
        if quoted {
            return Err(format!("line {}: unterminated quote", n + 1));
        }
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_and_queries_before_anyone_sees_them() {
        assert_eq!(
            redact_url("https://user:pass@example.com/list.json?token=abc"),
            "https://example.com/list.json"
        );
        assert_eq!(redact_url("s3://bucket/key.csv?region=eu-west-1"), "s3://bucket/key.csv");
        assert_eq!(redact_url("https://example.com"), "https://example.com");
        assert!(is_loopback_http("http://127.0.0.1:8080/x"));
        assert!(is_loopback_http("http://localhost/x"));
        assert!(!is_loopback_http("http://127.0.0.1.evil.example/x"));
        assert!(!is_loopback_http("http://example.com/x"));
        assert!(!is_loopback_http("https://127.0.0.1/x"));
    }
    use serde_json::json;

    #[test]
    fn formats_and_expressions_follow_c7n() {
        let j = r#"{"Region": {"us-east-1": [{"ImageId": "ami-1"}, {"ImageId": "ami-2"}, {"ImageId": "ami-1"}]}}"#;
        let e = Expr::Path("Region.\"us-east-1\"[].ImageId".into());
        assert_eq!(parse_values(j, Format::Json, Some(&e)), Ok(json!(["ami-1", "ami-2"])));
        assert_eq!(parse_values("[1, 2]", Format::Json, None), Ok(json!([1, 2])));
        assert_eq!(
            parse_values("a\n b \n\na\n", Format::Txt, None),
            Ok(json!(["a", "b", ""])),
            "stripped lines, blank ones too"
        );
        let csv = "id,owner\ni-1,\"Smith, J\"\ni-2,bob\n";
        assert_eq!(
            parse_values(csv, Format::Csv, Some(&Expr::Column(0))),
            Ok(json!(["id", "i-1", "i-2"]))
        );
        assert_eq!(
            parse_values(csv, Format::Csv, None),
            Ok(json!(["id", "owner", "i-1", "Smith, J", "i-2", "bob"]))
        );
        assert_eq!(
            parse_values(csv, Format::Csv2Dict, Some(&Expr::Path("owner".into()))),
            Ok(json!(["Smith, J", "bob"]))
        );
        assert_eq!(
            parse_values(csv, Format::Csv2Dict, None),
            Ok(json!(["i-1", "i-2", "Smith, J", "bob"]))
        );
        assert!(parse_values("{", Format::Json, None).unwrap_err().contains("invalid JSON"));
        assert!(parse_values("a,\"b", Format::Csv, None).unwrap_err().contains("unterminated"));
    }

    #[test]
    fn file_urls_name_local_paths() {
        assert_eq!(file_path("file:values.json"), Some("values.json"));
        assert_eq!(file_path("file:///etc/values.json"), Some("/etc/values.json"));
        assert_eq!(file_path("s3://b/k"), None);
    }
}
