//! Validation: the positioned YAML tree becomes typed [`Policy`] values, or every error at once.

use super::diagnostic::{suggestion, Diagnostic, Pos};
use super::model::{MaxResources, Mode, Policy, Source};
use super::yaml::{Key, Node, NodeValue};
use crate::action::{Action, ActionName, MarkForOp, ACTION_NAMES, DEFAULT_MARK_MSG, DEFAULT_MARK_TAG};
use crate::filter::path::KeyPath;
use crate::filter::value::{Op, Pattern, ValueFilter, ValueType, OP_NAMES, VALUE_TYPE_NAMES};
use crate::filter::{AgeFilter, Filter, MarkedForOp, FILTER_TYPES};
use crate::resource::ResourceKind;
use crate::time::resolve_tz;
use jiff::tz::TimeZone;

const TOP_KEYS: &[&str] = &["policies", "vars"];
const POLICY_KEYS: &[&str] = &[
    "name",
    "resource",
    "description",
    "comment",
    "comments",
    "tags",
    "metadata",
    "filters",
    "actions",
    "mode",
    "max-resources",
    "max-resources-percent",
];
/// c7n policy keys custodian does not implement (rejected with a clear message, never ignored).
const UNSUPPORTED_POLICY_KEYS: &[&str] = &["conditions", "query", "source", "region", "start", "end", "tz", "title"];
const MODE_KEYS: &[&str] = &[
    "type",
    "schedule",
    "role",
    "function-prefix",
    "runtime",
    "memory",
    "timeout",
    "tags",
    "execution-options",
    "environment",
    "layers",
    "packages",
    "concurrency",
    "dead_letter_config",
    "kms_key_arn",
    "tracing_config",
    "security_groups",
    "subnets",
    "member-role",
    "timezone",
];

