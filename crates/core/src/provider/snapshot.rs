//! The snapshot provider: `DIR/<region>/describe-instances.json`, `describe-db-instances.json`,
//! `describe-spot-instance-requests.json`, exactly as the AWS CLI prints them. Read-only.

use super::{FetchError, Fetched, Provider};
use crate::resource::query::Query;
use crate::resource::{parse_compact, FieldSet, Minifier, ResourceKind};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reads a JSON file without its insignificant whitespace, in chunks, so the pretty-printed
/// file is never held in memory whole.
fn read_compact(path: &Path) -> std::io::Result<Arc<String>> {
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
    let text = String::from_utf8(out).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))?;
    Ok(Arc::new(text))
}

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

    fn fetch(&self, region: &str, kind: ResourceKind, fields: &FieldSet, query: &Query) -> Result<Fetched, FetchError> {
        let file = self.root.join(region).join(kind.spec().snapshot_file);
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
                    serde_json::error::Category::Data => format!("not {} output: {e}", kind.spec().describe_api),
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
}
