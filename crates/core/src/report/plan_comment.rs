//! The pull-request comment of `custodian plan`: a hidden marker (so CI updates one comment, and
//! a slower run never overwrites a newer one), a headline, a per-policy table, a collapsible
//! section per policy with its resources, every resource-controlled string escaped, and the
//! whole kept under GitHub's 65,536-character limit, saying what was cut.

use super::compare::{action_text, change_text, Comparison, PolicyDiff};
use super::markdown::{escape_cell, escape_text};
use crate::pricing::dollars;
use jiff::Timestamp;
use std::collections::HashMap;
use std::fmt::Write;

/// The marker's prefix; the comment starts with `<!-- custodian-plan generated=RFC3339 -->`.
pub const MARKER: &str = "<!-- custodian-plan generated=";

/// Ids listed per policy section before "... and N more".
pub const IDS_PER_SECTION: usize = 50;

/// A resource's label in the comment: its id and, when known, its `Name` tag.
pub type Names = HashMap<String, String>;

/// Renders the comment, never longer than `limit` characters. `names` maps ids to `Name` tags.
pub fn render(c: &Comparison, names: &Names, generated: Timestamp, limit: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}{generated} -->");
    let _ = writeln!(out, "## custodian plan\n");
    let _ = writeln!(out, "**{}**\n", escape_text(&c.headline()));
    if c.policies.is_empty() {
        let _ = writeln!(out, "{} policy result(s), none changed.", c.unchanged);
        let _ = writeln!(out, "\n_Prices: {}._", escape_text(&c.prices));
        return out;
    }
    let _ = writeln!(
        out,
        "| Policy | Region | Change | Newly matched | No longer matched | Actions | Saving change/month |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    let mut rows = String::new();
    for p in &c.policies {
        let _ = writeln!(
            rows,
            "| `{}` | {} | {} | {} ({}) | {} ({}) | {} | {} |",
            escape_cell(&p.policy),
            escape_cell(&p.region),
            escape_cell(&change_text(&p.change)),
            p.newly_matched.len(),
            dollars(p.newly_matched_monthly_usd),
            p.no_longer_matched.len(),
            dollars(p.no_longer_matched_monthly_usd),
            escape_cell(&action_text(&p.actions)),
            dollars(p.saving_change_monthly_usd),
        );
    }
    let footer = format!(
        "\n{} unchanged policy result(s). _Estimated compute per month (hourly x 730); storage not estimated; regions without their own prices use us-east-1's. Prices: {}._\n",
        c.unchanged,
        escape_text(&c.prices)
    );
    let reserve = footer.chars().count() + 300;
    if out.chars().count() + rows.chars().count() + reserve > limit {
        let _ = writeln!(out, "_The table is too long for one comment; see the plan output (plan.json)._");
        out.push_str(&footer);
        return out;
    }
    out.push_str(&rows);
    out.push('\n');
    let mut omitted = 0;
    let listed = c.policies.iter().filter(|p| p.lists_resources());
    let total = listed.clone().count();
    for (i, p) in listed.enumerate() {
        let s = section(p, names);
        if out.chars().count() + s.chars().count() + reserve > limit {
            omitted = total - i;
            break;
        }
        out.push_str(&s);
    }
    if omitted > 0 {
        let _ = writeln!(
            out,
            "\n_{omitted} policy section(s) not shown: the comment would exceed GitHub's limit. See the plan output (plan.json)._"
        );
    }
    out.push_str(&footer);
    out
}

fn section(p: &PolicyDiff, names: &Names) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<details><summary><code>{}</code> ({}): {} newly matched, {} no longer matched</summary>\n",
        escape_cell(&p.policy),
        escape_cell(&p.region),
        p.newly_matched.len(),
        p.no_longer_matched.len()
    );
    let list = |s: &mut String, title: &str, ids: &[String]| {
        if ids.is_empty() {
            return;
        }
        let _ = writeln!(s, "{title}:\n\n| Id | Name |\n|---|---|");
        for id in ids.iter().take(IDS_PER_SECTION) {
            let name = names.get(id).map(String::as_str).unwrap_or("");
            let _ = writeln!(s, "| {} | {} |", escape_cell(id), escape_cell(name));
        }
        if ids.len() > IDS_PER_SECTION {
            let _ = writeln!(s, "\n_... and {} more._", ids.len() - IDS_PER_SECTION);
        }
        s.push('\n');
    };
    list(&mut s, "Newly matched", &p.newly_matched);
    list(&mut s, "No longer matched", &p.no_longer_matched);
    for a in &p.actions {
        list(&mut s, &format!("Would newly {}", a.action), &a.newly);
        list(&mut s, &format!("Would no longer {}", a.action), &a.no_longer);
    }
    s.push_str("</details>\n\n");
    s
}

