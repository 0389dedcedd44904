//! AWS Chatbot's custom notification (`"source": "custom"`), published to an SNS topic that
//! Chatbot forwards to Slack or Microsoft Teams: no secret in custodian at all. The resource
//! list is cut into messages whose description stays within Chatbot's limit.

use super::message::Facts;
use super::slack::{escape, line};
use super::Notify;
use crate::resource::ResourceKind;
use serde_json::{json, Value};

/// Longest description per message.
const MAX_DESCRIPTION_CHARS: usize = 8000;
/// Longest title.
const MAX_TITLE_CHARS: usize = 250;

/// The messages for the targets: `(ids, message JSON)` each.
pub fn messages(facts: &Facts, notify: &Notify, kind: ResourceKind, docs: &[Value], ids: &[String]) -> Vec<(Vec<String>, String)> {
    let title = notify
        .text("subject")
        .map(|s| facts.expand(s))
        .unwrap_or_else(|| format!("custodian: {}", facts.policy_name));
    let title: String = title.chars().take(MAX_TITLE_CHARS).collect();
    let what = notify.text("violation_desc").or(facts.description).unwrap_or("");
    let intro = format!(
        "{} matched {} in {} (account {}). {}",
        facts.policy_name,
        facts.resource,
        facts.region,
        facts.account_id.unwrap_or("unknown"),
        escape(what, 1000)
    );
    let mut out: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let mut used = intro.len();
    for (doc, id) in docs.iter().zip(ids) {
        let l = format!("• {}", line(kind, doc, notify));
        if out.is_empty() || used + l.len() + 1 > MAX_DESCRIPTION_CHARS {
            out.push((Vec::new(), Vec::new()));
            used = intro.len();
        }
        used += l.len() + 1;
        if let Some((ids, lines)) = out.last_mut() {
            ids.push(id.clone());
            lines.push(l);
        }
    }
    let next_steps: Vec<String> = notify.text("action_desc").map(|a| vec![escape(a, 500)]).unwrap_or_default();
    out.into_iter()
        .map(|(ids, lines)| {
            let message = json!({
                "version": "1.0",
                "source": "custom",
                "id": facts.run_id,
                "content": {
                    "textType": "client-markdown",
                    "title": title,
                    "description": format!("{intro}\n{}", lines.join("\n")),
                    "nextSteps": next_steps,
                },
                "metadata": {
                    "threadId": facts.policy_name,
                    "summary": format!("{}: {} {}", facts.policy_name, ids.len(), facts.resource),
                    "eventType": "custodian-finding",
                    "relatedResources": ids,
                },
            });
            (ids, message.to_string())
        })
        .collect()
}
