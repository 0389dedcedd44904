//! The `metrics` filter's series: `GetMetricData` with up to 500 series a call (one call per
//! distinct window and batch, every page), where Cloud Custodian calls `GetMetricStatistics`
//! once per resource.

use crate::clients::{failure, AwsFailure, Clients};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use custodian_core::resource::details::MetricQuery;
use std::collections::BTreeMap;

/// Series per `GetMetricData` call (the API maximum).
pub const QUERIES_PER_CALL: usize = 500;

/// The datapoints (oldest first) of each query, in order; and the calls made.
pub async fn get(c: &Clients, queries: &[MetricQuery]) -> Result<(Vec<Vec<f64>>, u64), AwsFailure> {
    let (points, calls) = get_points(c, queries).await?;
    Ok((points.into_iter().map(|p| p.into_iter().map(|(_, v)| v).collect()).collect(), calls))
}

/// Each query's series as `GetMetricData` answers it, in the snapshot's
/// `get-metric-data.json` shape (the `MetricStat` asked beside `Timestamps` and `Values`).
pub async fn record(c: &Clients, queries: &[MetricQuery]) -> Result<(Vec<serde_json::Value>, u64), AwsFailure> {
    let (points, calls) = get_points(c, queries).await?;
    let entries = queries
        .iter()
        .zip(points)
        .enumerate()
        .map(|(i, (q, p))| {
            let dims: Vec<serde_json::Value> = q
                .dimensions
                .iter()
                .map(|(n, v)| serde_json::json!({"Name": n, "Value": v}))
                .collect();
            serde_json::json!({
                "Id": format!("m{i}"),
                "MetricStat": {"Metric": {"Namespace": q.namespace, "MetricName": q.name, "Dimensions": dims},
                               "Period": q.period, "Stat": q.stat},
                "Timestamps": p.iter().map(|(t, _)| t.to_string()).collect::<Vec<_>>(),
                "Values": p.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
                "StatusCode": "Complete",
            })
        })
        .collect();
    Ok((entries, calls))
}

/// The (timestamp, value) points of each query, oldest first; and the calls made.
async fn get_points(c: &Clients, queries: &[MetricQuery]) -> Result<(Vec<Vec<(jiff::Timestamp, f64)>>, u64), AwsFailure> {
    let mut values: Vec<Vec<(jiff::Timestamp, f64)>> = vec![Vec::new(); queries.len()];
    let mut calls = 0u64;
    // One call covers one window: group the queries by it.
    let mut by_window: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
    for (i, q) in queries.iter().enumerate() {
        by_window.entry((q.start.as_second(), q.end.as_second())).or_default().push(i);
    }
    for ((start, end), indexes) in by_window {
        for batch in indexes.chunks(QUERIES_PER_CALL) {
            let data: Vec<MetricDataQuery> = batch.iter().map(|i| data_query(*i, &queries[*i])).collect();
            let mut pages = c
                .cloudwatch
                .get_metric_data()
                .set_metric_data_queries(Some(data))
                .start_time(DateTime::from_secs(start))
                .end_time(DateTime::from_secs(end))
                .scan_by(ScanBy::TimestampAscending)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                calls += 1;
                let page = page.map_err(|e| failure(&e))?;
                for r in page.metric_data_results() {
                    let index = r.id().and_then(|id| id.strip_prefix('m')).and_then(|n| n.parse::<usize>().ok());
                    if let Some(v) = index.and_then(|i| values.get_mut(i)) {
                        let times = r
                            .timestamps()
                            .iter()
                            .map(|t| jiff::Timestamp::from_second(t.secs()).unwrap_or_default());
                        v.extend(times.zip(r.values().iter().copied()));
                    }
                }
            }
        }
    }
    Ok((values, calls))
}

/// The query `m<index>` (ids must start with a lowercase letter).
fn data_query(index: usize, q: &MetricQuery) -> MetricDataQuery {
    let dimensions = q
        .dimensions
        .iter()
        .map(|(name, value)| Dimension::builder().name(name).value(value).build())
        .collect();
    let metric = Metric::builder()
        .namespace(&q.namespace)
        .metric_name(&q.name)
        .set_dimensions(Some(dimensions))
        .build();
    let stat = MetricStat::builder()
        .metric(metric)
        .period(q.period.clamp(1, i32::MAX as i64) as i32)
        .stat(&q.stat)
        .build();
    MetricDataQuery::builder()
        .id(format!("m{index}"))
        .metric_stat(stat)
        .return_data(true)
        .build()
}
