//! The policy-level grammar: top-level keys, policy keys, `mode` and `max-resources`. Filters
//! and actions are validated by their own modules ([`crate::filter`], [`crate::action`]).
//! Every problem in a file is reported at once; warnings (accepted c7n keys that do nothing
//! here) travel with the policy.

use super::model::{MaxResources, Mode, Policy, Source};
use crate::input::{get, hint, number, Checker, Entries, Key, Node, NodeValue, Severity};
use crate::resource::ResourceKind;

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
    "query",
    "conditions",
    "region",
    "start",
    "end",
];
/// c7n policy keys custodian does not implement (rejected with a clear message, never ignored).
const UNSUPPORTED_POLICY_KEYS: &[&str] = &["source", "tz", "title"];
/// Mode keys custodian reads, with the mode types each applies to.
const MODE_KEYS: &[(&str, &[&str])] = &[
    (
        "type",
        &["pull", "periodic", "cloudtrail", "ec2-instance-state", "ec2-spot-fulfillment"],
    ),
    ("schedule", &["periodic"]),
    ("events", &["cloudtrail", "ec2-instance-state"]),
    ("delay", &["cloudtrail", "ec2-instance-state", "ec2-spot-fulfillment"]),
    ("memory", &["periodic", "cloudtrail", "ec2-instance-state", "ec2-spot-fulfillment"]),
    ("timeout", &["periodic", "cloudtrail", "ec2-instance-state", "ec2-spot-fulfillment"]),
];
/// c7n mode keys that configure its own Lambda deployment: accepted, so policies run unchanged,
/// with a warning that they have no effect here.
const IGNORED_MODE_KEYS: &[&str] = &[
    "concurrency",
    "dead_letter_config",
    "environment",
    "execution-options",
    "function-prefix",
    "handler",
    "kms_key_arn",
    "layers",
    "member-role",
    "packages",
    "role",
    "runtime",
    "security_groups",
    "subnets",
    "tags",
    "timezone",
    "tracing_config",
];
/// c7n mode keys that would change what runs, which custodian does not implement.
const UNSUPPORTED_MODE_KEYS: &[&str] = &["pattern", "sources"];
/// Mode types custodian runs.
const MODE_TYPES: &[&str] = &["pull", "periodic", "cloudtrail", "ec2-instance-state", "ec2-spot-fulfillment"];
/// Cloud Custodian mode types custodian does not run.
const C7N_MODE_TYPES: &[&str] = &[
    "asg-instance-state",
    "config-poll-rule",
    "config-rule",
    "guard-duty",
    "hub-action",
    "hub-finding",
    "phd",
    "schedule",
];

/// Validates a whole file's tree into policies (those without errors); every problem goes to `c`.
pub fn file(c: &mut Checker, root: &Node) -> Vec<Policy> {
    let Some(entries) = root.as_map() else {
        if root.value == NodeValue::Null {
            c.diagnostics.push(crate::input::Diagnostic::file(
                c.file(),
                "empty policy file: expected a mapping with 'policies:'",
            ));
        } else {
            c.at_node(root, format!("expected a mapping with 'policies:', found {}", root.kind_name()));
        }
        return Vec::new();
    };
    for (key, _) in entries {
        if !TOP_KEYS.contains(&key.name.as_str()) {
            let help = crate::input::suggest(&key.name, TOP_KEYS.iter().copied());
            c.at_key_help(key, format!("unknown top-level key '{}'", key.name), help);
        }
    }
    let Some(list) = get(entries, "policies") else {
        if c.errors() == 0 {
            c.error(root.pos, 1, "missing 'policies:' list");
        }
        return Vec::new();
    };
    let items = match &list.value {
        NodeValue::Seq(items) => items,
        NodeValue::Null => return Vec::new(),
        NodeValue::Bool(_) | NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Str(_) | NodeValue::Map(_) => {
            c.at_node(list, format!("'policies' must be a list, found {}", list.kind_name()));
            return Vec::new();
        }
    };
    items.iter().filter_map(|p| policy(c, p)).collect()
}

