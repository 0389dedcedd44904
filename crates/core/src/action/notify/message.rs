//! Cloud Custodian's notification message (`c7n/actions/notify.py`): a JSON envelope with the
//! event, account, region, policy, action and resources, zlib-compressed and base64-encoded,
//! sent with the message attribute `mtype: maidmsg/1.0`. c7n-mailer reads exactly this.

use super::super::plan::PlanContext;
use base64::Engine;
use serde_json::{json, Value};
use std::io::{Read, Write};

/// The `mtype` attribute c7n-mailer looks for.
pub const C7N_DATA_MESSAGE: &str = "maidmsg/1.0";
/// SNS's and SQS's limit on one message, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// What one packed message may take, leaving room for the attributes and subject.
pub const MESSAGE_BUDGET: usize = MAX_MESSAGE_BYTES - 2048;

/// What a message says about the run, whatever its format.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// The policy's name.
    pub policy_name: &'a str,
    /// The policy as written.
    pub policy_data: Value,
    /// Its description.
    pub description: Option<&'a str>,
    /// The resource kind's policy name (`aws.ec2`).
    pub resource: &'static str,
    /// The account, when known.
    pub account_id: Option<&'a str>,
    /// The region.
    pub region: &'a str,
    /// The AWS partition of the region.
    pub partition: &'static str,
    /// The run's id.
    pub run_id: &'a str,
    /// When the run started, in seconds since the epoch.
    pub started: f64,
    /// The triggering event, if any.
    pub event: Option<&'a Value>,
}

impl<'a> Facts<'a> {
    /// The facts of the run in `cx` (placeholders in unit tests without one).
    pub fn of(cx: &PlanContext<'a>) -> Facts<'a> {
        let partition = partition(cx.region);
        match cx.run {
            Some(r) => Facts {
                policy_name: r.policy_name,
                // Headers of value_from may hold tokens: the message carries the policy redacted.
                policy_data: crate::input::redact::redact_policy(r.policy_data),
                description: r.description,
                resource: cx.kind.spec().name,
                account_id: r.account_id,
                region: cx.region,
                partition,
                run_id: r.run_id,
                started: r.started.as_millisecond() as f64 / 1000.0,
                event: cx.event,
            },
            None => Facts {
                policy_name: "policy",
                policy_data: json!({"name": "policy", "resource": cx.kind.spec().name}),
                description: None,
                resource: cx.kind.spec().name,
                account_id: None,
                region: cx.region,
                partition,
                run_id: "run",
                started: cx.now.as_millisecond() as f64 / 1000.0,
                event: cx.event,
            },
        }
    }

    /// The account id, or a marker saying it is unknown.
    pub fn account(&self) -> &str {
        self.account_id.unwrap_or("{account_id}")
    }

    /// `{account_id}`, `{region}`, `{partition}` and `{policy}` expanded, as c7n formats
    /// queue and topic names with its message.
    pub fn expand(&self, text: &str) -> String {
        let mut out = text
            .replace("{region}", self.region)
            .replace("{partition}", self.partition)
            .replace("{policy}", self.policy_name);
        if let Some(a) = self.account_id {
            out = out.replace("{account_id}", a);
        }
        out
    }
}

/// The partition a region belongs to.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The queue URL c7n sends to (`send_sqs`): a URL as written (the region from it), an ARN
/// turned into its URL, or a name in the policy's region and account.
pub fn queue_url(queue: &str, facts: &Facts) -> String {
    let q = facts.expand(queue);
    if q.starts_with("https://") || q.starts_with("http://") {
        return q;
    }
    if let Some(rest) = q.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if let [_, _, region, account, name] = parts[..] {
            return format!("https://sqs.{region}.amazonaws.com/{account}/{name}");
        }
    }
    format!("https://sqs.{}.amazonaws.com/{}/{q}", facts.region, facts.account())
}

/// The topic ARN c7n publishes to (`send_sns`): an ARN as written, or a name in the policy's
/// region and account.
pub fn topic_arn(topic: &str, facts: &Facts) -> String {
    let t = facts.expand(topic);
    if t.starts_with("arn:") {
        return t;
    }
    format!("arn:{}:sns:{}:{}:{t}", facts.partition, facts.region, facts.account())
}

/// The region of a queue URL or topic ARN, when it names one.
pub fn region_of(destination: &str) -> Option<String> {
    if let Some(rest) = destination.strip_prefix("arn:") {
        return rest.split(':').nth(2).filter(|r| !r.is_empty()).map(str::to_string);
    }
    let host = destination.split("://").nth(1)?.split('/').next()?;
    let mut labels = host.split('.');
    match (labels.next(), labels.next()) {
        (Some("sqs"), Some(region)) if region != "amazonaws" => Some(region.to_string()),
        (Some(region), Some("queue")) => Some(region.to_string()),
        _ => None,
    }
}

