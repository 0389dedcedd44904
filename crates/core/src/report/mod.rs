//! Reports: the run summary table, and `custodian report` in table, CSV, JSON and Markdown.

pub mod compare;
pub mod cost;
pub mod diagnostics;
pub mod markdown;
pub mod metadata;
pub mod output;
pub mod plan_comment;

use crate::engine::{PolicyRun, Status};
use crate::filter::path::KeyPath;
use crate::resource::ResourceKind;
use serde_json::Value;

/// One policy's results in one region, as `report` renders them.
#[derive(Debug, Clone)]
pub struct ReportEntry {
    /// Policy name.
    pub policy: String,
    /// Resource kind.
    pub kind: ResourceKind,
    /// Region.
    pub region: String,
    /// Matched resources.
    pub resources: Vec<Value>,
    /// The policy's `metadata.json`, when present.
    pub metadata: Option<metadata::Metadata>,
}

/// Output formats of `custodian report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned text table.
    Table,
    /// CSV, every field quoted, formula injection escaped.
    Csv,
    /// JSON list of `{policy, region, resource}`.
    Json,
    /// Pull-request-ready Markdown summary.
    Markdown,
}

/// A field of a resource as report text: strings as-is, other values as JSON, missing as "".
pub fn field_text(doc: &Value, field: &str) -> String {
    let Ok(path) = KeyPath::parse(field) else { return String::new() };
    match path.resolve(doc) {
        None => String::new(),
        Some(v) => match v.as_ref() {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        },
    }
}

/// Renders `entries` in `format`.
pub fn render(format: Format, entries: &[ReportEntry]) -> String {
    match format {
        Format::Table => table(entries),
        Format::Csv => csv(entries),
        Format::Json => json(entries),
        Format::Markdown => markdown::render(entries, markdown::GITHUB_COMMENT_LIMIT),
    }
}

fn columns(entries: &[ReportEntry]) -> Vec<&'static str> {
    let mut kinds: Vec<ResourceKind> = entries.iter().map(|e| e.kind).collect();
    kinds.dedup();
    let mut cols: Vec<&'static str> = Vec::new();
    for k in kinds {
        for f in k.spec().report_fields {
            if !cols.contains(f) {
                cols.push(f);
            }
        }
    }
    cols
}

/// A resource's estimated monthly compute cost as report text (embedded price table):
/// `$2,233.80`, `up to $16,029.08`, `$0 (not running)`, `unknown`.
pub fn cost_text(kind: ResourceKind, region: &str, doc: &Value) -> String {
    use crate::pricing::{dollars, Basis, PriceTable};
    let e = PriceTable::embedded().estimate(kind, region, doc);
    match (e.monthly(), e.basis) {
        (None, _) => "unknown".into(),
        (Some(_), Basis::NotRunning) => "$0 (not running)".into(),
        (Some(m), basis) => format!(
            "{}{}{}",
            if e.upper_bound { "up to " } else { "" },
            dollars(m),
            if basis == Basis::UsEast1Fallback {
                " (us-east-1 prices)"
            } else {
                ""
            }
        ),
    }
}

/// The rows of `report`: c7n's default columns, and the estimated cost when `with_cost` (the
/// CSV keeps exactly c7n's columns, so scripts reading Cloud Custodian's reports keep working).
fn rows(entries: &[ReportEntry], with_cost: bool) -> (Vec<String>, Vec<Vec<String>>) {
    let cols = columns(entries);
    let mut header = vec!["Policy".to_string(), "Region".to_string()];
    header.extend(cols.iter().map(|c| c.to_string()));
    if with_cost {
        header.push("Cost/month".to_string());
    }
    let rows = entries
        .iter()
        .flat_map(|e| {
            let cols = &cols;
            e.resources.iter().map(move |doc| {
                let mut row = vec![e.policy.clone(), e.region.clone()];
                row.extend(cols.iter().map(|c| field_text(doc, c)));
                if with_cost {
                    row.push(cost_text(e.kind, &e.region, doc));
                }
                row
            })
        })
        .collect();
    (header, rows)
}

fn table(entries: &[ReportEntry]) -> String {
    let (header, rows) = rows(entries, true);
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::ASCII_MARKDOWN).set_header(header);
    for r in rows {
        t.add_row(r.into_iter().map(|c| sanitize_terminal(&c)).collect::<Vec<_>>());
    }
    format!("{t}\n")
}

