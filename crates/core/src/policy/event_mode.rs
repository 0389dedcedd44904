//! The event modes' grammar: `cloudtrail` (`events`: shortcut names or `{source, event, ids}`
//! with `ids` a JMESPath expression), `ec2-instance-state` (`events`: states) and
//! `ec2-spot-fulfillment` (spot requests), each with `delay`, `memory` and `timeout`.

use super::model::{EventMode, TrailEvent, Trigger};
use super::trail;
use super::validate::mode_number;
use crate::input::{get, Checker, Entries, Key, Node, NodeValue};
use crate::resource::ResourceKind;

/// The states of `ec2-instance-state` (c7n's enum).
pub const INSTANCE_STATES: &[&str] = &["pending", "running", "shutting-down", "stopped", "stopping", "terminated"];

/// Validates an event mode of type `mode_type` (its `type` key and value given for messages).
pub fn parse(
    c: &mut Checker,
    type_key: &Key,
    type_node: &Node,
    mode_type: &str,
    entries: &Entries,
    kind: Option<ResourceKind>,
) -> Option<EventMode> {
    let before = c.errors();
    let trigger = match mode_type {
        "cloudtrail" => cloudtrail(c, type_key, get(entries, "events"), kind).map(Trigger::CloudTrail),
        "ec2-instance-state" => {
            if kind.is_some_and(|k| k != ResourceKind::Ec2) {
                c.at_node(
                    type_node,
                    "ec2-instance-state mode reacts to EC2 instances: use it with resource aws.ec2",
                );
            }
            states(c, type_key, get(entries, "events")).map(Trigger::InstanceState)
        }
        _ => {
            if kind.is_some_and(|k| k != ResourceKind::SpotRequest) {
                c.at_node(
                    type_node,
                    "ec2-spot-fulfillment mode reacts to fulfilled spot requests: use it with resource aws.ec2-spot-request",
                );
            }
            Some(Trigger::SpotFulfillment)
        }
    };
    let delay = mode_number(c, entries, "delay", 0, 600, "seconds");
    let memory = mode_number(c, entries, "memory", 128, 10240, "MB");
    let timeout = mode_number(c, entries, "timeout", 1, 900, "seconds");
    if c.errors() > before {
        return None;
    }
    Some(EventMode {
        trigger: trigger?,
        delay: delay?.unwrap_or(0),
        memory: memory?,
        timeout: timeout?,
    })
}

fn cloudtrail(c: &mut Checker, type_key: &Key, events: Option<&Node>, kind: Option<ResourceKind>) -> Option<Vec<TrailEvent>> {
    let items = match events.map(|n| (n, &n.value)) {
        Some((_, NodeValue::Seq(items))) if !items.is_empty() => items,
        Some((n, _)) => {
            c.at_node(
                n,
                "cloudtrail mode 'events' must be a non-empty list of shortcut names or {source, event, ids}",
            );
            return None;
        }
        None => {
            c.at_key(type_key, "cloudtrail mode needs 'events', e.g. [RunInstances]");
            return None;
        }
    };
    let shortcuts_of = |k: ResourceKind| trail::for_kind(k).map(|s| s.name).collect::<Vec<_>>().join(", ");
    let mut out = Vec::new();
    for item in items {
        match &item.value {
            NodeValue::Str(name) => match trail::shortcut(name) {
                Some(s) if kind.is_none_or(|k| s.kinds.contains(&k)) => out.push(TrailEvent {
                    source: s.source.to_string(),
                    event: s.name.to_string(),
                    ids: format!("detail.{}", s.ids),
                    shortcut: true,
                }),
                Some(s) => {
                    let k = kind.unwrap_or(ResourceKind::Ec2);
                    let named: Vec<&str> = s.kinds.iter().map(|k| k.spec().name).collect();
                    c.at_node_help(
                        item,
                        format!("event '{name}' names {} resources, not {}", named.join(" and "), k.spec().name),
                        Some(format!("shortcuts for {}: {}", k.spec().name, shortcuts_of(k))),
                    );
                }
                None if trail::C7N_OTHER_KINDS.contains(&name.as_str()) => c.at_node(
                    item,
                    format!("event '{name}' is a Cloud Custodian shortcut for a resource custodian does not cover"),
                ),
                None => {
                    let candidates: Vec<&str> = match kind {
                        Some(k) => trail::for_kind(k).map(|s| s.name).collect(),
                        None => trail::SHORTCUTS.iter().map(|s| s.name).collect(),
                    };
                    let help = crate::input::hint(name, candidates.iter().copied(), || {
                        Some(format!(
                            "known shortcuts: {}; any other API call is written {{source: ec2.amazonaws.com, event: Name, ids: 'detail.<JMESPath>'}}",
                            candidates.join(", ")
                        ))
                    });
                    c.at_node_help(item, format!("unknown CloudTrail event shortcut '{name}'"), help);
                }
            },
            NodeValue::Map(entries) => {
                c.check_keys(entries, &["source", "event", "ids"], "cloudtrail event");
                let text = |c: &mut Checker, key: &str| match get(entries, key) {
                    Some(v) => match v.as_str() {
                        Some(s) if !s.is_empty() => Some(s.to_string()),
                        _ => {
                            c.at_node(v, format!("cloudtrail event '{key}' must be a non-empty string"));
                            None
                        }
                    },
                    None => {
                        c.at_node(item, format!("cloudtrail event needs '{key}' (source, event and ids)"));
                        None
                    }
                };
                let (source, event, ids) = (text(c, "source"), text(c, "event"), text(c, "ids"));
                if let (Some(ids), Some(node)) = (&ids, get(entries, "ids")) {
                    if let Err(e) = jmespath::compile(ids) {
                        c.at_node(node, format!("'ids' is not a JMESPath expression: {}", first_line(&e.to_string())));
                        continue;
                    }
                }
                if let (Some(source), Some(event), Some(ids)) = (source, event, ids) {
                    out.push(TrailEvent {
                        source,
                        event,
                        ids,
                        shortcut: false,
                    });
                }
            }
            _ => c.at_node(
                item,
                format!(
                    "a cloudtrail event is a shortcut name or {{source, event, ids}}, found {}",
                    item.kind_name()
                ),
            ),
        }
    }
    Some(out)
}

