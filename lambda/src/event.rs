//! The two events the function accepts: EventBridge's scheduled event (the rule's input names
//! the policies in `detail.policies`) and a manual payload (`{"policies": [...], "dryrun": true}`).

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

/// Where an invocation came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// An EventBridge schedule rule (its ARN).
    Schedule {
        /// The rule's ARN, when the event names it.
        rule: Option<String>,
    },
    /// A direct invocation (`aws lambda invoke`, the console, a test).
    Manual,
}

/// One invocation's request, whatever its event shape.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}
