//! Field readers: the checks every element's validation shares (allowed keys, strings, flags,
//! numbers, zones), each recording a located diagnostic instead of failing fast, so one pass
//! reports every problem in a file.

use super::diagnostic::{hint, Diagnostic, Pos, Severity};
use super::yaml::{Key, Node, NodeValue};
use jiff::tz::TimeZone;
use std::collections::HashMap;

/// Files a policy file names (`holidays-file`), read by the loader: by the name as written,
/// the path as shown in messages and the text, or why it could not be read.
pub type Includes = HashMap<String, Result<(String, String), String>>;

/// The entries of a YAML mapping, in source order.
pub type Entries = [(Key, Node)];

/// The value of `key` in `entries`.
pub fn get<'n>(entries: &'n Entries, key: &str) -> Option<&'n Node> {
    entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
}

/// A number (integer or float) node's value.
pub fn number(node: &Node) -> Option<f64> {
    match node.value {
        NodeValue::Int(i) => Some(i as f64),
        NodeValue::Float(f) => Some(f),
        _ => None,
    }
}

/// A scalar node as text (`true`, `12`, `1.5` and strings).
pub fn scalar_string(node: &Node) -> Option<String> {
    match &node.value {
        NodeValue::Str(s) => Some(s.clone()),
        NodeValue::Int(i) => Some(i.to_string()),
        NodeValue::Float(f) => Some(f.to_string()),
        NodeValue::Bool(b) => Some(b.to_string()),
        NodeValue::Null | NodeValue::Seq(_) | NodeValue::Map(_) => None,
    }
}

