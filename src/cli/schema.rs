//! `custodian schema [aws.ec2[.filters|.actions[.NAME]]]`: what exists, with an example each.

use super::ExitCode;
use crate::action::ActionName;
use crate::input::suggestion;
use crate::resource::{ResourceKind, KINDS};
use std::io::Write;

/// Arguments of `schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// What to show: `aws.ec2`, `aws.ec2.filters`, `ec2.actions.stop`, ... (nothing: every resource).
    pub selector: Option<String>,
}

/// One documented filter or action, as the tables hold it.
pub struct Doc {
    /// Its name.
    pub name: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// A YAML example (a list item).
    pub example: &'static str,
    /// `filters` or `actions`.
    pub section: &'static str,
    /// Its example needs an event mode.
    pub needs_event: bool,
}

/// The filters of a kind, from the filter table.
fn filter_docs(kind: ResourceKind) -> impl Iterator<Item = Doc> {
    crate::filter::for_kind(kind).map(|d| Doc {
        name: d.name,
        summary: d.summary,
        example: d.example,
        section: "filters",
        needs_event: d.needs_event,
    })
}

/// The actions of a kind, from the action table.
fn action_docs(kind: ResourceKind) -> impl Iterator<Item = Doc> {
    crate::action::for_kind(kind).map(move |d| Doc {
        name: d.names[0],
        summary: d.summary,
        example: (d.example)(kind),
        section: "actions",
        needs_event: d.needs_event,
    })
}

fn print_doc(out: &mut dyn Write, kind: ResourceKind, d: &Doc) {
    let _ = writeln!(
        out,
        "{}\n\n  {}\n\nexample:\n\npolicies:\n  - name: example\n    resource: {}",
        d.name,
        d.summary,
        kind.spec().name
    );
    if d.needs_event {
        let _ = writeln!(out, "    mode: {}", crate::policy::trail::example_mode(kind));
    }
    let _ = writeln!(out, "    {}:", d.section);
    for line in crate::action::example_for(d.example, kind).lines() {
        let _ = writeln!(out, "      {line}");
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
                spec.collection.id_field,
                spec.date_field,
                spec.collection.describe_api
            );
            let _ = writeln!(
                out,
                "\nfilters: {}",
                filter_docs(kind).map(|d| d.name).collect::<Vec<_>>().join(", ")
            );
            let _ = writeln!(out, "actions: {}", action_docs(kind).map(|d| d.name).collect::<Vec<_>>().join(", "));
            let _ = writeln!(out, "keys: {}", spec.collection.attributes.join(", "));
            ExitCode::Success
        }
        (Some(section @ ("filters" | "actions")), None) => {
            let docs: Vec<Doc> = if section == "filters" {
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
            let docs: Vec<Doc> = if section == "filters" {
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
    fn every_printed_example_validates_on_its_kinds() {
        for spec in KINDS {
            let kind = spec.kind;
            for d in filter_docs(kind).chain(action_docs(kind)) {
                let mut buf = Vec::new();
                print_doc(&mut buf, kind, &d);
                let text = String::from_utf8(buf).unwrap();
                let yaml = &text[text.find("policies:").unwrap()..];
                if let Err(e) = crate::policy::load_text("example.yml", yaml) {
                    panic!("{} {} example is invalid: {:?}\n{yaml}", spec.name, d.name, e);
                }
            }
        }
    }
}