fn policy(c: &mut Checker, node: &Node) -> Option<Policy> {
    let Some(entries) = node.as_map() else {
        c.at_node(node, format!("each policy must be a mapping, found {}", node.kind_name()));
        return None;
    };
    let before = c.errors();
    let warnings_before = c.diagnostics.len();
    for (key, _) in entries {
        let k = key.name.as_str();
        if POLICY_KEYS.contains(&k) {
            continue;
        }
        if UNSUPPORTED_POLICY_KEYS.contains(&k) {
            c.at_key(key, format!("policy key '{k}' is not supported by custodian"));
        } else {
            let help = crate::input::suggest(k, POLICY_KEYS.iter().copied());
            c.at_key_help(key, format!("unknown policy key '{k}'"), help);
        }
    }
    let name = match get(entries, "name") {
        None => {
            c.error(node.pos, 1, "policy is missing 'name'");
            None
        }
        Some(v) => match v.as_str() {
            Some(n) if valid_policy_name(n) => Some(n.to_string()),
            Some(n) => {
                c.at_node(
                    v,
                    format!("invalid policy name '{n}': use letters, digits, '-' and '_', starting with a letter"),
                );
                None
            }
            None => {
                c.at_node(v, format!("policy name must be a string, found {}", v.kind_name()));
                None
            }
        },
    };
    let kind = match get(entries, "resource") {
        None => {
            c.error(node.pos, 1, "policy is missing 'resource'");
            None
        }
        Some(v) => match v.as_str() {
            Some(r) => match ResourceKind::from_name(r) {
                Some(k) => Some(k),
                None => {
                    let help = crate::input::suggest(r, ResourceKind::all_names());
                    c.at_node_help(v, format!("unknown resource '{r}'"), help);
                    None
                }
            },
            None => {
                c.at_node(v, format!("'resource' must be a string, found {}", v.kind_name()));
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
                None => c.at_node(value, format!("'{}' must be a string, found {}", key.name, value.kind_name())),
            },
            "tags" => tags = c.string_list(value, "tags"),
            "metadata" if value.as_map().is_none() && value.value != NodeValue::Null => {
                c.at_node(value, format!("'metadata' must be a mapping, found {}", value.kind_name()))
            }
            _ => {}
        }
    }
    let mode = get(entries, "mode").map(|v| mode(c, v, kind)).unwrap_or(Some(Mode::Pull));
    let max_resources = max_resources(c, get(entries, "max-resources"), get(entries, "max-resources-percent"));
    let query = match (get(entries, "query"), kind) {
        (Some(v), Some(k)) => super::query::parse(c, v, k),
        _ => Default::default(),
    };

    // Filters and actions need the kind; without it, only their shape is checked.
    let kind_for_children = kind.unwrap_or(ResourceKind::Ec2);
    let filters = match get(entries, "filters") {
        Some(v) => crate::filter::parse_list(c, v, kind_for_children, kind.is_some()),
        None => Vec::new(),
    };
    let actions = match get(entries, "actions") {
        Some(v) => crate::action::parse_list(c, v, kind_for_children, kind.is_some()),
        None => Vec::new(),
    };
    let conditions = super::conditions::parse(c, entries, kind_for_children);
    if let Some(mode) = &mode {
        needs_event(c, entries, &filters, &actions, mode);
    }
    top_level_reduce(c, entries, &filters);
    if c.errors() > before {
        return None;
    }
    let warnings = c.diagnostics[warnings_before..]
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .cloned()
        .collect();
    let line = entries
        .iter()
        .find(|(k, _)| k.name == "name")
        .map(|(k, _)| k.pos.line)
        .unwrap_or(node.pos.line);
    Some(Policy {
        name: name?,
        kind: kind?,
        description,
        tags,
        filters,
        actions,
        mode: mode?,
        query,
        max_resources,
        conditions,
        source: Source {
            file: c.file().to_string(),
            line,
        },
        data: node.to_json(),
        warnings,
    })
}

