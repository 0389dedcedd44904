//! `custodian schema [aws.ec2[.filters|.actions[.NAME]]]`: what exists, with an example each.

use super::ExitCode;
use crate::action::ActionName;
use crate::policy::diagnostic::suggestion;
use crate::resource::{ResourceKind, KINDS};
use std::io::Write;

/// Arguments of `schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// What to show: `aws.ec2`, `aws.ec2.filters`, `ec2.actions.stop`, ... (nothing: every resource).
    pub selector: Option<String>,
}

/// One documented filter or action.
pub struct Doc {
    /// Its name.
    pub name: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// A YAML example (a list item).
    pub example: &'static str,
}

/// The filters, documented. `state-age` is EC2 only.
pub const FILTER_DOCS: &[Doc] = &[
    Doc { name: "value", summary: "Compare a key of the resource (tag:K, dotted path) with a value. Ops: eq ne gt ge lt le glob regex regex-case in not-in contains difference intersect; sentinels absent present empty not-null; value_type age expiration integer float size normalize date swap. Shorthand: '- Key: value'.", example: "- type: value\n  key: tag:Environment\n  op: in\n  value: [dev, test]" },
    Doc { name: "and", summary: "Every filter in the list matches (a policy's filter list is already an and).", example: "- and:\n    - tag:Environment: dev\n    - tag:Owner: present" },
    Doc { name: "or", summary: "Any filter in the list matches.", example: "- or:\n    - tag:Owner: absent\n    - tag:CostCenter: absent" },
    Doc { name: "not", summary: "The filters in the list, taken together, do not match.", example: "- not:\n    - tag:Approved: \"true\"" },
    Doc { name: "instance-age", summary: "Age of the resource (EC2: oldest EBS attach time, else LaunchTime; RDS: InstanceCreateTime; spot requests: CreateTime). op defaults to greater-than (older than).", example: "- type: instance-age\n  op: gt\n  hours: 4" },
    Doc { name: "state-age", summary: "Time since the EC2 instance's last state transition (from StateTransitionReason).", example: "- type: state-age\n  op: ge\n  days: 14" },
    Doc { name: "tag-count", summary: "Number of tags, not counting aws: tags. count defaults to 10, op to gte.", example: "- type: tag-count\n  count: 0\n  op: eq" },
    Doc { name: "offhour", summary: "Cloud Custodian's off-hours filter: matches during the scheduled off hour (default 19:00, Monday-Friday, zone default_tz, default et) of resources tagged maid_offhours, or per the tag's own schedule (off=(M-F,19);on=(M-F,7);tz=pt). Options: opt-out, weekends, weekends-only, skip-days, fallback-schedule, state-filter (EC2); beyond c7n: lookback (catch up a missed run), cron, holidays, holidays-file.", example: "- type: offhour\n  offhour: 19\n  default_tz: et\n  tag: maid_offhours" },
    Doc { name: "onhour", summary: "Cloud Custodian's on-hours filter: matches during the scheduled on hour (default 07:00, Monday-Friday). Same options as offhour.", example: "- type: onhour\n  onhour: 7\n  default_tz: et\n  lookback: 3h" },
    Doc { name: "marked-for-op", summary: "The resource carries a mark-for-op tag for this op whose date has come (skew/skew_hours: match earlier).", example: "- type: marked-for-op\n  op: stop\n  tag: maid_status" },
];

/// The actions, documented.
pub const ACTION_DOCS: &[(ActionName, Doc)] = &[
    (ActionName::Tag, Doc { name: "tag", summary: "Add or overwrite tags (alias: mark). Values may use {region} and {now}.", example: "- type: tag\n  tags:\n    custodian-finding: missing-owner" }),
    (ActionName::RemoveTag, Doc { name: "remove-tag", summary: "Remove tags by key (aliases: unmark, untag); default maid_status.", example: "- type: remove-tag\n  tags: [maid_status]" }),
    (ActionName::MarkForOp, Doc { name: "mark-for-op", summary: "Tag the resource for a later action, in Cloud Custodian's format (op@YYYY/MM/DD); pair with the marked-for-op filter. days/hours default to 0, as Cloud Custodian.", example: "- type: mark-for-op\n  op: stop\n  days: 4" }),
    (ActionName::Stop, Doc { name: "stop", summary: "Stop instances. EC2: only running ones (hibernate, force). RDS: eligible engines, status available, not Aurora members or replicas.", example: "- stop" }),
    (ActionName::Start, Doc { name: "start", summary: "Start instances. EC2: only stopped ones. RDS: eligible and stopped.", example: "- start" }),
    (ActionName::Terminate, Doc { name: "terminate", summary: "Terminate EC2 instances that are running, stopped, pending or stopping (force: clear termination protection).", example: "- type: terminate\n  force: true" }),
    (ActionName::Snapshot, Doc { name: "snapshot", summary: "RDS: take a manual snapshot named Backup-<id>-<timestamp> (available instances, not Aurora members).", example: "- snapshot" }),
    (ActionName::Delete, Doc { name: "delete", summary: "RDS: delete the instance with a final snapshot Final-<id>-<timestamp>, unless skip-snapshot.", example: "- type: delete\n  skip-snapshot: false" }),
    (ActionName::Cancel, Doc { name: "cancel", summary: "Spot requests: cancel open, active or disabled requests; terminate-instances: true then terminates the instances they launched (after cancelling, so nothing relaunches them).", example: "- type: cancel\n  terminate-instances: true" }),
];

fn filter_docs(kind: ResourceKind) -> impl Iterator<Item = &'static Doc> {
    FILTER_DOCS.iter().filter(move |d| match d.name {
        "state-age" => kind == ResourceKind::Ec2,
        "offhour" | "onhour" => kind != ResourceKind::SpotRequest,
        _ => true,
    })
}

