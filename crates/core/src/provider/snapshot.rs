//! The snapshot provider: `DIR/<region>/describe-instances.json`, `describe-db-instances.json`,
//! `describe-spot-instance-requests.json`, exactly as the AWS CLI prints them; global (IAM)
//! documents in `DIR/global/`. Read-only.

use super::{FetchError, Fetched, Loaded, MetricsLoaded, Provider};
use crate::resource::details::attribute_key;
use crate::resource::details::MetricQuery;
use crate::resource::query::Query;
use crate::resource::related::Related;
use crate::resource::{parse_compact, FieldSet, Minifier, ResourceKind};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Reads a JSON file without its insignificant whitespace, in chunks, so the pretty-printed
/// file is never held in memory whole.
fn read_compact(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let size = f.metadata().map(|m| m.len() as usize).unwrap_or(0);
    // Capacity for the whole file: pages never written are never resident, and nothing is reallocated.
    let mut out = Vec::with_capacity(size + 1);
    let mut chunk = vec![0u8; 1 << 20];
    let mut m = Minifier::default();
    loop {
        let n = f.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        m.feed(&chunk[..n], &mut out);
    }
    String::from_utf8(out).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))
}

/// A recorded account: one subdirectory per region.
#[derive(Debug, Clone)]
pub struct SnapshotProvider {
    root: PathBuf,
    regions: Vec<String>,
}

impl SnapshotProvider {
    /// Opens a snapshot directory; its subdirectories are the regions (`global/` holds IAM).
    pub fn open(root: &Path) -> Result<Self, String> {
        let entries = std::fs::read_dir(root).map_err(|e| format!("{}: cannot read snapshot directory: {e}", root.display()))?;
        let mut regions: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| !n.starts_with('.') && n != crate::resource::related::GLOBAL_REGION)
            .collect();
        regions.sort();
        if regions.is_empty() {
            return Err(format!(
                "{}: a snapshot needs one subdirectory per region (e.g. us-east-1/)",
                root.display()
            ));
        }
        Ok(Self {
            root: root.to_path_buf(),
            regions,
        })
    }
}

impl Provider for SnapshotProvider {
    fn describe(&self) -> String {
        format!("snapshot {}", self.root.display())
    }

    fn regions(&self) -> Vec<String> {
        self.regions.clone()
    }

    fn fetch(&self, region: &str, kind: ResourceKind, fields: &FieldSet, query: &Query) -> Result<Fetched, FetchError> {
        let file = self.root.join(region).join(kind.spec().collection.snapshot_file);
        let name = file.display().to_string();
        let compact = match read_compact(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Fetched::default()),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(FetchError::Malformed {
                    file: name,
                    line: 0,
                    column: 0,
                    message: format!("not UTF-8 text: {e}"),
                })
            }
            Err(e) => return Err(FetchError::Other(format!("{name}: {e}"))),
        };
        let mut resources = parse_compact(kind, &compact, fields).map_err(|e| {
            let e = match e.classify() {
                // Place syntax errors in the file as written, not in its compact form.
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => std::fs::read_to_string(&file)
                    .ok()
                    .and_then(|original| crate::resource::document::locate_syntax_error(&original))
                    .unwrap_or(e),
                _ => e,
            };
            FetchError::Malformed {
                file: name.clone(),
                line: e.line(),
                column: e.column(),
                message: match e.classify() {
                    serde_json::error::Category::Data => format!("not {} output: {e}", kind.spec().collection.describe_api),
                    _ => format!("invalid JSON: {e}"),
                },
            }
        })?;
        // The describe call's filters, applied as the API would.
        resources.retain(|r| query.matches(kind, &r.view));
        Ok(Fetched {
            resources,
            api_calls: Vec::new(),
        })
    }

    fn can_act(&self) -> bool {
        false
    }

    fn fetch_related(&self, region: &str, related: Related, ids: Option<&[String]>) -> Result<Loaded, FetchError> {
        let spec = related.spec();
        let mut documents = self.read_list(
            region,
            spec.collection.snapshot_file,
            spec.collection.list_key(),
            spec.collection.describe_api,
        )?;
        if let Some(ids) = ids {
            documents.retain(|d| {
                d.get(spec.collection.id_field)
                    .and_then(Value::as_str)
                    .is_some_and(|id| ids.iter().any(|i| i == id))
            });
        }
        Ok(Loaded {
            documents,
            api_calls: Vec::new(),
        })
    }

    fn fetch_metrics(&self, region: &str, queries: &[MetricQuery]) -> Result<MetricsLoaded, FetchError> {
        let recorded = self.read_list(region, METRICS_FILE, "MetricDataResults", "cloudwatch:GetMetricData")?;
        Ok(MetricsLoaded {
            values: queries.iter().map(|q| recorded_series(&recorded, q)).collect(),
            api_calls: Vec::new(),
        })
    }

    fn fetch_attributes(&self, region: &str, attribute: &'static str, ids: &[String]) -> Result<Loaded, FetchError> {
        let key = attribute_key(attribute);
        let documents = match self.read_json(region, INSTANCE_ATTRIBUTES_FILE)? {
            None => Vec::new(),
            Some((_, Value::Array(items))) => items
                .into_iter()
                .filter(|a| a.get(&key).is_some())
                .filter(|a| {
                    a.get("InstanceId")
                        .and_then(Value::as_str)
                        .is_some_and(|id| ids.iter().any(|i| i == id))
                })
                .collect(),
            Some((name, _)) => {
                return Err(FetchError::Malformed {
                    file: name,
                    line: 1,
                    column: 1,
                    message: "not a list of DescribeInstanceAttribute answers".into(),
                })
            }
        };
        Ok(Loaded {
            documents,
            api_calls: Vec::new(),
        })
    }
}