/// The `event` filter and `auto-tag-user` read the triggering event: without the mode that
/// delivers one they are errors, located at the filter or action.
fn needs_event(c: &mut Checker, entries: &Entries, filters: &[crate::filter::Filter], actions: &[crate::action::Action], mode: &Mode) {
    let event_type = mode.event().map(|m| m.trigger.mode_type());
    if crate::filter::reads_event(filters) && event_type.is_none() {
        let at = get(entries, "filters").and_then(|f| find_type(f, "event"));
        let message = "the 'event' filter reads the triggering event: it needs an event mode (cloudtrail, ec2-instance-state or ec2-spot-fulfillment)";
        if let Some(node) = at {
            c.at_node(node, message);
        }
    }
    let tags_user = actions.iter().any(|a| matches!(a, crate::action::Action::AutoTagUser(_)));
    if tags_user && event_type != Some("cloudtrail") {
        let at = get(entries, "actions").and_then(|a| find_type(a, "auto-tag-user"));
        let message = "auto-tag-user tags resources with the user who made an API call: it needs 'mode: {type: cloudtrail, events: [...]}', whose CloudTrail events name that user";
        if let Some(node) = at {
            c.at_node(node, message);
        }
    }
}

/// `reduce` selects from the whole set: inside `and`/`or`/`not` it is an error.
fn top_level_reduce(c: &mut Checker, entries: &Entries, filters: &[crate::filter::Filter]) {
    use crate::filter::Filter;
    fn nested(f: &Filter) -> bool {
        match f {
            Filter::And(c) | Filter::Or(c) | Filter::Not(c) => c.iter().any(|f| matches!(f, Filter::Reduce(_)) || nested(f)),
            _ => false,
        }
    }
    if !filters.iter().any(nested) {
        return;
    }
    let items = get(entries, "filters").and_then(|f| match &f.value {
        NodeValue::Seq(items) => Some(items),
        _ => None,
    });
    let at = items
        .into_iter()
        .flatten()
        .filter(|i| get_type(i).is_none())
        .find_map(|i| find_type(i, "reduce"));
    if let Some(node) = at {
        c.at_node(
            node,
            "reduce selects from the whole set of resources: use it at the top level of 'filters', not inside and/or/not",
        );
    }
}

fn get_type(node: &Node) -> Option<&str> {
    node.as_map().and_then(|e| get(e, "type")).and_then(Node::as_str)
}

/// The `type` value node of the first mapping under `node` whose `type` is `name`.
fn find_type<'n>(node: &'n Node, name: &str) -> Option<&'n Node> {
    match &node.value {
        NodeValue::Seq(items) => items.iter().find_map(|i| find_type(i, name)),
        NodeValue::Map(entries) => match get(entries, "type") {
            Some(t) if t.as_str() == Some(name) => Some(t),
            _ => entries.iter().find_map(|(_, v)| find_type(v, name)),
        },
        NodeValue::Str(s) if s == name => Some(node),
        _ => None,
    }
}

fn mode(c: &mut Checker, node: &Node, kind: Option<ResourceKind>) -> Option<Mode> {
    let Some(entries) = node.as_map() else {
        c.at_node(node, format!("'mode' must be a mapping with a 'type', found {}", node.kind_name()));
        return None;
    };
    let mode_type = get(entries, "type").and_then(Node::as_str).filter(|t| MODE_TYPES.contains(t));
    for (key, _) in entries {
        let k = key.name.as_str();
        if IGNORED_MODE_KEYS.contains(&k) {
            c.warn_key(
                key,
                format!("mode key '{k}' configures Cloud Custodian's own Lambda deployment; custodian accepts it and ignores it"),
            );
        } else if UNSUPPORTED_MODE_KEYS.contains(&k) {
            c.at_key(key, format!("mode key '{k}' is not supported by custodian"));
        } else if let Some((_, types)) = MODE_KEYS.iter().find(|(name, _)| *name == k) {
            if let Some(t) = mode_type.filter(|t| !types.contains(t)) {
                c.at_key_help(
                    key,
                    format!("mode key '{k}' does not apply to {t} mode"),
                    Some(format!("it applies to: {}", types.join(", "))),
                );
            }
        } else {
            let all = MODE_KEYS.iter().map(|(k, _)| *k).chain(IGNORED_MODE_KEYS.iter().copied());
            let help = crate::input::suggest(k, all);
            c.at_key_help(key, format!("unknown mode key '{k}'"), help);
        }
    }
    let schedule = get(entries, "schedule");
    match entries.iter().find(|(k, _)| k.name == "type").map(|(k, v)| (k, v, v.as_str())) {
        None => {
            c.error(node.pos, 1, "'mode' is missing 'type' (pull or periodic)");
            None
        }
        Some((_, _, Some("pull"))) => Some(Mode::Pull),
        Some((k, _, Some("periodic"))) => periodic(c, k, schedule, entries),
        Some((k, v, Some(t @ ("cloudtrail" | "ec2-instance-state" | "ec2-spot-fulfillment")))) => {
            super::event_mode::parse(c, k, v, t, entries, kind).map(Mode::Event)
        }
        Some((_, v, Some(other))) if C7N_MODE_TYPES.contains(&other) => {
            c.at_node_help(
                v,
                format!("mode type '{other}' is a Cloud Custodian mode that custodian does not support"),
                Some(format!("supported: {}", MODE_TYPES.join(", "))),
            );
            None
        }
        Some((_, v, Some(other))) => {
            let help = hint(other, MODE_TYPES.iter().copied(), || None);
            let message = format!("mode type '{other}' is not supported (supported: {})", MODE_TYPES.join(", "));
            c.at_node_help(v, message, help);
            None
        }
        Some((_, v, None)) => {
            c.at_node(v, "mode 'type' must be a string");
            None
        }
    }
}

