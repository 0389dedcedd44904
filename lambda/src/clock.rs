//! The run's clock: the time an invocation's payload names (a schedule's firing time, an
//! event's time, a manual `now`), used only where it cannot be a forged or replayed one.

use crate::event::{Invocation, Trigger};
use serde_json::Value;
use std::time::Duration;

/// How far a time named by the payload may be from the system clock and still be a real
/// run's clock: a scheduled event is delivered within minutes of its firing (and never later
/// than `MaximumEventAgeInSeconds`, 15 minutes), an event within a few minutes of the call.
/// Past that (a forged or replayed payload), real runs use the system clock; dry runs always
/// honour the payload's time, so a recorded event replays exactly.
pub const SCHEDULE_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);
/// See [`SCHEDULE_CLOCK_SKEW`]: the same for events that event-mode policies react to.
pub const EVENT_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// The run's clock: the time the payload names (a schedule's firing time, an event's time, a
/// manual `now`) when the run is a dry run or that time is within the allowed skew of the
/// system clock; otherwise the system clock, with a note saying why.
pub fn clock(invocation: &Invocation, system: jiff::Timestamp) -> (jiff::Timestamp, Option<String>) {
    let Some(named) = invocation.now else {
        return (system, None);
    };
    let skew = match invocation.trigger {
        Trigger::Event(_) => EVENT_CLOCK_SKEW,
        Trigger::Schedule { .. } | Trigger::Manual => SCHEDULE_CLOCK_SKEW,
    };
    let apart = named.duration_since(system).unsigned_abs();
    if invocation.dry_run || apart <= skew {
        return (named, None);
    }
    (
        system,
        Some(format!(
            "the payload's time {named} is {} minutes from the system clock (more than {}): a real run uses the system clock {system}",
            apart.as_secs() / 60,
            skew.as_secs() / 60
        )),
    )
}

/// How far the plan's instant may be from the system clock for a real batch to use it: an
/// execution over a large organization runs its batches for hours, not days.
pub const BATCH_CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// A batch's clock: the plan's instant (`run.now`) when the batch is a dry run or that instant
/// is within [`BATCH_CLOCK_SKEW`] of the system clock; otherwise (none, or a forged one) the
/// system clock.
pub fn batch_clock(now: &Value, dry_run: bool, system: jiff::Timestamp) -> custodian_core::time::Clock {
    match now.as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok()) {
        Some(t) if dry_run || t.duration_since(system).unsigned_abs() <= BATCH_CLOCK_SKEW => custodian_core::time::Clock::Fixed(t),
        _ => custodian_core::time::Clock::System,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use custodian_core::time::Clock;
    use serde_json::json;

    fn invocation(trigger: Trigger, now: &str, dry_run: bool) -> Invocation {
        Invocation {
            trigger,
            policies: None,
            dry_run,
            now: Some(now.parse().unwrap()),
            id: None,
        }
    }

    #[test]
    fn a_named_time_is_the_clock_of_a_real_run_only_near_the_system_clock() {
        let system: jiff::Timestamp = "2026-12-08T10:00:00Z".parse().unwrap();
        let schedule = || Trigger::Schedule { rule: None };
        let (now, note) = clock(&invocation(schedule(), "2026-12-08T09:50:00Z", false), system);
        assert_eq!((now.to_string().as_str(), note), ("2026-12-08T09:50:00Z", None));
        let (now, note) = clock(&invocation(schedule(), "2026-11-23T15:00:00Z", false), system);
        assert_eq!(now, system, "a replayed or forged time does not move a real run's clock");
        assert!(note.unwrap().contains("more than 15"));
        let (now, _) = clock(&invocation(schedule(), "2026-11-23T15:00:00Z", true), system);
        assert_eq!(now.to_string(), "2026-11-23T15:00:00Z", "a dry run replays its time");
        let event = || {
            let e = custodian_core::event::Event::parse(serde_json::json!({"detail-type": "EC2 Instance State-change Notification",
                "source": "aws.ec2", "detail": {"instance-id": "i-1", "state": "running"}}))
            .unwrap();
            Trigger::Event(Box::new(e))
        };
        let (now, note) = clock(&invocation(event(), "2026-12-08T09:50:00Z", false), system);
        assert_eq!(now, system, "events: five minutes at most");
        assert!(note.unwrap().contains("more than 5"));
    }

    #[test]
    fn every_batch_uses_the_plans_instant_unless_it_is_implausible() {
        let system: jiff::Timestamp = "2026-12-08T10:00:00Z".parse().unwrap();
        let plan = "2026-12-08T08:30:00Z";
        assert!(matches!(batch_clock(&json!(plan), false, system), Clock::Fixed(t) if t.to_string() == plan));
        let forged = json!("2026-01-01T00:00:00Z");
        assert!(matches!(batch_clock(&forged, false, system), Clock::System));
        assert!(
            matches!(batch_clock(&forged, true, system), Clock::Fixed(_)),
            "a dry run replays it"
        );
        assert!(matches!(batch_clock(&Value::Null, false, system), Clock::System));
    }
}
