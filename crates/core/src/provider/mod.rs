//! The cloud seam: where resource documents come from. The snapshot provider reads recorded
//! describe output; the live AWS provider plugs in behind the same trait.

pub mod snapshot;

use crate::resource::{FieldSet, Resource, ResourceKind};

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
}

/// A source of resource documents.
pub trait Provider: Sync {
    /// Short description for messages ("snapshot examples/account").
    fn describe(&self) -> String;
    /// The regions available, in a stable order.
    fn regions(&self) -> Vec<String>;
    /// Fetches every resource of `kind` in `region` as documents in AWS's own shape; each
    /// resource's view keeps the top-level keys in `fields`.
    fn fetch(&self, region: &str, kind: ResourceKind, fields: &FieldSet) -> Result<Fetched, FetchError>;
    /// Whether actions can be applied (snapshots are read-only).
    fn can_act(&self) -> bool;
}

/// The result of one fetch.
#[derive(Debug, Default)]
pub struct Fetched {
    /// The resources.
    pub resources: Vec<Resource>,
    /// API calls made, by `service.Operation`.
    pub api_calls: Vec<(String, u64)>,
}