fn periodic(c: &mut Checker, type_key: &Key, schedule: Option<&Node>, entries: &Entries) -> Option<Mode> {
    match schedule.map(|v| (v, v.as_str())) {
        Some((v, Some(s))) => match super::eventbridge::check_schedule(s) {
            Ok(()) => {
                let memory = mode_number(c, entries, "memory", 128, 10240, "MB");
                let timeout = mode_number(c, entries, "timeout", 1, 900, "seconds");
                Some(Mode::Periodic {
                    schedule: s.trim().to_string(),
                    memory: memory?,
                    timeout: timeout?,
                })
            }
            Err(message) => {
                c.at_node(v, message);
                None
            }
        },
        Some((v, None)) => {
            c.at_node(
                v,
                "'schedule' must be a string such as 'rate(1 hour)' or 'cron(0 19 ? * MON-FRI *)'",
            );
            None
        }
        None => {
            c.at_key(type_key, "periodic mode needs a 'schedule', e.g. 'rate(1 hour)'");
            None
        }
    }
}

/// An optional whole-number mode key within Lambda's limits.
pub(super) fn mode_number(c: &mut Checker, entries: &Entries, key: &str, min: i64, max: i64, unit: &str) -> Option<Option<u32>> {
    let Some(v) = get(entries, key) else {
        return Some(None);
    };
    match v.value {
        NodeValue::Int(n) if (min..=max).contains(&n) => Some(Some(n as u32)),
        _ => {
            c.at_node(v, format!("mode '{key}' must be a whole number of {unit} from {min} to {max}"));
            None
        }
    }
}

fn max_resources(c: &mut Checker, amount: Option<&Node>, percent: Option<&Node>) -> Option<MaxResources> {
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
                            _ => c.at_node(v, "'amount' must be an integer of at least 1"),
                        },
                        "percent" => guard.percent = resource_percent(c, v),
                        "op" => match v.as_str() {
                            Some("and") => guard.both_required = true,
                            Some("or") => {}
                            _ => c.at_node(v, "'op' must be 'and' or 'or'"),
                        },
                        other => {
                            let help = crate::input::suggest(other, ["amount", "percent", "op"]);
                            c.at_key_help(key, format!("unknown max-resources key '{other}'"), help)
                        }
                    }
                }
            }
            _ => c.at_node(node, "'max-resources' must be an integer of at least 1, or {amount, percent, op}"),
        }
    }
    if let Some(node) = percent {
        guard.percent = resource_percent(c, node);
    }
    (guard.amount.is_some() || guard.percent.is_some()).then_some(guard)
}

fn resource_percent(c: &mut Checker, node: &Node) -> Option<f64> {
    match number(node) {
        Some(p) if (0.0..=100.0).contains(&p) => Some(p),
        _ => {
            c.at_node(node, "a resource percentage must be a number from 0 to 100");
            None
        }
    }
}