/// Collects the diagnostics of one file while its elements are read.
pub struct Checker<'a> {
    file: &'a str,
    lines: Vec<&'a str>,
    includes: Includes,
    /// Errors and warnings found so far.
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    /// A checker for `file` whose text is `text`.
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Self {
            file,
            lines: text.lines().collect(),
            includes: Includes::new(),
            diagnostics: Vec::new(),
        }
    }

    /// The same, with the files the loader read for it.
    pub fn with_includes(mut self, includes: Includes) -> Self {
        self.includes = includes;
        self
    }

    /// A file the policy names, as the loader read it (`None`: not loaded).
    pub fn include(&self, name: &str) -> Option<&Result<(String, String), String>> {
        self.includes.get(name)
    }

    /// The file being read.
    pub fn file(&self) -> &'a str {
        self.file
    }

    /// How many errors (not warnings) have been recorded: compare before and after reading an
    /// element to know whether it was valid.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Records a diagnostic at `pos`, underlining `width` characters.
    pub fn report(&mut self, severity: Severity, pos: Pos, width: usize, message: impl Into<String>, help: Option<String>) {
        let source_line = self.lines.get((pos.line as usize).wrapping_sub(1)).map(|l| l.to_string());
        self.diagnostics.push(Diagnostic {
            severity,
            file: self.file.to_string(),
            pos: Some(pos),
            message: message.into(),
            help,
            source_line,
            width,
        });
    }

    /// Records an error at `pos`.
    pub fn error(&mut self, pos: Pos, width: usize, message: impl Into<String>) {
        self.report(Severity::Error, pos, width, message, None);
    }

    /// Records an error at a key.
    pub fn at_key(&mut self, key: &Key, message: impl Into<String>) {
        self.at_key_help(key, message, None);
    }

    /// Records an error at a key, with help.
    pub fn at_key_help(&mut self, key: &Key, message: impl Into<String>, help: Option<String>) {
        self.report(Severity::Error, key.pos, key.name.chars().count(), message, help);
    }

    /// Records a warning at a key.
    pub fn warn_key(&mut self, key: &Key, message: impl Into<String>) {
        self.report(Severity::Warning, key.pos, key.name.chars().count(), message, None);
    }

    /// Records an error at a value.
    pub fn at_node(&mut self, node: &Node, message: impl Into<String>) {
        self.at_node_help(node, message, None);
    }

    /// Records an error at a value, with help.
    pub fn at_node_help(&mut self, node: &Node, message: impl Into<String>, help: Option<String>) {
        let width = match &node.value {
            // Quoted strings start one column earlier than their text; underline the text length.
            NodeValue::Str(s) => s.chars().count().max(1),
            NodeValue::Int(i) => i.to_string().len(),
            NodeValue::Null | NodeValue::Bool(_) | NodeValue::Float(_) | NodeValue::Seq(_) | NodeValue::Map(_) => 1,
        };
        self.report(Severity::Error, node.pos, width, message, help);
    }

    /// Every key of `entries` must be one of `allowed`; `what` names the element in messages.
    pub fn check_keys(&mut self, entries: &Entries, allowed: &[&str], what: &str) {
        for (key, _) in entries {
            if !allowed.contains(&key.name.as_str()) {
                let help = hint(&key.name, allowed.iter().copied(), || {
                    Some(format!("allowed: {}", allowed.join(", ")))
                });
                self.at_key_help(key, format!("unknown {what} key '{}'", key.name), help);
            }
        }
    }

    /// A list of strings.
    pub fn string_list(&mut self, node: &Node, what: &str) -> Vec<String> {
        match &node.value {
            NodeValue::Seq(items) => items
                .iter()
                .filter_map(|i| match i.as_str() {
                    Some(s) => Some(s.to_string()),
                    None => {
                        self.at_node(i, format!("'{what}' entries must be strings, found {}", i.kind_name()));
                        None
                    }
                })
                .collect(),
            _ => {
                self.at_node(node, format!("'{what}' must be a list of strings, found {}", node.kind_name()));
                Vec::new()
            }
        }
    }

    /// An optional `true` / `false` (absent: false).
    pub fn flag(&mut self, node: Option<&Node>) -> bool {
        self.flag_or(node, false)
    }

    /// An optional `true` / `false` with a default.
    pub fn flag_or(&mut self, node: Option<&Node>, default: bool) -> bool {
        match node.map(|n| (n, &n.value)) {
            None => default,
            Some((_, NodeValue::Bool(b))) => *b,
            Some((n, _)) => {
                self.at_node(n, format!("expected true or false, found {}", n.kind_name()));
                default
            }
        }
    }

    /// An optional non-negative number (absent: 0).
    pub fn non_negative(&mut self, node: Option<&Node>, what: &str) -> Option<f64> {
        let Some(node) = node else { return Some(0.0) };
        match number(node) {
            Some(n) if n >= 0.0 => Some(n),
            _ => {
                self.at_node(node, format!("'{what}' must be a non-negative number"));
                None
            }
        }
    }

    /// An optional non-empty string: `Some(None)` when absent, `None` when invalid.
    pub fn opt_string(&mut self, node: Option<&Node>, what: &str) -> Option<Option<String>> {
        match node {
            None => Some(None),
            Some(n) => match n.as_str() {
                Some(s) if !s.is_empty() => Some(Some(s.to_string())),
                _ => {
                    self.at_node(n, format!("'{what}' must be a non-empty string"));
                    None
                }
            },
        }
    }

    /// An optional time zone (IANA name or c7n alias; absent: UTC).
    pub fn timezone(&mut self, node: Option<&Node>) -> Option<TimeZone> {
        let Some(node) = node else { return Some(TimeZone::UTC) };
        match node.as_str().and_then(crate::time::resolve_tz) {
            Some((tz, _)) => Some(tz),
            None => {
                let text = node.as_str().unwrap_or("");
                let aliases = crate::time::TZ_ALIASES.iter().map(|(a, _)| *a);
                let help = hint(text, aliases, || {
                    Some("use an IANA name such as 'America/New_York' or an alias such as 'et'".into())
                });
                self.at_node_help(node, format!("unknown time zone '{text}'"), help);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::yaml::parse;

    fn entries(text: &str) -> Node {
        parse(text).unwrap()
    }

    #[test]
    fn unknown_keys_get_a_suggestion_or_the_allowed_list() {
        let text = "tpye: x\nzzz: y\n";
        let root = entries(text);
        let mut c = Checker::new("f.yml", text);
        c.check_keys(root.as_map().unwrap(), &["type", "tags"], "tag action");
        assert_eq!(c.errors(), 2);
        assert_eq!(c.diagnostics[0].message, "unknown tag action key 'tpye'");
        assert_eq!(c.diagnostics[0].help.as_deref(), Some("did you mean 'type'?"));
        assert_eq!(c.diagnostics[1].help.as_deref(), Some("allowed: type, tags"));
    }

    #[test]
    fn readers_record_located_errors_and_keep_going() {
        let text = "a: 1\nb: -2\nc: ''\nd: Mars/Base\ne: [x, 1]\n";
        let root = entries(text);
        let m = root.as_map().unwrap();
        let mut c = Checker::new("f.yml", text);
        assert!(!c.flag(get(m, "a")));
        assert_eq!(c.non_negative(get(m, "b"), "b"), None);
        assert_eq!(c.opt_string(get(m, "c"), "c"), None);
        assert!(c.timezone(get(m, "d")).is_none());
        assert_eq!(c.string_list(get(m, "e").unwrap(), "e"), vec!["x"]);
        let lines: Vec<u32> = c.diagnostics.iter().map(|d| d.pos.unwrap().line).collect();
        assert_eq!(lines, vec![1, 2, 3, 4, 5]);
        assert_eq!(c.opt_string(get(m, "zzz"), "zzz"), Some(None), "absent is not an error");
    }
}
