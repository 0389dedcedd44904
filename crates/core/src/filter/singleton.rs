//! `singleton` (EC2): an instance that is neither in an Auto Scaling group nor covered by a
//! CloudWatch recover alarm, c7n's `SingletonFilter` (`c7n/resources/ec2.py`): only
//! running, stopped, pending or stopping instances; in a group = the
//! `aws:autoscaling:groupName` tag is set; a recover alarm = an alarm on `AWS/EC2`
//! `StatusCheckFailed_System` for exactly this instance whose actions include
//! `arn:aws:automate:...:ec2:recover`. c7n asks `DescribeAlarmsForMetric` per instance;
//! custodian reads the region's alarms once (`DescribeAlarms`) and answers the same question.

use super::{EvalContext, Filter, FilterDef, FilterInput};
use crate::input::Checker;
use crate::resource::related::Related;
use crate::resource::ResourceKind;
use serde_json::Value;

/// The `singleton` row of the filter table.
pub const SINGLETON: FilterDef = FilterDef {
    name: "singleton",
    summary: "EC2 instances outside any Auto Scaling group and without a CloudWatch recover alarm (DescribeAlarms, once per region).",
    example: "- singleton",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type"],
    parse,
};

const VALID_STATES: &[&str] = &["running", "stopped", "pending", "stopping"];

/// Whether the instance is a singleton; `None` (need recorded) until the alarms are loaded.
pub fn check(doc: &Value, cx: &EvalContext) -> Option<bool> {
    let state = doc.pointer("/State/Name").and_then(Value::as_str).unwrap_or("");
    if !VALID_STATES.contains(&state) {
        return Some(false);
    }
    let in_group = crate::filter::path::tag_value(doc, "aws:autoscaling:groupName").is_some_and(|v| !v.is_null());
    if in_group {
        return Some(false);
    }
    let id = doc.get("InstanceId").and_then(Value::as_str).unwrap_or("");
    let alarms = cx.all_related(Related::Alarms)?;
    Some(!alarms.iter().any(|a| is_recover_alarm_of(a, id)))
}

/// An alarm on this instance's `StatusCheckFailed_System` with a recover action.
fn is_recover_alarm_of(alarm: &Value, instance: &str) -> bool {
    let s = |k: &str| alarm.get(k).and_then(Value::as_str);
    if s("Namespace") != Some("AWS/EC2") || s("MetricName") != Some("StatusCheckFailed_System") {
        return false;
    }
    let dims: Vec<(&str, &str)> = alarm
        .get("Dimensions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| Some((d.get("Name")?.as_str()?, d.get("Value")?.as_str()?)))
        .collect();
    if dims != [("InstanceId", instance)] {
        return false;
    }
    alarm
        .get("AlarmActions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|a| a.starts_with("arn:aws:automate:") && a.ends_with(":ec2:recover"))
}

fn parse(_c: &mut Checker, _f: &FilterInput) -> Option<Filter> {
    Some(Filter::Singleton)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::details::Details;
    use serde_json::json;

    #[test]
    fn groups_and_recover_alarms_make_an_instance_resilient() {
        let mut d = Details::default();
        let alarm = |id: &str, action: &str| {
            json!({"AlarmArn": format!("arn:aws:cloudwatch:us-east-1:1:alarm:{id}-{action}"), "Namespace": "AWS/EC2",
                   "MetricName": "StatusCheckFailed_System", "Dimensions": [{"Name": "InstanceId", "Value": id}],
                   "AlarmActions": [action]})
        };
        d.add_related(
            Related::Alarms,
            None,
            vec![
                alarm("i-recovered", "arn:aws:automate:us-east-1:ec2:recover"),
                alarm("i-notified", "arn:aws:sns:us-east-1:1:ops"),
            ],
        );
        let cx = EvalContext {
            details: Some(&d),
            ..EvalContext::new(ResourceKind::Ec2, "2026-07-01T00:00:00Z".parse().unwrap())
        };
        let i = |id: &str, state: &str| json!({"InstanceId": id, "State": {"Name": state}});
        assert_eq!(check(&i("i-lonely", "running"), &cx), Some(true));
        assert_eq!(check(&i("i-recovered", "running"), &cx), Some(false));
        assert_eq!(check(&i("i-notified", "stopped"), &cx), Some(true), "an alarm without recover");
        assert_eq!(check(&i("i-lonely", "terminated"), &cx), Some(false));
        let mut grouped = i("i-lonely", "running");
        grouped["Tags"] = json!([{"Key": "aws:autoscaling:groupName", "Value": "web"}]);
        assert_eq!(check(&grouped, &cx), Some(false));
        let empty = Details::default();
        let cx = EvalContext {
            details: Some(&empty),
            ..EvalContext::new(ResourceKind::Ec2, "2026-07-01T00:00:00Z".parse().unwrap())
        };
        assert_eq!(check(&i("i-lonely", "running"), &cx), None, "alarms not loaded yet");
    }
}