fn states(c: &mut Checker, type_key: &Key, events: Option<&Node>) -> Option<Vec<String>> {
    let Some(node) = events else {
        c.at_key(
            type_key,
            format!("ec2-instance-state mode needs 'events', a list of: {}", INSTANCE_STATES.join(", ")),
        );
        return None;
    };
    let states = c.string_list(node, "events");
    if states.is_empty() {
        c.at_node(node, format!("'events' must list states: {}", INSTANCE_STATES.join(", ")));
        return None;
    }
    for (i, s) in states.iter().enumerate() {
        if !INSTANCE_STATES.contains(&s.as_str()) {
            let at = match &node.value {
                NodeValue::Seq(items) => items.get(i).unwrap_or(node),
                _ => node,
            };
            let help = crate::input::suggest(s, INSTANCE_STATES.iter().copied());
            c.at_node_help(
                at,
                format!("unknown instance state '{s}'"),
                help.or(Some(format!("states: {}", INSTANCE_STATES.join(", ")))),
            );
        }
    }
    Some(states)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use crate::policy::{load_text, Mode, Trigger};

    fn errors(yaml: &str) -> Vec<String> {
        match load_text("p.yml", yaml) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(|d| d.to_string().lines().next().unwrap_or("").to_string()).collect(),
        }
    }

    fn policy(resource: &str, mode: &str) -> String {
        format!("policies:\n  - name: a\n    resource: {resource}\n    mode:\n{mode}")
    }

    #[test]
    fn cloudtrail_shortcuts_and_spelled_out_events() {
        let yaml = policy(
            "aws.ec2",
            "      type: cloudtrail\n      delay: 30\n      events:\n        - RunInstances\n        - source: ec2.amazonaws.com\n          event: StartInstances\n          ids: requestParameters.instancesSet.items[].instanceId\n",
        );
        let p = load_text("p.yml", &yaml).unwrap();
        let Mode::Event(m) = &p[0].mode else { panic!() };
        assert_eq!(m.delay, 30);
        let Trigger::CloudTrail(events) = &m.trigger else { panic!() };
        assert_eq!(events[0].ids, "detail.responseElements.instancesSet.items[].instanceId");
        assert_eq!(events[1].event, "StartInstances");
        assert!(events[0].shortcut && !events[1].shortcut);
    }

    #[test]
    fn event_mode_mistakes_are_located() {
        let e = errors(&policy("aws.rds", "      type: cloudtrail\n      events: [RunInstances]\n"));
        assert!(
            e[0].starts_with(
                "p.yml:6:16: event 'RunInstances' names aws.ec2 resources, not aws.rds (shortcuts for aws.rds: CreateDBInstance,"
            ),
            "{e:?}"
        );
        let e = errors(&policy("aws.ec2", "      type: cloudtrail\n      events: [RunInstance]\n"));
        assert_eq!(
            e,
            vec!["p.yml:6:16: unknown CloudTrail event shortcut 'RunInstance' (did you mean 'RunInstances'?)"]
        );
        let e = errors(&policy("aws.ec2", "      type: cloudtrail\n      events: [CreateBucket]\n"));
        assert!(
            e[0].contains("Cloud Custodian shortcut for a resource custodian does not cover"),
            "{e:?}"
        );
        let e = errors(&policy(
            "aws.ec2",
            "      type: cloudtrail\n      events:\n        - {source: ec2.amazonaws.com, event: StartInstances, ids: 'items[.'}\n",
        ));
        assert!(e[0].starts_with("p.yml:7:67: 'ids' is not a JMESPath expression"), "{e:?}");
        let e = errors(&policy("aws.ec2", "      type: cloudtrail\n"));
        assert_eq!(e, vec!["p.yml:5:7: cloudtrail mode needs 'events', e.g. [RunInstances]"]);
        let e = errors(&policy("aws.ec2", "      type: ec2-instance-state\n      events: [runing]\n"));
        assert_eq!(e, vec!["p.yml:6:16: unknown instance state 'runing' (did you mean 'running'?)"]);
        let e = errors(&policy("aws.rds", "      type: ec2-spot-fulfillment\n"));
        assert!(e[0].contains("use it with resource aws.ec2-spot-request"), "{e:?}");
        let e = errors(&policy(
            "aws.ec2",
            "      type: periodic\n      schedule: rate(1 hour)\n      events: [running]\n",
        ));
        assert_eq!(
            e,
            vec!["p.yml:7:7: mode key 'events' does not apply to periodic mode (it applies to: cloudtrail, ec2-instance-state)"]
        );
        let e = errors(&policy("aws.ec2", "      type: guard-duty\n"));
        assert!(e[0].contains("a Cloud Custodian mode that custodian does not support"), "{e:?}");
        let e = errors(&policy(
            "aws.ec2",
            "      type: cloudtrail\n      events: [RunInstances]\n      pattern: {}\n",
        ));
        assert_eq!(e, vec!["p.yml:7:7: mode key 'pattern' is not supported by custodian"]);
    }
}
