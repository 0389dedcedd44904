//! `metrics`: CloudWatch statistics of the resource, with Cloud Custodian's rules
//! (`c7n/filters/metrics.py` `MetricsFilter`): the window ends at "now" rounded up to the
//! second, minute, five minutes or hour (by how long it is, after CloudWatch's retention) and
//! spans `days` (default 14, at most 455), or whole UTC days with `period-start: start-of-day`;
//! `period` defaults to the whole window; the statistic defaults to `Average`; every datapoint
//! must pass `op` (default `less-than`) against `value`; a resource without datapoints never
//! matches unless `missing-value` stands in; `percent-attr` compares the datapoint as a
//! percentage of a resource attribute (times `attr-multiplier`). Namespace `AWS/EC2` or
//! `AWS/RDS`, dimension `InstanceId` or `DBInstanceIdentifier`, plus `dimensions`.
//! Custodian asks `GetMetricData` for up to 500 resources a call where c7n calls
//! `GetMetricStatistics` once per resource.

use super::value::parse::comparison_op;
use super::value::{Op, Operand};
use super::{EvalContext, Filter, FilterDef, FilterInput};
use crate::input::{get, number, Checker, NodeValue};
use crate::resource::details::MetricQuery;
use crate::resource::{resource_id, ResourceKind};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use std::collections::BTreeSet;

/// The `metrics` row of the filter table.
pub const METRICS: FilterDef = FilterDef {
    name: "metrics",
    summary: "CloudWatch statistics of the resource over the last days (GetMetricData, 500 resources a call): every datapoint must pass op (default less-than) against value; keys name, namespace, statistics, days, period, period-start, op, value, missing-value, percent-attr, attr-multiplier, dimensions.",
    example: "- type: metrics\n  name: CPUUtilization\n  days: 4\n  period: 86400\n  value: 30\n  op: less-than",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    keys: &[
        "type",
        "name",
        "namespace",
        "statistics",
        "days",
        "period",
        "period-start",
        "op",
        "value",
        "missing-value",
        "percent-attr",
        "attr-multiplier",
        "dimensions",
    ],
    parse,
};

/// A validated `metrics` filter.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Namespace.
    pub namespace: String,
    /// Metric name.
    pub name: String,
    /// Statistic.
    pub stat: String,
    /// Window length in days.
    pub days: f64,
    /// Seconds per datapoint (`None`: the whole window).
    pub period: Option<i64>,
    /// Align the window to whole UTC days.
    pub start_of_day: bool,
    /// The comparison.
    pub op: Op,
    /// The value compared with.
    pub value: f64,
    /// Stands in for a series without datapoints.
    pub missing_value: Option<f64>,
    /// Compare as a percentage of this resource attribute.
    pub percent_attr: Option<String>,
    /// Multiplies the percent attribute.
    pub attr_multiplier: Option<f64>,
    /// The filter's own dimensions.
    pub dimensions: Vec<(String, String)>,
}

/// c7n's standard statistics (others must be percentiles such as `p99` or `p99.9`).
const STANDARD_STATS: &[&str] = &["Average", "Sum", "Maximum", "Minimum", "SampleCount"];

impl Metrics {
    /// The top-level keys of the resource it reads.
    pub fn read_fields(&self, out: &mut BTreeSet<String>) {
        if let Some(a) = &self.percent_attr {
            out.insert(a.clone());
        }
    }

    /// The window ending at `now`, c7n's `get_metric_window`.
    pub fn window(&self, now: Timestamp) -> (Timestamp, Timestamp) {
        let duration = SignedDuration::from_secs_f64(self.days * 86_400.0);
        let secs = now.as_second();
        let round_up = |unit: i64| (secs.div_euclid(unit) + 1) * unit;
        let end = if self.days <= 1.0 / 8.0 {
            round_up(1)
        } else if self.days <= 15.0 {
            round_up(60)
        } else if self.days <= 63.0 {
            round_up(300)
        } else {
            round_up(3600)
        };
        let end = Timestamp::from_second(end).unwrap_or(now);
        let start = end.checked_sub(duration).unwrap_or(end);
        if self.start_of_day {
            let day = |t: Timestamp| Timestamp::from_second(t.as_second().div_euclid(86_400) * 86_400).unwrap_or(t);
            return (day(start), day(end));
        }
        (start, end)
    }

