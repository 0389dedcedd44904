//! The snapshot provider: `DIR/<region>/describe-instances.json`, `describe-db-instances.json`,
//! `describe-spot-instance-requests.json`, exactly as the AWS CLI prints them. Read-only.

use super::{FetchError, Fetched, Provider};
use crate::resource::{documents_from_describe, ResourceKind};
use std::path::{Path, PathBuf};

/// A recorded account: one subdirectory per region.
#[derive(Debug, Clone)]
pub struct SnapshotProvider {
    root: PathBuf,
    regions: Vec<String>,
}

impl SnapshotProvider {
    /// Opens a snapshot directory; its subdirectories are the regions.
    pub fn open(root: &Path) -> Result<Self, String> {
        let entries = std::fs::read_dir(root).map_err(|e| format!("{}: cannot read snapshot directory: {e}", root.display()))?;
        let mut regions: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| !n.starts_with('.'))
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

    fn fetch(&self, region: &str, kind: ResourceKind) -> Result<Fetched, FetchError> {
        let file = self.root.join(region).join(kind.spec().snapshot_file);
        let name = file.display().to_string();
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Fetched::default()),
            Err(e) => return Err(FetchError::Other(format!("{name}: {e}"))),
        };
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| FetchError::Malformed {
            file: name.clone(),
            line: e.line(),
            column: e.column(),
            message: format!("invalid JSON: {e}"),
        })?;
        let documents = documents_from_describe(kind, value).map_err(|e| FetchError::Malformed {
            file: name,
            line: 1,
            column: 1,
            message: e.0,
        })?;
        Ok(Fetched {
            documents,
            api_calls: Vec::new(),
        })
    }

    fn can_act(&self) -> bool {
        false
    }
}
