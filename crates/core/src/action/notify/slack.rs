//! The Slack digest: a Block Kit message (header, what and where, the resources ten to a
//! section, a footer), split across messages to stay within Slack's limits (50 blocks, 3,000
//! characters a section, 150 a header). Everything a resource controls is escaped for mrkdwn
//! and cut to length, so a tag value cannot mention `@channel`, forge a link or break layout.

use super::message::Facts;
use super::Notify;
use crate::resource::{resource_id, tags, ResourceKind};
use serde_json::{json, Value};

/// Most blocks in one message (Slack's limit is 50).
const MAX_BLOCKS: usize = 50;
/// Resource lines per section block.
const LINES_PER_SECTION: usize = 10;
/// Slack's limit on a section's text.
const MAX_SECTION_CHARS: usize = 3000;
/// Slack's limit on a header's text.
const MAX_HEADER_CHARS: usize = 150;
/// Longest value shown from a resource.
const MAX_VALUE_CHARS: usize = 120;

/// `&`, `<` and `>` escaped as Slack requires, control characters dropped, cut to `max`.
pub fn escape(text: &str, max: usize) -> String {
    let mut cut: String = text.chars().filter(|c| !c.is_control()).take(max).collect();
    if text.chars().count() > max {
        cut.push('…');
    }
    cut.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "'")
}

/// One resource as a digest line: id, name, size, state, and the tags the notification is
/// addressed to (`to: [tag:Owner]`) or that say who created it.
pub fn line(kind: ResourceKind, doc: &Value, notify: &Notify) -> String {
    let id = resource_id(kind, doc);
    let mut parts = vec![format!("`{}`", escape(id, MAX_VALUE_CHARS))];
    let tag = |k: &str| tags(doc).find(|(key, _)| *key == k).map(|(_, v)| v.to_string());
    if let Some(name) = tag("Name") {
        parts.push(escape(&name, MAX_VALUE_CHARS));
    }
    let size = doc.pointer(kind.spec().size_pointer);
    if let Some(s) = size.and_then(Value::as_str) {
        parts.push(escape(s, MAX_VALUE_CHARS));
    }
    if let Some(state) = crate::resource::resource_state(kind, doc) {
        parts.push(format!("_{}_", escape(state, MAX_VALUE_CHARS)));
    }
    if let (ResourceKind::SpotRequest, Some(i)) = (kind, doc.get("InstanceId").and_then(Value::as_str)) {
        parts.push(format!("instance `{}`", escape(i, MAX_VALUE_CHARS)));
    }
    let mut wanted: Vec<String> = notify
        .data
        .get("to")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str()?.strip_prefix("tag:").map(str::to_string))
        .collect();
    for k in ["Creator", "CreatorName", "OwnerContact", "Owner"] {
        if !wanted.iter().any(|w| w == k) {
            wanted.push(k.to_string());
        }
    }
    for k in wanted {
        if let Some(v) = tag(&k) {
            parts.push(format!("{}: {}", escape(&k, 40), escape(&v, MAX_VALUE_CHARS)));
        }
    }
    parts.join(" · ")
}

/// The messages for the targets: `(ids, payload JSON)` each.
pub fn messages(facts: &Facts, notify: &Notify, kind: ResourceKind, docs: &[Value], ids: &[String]) -> Vec<(Vec<String>, String)> {
    let lines: Vec<String> = docs.iter().map(|d| line(kind, d, notify)).collect();
    let per_message = (MAX_BLOCKS - 3) * LINES_PER_SECTION;
    let chunks: Vec<&[String]> = lines.chunks(per_message).collect();
    let id_chunks: Vec<&[String]> = ids.chunks(per_message).collect();
    let total = chunks.len();
    let title = notify
        .text("subject")
        .map(|s| facts.expand(s))
        .unwrap_or_else(|| format!("custodian: {}", facts.policy_name));
    let what = notify.text("violation_desc").or(facts.description).unwrap_or("");
    let action = notify.text("action_desc").unwrap_or("");
    chunks
        .into_iter()
        .zip(id_chunks)
        .enumerate()
        .map(|(i, (lines, ids))| {
            let mut blocks = vec![json!({"type": "header", "text": {"type": "plain_text", "text": header(&title, i, total)}})];
            let mut intro = format!(
                "*{}* matched {} {} in {} (account {})",
                escape(facts.policy_name, MAX_VALUE_CHARS),
                ids.len(),
                facts.resource,
                escape(facts.region, 40),
                escape(facts.account_id.unwrap_or("unknown"), 40)
            );
            if !what.is_empty() {
                intro.push('\n');
                intro.push_str(&escape(what, 1500));
            }
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": intro}}));
            for section in lines.chunks(LINES_PER_SECTION) {
                let text: String = section.iter().map(|l| format!("• {l}")).collect::<Vec<_>>().join("\n");
                let text: String = text.chars().take(MAX_SECTION_CHARS).collect();
                blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": text}}));
            }
            let mut footer = vec![format!("run {}", escape(facts.run_id, 80))];
            if !action.is_empty() {
                footer.insert(0, escape(action, 1000));
            }
            if total > 1 {
                footer.push(format!("message {} of {total}", i + 1));
            }
            blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": footer.join(" · ")}]}));
            let fallback = format!("{}: {} {} in {}", facts.policy_name, ids.len(), facts.resource, facts.region);
            let payload = json!({"text": escape(&fallback, 300), "blocks": blocks});
            (ids.to_vec(), payload.to_string())
        })
        .collect()
}

fn header(title: &str, i: usize, total: usize) -> String {
    let suffix = if total > 1 {
        format!(" ({}/{total})", i + 1)
    } else {
        String::new()
    };
    let room = MAX_HEADER_CHARS - suffix.chars().count();
    let mut t: String = title.chars().filter(|c| !c.is_control()).take(room).collect();
    t.push_str(&suffix);
    t
}