/// Collects diagnostics for one file while validating it.
pub struct Validator<'a> {
    file: &'a str,
    lines: Vec<&'a str>,
    /// Errors found so far.
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Validator<'a> {
    /// A validator for `file` whose text is `text`.
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Self {
            file,
            lines: text.lines().collect(),
            diagnostics: Vec::new(),
        }
    }

    /// Records an error at `pos`, underlining `width` characters.
    pub fn error(&mut self, pos: Pos, width: usize, message: impl Into<String>) {
        let source_line = self.lines.get((pos.line as usize).wrapping_sub(1)).map(|l| l.to_string());
        self.diagnostics.push(Diagnostic {
            file: self.file.to_string(),
            pos: Some(pos),
            message: message.into(),
            source_line,
            width,
        });
    }

    fn at_key(&mut self, key: &Key, message: impl Into<String>) {
        self.error(key.pos, key.name.chars().count(), message);
    }

    fn at_node(&mut self, node: &Node, message: impl Into<String>) {
        let width = match &node.value {
            NodeValue::Str(s) => {
                // Quoted strings start one column earlier than their text; underline the text length.
                s.chars().count().max(1)
            }
            NodeValue::Int(i) => i.to_string().len(),
            _ => 1,
        };
        self.error(node.pos, width, message);
    }

    /// Validates a whole file's tree into policies (those without errors).
    pub fn file(&mut self, root: &Node) -> Vec<Policy> {
        let Some(entries) = root.as_map() else {
            if root.value == NodeValue::Null {
                self.diagnostics.push(Diagnostic::file(
                    self.file,
                    "empty policy file: expected a mapping with 'policies:'",
                ));
            } else {
                self.at_node(root, format!("expected a mapping with 'policies:', found {}", root.kind_name()));
            }
            return Vec::new();
        };
        let mut policies_node = None;
        for (key, value) in entries {
            match key.name.as_str() {
                "policies" => policies_node = Some(value),
                "vars" => {}
                other => self.at_key(
                    key,
                    format!("unknown top-level key '{other}'{}", suggestion(other, TOP_KEYS.iter().copied())),
                ),
            }
        }
        let Some(list) = policies_node else {
            if self.diagnostics.is_empty() {
                self.error(root.pos, 1, "missing 'policies:' list");
            }
            return Vec::new();
        };
        let items = match &list.value {
            NodeValue::Seq(items) => items,
            NodeValue::Null => return Vec::new(),
            _ => {
                self.at_node(list, format!("'policies' must be a list, found {}", list.kind_name()));
                return Vec::new();
            }
        };
        items.iter().filter_map(|p| self.policy(p)).collect()
    }

    fn policy(&mut self, node: &Node) -> Option<Policy> {
        let Some(entries) = node.as_map() else {
            self.at_node(node, format!("each policy must be a mapping, found {}", node.kind_name()));
            return None;
        };
        let before = self.diagnostics.len();
        let get = |name: &str| entries.iter().find(|(k, _)| k.name == name);
        for (key, _) in entries {
            let k = key.name.as_str();
            if POLICY_KEYS.contains(&k) {
                continue;
            }
            if UNSUPPORTED_POLICY_KEYS.contains(&k) {
                self.at_key(key, format!("policy key '{k}' is not supported by custodian"));
            } else {
                self.at_key(
                    key,
                    format!("unknown policy key '{k}'{}", suggestion(k, POLICY_KEYS.iter().copied())),
                );
            }
        }
        let name = match get("name") {
            None => {
                self.error(node.pos, 1, "policy is missing 'name'");
                None
            }
            Some((_, v)) => match v.as_str() {
                Some(n) if valid_policy_name(n) => Some(n.to_string()),
                Some(n) => {
                    self.at_node(
                        v,
                        format!("invalid policy name '{n}': use letters, digits, '-' and '_', starting with a letter"),
                    );
                    None
                }
                None => {
                    self.at_node(v, format!("policy name must be a string, found {}", v.kind_name()));
                    None
                }
            },
        };
        let kind = match get("resource") {
            None => {
                self.error(node.pos, 1, "policy is missing 'resource'");
                None
            }
            Some((_, v)) => match v.as_str() {
                Some(r) => match ResourceKind::from_name(r) {
                    Some(k) => Some(k),
                    None => {
                        self.at_node(v, format!("unknown resource '{r}'{}", suggestion(r, ResourceKind::all_names())));
                        None
                    }
                },
                None => {
                    self.at_node(v, format!("'resource' must be a string, found {}", v.kind_name()));
                    None
                }
            },
        };
        let mut description = None;
        let mut tags = Vec::new();
        for (key, value) in entries {
            match key.name.as_str() {
                "description" | "comment" | "comments" => match value.as_str() {
                    Some(s) if key.name == "description" => description = Some(s.to_string()),
                    Some(_) => {}
                    None => self.at_node(value, format!("'{}' must be a string, found {}", key.name, value.kind_name())),
                },
                "tags" => tags = self.string_list(value, "tags"),
                "metadata" if value.as_map().is_none() && value.value != NodeValue::Null => {
                    self.at_node(value, format!("'metadata' must be a mapping, found {}", value.kind_name()))
                }
                _ => {}
            }
        }
        let mode = get("mode").map(|(_, v)| self.mode(v)).unwrap_or(Some(Mode::Pull));
        let max_resources = self.max_resources(get("max-resources").map(|(_, v)| v), get("max-resources-percent").map(|(_, v)| v));

        // Filters and actions need the kind; without it, only their shape is checked.
        let kind_for_children = kind.unwrap_or(ResourceKind::Ec2);
        let filters = match get("filters") {
            Some((_, v)) => self.filter_list(v, kind_for_children, kind.is_some()),
            None => Vec::new(),
        };
        let actions = match get("actions") {
            Some((_, v)) => self.action_list(v, kind_for_children, kind.is_some()),
            None => Vec::new(),
        };
        if self.diagnostics.len() > before {
            return None;
        }
        let line = get("name").map(|(k, _)| k.pos.line).unwrap_or(node.pos.line);
        Some(Policy {
            name: name?,
            kind: kind?,
            description,
            tags,
            filters,
            actions,
            mode: mode?,
            max_resources,
            source: Source {
                file: self.file.to_string(),
                line,
            },
            data: node.to_json(),
        })
    }

    fn string_list(&mut self, node: &Node, what: &str) -> Vec<String> {
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

    fn mode(&mut self, node: &Node) -> Option<Mode> {
        let Some(entries) = node.as_map() else {
            self.at_node(node, format!("'mode' must be a mapping with a 'type', found {}", node.kind_name()));
            return None;
        };
        for (key, _) in entries {
            if !MODE_KEYS.contains(&key.name.as_str()) {
                self.at_key(
                    key,
                    format!(
                        "unknown mode key '{}'{}",
                        key.name,
                        suggestion(&key.name, MODE_KEYS.iter().copied())
                    ),
                );
            }
        }
        let ty = entries.iter().find(|(k, _)| k.name == "type");
        let schedule = entries.iter().find(|(k, _)| k.name == "schedule");
        match ty.map(|(k, v)| (k, v, v.as_str())) {
            None => {
                self.error(node.pos, 1, "'mode' is missing 'type' (pull or periodic)");
                None
            }
            Some((_, _, Some("pull"))) => Some(Mode::Pull),
            Some((k, _, Some("periodic"))) => match schedule.map(|(_, v)| (v, v.as_str())) {
                Some((v, Some(s))) => match super::eventbridge::check_schedule(s) {
                    Ok(()) => {
                        let memory = self.mode_number(entries, "memory", 128, 10240, "MB");
                        let timeout = self.mode_number(entries, "timeout", 1, 900, "seconds");
                        Some(Mode::Periodic {
                            schedule: s.trim().to_string(),
                            memory: memory?,
                            timeout: timeout?,
                        })
                    }
                    Err(message) => {
                        self.at_node(v, message);
                        None
                    }
                },
                Some((v, None)) => {
                    self.at_node(
                        v,
                        "'schedule' must be a string such as 'rate(1 hour)' or 'cron(0 19 ? * MON-FRI *)'",
                    );
                    None
                }
                None => {
                    self.at_key(k, "periodic mode needs a 'schedule', e.g. 'rate(1 hour)'");
                    None
                }
            },
            Some((_, v, Some(other))) => {
                self.at_node(
                    v,
                    format!(
                        "mode type '{other}' is not supported (supported: pull, periodic){}",
                        suggestion(other, ["pull", "periodic"])
                    ),
                );
                None
            }
            Some((_, v, None)) => {
                self.at_node(v, "mode 'type' must be a string");
                None
            }
        }
    }

    /// An optional whole-number mode key within Lambda's limits.
    fn mode_number(&mut self, entries: &[(Key, Node)], key: &str, min: i64, max: i64, unit: &str) -> Option<Option<u32>> {
        let Some((_, v)) = entries.iter().find(|(k, _)| k.name == key) else {
            return Some(None);
        };
        match v.value {
            NodeValue::Int(n) if (min..=max).contains(&n) => Some(Some(n as u32)),
            _ => {
                self.at_node(v, format!("mode '{key}' must be a whole number of {unit} from {min} to {max}"));
                None
            }
        }
    }

    fn max_resources(&mut self, amount: Option<&Node>, percent: Option<&Node>) -> Option<MaxResources> {
        let mut guard = MaxResources {
            amount: None,
            percent: None,
            both_required: false,
        };
        if let Some(node) = amount {
            match &node.value {
                NodeValue::Int(n) if *n >= 1 => guard.amount = Some(*n as u64),
                NodeValue::Map(entries) => {
                    for (key, v) in entries {
                        match key.name.as_str() {
                            "amount" => match v.value {
                                NodeValue::Int(n) if n >= 1 => guard.amount = Some(n as u64),
                                _ => self.at_node(v, "'amount' must be an integer of at least 1"),
                            },
                            "percent" => guard.percent = self.percent(v),
                            "op" => match v.as_str() {
                                Some("and") => guard.both_required = true,
                                Some("or") => {}
                                _ => self.at_node(v, "'op' must be 'and' or 'or'"),
                            },
                            other => self.at_key(
                                key,
                                format!(
                                    "unknown max-resources key '{other}'{}",
                                    suggestion(other, ["amount", "percent", "op"])
                                ),
                            ),
                        }
                    }
                }
                _ => self.at_node(node, "'max-resources' must be an integer of at least 1, or {amount, percent, op}"),
            }
        }
        if let Some(node) = percent {
            guard.percent = self.percent(node);
        }
        (guard.amount.is_some() || guard.percent.is_some()).then_some(guard)
    }

    fn percent(&mut self, node: &Node) -> Option<f64> {
        match number(node) {
            Some(p) if (0.0..=100.0).contains(&p) => Some(p),
            _ => {
                self.at_node(node, "a resource percentage must be a number from 0 to 100");
                None
            }
        }
    }

    fn filter_list(&mut self, node: &Node, kind: ResourceKind, kind_known: bool) -> Vec<Filter> {
        match &node.value {
            NodeValue::Seq(items) => items.iter().filter_map(|f| self.filter(f, kind, kind_known)).collect(),
            NodeValue::Null => Vec::new(),
            _ => {
                self.at_node(node, format!("filters must be a list, found {}", node.kind_name()));
                Vec::new()
            }
        }
    }

    fn filter(&mut self, node: &Node, kind: ResourceKind, kind_known: bool) -> Option<Filter> {
        match &node.value {
            NodeValue::Str(name) => self.typed_filter(node, name, &[], kind, kind_known),
            NodeValue::Map(entries) => {
                if let Some((tk, tv)) = entries.iter().find(|(k, _)| k.name == "type") {
                    let Some(name) = tv.as_str() else {
                        self.at_node(tv, "filter 'type' must be a string");
                        return None;
                    };
                    let _ = tk;
                    return self.typed_filter(tv, name, entries, kind, kind_known);
                }
                if entries.len() == 1 {
                    let (key, value) = &entries[0];
                    return match key.name.as_str() {
                        "and" | "or" | "not" => {
                            let NodeValue::Seq(_) = value.value else {
                                self.at_node(
                                    value,
                                    format!("'{}' takes a list of filters, found {}", key.name, value.kind_name()),
                                );
                                return None;
                            };
                            let children = self.filter_list(value, kind, kind_known);
                            Some(match key.name.as_str() {
                                "and" => Filter::And(children),
                                "or" => Filter::Or(children),
                                _ => Filter::Not(children),
                            })
                        }
                        _ => self.shorthand(key, value, kind, kind_known),
                    };
                }
                if entries.is_empty() {
                    self.at_node(node, "empty filter");
                } else if entries.iter().any(|(k, _)| k.name == "key") {
                    self.at_node(node, "filter has no 'type' (add 'type: value')");
                } else {
                    self.at_node(
                        node,
                        "filter has no 'type', and a value shorthand takes exactly one 'Key: value' pair",
                    );
                }
                None
            }
            _ => {
                self.at_node(
                    node,
                    format!("a filter must be a mapping or a filter name, found {}", node.kind_name()),
                );
                None
            }
        }
    }

    fn shorthand(&mut self, key: &Key, value: &Node, kind: ResourceKind, kind_known: bool) -> Option<Filter> {
        match &value.value {
            NodeValue::Seq(items) if !items.is_empty() => {
                self.at_node(
                    value,
                    "a value shorthand takes a single value; use 'type: value' with 'op: in' for a list",
                );
                return None;
            }
            NodeValue::Map(_) => {
                self.at_node(
                    value,
                    format!("a value shorthand takes a single value, found {}", value.kind_name()),
                );
                return None;
            }
            _ => {}
        }
        let path = self.key_path(key.pos, &key.name, kind, kind_known)?;
        Some(Filter::Value(ValueFilter {
            key: path,
            op: None,
            value: value.to_json(),
            value_type: None,
            pattern: None,
            value_regex: None,
        }))
    }

    fn key_path(&mut self, pos: Pos, text: &str, kind: ResourceKind, kind_known: bool) -> Option<KeyPath> {
        let path = match KeyPath::parse(text) {
            Ok(p) => p,
            Err(e) => {
                self.error(pos, text.chars().count(), e);
                return None;
            }
        };
        if let (Some(root), true) = (path.root(), kind_known) {
            let spec = kind.spec();
            if !spec.attributes.contains(&root) && !spec.attributes.contains(&text) {
                let hint = suggestion(root, spec.attributes.iter().copied());
                let hint = if hint.is_empty() && root.eq_ignore_ascii_case("tags") {
                    String::new()
                } else {
                    hint
                };
                let tag_hint = if hint.is_empty() && !text.contains('.') && !text.contains('[') {
                    format!(" (for a tag, write 'tag:{text}')")
                } else {
                    hint
                };
                self.error(
                    pos,
                    text.chars().count(),
                    format!("unknown key '{root}' for {}{tag_hint}", spec.name),
                );
                return None;
            }
        }
        Some(path)
    }

    fn check_keys(&mut self, entries: &[(Key, Node)], allowed: &[&str], what: &str) {
        for (key, _) in entries {
            if !allowed.contains(&key.name.as_str()) {
                let hint = suggestion(&key.name, allowed.iter().copied());
                let hint = if hint.is_empty() {
                    format!(" (allowed: {})", allowed.join(", "))
                } else {
                    hint
                };
                self.at_key(key, format!("unknown {what} key '{}'{hint}", key.name));
            }
        }
    }

    fn typed_filter(&mut self, at: &Node, name: &str, entries: &[(Key, Node)], kind: ResourceKind, kind_known: bool) -> Option<Filter> {
        let get = |k: &str| entries.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
        match name {
            "value" => {
                self.check_keys(
                    entries,
                    &["type", "key", "value", "op", "value_type", "value_regex", "value_from"],
                    "value filter",
                );
                self.value_filter(at, entries, kind, kind_known)
            }
            "instance-age" | "state-age" => {
                let allowed: &[&str] = if name == "instance-age" {
                    &["type", "op", "days", "hours", "minutes"]
                } else {
                    &["type", "op", "days"]
                };
                self.check_keys(entries, allowed, name);
                if name == "state-age" && kind_known && kind != ResourceKind::Ec2 {
                    self.at_node(
                        at,
                        format!("filter 'state-age' is only available on aws.ec2, not {}", kind.spec().name),
                    );
                    return None;
                }
                let op = self.comparison_op(get("op"), Op::Gt)?;
                let days = self.non_negative(get("days"), "days")?;
                let hours = self.non_negative(get("hours"), "hours")?;
                let minutes = self.non_negative(get("minutes"), "minutes")?;
                let age = AgeFilter {
                    op,
                    threshold: crate::time::duration(days, hours, minutes),
                };
                Some(if name == "instance-age" {
                    Filter::InstanceAge(age)
                } else {
                    Filter::StateAge(age)
                })
            }
            "tag-count" => {
                self.check_keys(entries, &["type", "count", "op"], "tag-count");
                let op = self.comparison_op(get("op"), Op::Ge)?;
                let count = match get("count") {
                    None => 10,
                    Some(n) => match n.value {
                        NodeValue::Int(c) if c >= 0 => c,
                        _ => {
                            self.at_node(n, "'count' must be a non-negative integer");
                            return None;
                        }
                    },
                };
                Some(Filter::TagCount { count, op })
            }
            "marked-for-op" => {
                self.check_keys(entries, &["type", "tag", "op", "skew", "skew_hours", "tz"], "marked-for-op");
                let tag = self.opt_string(get("tag"), "tag")?.unwrap_or_else(|| DEFAULT_MARK_TAG.to_string());
                let op = match get("op") {
                    None => "stop".to_string(),
                    Some(v) => self.action_op(v, kind, kind_known)?.as_str().to_string(),
                };
                let skew = self.non_negative(get("skew"), "skew")?;
                let skew_hours = self.non_negative(get("skew_hours"), "skew_hours")?;
                let tz = self.timezone(get("tz"))?;
                Some(Filter::MarkedForOp(MarkedForOp {
                    tag,
                    op,
                    skew: crate::time::duration(skew, skew_hours, 0.0),
                    tz,
                }))
            }
            "and" | "or" | "not" => {
                self.at_node(at, format!("write '{name}' as a block: '- {name}: [filters...]'"));
                None
            }
            "offhour" | "onhour" => self.offhours_filter(at, name, entries, kind, kind_known),
            other => {
                let known = FILTER_TYPES.iter().copied().filter(|f| !matches!(*f, "and" | "or" | "not"));
                let hint = suggestion(other, known);
                let hint = if hint.is_empty() {
                    format!(" (filters: {})", FILTER_TYPES.join(", "))
                } else {
                    hint
                };
                self.at_node(at, format!("unknown filter '{other}'{hint}"));
                None
            }
        }
    }

    fn offhours_filter(&mut self, at: &Node, name: &str, entries: &[(Key, Node)], kind: ResourceKind, kind_known: bool) -> Option<Filter> {
        use crate::schedule::{tag, Holidays, OffHours, Transition};
        let transition = if name == "offhour" { Transition::Off } else { Transition::On };
        let mut allowed = vec![
            "type",
            name,
            "default_tz",
            "tag",
            "opt-out",
            "weekends",
            "weekends-only",
            "skip-days",
            "fallback-schedule",
            "fallback_schedule",
            "lookback",
            "cron",
            "holidays",
            "holidays-file",
        ];
        if transition == Transition::Off {
            allowed.extend(["stay-off", "onhour"]);
        }
        if kind == ResourceKind::Ec2 {
            allowed.push("state-filter");
        }
        self.check_keys(entries, &allowed, name);
        if kind_known && kind == ResourceKind::SpotRequest {
            self.at_node(
                at,
                format!("filter '{name}' is available on aws.ec2 and aws.rds, not {}", kind.spec().name),
            );
            return None;
        }
        let get = |k: &str| entries.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
        let before = self.diagnostics.len();
        if let Some(v) = get("skip-days-from") {
            self.at_node(
                v,
                "'skip-days-from' is not supported by custodian; list the dates in 'skip-days' or 'holidays-file'",
            );
        }
        let hour = match get(name) {
            None => {
                if transition == Transition::Off {
                    19
                } else {
                    7
                }
            }
            Some(h) => match h.value {
                NodeValue::Int(n) if (0..=23).contains(&n) => n as u8,
                _ => {
                    self.at_node(h, format!("'{name}' must be an hour from 0 to 23"));
                    0
                }
            },
        };
        let (default_tz, default_tz_name) = match get("default_tz") {
            None => resolve_tz("et").expect("c7n's default zone resolves"),
            Some(node) => match self.timezone(Some(node)) {
                Some(tz) => (tz, node.as_str().unwrap_or("").to_string()),
                None => (TimeZone::UTC, String::new()),
            },
        };
        let tag = self
            .opt_string(get("tag"), "tag")
            .flatten()
            .unwrap_or_else(|| "maid_offhours".into())
            .to_lowercase();
        let opt_out = self.flag(get("opt-out"));
        let weekends = get("weekends").map(|n| self.flag(Some(n))).unwrap_or(true);
        let weekends_only = self.flag(get("weekends-only"));
        let state_filter = get("state-filter").map(|n| self.flag(Some(n))).unwrap_or(true);
        let mut holidays = Holidays::default();
        for key in ["skip-days", "holidays"] {
            if let Some(list) = get(key) {
                match &list.value {
                    NodeValue::Seq(items) => {
                        for item in items {
                            match item.as_str() {
                                Some(d) if key == "skip-days" && d.parse::<jiff::civil::Date>().is_err() => {
                                    self.at_node(item, format!("skip-days entries are dates (YYYY-MM-DD), not '{d}'"))
                                }
                                Some(d) => {
                                    if let Err(e) = holidays.add(d) {
                                        self.at_node(item, e);
                                    }
                                }
                                None => self.at_node(item, format!("'{key}' entries must be strings such as \"2026-12-25\" or \"12-25\"")),
                            }
                        }
                    }
                    _ => self.at_node(list, format!("'{key}' must be a list of dates")),
                }
            }
        }
        if let Some(node) = get("holidays-file") {
            match node.as_str() {
                None => self.at_node(node, "'holidays-file' must be a path"),
                Some(rel) => {
                    let path = std::path::Path::new(self.file)
                        .parent()
                        .unwrap_or(std::path::Path::new("."))
                        .join(rel);
                    match std::fs::read_to_string(&path) {
                        Ok(text) => {
                            if let Err((line, e)) = holidays.add_file(&text) {
                                self.at_node(node, format!("{}:{line}: {e}", path.display()));
                            }
                        }
                        Err(e) => self.at_node(node, format!("cannot read holidays file {}: {e}", path.display())),
                    }
                }
            }
        }
        let fallback = match get("fallback-schedule").or(get("fallback_schedule")) {
            None => None,
            Some(node) => match node.as_str() {
                None => {
                    self.at_node(
                        node,
                        "'fallback-schedule' must be a schedule tag value such as 'off=(M-F,19);on=(M-F,7)'",
                    );
                    None
                }
                Some(text) => {
                    let problems = tag::lint(text);
                    let normalized = tag::normalize(text);
                    if let Some(p) = problems.first() {
                        self.at_node(node, format!("schedule '{text}': {p}"));
                    } else if let tag::TagOutcome::Invalid(e) = tag::resolve(&normalized, transition) {
                        self.at_node(node, format!("schedule '{text}': {e}"));
                    }
                    Some(normalized)
                }
            },
        };
        let lookback = match get("lookback") {
            None => None,
            Some(node) => match node.as_str().map(crate::schedule::parse_window) {
                Some(Ok(w)) => Some(w),
                Some(Err(e)) => {
                    self.at_node(node, e);
                    None
                }
                None => {
                    self.at_node(node, "'lookback' must be a duration such as '3h'");
                    None
                }
            },
        };
        let cron = match get("cron") {
            None => None,
            Some(node) => match node.as_str().map(|c| c.parse::<croner::Cron>()) {
                Some(Ok(c)) => Some(c),
                Some(Err(e)) => {
                    self.at_node(node, format!("invalid cron expression: {e}"));
                    None
                }
                None => {
                    self.at_node(node, "'cron' must be a cron expression such as '30 19 * * MON-FRI'");
                    None
                }
            },
        };
        let stay_off = self.flag(get("stay-off"));
        let on_hour = match get("onhour") {
            Some(h) if transition == Transition::Off => match h.value {
                NodeValue::Int(n) if (0..=23).contains(&n) && stay_off => n as u8,
                NodeValue::Int(_) if !stay_off => {
                    self.at_node(h, "'onhour' in an offhour filter only applies with 'stay-off: true'");
                    7
                }
                _ => {
                    self.at_node(h, "'onhour' must be an hour from 0 to 23");
                    7
                }
            },
            _ => 7,
        };
        if let (true, Some(node)) = (stay_off, get("cron")) {
            self.at_node(node, "'stay-off' works with hour schedules, not 'cron'");
        }
        if self.diagnostics.len() > before {
            return None;
        }
        Some(Filter::OffHours(Box::new(OffHours {
            stay_off,
            on_hour,
            transition,
            hour,
            default_tz_name,
            default_tz,
            tag,
            opt_out,
            weekends,
            weekends_only,
            holidays,
            fallback,
            state_filter,
            lookback,
            cron,
        })))
    }

    fn value_filter(&mut self, at: &Node, entries: &[(Key, Node)], kind: ResourceKind, kind_known: bool) -> Option<Filter> {
        let get = |k: &str| entries.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
        let before = self.diagnostics.len();
        if let Some(v) = get("value_from") {
            self.at_node(v, "'value_from' is not supported by custodian; list the values in 'value'");
        }
        let key = match get("key") {
            None => {
                self.at_node(at, "value filter is missing 'key'");
                None
            }
            Some(k) => match k.as_str() {
                Some(text) => self.key_path(k.pos, text, kind, kind_known),
                None => {
                    self.at_node(k, "'key' must be a string");
                    None
                }
            },
        };
        let op = match get("op") {
            None => None,
            Some(o) => match o.as_str().and_then(Op::from_name) {
                Some(op) => Some(op),
                None => {
                    let text = o.as_str().unwrap_or("");
                    let names = OP_NAMES.iter().map(|(n, _)| *n);
                    let hint = suggestion(text, names);
                    let hint = if hint.is_empty() {
                        " (ops: eq, ne, gt, ge, lt, le, glob, regex, regex-case, in, not-in, contains, difference, intersect)".to_string()
                    } else {
                        hint
                    };
                    self.at_node(o, format!("unknown op '{text}'{hint}"));
                    None
                }
            },
        };
        let value_type = match get("value_type") {
            None => None,
            Some(t) => match t.as_str().and_then(ValueType::from_name) {
                Some(vt) => Some(vt),
                None => {
                    let text = t.as_str().unwrap_or("");
                    if ["cidr", "cidr_size", "unique_size", "expr", "resource_count", "version"].contains(&text) {
                        self.at_node(t, format!("value_type '{text}' is not supported by custodian"));
                    } else {
                        let hint = suggestion(text, VALUE_TYPE_NAMES.iter().map(|(n, _)| *n));
                        self.at_node(t, format!("unknown value_type '{text}'{hint}"));
                    }
                    None
                }
            },
        };
        let value = match get("value") {
            None => {
                if get("value_from").is_none() {
                    self.at_node(at, "value filter is missing 'value'");
                }
                None
            }
            Some(v) => {
                if matches!(v.value, NodeValue::Map(_) | NodeValue::Null) {
                    self.at_node(
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
                    None => self.at_node(v, format!("op '{}' needs a string value", op_name(op))),
                    Some(text) if op == Op::Glob => pattern = Some(Pattern::glob(text)),
                    Some(text) => match Pattern::regex(text, op == Op::Regex) {
                        Ok(p) => pattern = Some(p),
                        Err(e) => self.at_node(v, format!("invalid regex: {}", regex_error(&e))),
                    },
                },
                Op::Difference | Op::Intersect if !matches!(v.value, NodeValue::Seq(_)) => {
                    self.at_node(v, format!("op '{}' needs a list value", op_name(op)))
                }
                _ => {}
            }
        }
        if let (Some(ValueType::Age | ValueType::Expiration), Some(v)) = (value_type, value) {
            if number(v).is_none() && !matches!(v.as_str(), Some("absent" | "present" | "empty" | "not-null")) {
                self.at_node(v, "with value_type age/expiration, 'value' is a number of days");
            }
        }
        let value_regex = match get("value_regex") {
            None => None,
            Some(r) => match r.as_str().map(|t| (t, regex::Regex::new(&format!(r"\A(?:{t})")))) {
                Some((_, Ok(re))) if re.captures_len() >= 2 => Some(re),
                Some((_, Ok(_))) => {
                    self.at_node(r, "'value_regex' needs one capture group, e.g. 'env-(\\w+)'");
                    None
                }
                Some((_, Err(e))) => {
                    self.at_node(r, format!("invalid value_regex: {}", regex_error(&e)));
                    None
                }
                None => {
                    self.at_node(r, "'value_regex' must be a string");
                    None
                }
            },
        };
        if self.diagnostics.len() > before {
            return None;
        }
        Some(Filter::Value(ValueFilter {
            key: key?,
            op,
            value: value?.to_json(),
            value_type,
            pattern,
            value_regex,
        }))
    }

    fn comparison_op(&mut self, node: Option<&Node>, default: Op) -> Option<Op> {
        let Some(node) = node else { return Some(default) };
        match node.as_str().and_then(Op::from_name) {
            Some(op) if op.is_comparison() => Some(op),
            _ => {
                let text = node.as_str().unwrap_or("");
                let names = OP_NAMES.iter().filter(|(_, o)| o.is_comparison()).map(|(n, _)| *n);
                let hint = suggestion(text, names);
                let hint = if hint.is_empty() {
                    " (use eq, ne, gt, ge, lt or le)".to_string()
                } else {
                    hint
                };
                self.at_node(node, format!("unknown comparison op '{text}'{hint}"));
                None
            }
        }
    }

    fn non_negative(&mut self, node: Option<&Node>, what: &str) -> Option<f64> {
        let Some(node) = node else { return Some(0.0) };
        match number(node) {
            Some(n) if n >= 0.0 => Some(n),
            _ => {
                self.at_node(node, format!("'{what}' must be a non-negative number"));
                None
            }
        }
    }

    fn opt_string(&mut self, node: Option<&Node>, what: &str) -> Option<Option<String>> {
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

    fn timezone(&mut self, node: Option<&Node>) -> Option<TimeZone> {
        let Some(node) = node else { return Some(TimeZone::UTC) };
        match node.as_str().and_then(resolve_tz) {
            Some((tz, _)) => Some(tz),
            None => {
                let text = node.as_str().unwrap_or("");
                let aliases = crate::time::TZ_ALIASES.iter().map(|(a, _)| *a);
                let hint = suggestion(text, aliases);
                let hint = if hint.is_empty() {
                    " (use an IANA name such as 'America/New_York' or an alias such as 'et')".into()
                } else {
                    hint
                };
                self.at_node(node, format!("unknown time zone '{text}'{hint}"));
                None
            }
        }
    }

    fn action_op(&mut self, node: &Node, kind: ResourceKind, kind_known: bool) -> Option<ActionName> {
        let text = node.as_str().unwrap_or("");
        match ActionName::from_name(text) {
            Some(a) if !kind_known || kind.spec().actions.contains(&a) => Some(a),
            Some(a) => {
                self.at_node(node, format!("'{}' is not an action of {}", a.as_str(), kind.spec().name));
                None
            }
            None => {
                let hint = suggestion(text, kind.spec().actions.iter().map(|a| a.as_str()));
                self.at_node(node, format!("unknown action '{text}' for op{hint}"));
                None
            }
        }
    }

    fn action_list(&mut self, node: &Node, kind: ResourceKind, kind_known: bool) -> Vec<Action> {
        match &node.value {
            NodeValue::Seq(items) => items.iter().filter_map(|a| self.action(a, kind, kind_known)).collect(),
            NodeValue::Null => Vec::new(),
            _ => {
                self.at_node(node, format!("actions must be a list, found {}", node.kind_name()));
                Vec::new()
            }
        }
    }

    fn action(&mut self, node: &Node, kind: ResourceKind, kind_known: bool) -> Option<Action> {
        let (at, name, entries): (&Node, &str, &[(Key, Node)]) = match &node.value {
            NodeValue::Str(name) => (node, name, &[]),
            NodeValue::Map(entries) => match entries.iter().find(|(k, _)| k.name == "type") {
                Some((_, tv)) => match tv.as_str() {
                    Some(name) => (tv, name, entries),
                    None => {
                        self.at_node(tv, "action 'type' must be a string");
                        return None;
                    }
                },
                None => {
                    self.at_node(node, "action has no 'type'");
                    return None;
                }
            },
            _ => {
                self.at_node(
                    node,
                    format!("an action must be a mapping or an action name, found {}", node.kind_name()),
                );
                return None;
            }
        };
        let Some(action) = ActionName::from_name(name) else {
            let all = ACTION_NAMES.iter().map(|(n, _)| *n);
            let hint = suggestion(name, all);
            let supported: Vec<&str> = kind.spec().actions.iter().map(|a| a.as_str()).collect();
            let hint = if hint.is_empty() && kind_known {
                format!(" (actions of {}: {})", kind.spec().name, supported.join(", "))
            } else {
                hint
            };
            self.at_node(at, format!("unknown action '{name}'{hint}"));
            return None;
        };
        if kind_known && !kind.spec().actions.contains(&action) {
            let supported: Vec<&str> = kind.spec().actions.iter().map(|a| a.as_str()).collect();
            self.at_node(
                at,
                format!(
                    "action '{name}' is not supported on {} (supported: {})",
                    kind.spec().name,
                    supported.join(", ")
                ),
            );
            return None;
        }
        let get = |k: &str| entries.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
        let before = self.diagnostics.len();
        let result = match action {
            ActionName::Tag => {
                self.check_keys(entries, &["type", "tags", "key", "value", "tag", "msg"], "tag action");
                let mut tags = Vec::new();
                if let Some(t) = get("tags") {
                    match t.as_map() {
                        Some(pairs) => {
                            for (k, v) in pairs {
                                match scalar_string(v) {
                                    Some(s) => tags.push((k.name.clone(), s)),
                                    None => self.at_node(v, format!("tag value for '{}' must be a string", k.name)),
                                }
                            }
                        }
                        None => self.at_node(t, "'tags' must be a mapping of tag keys to values"),
                    }
                }
                for (kk, vk) in [("key", "value"), ("tag", "msg")] {
                    if let Some(k) = get(kk) {
                        match (k.as_str(), get(vk).and_then(scalar_string)) {
                            (Some(key), Some(value)) => tags.push((key.to_string(), value)),
                            (None, _) => self.at_node(k, format!("'{kk}' must be a string")),
                            (Some(_), None) => self.at_node(k, format!("'{kk}' needs a string '{vk}'")),
                        }
                    }
                }
                if tags.is_empty() && self.diagnostics.len() == before {
                    self.at_node(at, "tag action needs 'tags: {Key: value}' or 'key' and 'value'");
                }
                for (k, v) in &tags {
                    if k.is_empty() || k.len() > 128 || k.starts_with("aws:") {
                        self.at_node(at, format!("invalid tag key '{k}': 1-128 characters, not starting with 'aws:'"));
                    }
                    if v.len() > 256 {
                        self.at_node(at, format!("tag value for '{k}' is longer than AWS's 256 characters"));
                    }
                }
                Action::Tag { tags }
            }
            ActionName::RemoveTag => {
                self.check_keys(entries, &["type", "tags"], "remove-tag action");
                let keys = match get("tags") {
                    Some(t) => self.string_list(t, "tags"),
                    None => vec![DEFAULT_MARK_TAG.to_string()],
                };
                Action::RemoveTag { keys }
            }
            ActionName::MarkForOp => {
                self.check_keys(entries, &["type", "tag", "msg", "days", "hours", "tz", "op"], "mark-for-op action");
                let tag = self
                    .opt_string(get("tag"), "tag")
                    .flatten()
                    .unwrap_or_else(|| DEFAULT_MARK_TAG.to_string());
                let op = match get("op") {
                    Some(v) => self.action_op(v, kind, kind_known),
                    None if !kind_known || kind.spec().actions.contains(&ActionName::Stop) => Some(ActionName::Stop),
                    None => {
                        self.at_node(at, format!("mark-for-op needs an 'op' on {} (it has no 'stop')", kind.spec().name));
                        None
                    }
                };
                let msg = self
                    .opt_string(get("msg"), "msg")
                    .flatten()
                    .unwrap_or_else(|| DEFAULT_MARK_MSG.to_string());
                match msg.find("{op}@{action_date}") {
                    None => self.at_node(
                        get("msg").unwrap_or(at),
                        "'msg' must contain '{op}@{action_date}', or marked-for-op can never match it",
                    ),
                    Some(i) if !msg[..i].contains(':') => self.at_node(
                        get("msg").unwrap_or(at),
                        "'msg' needs a ':' before '{op}@{action_date}', or marked-for-op can never match it",
                    ),
                    Some(_) => {}
                }
                let days = self.non_negative(get("days"), "days").unwrap_or(0.0);
                let hours = self.non_negative(get("hours"), "hours").unwrap_or(0.0);
                let tz = self.timezone(get("tz")).unwrap_or(TimeZone::UTC);
                Action::MarkForOp(MarkForOp {
                    tag,
                    op: op.unwrap_or(ActionName::Stop),
                    msg,
                    days,
                    hours,
                    tz,
                })
            }
            ActionName::Stop => {
                let allowed: &[&str] = if kind == ResourceKind::Ec2 {
                    &["type", "hibernate", "force"]
                } else {
                    &["type"]
                };
                self.check_keys(entries, allowed, "stop action");
                Action::Stop {
                    hibernate: self.flag(get("hibernate")),
                    force: self.flag(get("force")),
                }
            }
            ActionName::Start => {
                self.check_keys(entries, &["type"], "start action");
                Action::Start
            }
            ActionName::Terminate => {
                self.check_keys(entries, &["type", "force"], "terminate action");
                Action::Terminate {
                    force: self.flag(get("force")),
                }
            }
            ActionName::Snapshot => {
                self.check_keys(entries, &["type"], "snapshot action");
                Action::Snapshot
            }
            ActionName::Delete => {
                self.check_keys(entries, &["type", "skip-snapshot"], "delete action");
                Action::Delete {
                    skip_snapshot: self.flag(get("skip-snapshot")),
                }
            }
            ActionName::Cancel => {
                self.check_keys(entries, &["type", "terminate-instances"], "cancel action");
                Action::Cancel {
                    terminate_instances: self.flag(get("terminate-instances")),
                }
            }
        };
        (self.diagnostics.len() == before).then_some(result)
    }

    fn flag(&mut self, node: Option<&Node>) -> bool {
        match node.map(|n| (n, &n.value)) {
            None => false,
            Some((_, NodeValue::Bool(b))) => *b,
            Some((n, _)) => {
                self.at_node(n, format!("expected true or false, found {}", n.kind_name()));
                false
            }
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

fn number(node: &Node) -> Option<f64> {
    match node.value {
        NodeValue::Int(i) => Some(i as f64),
        NodeValue::Float(f) => Some(f),
        _ => None,
    }
}

fn scalar_string(node: &Node) -> Option<String> {
    match &node.value {
        NodeValue::Str(s) => Some(s.clone()),
        NodeValue::Int(i) => Some(i.to_string()),
        NodeValue::Float(f) => Some(f.to_string()),
        NodeValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Policy names become directory names: letters, digits, `-`, `_`, starting with a letter.
pub fn valid_policy_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
