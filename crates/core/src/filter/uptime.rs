//! `instance-uptime` (EC2): time since `LaunchTime`, the last start (c7n/resources/ec2.py,
//! `UpTimeFilter`: an age filter on `LaunchTime`, `days` a float, `op` default greater-than).
//! Unlike `instance-age`, a stop and start resets it.

use super::age::AgeFilter;
use super::value::{parse::comparison_op, Op};
use super::{Filter, FilterDef, FilterInput};
use crate::input::{get, Checker};
use crate::resource::ResourceKind;
use serde_json::Value;

/// The `instance-uptime` row of the filter table.
pub const INSTANCE_UPTIME: FilterDef = FilterDef {
    name: "instance-uptime",
    summary: "Time since the EC2 instance last started (LaunchTime; a stop and start resets it). days may be fractional; op defaults to greater-than.",
    example: "- type: instance-uptime\n  op: gt\n  days: 0.5",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type", "op", "days"],
    parse,
};

/// A validated `instance-uptime`.
#[derive(Debug, Clone)]
pub struct Uptime(pub AgeFilter);

impl Uptime {
    /// `op(now - days, LaunchTime)`; no `LaunchTime`, no match.
    pub fn matches(&self, doc: &Value, now: jiff::Timestamp) -> bool {
        doc.get("LaunchTime")
            .and_then(Value::as_str)
            .and_then(crate::time::parse_date)
            .is_some_and(|launched| self.0.compare(launched, now))
    }
}

fn parse(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    let op = comparison_op(c, get(f.entries, "op"), Op::Gt)?;
    let days = c.non_negative(get(f.entries, "days"), "days")?;
    Some(Filter::InstanceUptime(Uptime(AgeFilter {
        op,
        threshold: crate::time::duration(days, 0.0, 0.0),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uptime_counts_from_the_last_launch_in_fractional_days() {
        let now: jiff::Timestamp = "2026-06-15T12:00:00Z".parse().unwrap();
        // Attached long ago (instance-age would say months), relaunched 13 hours ago.
        let doc = json!({
            "LaunchTime": "2026-06-14T23:00:00Z",
            "BlockDeviceMappings": [{"Ebs": {"AttachTime": "2026-01-01T00:00:00Z"}}]
        });
        let up = |op: &str, days: f64| {
            Uptime(AgeFilter {
                op: Op::from_name(op).unwrap(),
                threshold: crate::time::duration(days, 0.0, 0.0),
            })
        };
        assert!(up("gt", 0.5).matches(&doc, now), "13 h > 12 h");
        assert!(!up("gt", 0.6).matches(&doc, now), "13 h < 14.4 h");
        assert!(up("lt", 1.0).matches(&doc, now));
        assert!(!up("gt", 0.0).matches(&json!({}), now), "no LaunchTime: no match");
        let policies = crate::policy::load_text(
            "p.yml",
            "policies:\n  - name: a\n    resource: ec2\n    filters:\n      - type: instance-uptime\n        op: less-than\n        days: 1.5\n",
        )
        .unwrap();
        let cx = crate::filter::EvalContext::new(ResourceKind::Ec2, now);
        assert!(policies[0].filters[0].matches(&doc, &cx));
        let e = crate::policy::load_text(
            "p.yml",
            "policies:\n  - name: a\n    resource: rds\n    filters:\n      - type: instance-uptime\n        days: 1\n",
        )
        .unwrap_err();
        assert_eq!(e[0].message, "filter 'instance-uptime' is only available on aws.ec2, not aws.rds");
    }
}
