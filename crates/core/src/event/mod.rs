//! Events that run event-mode policies: CloudTrail API calls ("AWS API Call via CloudTrail"),
//! EC2 instance state changes and spot request fulfilments, as EventBridge delivers them.
//! [`Event::parse`] reads one; [`react`] says what it means for one policy (ignored, skipped,
//! or these resource ids), with Cloud Custodian's rules (`c7n/cwe.py`, `c7n/handler.py`);
//! [`pattern`] is the EventBridge rule pattern that delivers a policy's events.

use crate::policy::{EventMode, Policy, Trigger};
use crate::resource::ResourceKind;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `detail-type` of CloudTrail API calls.
pub const API_CALL: &str = "AWS API Call via CloudTrail";
/// `detail-type` of EC2 instance state changes.
pub const INSTANCE_STATE: &str = "EC2 Instance State-change Notification";
/// `detail-type` of spot request fulfilments.
pub const SPOT_FULFILLMENT: &str = "EC2 Spot Instance Request Fulfillment";
pub use crate::policy::event_mode::INSTANCE_STATES;

/// One triggering event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event as delivered (what the `event` filter, `auto-tag-user` and notifications read).
    pub raw: Value,
    /// What it reports.
    pub what: What,
    /// The event's region (`region`).
    pub region: Option<String>,
    /// The event's account (`account`).
    pub account: Option<String>,
}

/// What an event reports.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// An API call recorded by CloudTrail.
    ApiCall {
        /// `detail.eventSource` (`ec2.amazonaws.com`).
        source: String,
        /// `detail.eventName` (`RunInstances`).
        name: String,
        /// `detail.errorCode`, when the call failed.
        error: Option<String>,
    },
    /// An EC2 instance changed state.
    InstanceState {
        /// `detail.instance-id`.
        instance: String,
        /// `detail.state`.
        state: String,
    },
    /// A spot request was fulfilled: its instance launched.
    SpotFulfillment {
        /// `detail.spot-instance-request-id`.
        request: String,
        /// `detail.instance-id`.
        instance: Option<String>,
    },
}

impl Event {
    /// Reads an EventBridge event of one of the three kinds. A bare CloudTrail record (as the
    /// console's event history or `aws cloudtrail lookup-events` shows it) is accepted too and
    /// read as EventBridge would deliver it.
    pub fn parse(value: Value) -> Result<Event, String> {
        let value = match value {
            Value::Object(ref m) if !m.contains_key("detail") && m.contains_key("eventName") && m.contains_key("eventSource") => {
                wrap_trail_record(value)
            }
            v => v,
        };
        let Some(detail_type) = value.get("detail-type").and_then(Value::as_str) else {
            return Err("not an EventBridge event: it has no 'detail-type'".into());
        };
        let detail = value.get("detail").cloned().unwrap_or(Value::Null);
        let text = |k: &str| detail.get(k).and_then(Value::as_str).map(str::to_string);
        let need = |k: &str| text(k).ok_or_else(|| format!("a '{detail_type}' event needs a string 'detail.{k}'"));
        let what = match detail_type {
            API_CALL => What::ApiCall {
                source: need("eventSource")?,
                name: need("eventName")?,
                error: text("errorCode"),
            },
            INSTANCE_STATE => What::InstanceState {
                instance: need("instance-id")?,
                state: need("state")?,
            },
            SPOT_FULFILLMENT => What::SpotFulfillment {
                request: need("spot-instance-request-id")?,
                instance: text("instance-id"),
            },
            other => {
                return Err(format!(
                    "events of type '{other}' run no policy (event policies react to '{API_CALL}', '{INSTANCE_STATE}' and '{SPOT_FULFILLMENT}')"
                ))
            }
        };
        let field = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
        Ok(Event {
            region: field("region"),
            account: field("account"),
            what,
            raw: value,
        })
    }