/// An SNS subject: printable ASCII, at most 100 characters (SNS's rule).
pub fn sns_subject(subject: &str) -> String {
    let clean: String = subject
        .chars()
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { ' ' })
        .collect();
    clean.trim().chars().take(100).collect()
}

/// c7n's envelope without resources.
pub fn envelope(facts: &Facts, action: &Value) -> Value {
    json!({
        "event": facts.event.cloned().unwrap_or(Value::Null),
        "account_id": facts.account_id,
        "partition": facts.partition,
        "account": facts.account_id,
        "version": concat!("custodian-", env!("CARGO_PKG_VERSION")),
        "region": facts.region,
        "execution_id": facts.run_id,
        "execution_start": facts.started,
        "policy": facts.policy_data,
        "action": action,
        "resources": [],
    })
}

/// The messages for `documents` (JSON texts, `ids` theirs): as few as fit in
/// [`MESSAGE_BUDGET`] each, every resource in exactly one, in order.
pub fn c7n_messages(facts: &Facts, action: &Value, ids: &[String], documents: &[String]) -> Vec<(Vec<String>, String)> {
    let head = envelope(facts, action).to_string();
    // Chunks sized by the compression ratio of a sample (as c7n's message buffer estimates),
    // each then packed and, in the rare case it is still too large, halved.
    let sample = documents.len().min(200);
    let sample_raw: usize = documents[..sample].iter().map(|d| d.len() + 1).sum::<usize>() + head.len();
    let sample_packed = pack(&with_resources(&head, documents[..sample].iter().map(String::as_str))).len();
    let ratio = (sample_packed as f64 / sample_raw.max(1) as f64).max(0.01);
    let raw_budget = ((MESSAGE_BUDGET as f64 / ratio) * 0.8) as usize;
    let mut out = Vec::new();
    let mut chunk: Vec<usize> = Vec::new();
    let mut raw = head.len();
    for (i, d) in documents.iter().enumerate() {
        if !chunk.is_empty() && raw + d.len() + 1 > raw_budget {
            split(&head, ids, documents, &chunk, &mut out);
            chunk.clear();
            raw = head.len();
        }
        chunk.push(i);
        raw += d.len() + 1;
    }
    if !chunk.is_empty() {
        split(&head, ids, documents, &chunk, &mut out);
    }
    out
}

fn split(head: &str, ids: &[String], documents: &[String], part: &[usize], out: &mut Vec<(Vec<String>, String)>) {
    let packed = pack(&with_resources(head, part.iter().map(|i| documents[*i].as_str())));
    if packed.len() <= MESSAGE_BUDGET || part.len() <= 1 {
        let packed = if packed.len() > MESSAGE_BUDGET && !part.is_empty() {
            // One resource too large for a message on its own: send its id alone.
            let i = part[0];
            pack(&with_resources(
                head,
                std::iter::once(json!({"c7n:truncated": true, "id": ids[i]}).to_string().as_str()),
            ))
        } else {
            packed
        };
        out.push((part.iter().map(|i| ids[*i].clone()).collect(), packed));
        return;
    }
    let (a, b) = part.split_at(part.len() / 2);
    split(head, ids, documents, a, out);
    split(head, ids, documents, b, out);
}

/// The envelope text with `resources` spliced into its empty `"resources":[]`: the last one,
/// since keys are written in order and only `version` (a plain string) follows `resources`
/// (an event's own `"resources":[]` comes before).
fn with_resources<'d>(head: &str, resources: impl Iterator<Item = &'d str>) -> String {
    let joined: Vec<&str> = resources.collect();
    match head.rfind("\"resources\":[]") {
        Some(at) => {
            let cut = at + "\"resources\":[".len();
            format!("{}{}{}", &head[..cut], joined.join(","), &head[cut..])
        }
        None => head.to_string(),
    }
}

/// base64(zlib(text)), as c7n packs.
pub fn pack(text: &str) -> String {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(text.as_bytes());
    let bytes = z.finish().unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The JSON a packed message holds (what c7n-mailer does on receipt).
pub fn unpack(body: &str) -> Result<Value, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|e| format!("not base64: {e}"))?;
    let mut text = String::new();
    flate2::read::ZlibDecoder::new(bytes.as_slice())
        .read_to_string(&mut text)
        .map_err(|e| format!("not zlib: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))
}