/// Removes control characters (terminal escapes) from resource-controlled text.
pub fn sanitize_terminal(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Escapes a CSV cell against formula injection: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'`.
pub fn csv_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

fn csv(entries: &[ReportEntry]) -> String {
    let (header, rows) = rows(entries, false);
    let mut w = ::csv::WriterBuilder::new()
        .quote_style(::csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    let _ = w.write_record(&header);
    for r in rows {
        let _ = w.write_record(r.iter().map(|c| csv_cell(c)));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn json(entries: &[ReportEntry]) -> String {
    let items: Vec<Value> = entries
        .iter()
        .flat_map(|e| {
            e.resources
                .iter()
                .map(move |r| {
                    let cost = crate::pricing::PriceTable::embedded().estimate(e.kind, &e.region, r);
                    serde_json::json!({
                        "policy": e.policy,
                        "region": e.region,
                        "resource": r,
                        "cost": {"hourly_usd": cost.hourly, "monthly_usd": cost.monthly(), "basis": cost.basis, "upper_bound": cost.upper_bound},
                    })
                })
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_default() + "\n"
}

/// One line per action describing the plan, e.g. `stop: 2 instances (1 skipped)`.
pub fn describe_actions(actions: &[metadata::ActionRecord], dry_run: bool) -> Vec<String> {
    actions
        .iter()
        .map(|a| {
            let name = &a.action;
            let targets = a.targets;
            let skipped = a.skipped.len();
            let calls = a.requests.len();
            let applied = a.applied;
            let verb = if applied {
                "did"
            } else if dry_run {
                "would"
            } else {
                "planned, not applied:"
            };
            let mut s = format!(
                "{name}: {verb} act on {targets} in {calls} call{}",
                if calls == 1 { "" } else { "s" }
            );
            if skipped > 0 {
                s.push_str(&format!(", {skipped} skipped"));
            }
            s
        })
        .collect()
}

/// The short per-policy summary printed after `custodian run`.
pub fn summary_table(runs: &[PolicyRun], costs: &[cost::PolicyCost]) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::ASCII_MARKDOWN).set_header(vec![
        "Region",
        "Policy",
        "Resource",
        "Fetched",
        "Matched",
        "Cost/month",
        "Saves/month",
        "Actions",
        "Status",
    ]);
    for (r, cost) in runs.iter().zip(costs) {
        let bound = if cost.upper_bound { "up to " } else { "" };
        let unknown = if cost.unknown.is_empty() {
            String::new()
        } else {
            format!(" (+{} unknown)", cost.unknown.len())
        };
        let fallback = if cost.us_east_1_prices { " (us-east-1 prices)" } else { "" };
        let actions: Vec<String> = r
            .plans
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let failed = r.refused(i).count();
                let mut text = format!("{} {}", p.action, p.targets.len());
                let mut notes = Vec::new();
                if !p.skipped.is_empty() {
                    notes.push(format!("{} skipped", p.skipped.len()));
                }
                if failed > 0 {
                    notes.push(format!("{failed} FAILED"));
                }
                if !notes.is_empty() {
                    text.push_str(&format!(" ({})", notes.join(", ")));
                }
                text
            })
            .collect();
        let status = match &r.status {
            Status::Ok => "ok".to_string(),
            Status::Failed(_) => "FAILED".to_string(),
            Status::LimitExceeded(_) => "LIMIT EXCEEDED".to_string(),
            Status::NotReached(_) => "NOT REACHED".to_string(),
            Status::Skipped(_) => "skipped".to_string(),
        };
        t.add_row(vec![
            r.region.clone(),
            r.policy.name.clone(),
            r.policy.kind.spec().name.to_string(),
            r.population.to_string(),
            r.matched.len().to_string(),
            format!("{bound}{}{unknown}{fallback}", crate::pricing::dollars(cost.matched_monthly_usd)),
            format!("{bound}{}", crate::pricing::dollars(cost.saving_monthly_usd)),
            if actions.is_empty() { "-".into() } else { actions.join(", ") },
            status,
        ]);
    }
    format!("{t}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_escapes_formulas_and_quotes_everything() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("web-01"), "web-01");
        let e = ReportEntry {
            policy: "p".into(),
            kind: ResourceKind::Ec2,
            region: "us-east-1".into(),
            resources: vec![json!({"InstanceId": "i-1", "Tags": [{"Key": "Name", "Value": "=cmd|' /C calc'!A0"}]})],
            metadata: None,
        };
        let out = render(Format::Csv, &[e]);
        let mut lines = out.lines();
        assert!(lines
            .next()
            .unwrap()
            .starts_with("\"Policy\",\"Region\",\"InstanceId\",\"tag:Name\""));
        assert_eq!(
            lines.next().unwrap(),
            "\"p\",\"us-east-1\",\"i-1\",\"'=cmd|' /C calc'!A0\",\"\",\"\",\"\",\"\""
        );
    }

    #[test]
    fn field_text_reads_tags_paths_and_json() {
        let doc = json!({"A": {"B": 3}, "Tags": [{"Key": "Name", "Value": "x"}], "S": "s"});
        assert_eq!(field_text(&doc, "tag:Name"), "x");
        assert_eq!(field_text(&doc, "A.B"), "3");
        assert_eq!(field_text(&doc, "S"), "s");
        assert_eq!(field_text(&doc, "Missing"), "");
    }
}