    /// The `source` AWS gives this event: `aws.<service>` of a CloudTrail call's `eventSource`
    /// (`ec2.amazonaws.com` -> `aws.ec2`), `aws.ec2` for instance state changes and spot
    /// fulfilments. `PutEvents` refuses every `source` starting with `aws.` to callers, so
    /// only AWS can deliver an event that has it.
    pub fn expected_source(&self) -> String {
        match &self.what {
            What::ApiCall { source, .. } => format!("aws.{}", source.strip_suffix(".amazonaws.com").unwrap_or(source)),
            What::InstanceState { .. } | What::SpotFulfillment { .. } => "aws.ec2".into(),
        }
    }

    /// Whether the event can be trusted by a function of `own_account`: AWS delivered it
    /// (its `source` is the AWS service it reports on, see [`Event::expected_source`]) and it
    /// happened in the function's own account. `Err(why)` for a forged or foreign event:
    /// nothing may be done on its strength.
    pub fn authenticate(&self, own_account: &str) -> Result<(), String> {
        let expected = self.expected_source();
        match self.raw.get("source").and_then(Value::as_str) {
            Some(s) if s == expected => {}
            Some(s) => {
                return Err(format!(
                    "its source is '{s}', not '{expected}': only AWS can send events with that source, so this one was not sent by AWS"
                ))
            }
            None => return Err(format!("it has no 'source' (AWS's own events say '{expected}')")),
        }
        match self.account.as_deref() {
            Some(a) if a == own_account => Ok(()),
            Some(a) => Err(format!("it comes from account {a}, not this function's account {own_account}")),
            None => Err(format!("it names no 'account' (this function acts in account {own_account} only)")),
        }
    }

    /// One line on the event: "RunInstances (ec2.amazonaws.com)", "i-1 running", ...
    pub fn describe(&self) -> String {
        match &self.what {
            What::ApiCall { source, name, error } => match error {
                None => format!("{name} ({source})"),
                Some(e) => format!("{name} ({source}) failed with {e}"),
            },
            What::InstanceState { instance, state } => format!("{instance} is {state}"),
            What::SpotFulfillment { request, instance } => {
                format!("{request} fulfilled ({})", instance.as_deref().unwrap_or("instance unknown"))
            }
        }
    }
}

/// A CloudTrail record as EventBridge delivers it.
fn wrap_trail_record(record: Value) -> Value {
    let source = record.get("eventSource").and_then(Value::as_str).unwrap_or("");
    let service = source.strip_suffix(".amazonaws.com").unwrap_or(source);
    json!({
        "version": "0",
        "detail-type": API_CALL,
        "source": format!("aws.{service}"),
        "account": record.get("recipientAccountId").cloned().unwrap_or(Value::Null),
        "time": record.get("eventTime").cloned().unwrap_or(Value::Null),
        "region": record.get("awsRegion").cloned().unwrap_or(Value::Null),
        "resources": [],
        "detail": record,
    })
}

/// What an event means for one policy.
#[derive(Debug, Clone, PartialEq)]
pub enum Reaction {
    /// The policy does not react to this event.
    Ignored,
    /// The policy reacts to this API call, but the call failed: nothing to do.
    Skipped(String),
    /// The policy runs on these resources (none when the event names none of its kind).
    Ids(Vec<String>),
}

/// What `event` means for `policy`: its mode's events decide whether it reacts; the ids come
/// from the event (`c7n/cwe.py`, `get_ids`), keeping only those of the policy's kind.
pub fn react(policy: &Policy, event: &Event) -> Result<Reaction, String> {
    let Some(mode) = policy.mode.event() else {
        return Ok(Reaction::Ignored);
    };
    let ids: Vec<String> = match (&mode.trigger, &event.what) {
        (Trigger::CloudTrail(events), What::ApiCall { source, name, error }) => {
            let Some(wanted) = events.iter().find(|e| &e.source == source && &e.event == name) else {
                return Ok(Reaction::Ignored);
            };
            // c7n/handler.py: events of failed calls are skipped.
            if let Some(code) = error {
                return Ok(Reaction::Skipped(format!(
                    "{name} failed with {code}: events of failed API calls are skipped"
                )));
            }
            // Every matching entry is tried in order; the first that yields ids wins.
            let mut found = Vec::new();
            for e in events.iter().filter(|e| &e.source == source && &e.event == name) {
                found = search_ids(&e.ids, &event.raw).map_err(|m| format!("policy '{}': ids '{}': {m}", policy.name, wanted.ids))?;
                if !found.is_empty() {
                    break;
                }
            }
            found
        }
        (Trigger::InstanceState(states), What::InstanceState { instance, state }) => {
            if policy.kind != ResourceKind::Ec2 || !states.contains(state) {
                return Ok(Reaction::Ignored);
            }
            vec![instance.clone()]
        }
        (Trigger::SpotFulfillment, What::SpotFulfillment { request, .. }) => {
            if policy.kind != ResourceKind::SpotRequest {
                return Ok(Reaction::Ignored);
            }
            vec![request.clone()]
        }
        _ => return Ok(Reaction::Ignored),
    };
    let prefix = policy.kind.spec().collection.id_prefix;
    let mut kept: Vec<String> = Vec::new();
    for id in ids {
        if prefix.is_none_or(|p| id.starts_with(p)) && !kept.contains(&id) {
            kept.push(id);
        }
    }
    Ok(Reaction::Ids(kept))
}