    /// The series this filter asks for one resource at `now`.
    pub fn query(&self, kind: ResourceKind, doc: &Value, now: Timestamp) -> MetricQuery {
        let (start, end) = self.window(now);
        let mut dimensions: Vec<(String, String)> = kind
            .spec()
            .metrics
            .map(|m| (m.dimension.to_string(), resource_id(kind, doc).to_string()))
            .into_iter()
            .collect();
        dimensions.extend(self.dimensions.iter().cloned());
        MetricQuery {
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            stat: self.stat.clone(),
            period: self.period.unwrap_or_else(|| (end.as_second() - start.as_second()).max(1)),
            start,
            end,
            dimensions,
        }
    }

    /// Matches, or `None` while the series is not loaded.
    pub fn check(&self, doc: &Value, cx: &EvalContext) -> Option<bool> {
        let query = self.query(cx.kind, doc, cx.now);
        let values = cx.metric(&query)?;
        let filled;
        let values = match (values.is_empty(), self.missing_value) {
            (true, None) => return Some(false),
            (true, Some(m)) => {
                filled = [m];
                &filled[..]
            }
            (false, _) => values,
        };
        let divisor = match &self.percent_attr {
            None => None,
            Some(a) => match doc.get(a).and_then(Value::as_f64) {
                Some(v) => Some(v * self.attr_multiplier.unwrap_or(1.0)),
                None => return Some(false),
            },
        };
        Some(values.iter().all(|v| {
            let v = match divisor {
                Some(d) => v / d * 100.0,
                None => *v,
            };
            self.op.compare(&Operand::Float(v), &Operand::Float(self.value)).unwrap_or(false)
        }))
    }
}

fn parse(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    let before = c.errors();
    let text = |c: &mut Checker, key: &str| match get(f.entries, key) {
        None => None,
        Some(n) => match n.as_str() {
            Some(s) if !s.is_empty() => Some(s.to_string()),
            _ => {
                c.at_node(n, format!("'{key}' must be a non-empty string"));
                None
            }
        },
    };
    let num = |c: &mut Checker, key: &str| match get(f.entries, key) {
        None => None,
        Some(n) => match number(n) {
            Some(v) => Some(v),
            None => {
                c.at_node(n, format!("'{key}' must be a number"));
                None
            }
        },
    };
    let name = text(c, "name");
    if get(f.entries, "name").is_none() {
        c.at_node(f.at, "the metrics filter needs 'name' (the metric, e.g. CPUUtilization)");
    }
    let value = num(c, "value");
    if get(f.entries, "value").is_none() {
        c.at_node(f.at, "the metrics filter needs 'value'");
    }
    let namespace = text(c, "namespace").unwrap_or_else(|| f.kind.spec().metrics.map(|m| m.namespace).unwrap_or_default().to_string());
    let stat = text(c, "statistics").unwrap_or_else(|| "Average".to_string());
    if !STANDARD_STATS.contains(&stat.as_str()) && !is_percentile(&stat) {
        if let Some(n) = get(f.entries, "statistics") {
            c.at_node_help(
                n,
                format!("metrics filter statistics method {stat} not supported"),
                crate::input::suggest(&stat, STANDARD_STATS.iter().copied())
                    .or_else(|| Some(format!("{}, or a percentile such as p99", STANDARD_STATS.join(", ")))),
            );
        }
    }
    let days = num(c, "days").unwrap_or(14.0);
    if !(days > 0.0 && days <= 455.0) {
        if let Some(n) = get(f.entries, "days") {
            c.at_node(n, format!("metrics filter days value ({days}) must be above 0 and at most 455"));
        }
    }
    let period = match num(c, "period") {
        Some(p) if p >= 1.0 => Some(p as i64),
        Some(_) => {
            if let Some(n) = get(f.entries, "period") {
                c.at_node(n, "'period' is a number of seconds, at least 1");
            }
            None
        }
        None => None,
    };
    let start_of_day = match get(f.entries, "period-start") {
        None => false,
        Some(n) => match n.as_str() {
            Some("auto") => false,
            Some("start-of-day") => true,
            _ => {
                c.at_node(n, "'period-start' is 'auto' or 'start-of-day'");
                false
            }
        },
    };
    let op = comparison_op(c, get(f.entries, "op"), Op::Lt)?;
    let dimensions = match get(f.entries, "dimensions") {
        None => Vec::new(),
        Some(n) => match &n.value {
            NodeValue::Map(entries) => entries
                .iter()
                .filter_map(|(k, v)| match crate::input::scalar_string(v) {
                    Some(s) => Some((k.name.clone(), s)),
                    None => {
                        c.at_node(v, "dimension values are strings");
                        None
                    }
                })
                .collect(),
            _ => {
                c.at_node(n, "'dimensions' is a mapping of dimension name to value");
                Vec::new()
            }
        },
    };
    let percent_attr = text(c, "percent-attr");
    if let (Some(a), Some(n)) = (&percent_attr, get(f.entries, "percent-attr")) {
        if f.kind_known && !f.kind.spec().collection.attributes.contains(&a.as_str()) {
            let help = crate::input::suggest(a, f.kind.spec().collection.attributes.iter().copied());
            c.at_node_help(n, format!("unknown key '{a}' for {}", f.kind.spec().name), help);
        }
    }
    let missing_value = num(c, "missing-value");
    let attr_multiplier = num(c, "attr-multiplier");
    if c.errors() > before {
        return None;
    }
    Some(Filter::Metrics(Box::new(Metrics {
        namespace,
        name: name?,
        stat,
        days,
        period,
        start_of_day,
        op,
        value: value?,
        missing_value,
        percent_attr,
        attr_multiplier,
        dimensions,
    })))
}