/// The snapshot file of recorded CloudWatch series: `{"MetricDataResults": [{"MetricStat":
/// {"Metric": {"Namespace", "MetricName", "Dimensions": [{"Name", "Value"}]}, "Period", "Stat"},
/// "Timestamps": [...], "Values": [...]}]}`, GetMetricData's query beside its result.
pub const METRICS_FILE: &str = "get-metric-data.json";

/// The snapshot file of recorded `DescribeInstanceAttribute` answers (a JSON list of them).
pub const INSTANCE_ATTRIBUTES_FILE: &str = "describe-instance-attribute.json";

/// The recorded datapoints of `q`: the series with its namespace, name, dimensions (in any
/// order), statistic and period, at timestamps inside its window, oldest first.
pub fn recorded_series(recorded: &[Value], q: &MetricQuery) -> Vec<f64> {
    let mut want: Vec<(&str, &str)> = q.dimensions.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    want.sort();
    let mut points: Vec<(jiff::Timestamp, f64)> = Vec::new();
    for r in recorded {
        let stat = &r["MetricStat"];
        let metric = &stat["Metric"];
        let mut dims: Vec<(&str, &str)> = metric["Dimensions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| Some((d.get("Name")?.as_str()?, d.get("Value")?.as_str()?)))
            .collect();
        dims.sort();
        if metric["Namespace"].as_str() != Some(q.namespace.as_str())
            || metric["MetricName"].as_str() != Some(q.name.as_str())
            || stat["Stat"].as_str() != Some(q.stat.as_str())
            || stat["Period"].as_i64() != Some(q.period)
            || dims != want
        {
            continue;
        }
        let times = r["Timestamps"].as_array().into_iter().flatten();
        let values = r["Values"].as_array().into_iter().flatten();
        for (t, v) in times.zip(values) {
            if let (Some(t), Some(v)) = (t.as_str().and_then(crate::time::parse_date), v.as_f64()) {
                if t >= q.start && t < q.end {
                    points.push((t, v));
                }
            }
        }
    }
    points.sort_by_key(|(t, _)| *t);
    points.into_iter().map(|(_, v)| v).collect()
}

impl SnapshotProvider {
    /// The list under `key` of a region's `file` (`api`'s output); empty when the file does not
    /// exist.
    fn read_list(&self, region: &str, file: &str, key: &str, api: &str) -> Result<Vec<Value>, FetchError> {
        match self.read_json(region, file)? {
            None => Ok(Vec::new()),
            Some((name, mut v)) => match v.get_mut(key).map(Value::take) {
                Some(Value::Array(items)) => Ok(items),
                _ => Err(FetchError::Malformed {
                    file: name,
                    line: 1,
                    column: 1,
                    message: format!("not {api} output: no '{key}' list"),
                }),
            },
        }
    }

    /// A region's JSON file, parsed: `None` when it does not exist.
    fn read_json(&self, region: &str, file: &str) -> Result<Option<(String, Value)>, FetchError> {
        let path = self.root.join(region).join(file);
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(FetchError::Other(format!("{name}: {e}"))),
        };
        match serde_json::from_str(&text) {
            Ok(v) => Ok(Some((name, v))),
            Err(e) => Err(FetchError::Malformed {
                file: name,
                line: e.line(),
                column: e.column(),
                message: format!("invalid JSON: {e}"),
            }),
        }
    }
}

#[cfg(test)]
mod metric_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_recorded_series_answers_the_query_with_its_shape_inside_the_window() {
        let recorded = vec![json!({
            "MetricStat": {"Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
                                      "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}]},
                           "Period": 3600, "Stat": "Average"},
            "Timestamps": ["2026-07-01T09:00:00Z", "2026-06-01T00:00:00Z", "2026-07-01T08:00:00Z"],
            "Values": [3.0, 99.0, 2.0]
        })];
        let mut q = MetricQuery {
            namespace: "AWS/EC2".into(),
            name: "CPUUtilization".into(),
            stat: "Average".into(),
            period: 3600,
            start: "2026-06-30T10:00:00Z".parse().unwrap(),
            end: "2026-07-01T10:00:00Z".parse().unwrap(),
            dimensions: vec![("InstanceId".into(), "i-1".into())],
        };
        assert_eq!(
            recorded_series(&recorded, &q),
            vec![2.0, 3.0],
            "oldest first, outside the window left out"
        );
        q.stat = "Maximum".into();
        assert!(recorded_series(&recorded, &q).is_empty(), "another statistic is another series");
    }
}
