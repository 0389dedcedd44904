//! Ages: `instance-age` (the kind's age date, `c7n/resources/ec2.py` `InstanceAgeFilter` and
//! its RDS and spot equivalents) and `state-age` (EC2's last state transition). Both compare
//! `op(now - threshold, date)`, c7n's argument order, so `greater-than` means older than.

use super::value::{parse::comparison_op, Op, Operand};
use super::{EvalContext, Filter, FilterDef, FilterInput, ALL_KINDS};
use crate::input::{get, Checker};
use crate::resource::ResourceKind;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// The `instance-age` row of the filter table.
pub const INSTANCE_AGE: FilterDef = FilterDef {
    name: "instance-age",
    summary: "Age of the resource (EC2: oldest EBS attach time, else LaunchTime; RDS: InstanceCreateTime; spot requests: CreateTime). op defaults to greater-than (older than).",
    example: "- type: instance-age\n  op: gt\n  hours: 4",
    kinds: ALL_KINDS,
    needs_event: false,
    keys: &["type", "op", "days", "hours", "minutes"],
    parse,
};

/// The `state-age` row of the filter table.
pub const STATE_AGE: FilterDef = FilterDef {
    name: "state-age",
    summary: "Time since the EC2 instance's last state transition (from StateTransitionReason).",
    example: "- type: state-age\n  op: ge\n  days: 14",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type", "op", "days"],
    parse,
};

/// A validated age filter.
#[derive(Debug, Clone)]
pub struct AgeFilter {
    /// Operator (default `greater-than`: older than the threshold).
    pub op: Op,
    /// The threshold age.
    pub threshold: SignedDuration,
}

impl AgeFilter {
    /// `instance-age`: the kind's age date against the threshold.
    pub fn matches_resource_age(&self, doc: &Value, cx: &EvalContext) -> bool {
        (cx.kind.spec().age_date)(doc).is_some_and(|date| self.compare(date, cx.now))
    }

    /// `state-age`: the date in `StateTransitionReason` against the threshold.
    pub fn matches_state_age(&self, doc: &Value, cx: &EvalContext) -> bool {
        state_transition_date(doc).is_some_and(|date| self.compare(date, cx.now))
    }

    /// `op(now - threshold, date)`.
    pub fn compare(&self, date: Timestamp, now: Timestamp) -> bool {
        let Ok(threshold) = now.checked_sub(self.threshold) else {
            return false;
        };
        self.op.compare(&Operand::Date(threshold), &Operand::Date(date)).unwrap_or(false)
    }
}

/// The date inside an EC2 `StateTransitionReason`, e.g. `User initiated (2016-08-04 17:44:15 GMT)`.
pub fn state_transition_date(doc: &Value) -> Option<Timestamp> {
    let reason = doc.get("StateTransitionReason")?.as_str()?;
    let start = reason.find('(')?;
    let end = start + reason[start..].find(')')?;
    crate::time::parse_date(&reason[start + 1..end])
}

fn parse(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    let op = comparison_op(c, get(f.entries, "op"), Op::Gt)?;
    let days = c.non_negative(get(f.entries, "days"), "days")?;
    let hours = c.non_negative(get(f.entries, "hours"), "hours")?;
    let minutes = c.non_negative(get(f.entries, "minutes"), "minutes")?;
    let age = AgeFilter {
        op,
        threshold: crate::time::duration(days, hours, minutes),
    };
    Some(if f.name == STATE_AGE.name {
        Filter::StateAge(age)
    } else {
        Filter::InstanceAge(age)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cx(kind: ResourceKind) -> EvalContext<'static> {
        EvalContext::new(kind, "2026-06-15T12:00:00Z".parse().unwrap())
    }

    fn age(op: &str, days: f64) -> AgeFilter {
        AgeFilter {
            op: Op::from_name(op).unwrap(),
            threshold: crate::time::duration(days, 0.0, 0.0),
        }
    }

    #[test]
    fn instance_age_prefers_oldest_ebs_attach_time() {
        let doc = json!({
            "LaunchTime": "2026-06-14T12:00:00Z",
            "BlockDeviceMappings": [
                {"Ebs": {"AttachTime": "2026-05-01T00:00:00Z"}},
                {"Ebs": {"AttachTime": "2026-03-01T00:00:00Z"}}
            ]
        });
        let c = cx(ResourceKind::Ec2);
        assert!(age("gt", 90.0).matches_resource_age(&doc, &c));
        assert!(!age("gt", 120.0).matches_resource_age(&doc, &c));
        let no_ebs = json!({"LaunchTime": "2026-06-14T12:00:00Z", "BlockDeviceMappings": []});
        assert!(!age("gt", 2.0).matches_resource_age(&no_ebs, &c));
        assert!(age("lt", 2.0).matches_resource_age(&no_ebs, &c));
        let hours = AgeFilter {
            op: Op::Gt,
            threshold: crate::time::duration(0.0, 23.0, 0.0),
        };
        assert!(hours.matches_resource_age(&no_ebs, &c));
        assert!(!age("gt", 1.0).matches_resource_age(&json!({}), &c), "no date: no match");
    }

    #[test]
    fn instance_age_uses_kind_date_field() {
        let spot = json!({"CreateTime": "2026-06-15T06:00:00Z"});
        let four_hours = AgeFilter {
            op: Op::Gt,
            threshold: crate::time::duration(0.0, 4.0, 0.0),
        };
        assert!(four_hours.matches_resource_age(&spot, &cx(ResourceKind::SpotRequest)));
        let db = json!({"InstanceCreateTime": "2026-06-10T12:00:00Z"});
        assert!(age("ge", 5.0).matches_resource_age(&db, &cx(ResourceKind::Rds)));
    }

    #[test]
    fn state_age_reads_the_transition_reason() {
        let doc = json!({"StateTransitionReason": "User initiated (2026-06-01 10:00:00 GMT)"});
        let c = cx(ResourceKind::Ec2);
        assert!(age("gt", 14.0).matches_state_age(&doc, &c));
        assert!(!age("gt", 15.0).matches_state_age(&doc, &c));
        assert!(!age("gt", 0.0).matches_state_age(&json!({"StateTransitionReason": ""}), &c));
    }
}
