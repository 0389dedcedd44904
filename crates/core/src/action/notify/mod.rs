//! `notify`: one digest per policy per run, in Cloud Custodian's message format over SQS or
//! SNS (so an existing c7n-mailer keeps working), as AWS Chatbot's custom notification over
//! SNS, or as a Slack Block Kit message posted to an incoming webhook whose URL comes from an
//! environment variable or an SSM SecureString, never from the policy. Messages are built at
//! planning time, so a dry run records exactly what a real run sends; a digest too large for
//! its transport is split (`c7n/actions/notify.py`: 256 KiB for SNS and SQS).

mod chatbot;
pub mod message;
mod slack;

use super::plan::PlanContext;
use super::request::{Operation, Request, Webhook};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, Checker, Entries, Node, NodeValue};
use crate::resource::{resource_id, ResourceKind};
use serde_json::{Map, Value};

/// The `notify` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::Notify,
    names: &["notify"],
    summary: "Send one digest of the policy's matches: Cloud Custodian's message (c7n-mailer) to SQS or SNS, AWS Chatbot's format to SNS (format: chatbot), or Slack Block Kit to a webhook named by an environment variable or SSM parameter.",
    example: |_| "- type: notify\n  to: [team@example.com]\n  subject: GPU instance without approval\n  transport:\n    type: sqs\n    queue: https://sqs.us-east-1.amazonaws.com/123456789012/custodian-mailer",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds, ResourceKind::SpotRequest],
    needs_event: false,
    ends_compute: false,
    keys: |_| KEYS,
    permissions: |_| &["sns:Publish", "sqs:SendMessage", "ssm:GetParameter"],
    parse,
};

/// c7n's notify keys and the c7n-mailer keys policies carry.
const KEYS: &[&str] = &[
    "type",
    "to",
    "cc",
    "cc_manager",
    "from",
    "subject",
    "template",
    "template_format",
    "transport",
    "owner_absent_contact",
    "to_from",
    "cc_from",
    "assume_role",
    "violation_desc",
    "action_desc",
    "priority_header",
    "include-failed",
];

/// Where a notification goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Transport {
    /// An SQS queue (name, URL or ARN; `{account_id}`, `{region}` expanded).
    Sqs {
        /// The queue as written.
        queue: String,
    },
    /// An SNS topic (name or ARN).
    Sns {
        /// The topic as written.
        topic: String,
        /// Extra string message attributes.
        attributes: Vec<(String, String)>,
        /// AWS Chatbot's custom-notification JSON instead of c7n's message.
        chatbot: bool,
    },
    /// A Slack incoming webhook.
    Slack {
        /// Where its URL comes from.
        webhook: Webhook,
    },
}

/// A validated `notify`.
#[derive(Debug, Clone)]
pub struct Notify {
    /// The transport.
    pub transport: Transport,
    /// The action as written: c7n's message carries it as `action`.
    pub data: Value,
}

impl Notify {
    fn text(&self, key: &str) -> Option<&str> {
        self.data.get(key).and_then(Value::as_str)
    }
}