/// c7n's `^p\d{1,3}\.{0,1}\d{0,1}$`.
fn is_percentile(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('p') else {
        return false;
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    (1..=3).contains(&int.len()) && int.chars().all(|c| c.is_ascii_digit()) && frac.len() <= 1 && frac.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::details::{Details, Need};

    #[test]
    fn every_kind_with_metrics_names_its_namespace_and_dimension() {
        for kind in METRICS.kinds {
            let m = kind.spec().metrics.expect("a kind the metrics filter applies to has metrics");
            assert!(m.namespace.starts_with("AWS/") && !m.dimension.is_empty(), "{kind:?}");
            assert_eq!(
                m.dimension,
                kind.spec().collection.id_field,
                "{kind:?}: the dimension is valued by the id"
            );
        }
    }
    use serde_json::json;
    use std::cell::RefCell;

    fn metrics(yaml: &str, kind: &str) -> Metrics {
        let text = format!(
            "policies:\n  - name: p\n    resource: {kind}\n    filters:\n{}\n",
            yaml.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
        );
        match crate::policy::load_text("p.yml", &text).map(|mut p| p.remove(0).filters.remove(0)) {
            Ok(Filter::Metrics(m)) => *m,
            Ok(other) => panic!("{other:?}"),
            Err(e) => panic!("{}", e[0]),
        }
    }

    const NOW: &str = "2026-07-01T10:17:42Z";

    #[test]
    fn windows_align_as_c7ns() {
        let now: Timestamp = NOW.parse().unwrap();
        let m = metrics("- type: metrics\n  name: CPUUtilization\n  days: 4\n  value: 30", "ec2");
        let (start, end) = m.window(now);
        assert_eq!(end.to_string(), "2026-07-01T10:18:00Z", "next minute");
        assert_eq!(start.to_string(), "2026-06-27T10:18:00Z");
        let q = m.query(ResourceKind::Ec2, &json!({"InstanceId": "i-1"}), now);
        assert_eq!(q.period, 4 * 86_400, "the whole window by default");
        assert_eq!(q.stat, "Average");
        assert_eq!(q.namespace, "AWS/EC2");
        assert_eq!(q.dimensions, vec![("InstanceId".to_string(), "i-1".to_string())]);
        let long = metrics("- type: metrics\n  name: CPUUtilization\n  days: 90\n  value: 30", "ec2");
        assert_eq!(long.window(now).1.to_string(), "2026-07-01T11:00:00Z", "next hour");
        let mid = metrics("- type: metrics\n  name: CPUUtilization\n  days: 30\n  value: 30", "ec2");
        assert_eq!(mid.window(now).1.to_string(), "2026-07-01T10:20:00Z", "next five minutes");
        let day = metrics(
            "- type: metrics\n  name: CPUUtilization\n  days: 1\n  period: 86400\n  value: 30\n  period-start: start-of-day",
            "ec2",
        );
        let (s, e) = day.window(now);
        assert_eq!(
            (s.to_string().as_str(), e.to_string().as_str()),
            ("2026-06-30T00:00:00Z", "2026-07-01T00:00:00Z")
        );
        let db = metrics(
            "- type: metrics\n  name: DatabaseConnections\n  value: 1\n  dimensions: {Role: WRITER}",
            "rds",
        );
        let q = db.query(ResourceKind::Rds, &json!({"DBInstanceIdentifier": "db-1"}), now);
        assert_eq!(q.namespace, "AWS/RDS");
        assert_eq!(q.dimensions[0], ("DBInstanceIdentifier".to_string(), "db-1".to_string()));
        assert_eq!(q.dimensions[1], ("Role".to_string(), "WRITER".to_string()));
    }

    #[test]
    fn every_datapoint_must_pass_and_missing_data_never_matches_without_a_fill() {
        let now: Timestamp = NOW.parse().unwrap();
        let m = metrics(
            "- type: metrics\n  name: CPUUtilization\n  days: 3\n  period: 86400\n  value: 30",
            "ec2",
        );
        let doc = json!({"InstanceId": "i-1"});
        let mut d = Details::default();
        let cx = |d: &Details| -> Option<bool> {
            let needs = RefCell::new(Vec::new());
            let cx = EvalContext {
                details: Some(d),
                needs: Some(&needs),
                ..EvalContext::new(ResourceKind::Ec2, now)
            };
            let r = m.check(&doc, &cx);
            if r.is_none() {
                assert!(matches!(needs.borrow()[0], Need::Metric(_)));
            }
            r
        };
        assert_eq!(cx(&d), None, "not loaded");
        d.add_metric(m.query(ResourceKind::Ec2, &doc, now), vec![5.0, 12.0, 29.9]);
        assert_eq!(cx(&d), Some(true));
        d.add_metric(m.query(ResourceKind::Ec2, &doc, now), vec![5.0, 31.0]);
        assert_eq!(cx(&d), Some(false), "one datapoint above");
        d.add_metric(m.query(ResourceKind::Ec2, &doc, now), vec![]);
        assert_eq!(cx(&d), Some(false), "no data, no fill");
        let fill = metrics(
            "- type: metrics\n  name: CPUUtilization\n  days: 3\n  period: 86400\n  value: 30\n  missing-value: 0",
            "ec2",
        );
        let mut d = Details::default();
        d.add_metric(fill.query(ResourceKind::Ec2, &doc, now), vec![]);
        let cx2 = EvalContext {
            details: Some(&d),
            ..EvalContext::new(ResourceKind::Ec2, now)
        };
        assert_eq!(fill.check(&doc, &cx2), Some(true));
    }

    #[test]
    fn percent_attr_divides_by_the_resource_attribute() {
        let now: Timestamp = NOW.parse().unwrap();
        let m = metrics(
            "- type: metrics\n  name: FreeStorageSpace\n  percent-attr: AllocatedStorage\n  attr-multiplier: 1073741824\n  op: lt\n  value: 10",
            "rds",
        );
        let doc = json!({"DBInstanceIdentifier": "db-1", "AllocatedStorage": 100});
        let mut d = Details::default();
        // 5 GiB free of 100 GiB: 5 %.
        d.add_metric(m.query(ResourceKind::Rds, &doc, now), vec![5.0 * 1073741824.0]);
        let cx = EvalContext {
            details: Some(&d),
            ..EvalContext::new(ResourceKind::Rds, now)
        };
        assert_eq!(m.check(&doc, &cx), Some(true));
    }

    #[test]
    fn bad_keys_are_located() {
        let err = |yaml: &str| {
            crate::policy::load_text(
                "p.yml",
                &format!("policies:\n  - name: p\n    resource: ec2\n    filters:\n      - type: metrics\n{yaml}"),
            )
            .unwrap_err()[0]
                .to_string()
        };
        assert!(err("        name: CPUUtilization\n        value: 1\n        statistics: Averag\n").contains("did you mean 'Average'"));
        assert!(err("        name: CPUUtilization\n        value: 1\n        days: 500\n").contains("at most 455"));
        assert!(err("        value: 1\n").contains("needs 'name'"));
        assert!(
            err("        name: CPUUtilization\n        value: 1\n        percent-attr: Allocated\n").contains("unknown key 'Allocated'")
        );
        assert!(is_percentile("p99") && is_percentile("p99.9") && !is_percentile("p") && !is_percentile("p1000"));
    }
}
