//! The pull-request comment: per policy, what matched and what the actions would do, with a
//! table of the first resources; every resource-controlled string escaped; the whole comment
//! kept under GitHub's 65,536-character limit.

use super::{describe_actions, field_text, ReportEntry};
use std::fmt::Write;

/// GitHub's limit on a comment body, in characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;
/// Rows shown per policy before "... and N more".
pub const ROWS_PER_POLICY: usize = 10;
const CELL_MAX: usize = 64;

/// Escapes text for a Markdown table cell: no HTML, no mentions, no links, no emphasis, no
/// cell breaks; control characters become spaces; long text is cut with an ellipsis.
pub fn escape_cell(s: &str) -> String {
    escape(s, CELL_MAX)
}

/// [`escape_cell`] without the length limit, for prose (headlines).
pub fn escape_text(s: &str) -> String {
    escape(s, usize::MAX)
}

fn escape(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i >= max {
            out.push('…');
            break;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '`' => out.push_str("&#96;"),
            '@' => out.push_str("&#64;"),
            '*' | '_' | '[' | ']' | '(' | ')' | '#' | '~' | '\\' | '!' | ':' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Renders the summary, never longer than `limit` characters.
pub fn render(entries: &[ReportEntry], limit: usize) -> String {
    let dry_run = entries.iter().any(|e| e.metadata.as_ref().is_none_or(|m| m.config.dryrun));
    let total: usize = entries.iter().map(|e| e.resources.len()).sum();
    let mut out = String::new();
    let _ = writeln!(out, "## custodian {}\n", if dry_run { "dry run" } else { "run" });
    let _ = writeln!(out, "{} policy result(s), {} matched resource(s).\n", entries.len(), total);
    if let Some(prices) = entries
        .iter()
        .filter_map(|e| e.metadata.as_ref())
        .map(|m| &m.cost.prices)
        .find(|p| !p.is_empty())
    {
        let _ = writeln!(
            out,
            "_Costs: estimated compute per month (hourly x 730); prices: {}._\n",
            escape_text(prices)
        );
    }
    let footer_reserve = 200;
    let mut omitted_policies = 0;
    for (i, e) in entries.iter().enumerate() {
        let section = section(e, dry_run);
        if out.chars().count() + section.chars().count() + footer_reserve > limit {
            omitted_policies = entries.len() - i;
            break;
        }
        out.push_str(&section);
    }
    if omitted_policies > 0 {
        let _ = writeln!(
            out,
            "\n_{omitted_policies} more policy result(s) not shown: the comment would exceed GitHub's limit. See the run's output files._"
        );
    }
    out
}

fn section(e: &ReportEntry, dry_run: bool) -> String {
    let mut s = String::new();
    let status = e.metadata.as_ref().map(|m| m.status.as_str()).unwrap_or("ok");
    let _ = writeln!(
        s,
        "### `{}` ({}, {}): {} matched",
        e.policy,
        e.kind.spec().name,
        e.region,
        e.resources.len()
    );
    if status != "ok" {
        let err = e.metadata.as_ref().and_then(|m| m.error.as_deref()).unwrap_or("");
        let _ = writeln!(s, "\n**{}**: {}\n", status, escape_cell(err));
    }
    let actions = e.metadata.as_ref().map(|m| m.actions.as_slice()).unwrap_or_default();
    if !actions.is_empty() {
        s.push('\n');
        for line in describe_actions(actions, dry_run) {
            let _ = writeln!(s, "- {line}");
        }
    }
    if let Some(c) = e.metadata.as_ref().map(|m| &m.cost).filter(|c| !c.prices.is_empty()) {
        let bound = if c.upper_bound { "up to " } else { "" };
        let unknown = match c.unknown.len() {
            0 => String::new(),
            n => format!(", {n} with no known price"),
        };
        let _ = writeln!(
            s,
            "- cost: {bound}{}/month matched, {bound}{}/month saved{unknown}",
            crate::pricing::dollars(c.matched_monthly_usd),
            crate::pricing::dollars(c.saving_monthly_usd)
        );
    }
    if let Some(m) = &e.metadata {
        let unparsable = m.schedule.parse_errors.iter().map(|f| (&f.id, &f.value, "does not parse"));
        let questionable = m.schedule.tag_lint.iter().map(|f| (&f.id, &f.value, "has problems"));
        for (id, value, what) in unparsable.chain(questionable) {
            let _ = writeln!(s, "- warning: schedule tag on {} ({}) {what}", escape_cell(id), escape_cell(value));
        }
    }
    if e.resources.is_empty() {
        s.push('\n');
        return s;
    }
    let fields = e.kind.spec().report_fields;
    let _ = writeln!(
        s,
        "\n| {} | Cost/month |",
        fields.iter().map(|f| escape_cell(f)).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(s, "|{}", "---|".repeat(fields.len() + 1));
    for doc in e.resources.iter().take(ROWS_PER_POLICY) {
        let mut cells: Vec<String> = fields.iter().map(|f| escape_cell(&field_text(doc, f))).collect();
        cells.push(escape_cell(&super::cost_text(e.kind, &e.region, doc)));
        let _ = writeln!(s, "| {} |", cells.join(" | "));
    }
    if e.resources.len() > ROWS_PER_POLICY {
        let _ = writeln!(s, "\n_... and {} more._", e.resources.len() - ROWS_PER_POLICY);
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::ResourceKind;
    use serde_json::json;

    fn entry(name: &str, n: usize, tag: &str) -> ReportEntry {
        ReportEntry {
            policy: name.into(),
            kind: ResourceKind::Ec2,
            region: "us-east-1".into(),
            resources: (0..n)
                .map(|i| json!({"InstanceId": format!("i-{i:05}"), "Tags": [{"Key": "Name", "Value": tag}]}))
                .collect(),
            metadata: Some(
                serde_json::from_value(json!({
                    "status": "ok", "error": null, "name": name, "policy": {}, "region": "us-east-1",
                    "resource": "aws.ec2", "version": "0", "api-stats": {},
                    "config": {"dryrun": true, "output_dir": "o", "provider": "p", "regions": []},
                    "counts": {"fetched": n, "matched": n},
                    "execution": {"end_time": "", "eval_seconds": 0.0, "fetch_seconds": 0.0, "now": "", "start": ""},
                    "schedule": {"opted_out": 0, "parse_errors": [], "tag_lint": []},
                    "actions": [{"action": "stop", "applied": false, "targets": n, "requests": [{"api": "ec2:StopInstances", "ids": []}], "skipped": []}]
                }))
                .unwrap(),
            ),
        }
    }

    #[test]
    fn escapes_resource_controlled_text() {
        let e = escape_cell("a|b <script>@team [x](http://e) `c`\nd");
        assert!(
            !e.contains('|') && !e.contains('<') && !e.contains('@') && !e.contains('[') && !e.contains('`') && !e.contains('\n'),
            "{e}"
        );
    }

    #[test]
    fn shows_actions_and_first_rows() {
        let out = render(&[entry("stop-dev", 12, "web")], GITHUB_COMMENT_LIMIT);
        assert!(out.contains("### `stop-dev` (aws.ec2, us-east-1): 12 matched"), "{out}");
        assert!(out.contains("- stop: would act on 12 in 1 call"), "{out}");
        assert_eq!(out.matches("| i-").count(), ROWS_PER_POLICY);
        assert!(out.contains("_... and 2 more._"));
    }

    #[test]
    fn stays_under_the_comment_limit() {
        let long = "x".repeat(500);
        let entries: Vec<ReportEntry> = (0..400).map(|i| entry(&format!("policy-{i}"), 20, &long)).collect();
        let out = render(&entries, GITHUB_COMMENT_LIMIT);
        assert!(out.chars().count() <= GITHUB_COMMENT_LIMIT, "{}", out.chars().count());
        assert!(out.contains("more policy result(s) not shown"));
    }
}