/// Policy names become directory names: letters, digits, `-`, `_`, starting with a letter.
pub fn valid_policy_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use crate::policy::load_text;

    fn errors(yaml: &str) -> Vec<String> {
        match load_text("p.yml", yaml) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(|d| d.to_string().lines().next().unwrap_or("").to_string()).collect(),
        }
    }

    #[test]
    fn every_problem_of_a_policy_is_reported_at_once() {
        let e = errors("policies:\n  - name: 1x\n    resource: aws.ec3\n    filter: []\n    source: config\n");
        assert_eq!(
            e,
            vec![
                "p.yml:4:5: unknown policy key 'filter' (did you mean 'filters'?)",
                "p.yml:5:5: policy key 'source' is not supported by custodian",
                "p.yml:2:11: invalid policy name '1x': use letters, digits, '-' and '_', starting with a letter",
                "p.yml:3:15: unknown resource 'aws.ec3' (did you mean 'aws.ec2'?)",
            ]
        );
    }

    #[test]
    fn ignored_mode_keys_are_warnings_that_travel_with_the_policy() {
        let yaml = "policies:\n  - name: a\n    resource: ec2\n    mode:\n      type: periodic\n      schedule: rate(1 hour)\n      role: arn:aws:iam::1:role/x\n      layers: []\n";
        let p = load_text("p.yml", yaml).unwrap();
        let w: Vec<String> = p[0]
            .warnings
            .iter()
            .map(|d| d.to_string().lines().next().unwrap_or("").to_string())
            .collect();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("p.yml:7:7: warning: mode key 'role'"), "{w:?}");
        assert!(w[1].starts_with("p.yml:8:7: warning: mode key 'layers'"), "{w:?}");
        assert_eq!(errors(&yaml.replace("role:", "rol:")).len(), 1, "a typo is still an error");
    }

    #[test]
    fn max_resources_forms() {
        assert!(errors("policies:\n  - name: a\n    resource: ec2\n    max-resources: {amount: 2, percent: 10, op: and}\n").is_empty());
        let e = errors("policies:\n  - name: a\n    resource: ec2\n    max-resources: {amont: 2}\n");
        assert_eq!(e, vec!["p.yml:4:21: unknown max-resources key 'amont' (did you mean 'amount'?)"]);
        let e = errors("policies:\n  - name: a\n    resource: ec2\n    max-resources-percent: 101\n");
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn tag_action_forms() {
        let p = load_text(
            "p.yml",
            "policies:\n  - name: a\n    resource: ec2\n    actions:\n      - type: tag\n        tag: Owner\n        value: unknown\n",
        )
        .unwrap();
        match &p[0].actions[0] {
            crate::action::Action::Tag(t) => assert_eq!(t.tags, vec![("Owner".to_string(), "unknown".to_string())]),
            other => panic!("{other:?}"),
        }
        let e = errors(
            "policies:\n  - name: a\n    resource: ec2\n    actions:\n      - type: tag\n        tag: Owner\n        msg: unknown\n",
        );
        assert!(e.iter().any(|l| l.contains("the tag action has no 'msg'")), "{e:?}");
    }

    #[test]
    fn cloud_custodian_elements_we_lack_are_named_as_such() {
        let e = errors("policies:\n  - name: a\n    resource: ec2\n    filters:\n      - type: ssm\n        key: PingStatus\n");
        assert_eq!(
            e,
            vec!["p.yml:5:15: 'ssm' is a Cloud Custodian filter that custodian does not support yet"]
        );
        let e = errors("policies:\n  - name: a\n    resource: ec2\n    actions:\n      - rename-tag\n");
        assert_eq!(
            e,
            vec!["p.yml:5:9: 'rename-tag' is a Cloud Custodian action that custodian does not support yet"]
        );
        let e = errors("policies:\n  - name: a\n    resource: ec2\n    filters:\n      - type: offhuor\n");
        assert_eq!(e, vec!["p.yml:5:15: unknown filter 'offhuor' (did you mean 'offhour'?)"]);
        let e = errors("policies:\n  - name: a\n    resource: ec2\n    filters:\n      - type: offhours\n");
        assert_eq!(e, vec!["p.yml:5:15: unknown filter 'offhours' (did you mean 'offhour'?)"]);
    }
}
