//! The events the function accepts: EventBridge's scheduled event (the rule's input names
//! the policies in `detail.policies`), the events event-mode policies react to (CloudTrail API
//! calls, EC2 state changes, spot fulfilments), and a manual payload
//! (`{"policies": [...], "dryrun": true}`).

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

/// Where an invocation came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// An EventBridge schedule rule (its ARN).
    Schedule {
        /// The rule's ARN, when the event names it.
        rule: Option<String>,
    },
    /// A direct invocation (`aws lambda invoke`, the console, a test).
    Manual,
    /// An event that event-mode policies react to.
    Event(Box<custodian_core::event::Event>),
}

/// One invocation's request, whatever its event shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// Where it came from.
    pub trigger: Trigger,
    /// Policies to run by name; `None`: every policy the function has.
    pub policies: Option<Vec<String>>,
    /// Plan without acting.
    pub dry_run: bool,
    /// The instant the policies are evaluated at: the schedule's firing time, so off-hours
    /// match the hour the rule fired for even when the invocation starts late.
    pub now: Option<Timestamp>,
    /// The EventBridge event's id: the same on a duplicate delivery and on a retry, so the
    /// run ledger can tell them from a new run. Manual payloads have none.
    pub id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manual {
    #[serde(default)]
    policies: Option<Vec<String>>,
    #[serde(default)]
    dryrun: bool,
    #[serde(default)]
    now: Option<Timestamp>,
}

#[derive(Deserialize)]
struct Scheduled {
    time: Timestamp,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    detail: Option<Detail>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Detail {
    #[serde(default)]
    policies: Option<Vec<String>>,
    #[serde(default)]
    dryrun: bool,
}

/// Reads an event. A scheduled event is recognised by `"detail-type": "Scheduled Event"`;
/// anything else must be a manual payload with only `policies`, `dryrun` and `now`.
pub fn parse(event: &Value) -> Result<Invocation, String> {
    let id = event
        .get("id")
        .and_then(Value::as_str)
        .filter(|i| !i.is_empty() && *i != "<id>")
        .map(str::to_string);
    if event.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event") {
        let s: Scheduled = serde_json::from_value(event.clone()).map_err(|e| format!("scheduled event: {e}"))?;
        let detail = s.detail.unwrap_or(Detail {
            policies: None,
            dryrun: false,
        });
        return Ok(Invocation {
            trigger: Trigger::Schedule {
                rule: s.resources.into_iter().next(),
            },
            policies: detail.policies,
            dry_run: detail.dryrun,
            now: Some(s.time),
            id,
        });
    }
    let is_trail_record = event.get("eventName").is_some() && event.get("eventSource").is_some();
    if event.get("detail-type").is_some() || is_trail_record {
        let e = custodian_core::event::Event::parse(event.clone())?;
        let now = event.get("time").and_then(Value::as_str).and_then(|t| t.parse().ok());
        return Ok(Invocation {
            trigger: Trigger::Event(Box::new(e)),
            policies: None,
            dry_run: false,
            now,
            id,
        });
    }
    if !event.is_object() {
        return Err(format!(
            "expected a scheduled event or a payload like {{\"policies\": [\"name\"], \"dryrun\": true}}, got {}",
            truncate(&event.to_string(), 200)
        ));
    }
    let m: Manual = serde_json::from_value(event.clone()).map_err(|e| format!("manual payload (keys: policies, dryrun, now): {e}"))?;
    Ok(Invocation {
        trigger: Trigger::Manual,
        policies: m.policies,
        dry_run: m.dryrun,
        now: m.now,
        id: None,
    })
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scheduled_event_from_a_rule_with_input_template() {
        let e = json!({
            "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event",
            "source": "aws.events", "account": "123456789012", "time": "2026-11-23T19:00:00Z",
            "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:123456789012:rule/custodian-hourly"],
            "detail": {"policies": ["ec2-offhours-stop"]}
        });
        let i = parse(&e).unwrap();
        assert_eq!(i.policies, Some(vec!["ec2-offhours-stop".to_string()]));
        assert_eq!(i.now, Some("2026-11-23T19:00:00Z".parse().unwrap()));
        assert!(!i.dry_run);
        assert_eq!(
            i.trigger,
            Trigger::Schedule {
                rule: Some("arn:aws:events:us-east-1:123456789012:rule/custodian-hourly".into())
            }
        );
    }

    #[test]
    fn plain_scheduled_event_runs_everything() {
        let e = json!({"detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-23T19:00:00Z", "detail": {}});
        assert_eq!(parse(&e).unwrap().policies, None);
    }

    #[test]
    fn manual_payload_and_its_mistakes() {
        let i = parse(&json!({"policies": ["a", "b"], "dryrun": true})).unwrap();
        assert_eq!(
            (i.trigger, i.policies, i.dry_run, i.now),
            (Trigger::Manual, Some(vec!["a".into(), "b".into()]), true, None)
        );
        assert_eq!(parse(&json!({})).unwrap().policies, None);
        let e = parse(&json!({"policy": ["a"]})).unwrap_err();
        assert!(e.contains("unknown field `policy`"), "{e}");
        let e = parse(&json!({"dryrun": "yes"})).unwrap_err();
        assert!(e.contains("invalid type"), "{e}");
        let e = parse(&json!("run")).unwrap_err();
        assert!(e.contains("expected a scheduled event or a payload"), "{e}");
    }

    #[test]
    fn policy_events_are_recognised() {
        let e = json!({"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2", "time": "2026-11-24T09:14:54Z",
                       "region": "us-east-1", "detail": {"instance-id": "i-1", "state": "running"}});
        let i = parse(&e).unwrap();
        assert!(matches!(i.trigger, Trigger::Event(_)));
        assert_eq!(i.now, Some("2026-11-24T09:14:54Z".parse().unwrap()));
        let e = parse(&json!({"detail-type": "GuardDuty Finding", "detail": {}})).unwrap_err();
        assert!(e.contains("run no policy"), "{e}");
    }
}