/// The `generated=` instant of a comment this renderer wrote, if `body` is one (CI compares it
/// with its own run's, so a slower, older run never overwrites a newer comment).
pub fn generated_at(body: &str) -> Option<Timestamp> {
    let rest = body.strip_prefix(MARKER)?;
    rest.split_once(" -->")?.0.parse().ok()
}

impl PolicyDiff {
    /// Whether its section would list any resource.
    fn lists_resources(&self) -> bool {
        !self.newly_matched.is_empty() || !self.no_longer_matched.is_empty() || !self.actions.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compare::{ActionDiff, Change};

    fn diff(name: &str, ids: &[&str]) -> PolicyDiff {
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        PolicyDiff {
            policy: name.into(),
            resource: "aws.ec2".into(),
            region: "us-east-1".into(),
            change: Change::Changed,
            newly_matched: ids.clone(),
            no_longer_matched: vec![],
            unchanged: 0,
            actions: vec![ActionDiff {
                action: "stop".into(),
                newly: ids,
                no_longer: vec![],
            }],
            newly_matched_monthly_usd: 73.0,
            no_longer_matched_monthly_usd: 0.0,
            saving_change_monthly_usd: 73.0,
            head: None,
            base: None,
        }
    }

    fn comparison(policies: Vec<PolicyDiff>) -> Comparison {
        Comparison {
            policies,
            unchanged: 3,
            prices: "test prices of 2026-07-20".into(),
        }
    }

    #[test]
    fn resource_controlled_text_cannot_inject_markdown_html_or_mentions() {
        let names: Names = [(
            "i-1".to_string(),
            "<img src=x onerror=alert(1)> @org/team | cell ```fence``` [x](http://evil)".to_string(),
        )]
        .into_iter()
        .collect();
        let when: Timestamp = "2026-11-23T15:00:00Z".parse().unwrap();
        let out = render(&comparison(vec![diff("p", &["i-1"])]), &names, when, 65_536);
        assert!(out.starts_with("<!-- custodian-plan generated=2026-11-23T15:00:00Z -->\n"), "{out}");
        assert_eq!(generated_at(&out), Some(when), "CI reads the marker back");
        let body = out.split_once('\n').map(|(_, b)| b).unwrap_or_default();
        for bad in ["<img", "@org", "```", "](", "| cell"] {
            assert!(!body.contains(bad), "{bad} leaked into {body}");
        }
        assert!(
            body.contains("&lt;img src=x onerror=alert&#40;1&#41;&gt; &#64;org/team &#124; cell &#96;&#96;&#96;fence"),
            "{body}"
        );
        assert!(
            body.contains("**+1 resource to stop; about $73.00/month more saved; 1 policy changed**"),
            "{body}"
        );
    }

    #[test]
    fn long_comments_are_cut_under_the_limit_and_say_so() {
        let ids: Vec<String> = (0..40).map(|i| format!("i-{i:017}")).collect();
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let policies: Vec<PolicyDiff> = (0..200).map(|i| diff(&format!("policy-{i:03}"), &id_refs)).collect();
        let when: Timestamp = "2026-11-23T15:00:00Z".parse().unwrap();
        let out = render(&comparison(policies), &Names::new(), when, 65_536);
        assert!(out.chars().count() <= 65_536, "{}", out.chars().count());
        assert!(
            out.contains("policy section(s) not shown: the comment would exceed GitHub's limit"),
            "cut, and said so"
        );
        assert!(out.contains("| `policy-199` |"), "the table keeps every policy");
        let tiny = render(
            &comparison((0..200).map(|i| diff(&format!("p{i}"), &["i-1"])).collect()),
            &Names::new(),
            when,
            2_000,
        );
        assert!(
            tiny.chars().count() <= 2_000 && tiny.contains("The table is too long for one comment"),
            "{tiny}"
        );
        let none = render(&comparison(vec![]), &Names::new(), when, 65_536);
        assert!(none.contains("3 policy result(s), none changed."), "{none}");
    }
}