impl Behaviour for Notify {
    fn reads(&self) -> &'static [&'static str] {
        &["Tags"]
    }

    fn check(&self, _kind: ResourceKind, _doc: &Value) -> Result<(), String> {
        Ok(())
    }

    fn reports(&self) -> bool {
        true
    }

    fn after_failure(&self) -> bool {
        self.data.get("include-failed") == Some(&Value::Bool(true))
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        let facts = message::Facts::of(cx);
        // c7n's message carries the whole documents; the digests read the views (which keep
        // the tags: the engine reads them for every policy that notifies).
        let documents = || -> Vec<String> {
            let by_id: std::collections::HashMap<&str, &crate::resource::Resource> = cx
                .run
                .map(|r| r.resources.iter().map(|res| (resource_id(cx.kind, &res.view), *res)).collect())
                .unwrap_or_default();
            targets
                .iter()
                .zip(ids)
                .map(|(view, id)| by_id.get(id.as_str()).map(|res| res.raw.text()).unwrap_or_else(|| view.to_string()))
                .collect()
        };
        let views: Vec<Value> = match self.transport {
            Transport::Slack { .. } | Transport::Sns { chatbot: true, .. } => targets.iter().map(|v| (*v).clone()).collect(),
            _ => Vec::new(),
        };
        match &self.transport {
            Transport::Sqs { queue } => {
                let queue_url = message::queue_url(queue, &facts);
                message::c7n_messages(&facts, &self.data, ids, &documents())
                    .into_iter()
                    .map(|(ids, body)| Request {
                        ids,
                        operation: Operation::SqsSendMessage {
                            queue_url: queue_url.clone(),
                            body,
                            attributes: vec![("mtype".into(), message::C7N_DATA_MESSAGE.into())],
                        },
                    })
                    .collect()
            }
            Transport::Sns {
                topic,
                attributes,
                chatbot: false,
            } => {
                let topic_arn = message::topic_arn(topic, &facts);
                let mut attrs = vec![("mtype".to_string(), message::C7N_DATA_MESSAGE.to_string())];
                attrs.extend(attributes.iter().cloned());
                let subject = self.text("subject").map(message::sns_subject);
                message::c7n_messages(&facts, &self.data, ids, &documents())
                    .into_iter()
                    .map(|(ids, message)| Request {
                        ids,
                        operation: Operation::SnsPublish {
                            topic_arn: topic_arn.clone(),
                            message,
                            subject: subject.clone(),
                            attributes: attrs.clone(),
                        },
                    })
                    .collect()
            }
            Transport::Sns {
                topic,
                attributes,
                chatbot: true,
            } => {
                let topic_arn = message::topic_arn(topic, &facts);
                chatbot::messages(&facts, self, cx.kind, &views, ids)
                    .into_iter()
                    .map(|(ids, message)| Request {
                        ids,
                        operation: Operation::SnsPublish {
                            topic_arn: topic_arn.clone(),
                            message,
                            subject: None,
                            attributes: attributes.clone(),
                        },
                    })
                    .collect()
            }
            Transport::Slack { webhook } => slack::messages(&facts, self, cx.kind, &views, ids)
                .into_iter()
                .map(|(ids, payload)| Request {
                    ids,
                    operation: Operation::SlackPost {
                        webhook: webhook.clone(),
                        payload,
                    },
                })
                .collect(),
        }
    }

    fn permissions(&self, _kind: ResourceKind) -> Vec<&'static str> {
        match &self.transport {
            Transport::Sqs { .. } => vec!["sqs:SendMessage"],
            Transport::Sns { .. } => vec!["sns:Publish"],
            Transport::Slack { webhook: Webhook::Ssm(_) } => vec!["ssm:GetParameter"],
            Transport::Slack { webhook: Webhook::Env(_) } => Vec::new(),
        }
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let before = c.errors();
    for key in ["to_from", "cc_from"] {
        if let Some(v) = get(a.entries, key) {
            c.at_node(
                v,
                format!("'{key}' (addresses read from a URL) is not supported by custodian; list them in 'to'"),
            );
        }
    }
    for key in ["to", "cc", "owner_absent_contact"] {
        if let Some(v) = get(a.entries, key) {
            c.string_list(v, key);
        }
    }
    for key in [
        "subject",
        "template",
        "violation_desc",
        "action_desc",
        "priority_header",
        "from",
        "template_format",
    ] {
        if let Some(v) = get(a.entries, key) {
            if !matches!(v.value, NodeValue::Str(_) | NodeValue::Int(_)) {
                c.at_node(v, format!("'{key}' must be a string"));
            }
        }
    }
    // Opt-in: also report the resources an earlier action of the policy failed on.
    c.flag(get(a.entries, "include-failed"));
    if let Some((key, _)) = a.entries.iter().find(|(k, _)| k.name == "assume_role") {
        c.warn_key(
            key,
            "notify key 'assume_role' has no effect in custodian: messages are sent with the run's credentials",
        );
    }
    let transport = match get(a.entries, "transport") {
        None => {
            c.at_node(
                a.at,
                "notify needs a 'transport': {type: sqs, queue: ...}, {type: sns, topic: ...} or {type: slack, webhook: ENV_VAR}",
            );
            None
        }
        Some(t) => transport(c, t),
    };
    if let Some(Transport::Sqs { .. } | Transport::Sns { .. }) = &transport {
        if get(a.entries, "to").is_none() && get(a.entries, "to_from").is_none() {
            c.at_node(a.at, "notify to SQS or SNS needs 'to' (c7n-mailer's recipients)");
        }
    }
    if c.errors() > before {
        return None;
    }
    let data: Map<String, Value> = a.entries.iter().map(|(k, v)| (k.name.clone(), v.to_json())).collect();
    Some(Action::Notify(Notify {
        transport: transport?,
        data: Value::Object(data),
    }))
}

