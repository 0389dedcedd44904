//! The cloud seam: where resource documents come from. The snapshot provider reads recorded
//! describe output; the live AWS provider plugs in behind the same trait.

pub mod snapshot;

use crate::action::request::Request;
use crate::resource::details::MetricQuery;
use crate::resource::query::Query;
use crate::resource::related::Related;
use crate::resource::{FieldSet, Resource, ResourceKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happened to one resource in one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdOutcome {
    /// Resource id.
    pub id: String,
    /// `None` when applied; otherwise AWS's error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The error message, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl IdOutcome {
    /// Applied.
    pub fn applied(id: &str) -> Self {
        Self {
            id: id.to_string(),
            error: None,
            message: None,
        }
    }

    /// Failed with `code`.
    pub fn failed(id: &str, code: &str, message: &str) -> Self {
        Self {
            id: id.to_string(),
            error: Some(code.to_string()),
            message: Some(message.to_string()),
        }
    }
}

/// Failure to fetch one kind in one region.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// A snapshot file that is not valid describe output.
    #[error("{file}:{line}:{column}: {message}")]
    Malformed {
        /// The file.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Any other failure (I/O, API error).
    #[error("{0}")]
    Other(String),
    /// Not started: the run's deadline was near.
    #[error("not started: the run's deadline was near")]
    NotReached,
}

/// A source of resource documents.
pub trait Provider: Sync {
    /// Short description for messages ("snapshot examples/account").
    fn describe(&self) -> String;
    /// The regions available, in a stable order.
    fn regions(&self) -> Vec<String>;
    /// Fetches every resource of `kind` in `region` that passes `query`, as documents in AWS's
    /// own shape; each resource's view keeps the top-level keys in `fields`.
    fn fetch(&self, region: &str, kind: ResourceKind, fields: &FieldSet, query: &Query) -> Result<Fetched, FetchError>;
    /// Whether actions can be applied (snapshots are read-only).
    fn can_act(&self) -> bool;

    /// Fetches the resources of `kind` in `region` with these ids (those that exist). The
    /// default fetches all and keeps the ids; live providers ask for the ids only.
    fn fetch_ids(&self, region: &str, kind: ResourceKind, ids: &[String], fields: &FieldSet) -> Result<Fetched, FetchError> {
        let mut all = self.fetch(region, kind, fields, &Query::default())?;
        all.resources
            .retain(|r| ids.iter().any(|id| id == crate::resource::resource_id(kind, &r.view)));
        Ok(all)
    }

    /// Related documents of `related` in `region`, as its describe call lists them: every one
    /// (`ids: None`) or those of `ids` that exist.
    fn fetch_related(&self, _region: &str, related: Related, _ids: Option<&[String]>) -> Result<Loaded, FetchError> {
        Err(FetchError::Other(format!(
            "{} cannot fetch {} documents",
            self.describe(),
            related.spec().name
        )))
    }

    /// `DescribeInstanceAttribute` of `attribute` for each of `ids`, answers as the AWS CLI
    /// prints them (`{"InstanceId": ..., "DisableApiTermination": {"Value": false}}`).
    fn fetch_attributes(&self, _region: &str, attribute: &'static str, _ids: &[String]) -> Result<Loaded, FetchError> {
        Err(FetchError::Other(format!(
            "{} cannot fetch the instance attribute {attribute}",
            self.describe()
        )))
    }

    /// The datapoints (oldest first) of each series, in the order asked.
    fn fetch_metrics(&self, _region: &str, _queries: &[MetricQuery]) -> Result<MetricsLoaded, FetchError> {
        Err(FetchError::Other(format!("{} cannot fetch CloudWatch metrics", self.describe())))
    }

    /// The text of an `s3://` or `http(s)://` URL (`value_from`), sent `headers` over HTTP.
    fn read_url(&self, url: &str, _headers: &[(String, String)]) -> Result<String, String> {
        Err(format!(
            "{} cannot read {url}: s3:// and https:// value_from sources need a run against AWS",
            self.describe()
        ))
    }

    /// The account the provider acts in, when it knows.
    fn account_id(&self) -> Option<String> {
        None
    }

    /// How many fetches may run at once.
    fn concurrency(&self) -> usize {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    }

    /// Asks AWS whether `request` would be allowed, without acting (EC2's `DryRun=true`):
    /// `Some("would succeed")`, `Some("denied: UnauthorizedOperation")`, ..., or `None` where the
    /// API has no dry-run mode.
    fn check_permission(&self, _region: &str, _request: &Request) -> Option<String> {
        None
    }

    /// Sends one planned request; returns every id's outcome and the API calls made (by
    /// `service.Operation`). Read-only providers refuse.
    fn apply(&self, _region: &str, request: &Request) -> (Vec<IdOutcome>, BTreeMap<String, u64>) {
        let outcomes = request
            .ids
            .iter()
            .map(|id| IdOutcome::failed(id, "ReadOnly", "this provider cannot act"))
            .collect();
        (outcomes, BTreeMap::new())
    }
}

/// Documents loaded for filters (related documents, attribute answers), and the calls made.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The documents.
    pub documents: Vec<serde_json::Value>,
    /// API calls made, by `service.Operation`.
    pub api_calls: Vec<(String, u64)>,
}

/// Metric datapoints loaded for filters, and the calls made.
#[derive(Debug, Default)]
pub struct MetricsLoaded {
    /// Per query asked, its datapoints oldest first.
    pub values: Vec<Vec<f64>>,
    /// API calls made, by `service.Operation`.
    pub api_calls: Vec<(String, u64)>,
}

/// The result of one fetch.
#[derive(Debug, Default)]
pub struct Fetched {
    /// The resources.
    pub resources: Vec<Resource>,
    /// API calls made, by `service.Operation`.
    pub api_calls: Vec<(String, u64)>,
}