/// The resource ids `expression` selects: over the whole event when it starts with
/// `detail.`, else over `detail` (c7n is forgiving either way); strings only, nulls dropped.
pub fn search_ids(expression: &str, event: &Value) -> Result<Vec<String>, String> {
    let compiled = jmespath::compile(expression).map_err(|e| e.to_string())?;
    let target = if expression.starts_with("detail.") {
        event
    } else {
        event.get("detail").unwrap_or(&Value::Null)
    };
    let found = compiled.search(target).map_err(|e| e.to_string())?;
    let found: Value = serde_json::to_value(&*found).map_err(|e| e.to_string())?;
    let items = match found {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        one => vec![one],
    };
    Ok(items
        .into_iter()
        .filter_map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_string))
        .collect())
}

/// The policies an event runs and the ids each runs on; the policies it skips, with why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Routing {
    /// Policy name to the ids it runs on, in policy order.
    pub ids: BTreeMap<String, Vec<String>>,
    /// Policies in the order given that react to the event.
    pub policies: Vec<String>,
    /// Policies that react to it but have nothing to do, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// Routes `event` to `policies`: those whose mode matches it, and the ids of each.
pub fn route(policies: &[Policy], event: &Event) -> Result<Routing, String> {
    let mut routing = Routing::default();
    for p in policies {
        match react(p, event)? {
            Reaction::Ignored => {}
            Reaction::Skipped(why) => routing.skipped.push((p.name.clone(), why)),
            Reaction::Ids(ids) if ids.is_empty() => routing
                .skipped
                .push((p.name.clone(), format!("the event names no {} resource", p.kind.spec().name))),
            Reaction::Ids(ids) => {
                routing.policies.push(p.name.clone());
                routing.ids.insert(p.name.clone(), ids);
            }
        }
    }
    Ok(routing)
}

/// The EventBridge pattern that delivers `mode`'s events (`c7n/mu.py`,
/// `render_event_pattern`).
pub fn pattern(mode: &EventMode) -> Value {
    match &mode.trigger {
        Trigger::CloudTrail(events) => {
            let mut sources: Vec<&str> = events.iter().map(|e| e.source.as_str()).collect();
            sources.sort();
            sources.dedup();
            let mut names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
            names.sort();
            names.dedup();
            // `source` too: without it, anyone allowed `events:PutEvents` on the bus could
            // deliver a custom event of this detail-type (`PutEvents` refuses `aws.*` sources
            // only), which c7n's `render_event_pattern` (c7n/mu.py) leaves open.
            let services: Vec<String> = sources
                .iter()
                .map(|s| format!("aws.{}", s.strip_suffix(".amazonaws.com").unwrap_or(s)))
                .collect();
            json!({"source": services, "detail-type": [API_CALL], "detail": {"eventSource": sources, "eventName": names}})
        }
        Trigger::InstanceState(states) => {
            json!({"source": ["aws.ec2"], "detail-type": [INSTANCE_STATE], "detail": {"state": states}})
        }
        Trigger::SpotFulfillment => json!({"source": ["aws.ec2"], "detail-type": [SPOT_FULFILLMENT]}),
    }
}

#[cfg(test)]
mod tests;