fn transport(c: &mut Checker, node: &Node) -> Option<Transport> {
    let Some(entries) = node.as_map() else {
        c.at_node(
            node,
            format!("'transport' must be a mapping with a 'type', found {}", node.kind_name()),
        );
        return None;
    };
    let kind = get(entries, "type").and_then(Node::as_str);
    let warn_region = |c: &mut Checker, entries: &Entries| {
        if let Some((key, _)) = entries.iter().find(|(k, _)| k.name == "region") {
            c.warn_key(
                key,
                "transport 'region' has no effect (as in Cloud Custodian): the region comes from the queue or topic, else the policy's",
            );
        }
    };
    let required = |c: &mut Checker, key: &str, what: &str| match get(entries, key) {
        Some(v) => match v.as_str() {
            Some(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => {
                c.at_node(v, format!("'{key}' must be {what}"));
                None
            }
        },
        None => {
            c.at_node(node, format!("the {} transport needs '{key}' ({what})", kind.unwrap_or("")));
            None
        }
    };
    match kind {
        Some("sqs") => {
            c.check_keys(entries, &["type", "queue", "region"], "sqs transport");
            warn_region(c, entries);
            required(c, "queue", "a queue name, URL or ARN").map(|queue| Transport::Sqs { queue })
        }
        Some("sns") => {
            c.check_keys(entries, &["type", "topic", "attributes", "format", "region"], "sns transport");
            warn_region(c, entries);
            let mut attributes = Vec::new();
            if let Some(v) = get(entries, "attributes") {
                match v.as_map() {
                    Some(items) => {
                        for (k, val) in items {
                            if k.name == "mtype" {
                                c.at_key(
                                    k,
                                    "attribute 'mtype' is reserved: custodian sets it to Cloud Custodian's message type",
                                );
                            }
                            match crate::input::scalar_string(val) {
                                Some(s) => attributes.push((k.name.clone(), s)),
                                None => c.at_node(val, "an SNS message attribute must be a string"),
                            }
                        }
                    }
                    None => c.at_node(v, "'attributes' must be a mapping of names to strings"),
                }
            }
            let chatbot = match get(entries, "format") {
                None => false,
                Some(v) => match v.as_str() {
                    Some("chatbot") => true,
                    Some("c7n") => false,
                    _ => {
                        c.at_node_help(
                            v,
                            "unknown sns transport 'format'",
                            Some(
                                "formats: c7n (Cloud Custodian's message, the default), chatbot (AWS Chatbot's custom notification)".into(),
                            ),
                        );
                        false
                    }
                },
            };
            if chatbot && !attributes.is_empty() {
                c.at_node(node, "'attributes' go with c7n's message format, not with format: chatbot");
            }
            required(c, "topic", "a topic name or ARN").map(|topic| Transport::Sns {
                topic,
                attributes,
                chatbot,
            })
        }
        Some("slack") => {
            c.check_keys(entries, &["type", "webhook"], "slack transport");
            let Some(v) = get(entries, "webhook") else {
                c.at_node(node, "the slack transport needs 'webhook': the name of the environment variable holding the webhook URL, or {ssm: /parameter/name}");
                return None;
            };
            webhook(c, v).map(|webhook| Transport::Slack { webhook })
        }
        Some(other) => {
            let help = crate::input::hint(other, ["sqs", "sns", "slack"], || Some("transports: sqs, sns, slack".into()));
            c.at_node_help(
                get(entries, "type").unwrap_or(node),
                format!("unknown notify transport '{other}'"),
                help,
            );
            None
        }
        None => {
            c.at_node(node, "'transport' needs a 'type': sqs, sns or slack");
            None
        }
    }
}

fn webhook(c: &mut Checker, v: &Node) -> Option<Webhook> {
    // Not the runtime's own variables (AWS_*, _HANDLER, ...): a policy could otherwise post a
    // credentials endpoint or a key to wherever it names.
    let env_name = |s: &str| {
        let mut chars = s.chars();
        !s.starts_with("AWS_")
            && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match &v.value {
        NodeValue::Str(s) if s.contains("://") || s.contains("hooks.slack.com") => {
            c.at_node(
                v,
                "never put a webhook URL in a policy: name the environment variable that holds it, or {ssm: /parameter/name}",
            );
            None
        }
        NodeValue::Str(s) if env_name(s) => Some(Webhook::Env(s.clone())),
        NodeValue::Str(s) => {
            c.at_node(
                v,
                format!("'{s}' is not a webhook variable name (a letter, then letters, digits and '_'; not AWS_*)"),
            );
            None
        }
        NodeValue::Map(entries) => {
            c.check_keys(entries, &["env", "ssm"], "webhook");
            match (
                get(entries, "env").and_then(Node::as_str),
                get(entries, "ssm").and_then(Node::as_str),
            ) {
                (Some(e), None) if env_name(e) => Some(Webhook::Env(e.to_string())),
                (None, Some(p)) if !p.is_empty() && !p.contains("://") => Some(Webhook::Ssm(p.to_string())),
                _ => {
                    c.at_node(v, "'webhook' is {env: NAME} or {ssm: /parameter/name}, one of the two");
                    None
                }
            }
        }
        _ => {
            c.at_node(v, "'webhook' is an environment variable name, or {ssm: /parameter/name}");
            None
        }
    }
}

#[cfg(test)]
mod tests;