fn action_docs(kind: ResourceKind) -> impl Iterator<Item = &'static Doc> {
    ACTION_DOCS
        .iter()
        .filter(move |(a, _)| kind.spec().actions.contains(a))
        .map(|(_, d)| d)
}

fn print_doc(out: &mut dyn Write, kind: ResourceKind, d: &Doc) {
    let _ = writeln!(
        out,
        "{}\n\n  {}\n\nexample:\n\npolicies:\n  - name: example\n    resource: {}",
        d.name,
        d.summary,
        kind.spec().name
    );
    let section = if FILTER_DOCS.iter().any(|f| std::ptr::eq(f, d)) {
        "filters"
    } else {
        "actions"
    };
    let _ = writeln!(out, "    {section}:");
    for line in example_for(kind, d).lines() {
        let _ = writeln!(out, "      {line}");
    }
}

/// The example adapted to the kind: spot requests have no `stop`, so their marks name `cancel`.
fn example_for(kind: ResourceKind, d: &Doc) -> String {
    if kind.spec().actions.contains(&ActionName::Stop) {
        d.example.to_string()
    } else {
        d.example.replace("op: stop", "op: cancel")
    }
}

/// Runs `custodian schema`.
pub fn schema(args: SchemaArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let Some(sel) = args.selector else {
        let _ = writeln!(out, "resources:");
        for k in KINDS {
            let _ = writeln!(out, "  {:<22} {}", k.name, k.description);
        }
        let _ = writeln!(out, "\nmore: custodian schema aws.ec2 | aws.ec2.filters | aws.ec2.actions.stop");
        return ExitCode::Success;
    };
    let sel = if sel.starts_with("aws.") { sel } else { format!("aws.{sel}") };
    let (kind_name, rest) = KINDS
        .iter()
        .filter(|k| sel == k.name || sel.starts_with(&format!("{}.", k.name)))
        .max_by_key(|k| k.name.len())
        .map(|k| (k.name, sel[k.name.len()..].trim_start_matches('.')))
        .unwrap_or((sel.as_str(), ""));
    let Some(kind) = ResourceKind::from_name(kind_name) else {
        let _ = writeln!(err, "unknown resource '{sel}'{}", suggestion(&sel, KINDS.iter().map(|k| k.name)));
        return ExitCode::InvalidInput;
    };
    let spec = kind.spec();
    let mut parts = rest.splitn(2, '.');
    match (parts.next().filter(|s| !s.is_empty()), parts.next()) {
        (None, _) => {
            let _ = writeln!(
                out,
                "{} ({})\n  {}\n  id: {}   date: {}   describe: {}",
                spec.name,
                spec.aliases.join(", "),
                spec.description,
                spec.id_field,
                spec.date_field,
                spec.describe_api
            );
            let _ = writeln!(
                out,
                "\nfilters: {}",
                filter_docs(kind).map(|d| d.name).collect::<Vec<_>>().join(", ")
            );
            let _ = writeln!(out, "actions: {}", action_docs(kind).map(|d| d.name).collect::<Vec<_>>().join(", "));
            let _ = writeln!(out, "keys: {}", spec.attributes.join(", "));
            ExitCode::Success
        }
        (Some(section @ ("filters" | "actions")), None) => {
            let docs: Vec<&Doc> = if section == "filters" {
                filter_docs(kind).collect()
            } else {
                action_docs(kind).collect()
            };
            for d in docs {
                let _ = writeln!(out, "{:<14} {}", d.name, d.summary);
            }
            ExitCode::Success
        }
        (Some(section @ ("filters" | "actions")), Some(name)) => {
            let docs: Vec<&Doc> = if section == "filters" {
                filter_docs(kind).collect()
            } else {
                action_docs(kind).collect()
            };
            let canonical = if section == "actions" {
                ActionName::from_name(name).map(|a| a.as_str()).unwrap_or(name)
            } else {
                name
            };
            match docs.iter().find(|d| d.name == canonical) {
                Some(d) => {
                    print_doc(out, kind, d);
                    ExitCode::Success
                }
                None => {
                    let _ = writeln!(
                        err,
                        "no {section} '{name}' on {}{}",
                        spec.name,
                        suggestion(name, docs.iter().map(|d| d.name))
                    );
                    ExitCode::InvalidInput
                }
            }
        }
        (Some(other), _) => {
            let _ = writeln!(
                err,
                "unknown schema section '{other}'{}: use filters or actions",
                suggestion(other, ["filters", "actions"])
            );
            ExitCode::InvalidInput
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_filter_type_and_action_is_documented() {
        for f in crate::filter::FILTER_TYPES {
            assert!(FILTER_DOCS.iter().any(|d| d.name == *f), "filter {f} lacks a doc");
        }
        for (_, a) in crate::action::ACTION_NAMES {
            assert!(ACTION_DOCS.iter().any(|(n, _)| n == a), "action {a:?} lacks a doc");
        }
    }

    #[test]
    fn every_example_validates_on_its_kinds() {
        for spec in KINDS {
            let kind = spec.kind;
            for d in filter_docs(kind).chain(action_docs(kind)) {
                let mut buf = Vec::new();
                print_doc(&mut buf, kind, d);
                let text = String::from_utf8(buf).unwrap();
                let yaml = &text[text.find("policies:").unwrap()..];
                if let Err(e) = crate::policy::load_text("example.yml", yaml) {
                    panic!("{} {} example is invalid: {:?}\n{yaml}", spec.name, d.name, e);
                }
            }
        }
    }
}
