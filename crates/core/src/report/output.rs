//! The output directory, in c7n's layout: `OUT/<policy>/` for one region, `OUT/<region>/<policy>/`
//! for several; each holding `resources.json` (matched documents) and `metadata.json`.

use super::cost::PolicyCost;
use super::metadata::Metadata;
use crate::engine::{PolicyRun, Status};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Run-wide facts echoed into every `metadata.json`.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Where outputs go.
    pub output_dir: PathBuf,
    /// Dry run (plan only)?
    pub dry_run: bool,
    /// Whether the provider applies actions (false for snapshots).
    pub applied: bool,
    /// The provider, e.g. "snapshot examples/account".
    pub provider: String,
    /// Evaluated regions.
    pub regions: Vec<String>,
    /// "Now" as evaluated.
    pub now: jiff::Timestamp,
    /// Wall-clock start of the run.
    pub started: jiff::Timestamp,
    /// The price table costs are estimated with.
    pub prices: std::sync::Arc<crate::pricing::PriceTable>,
}

/// The directory for one policy run.
pub fn policy_dir(info: &RunInfo, region: &str, policy: &str) -> PathBuf {
    if info.regions.len() > 1 {
        info.output_dir.join(region).join(policy)
    } else {
        info.output_dir.join(policy)
    }
}

/// The `metadata.json` document of one policy run.
pub fn metadata(run: &PolicyRun, info: &RunInfo, cost: &PolicyCost) -> Metadata {
    Metadata::of(run, info, cost)
}

/// Every run's costs, computed once (in parallel) for the summary and the metadata.
pub fn costs(runs: &[PolicyRun], info: &RunInfo) -> Vec<PolicyCost> {
    crate::engine::parallel_map(runs, |r| super::cost::policy_cost(r, &info.prices, info.now))
}

/// Writes every policy run's outputs (in parallel); one result per run, in order.
pub fn write_all(runs: &[PolicyRun], costs: &[PolicyCost], info: &RunInfo) -> Vec<std::io::Result<PathBuf>> {
    let pairs: Vec<(&PolicyRun, &PolicyCost)> = runs.iter().zip(costs).collect();
    crate::engine::parallel_map(&pairs, |(r, c)| write_policy_output(r, c, info))
}

/// Writes one policy run's `resources.json` (unless the guard tripped or the fetch failed, as c7n)
/// and `metadata.json`.
pub fn write_policy_output(run: &PolicyRun, cost: &PolicyCost, info: &RunInfo) -> std::io::Result<PathBuf> {
    let dir = policy_dir(info, &run.region, &run.policy.name);
    std::fs::create_dir_all(&dir)?;
    // c7n's off-hours side files, written only when there is something to say.
    let errors: Vec<[&str; 3]> = run
        .schedule
        .parse_errors
        .iter()
        .map(|(id, v, why)| [id.as_str(), v.as_str(), why.as_str()])
        .collect();
    write_or_remove(&dir.join("parse_errors.json"), !errors.is_empty(), |p| write_json(p, &errors))?;
    write_or_remove(&dir.join("opted_out.json"), !run.opted_out.is_empty(), |p| {
        write_documents(p, &run.opted_out)
    })?;
    if run.status == Status::Ok {
        write_documents(&dir.join("resources.json"), &run.matched)?;
    } else {
        let _ = std::fs::remove_file(dir.join("resources.json"));
    }
    write_json(&dir.join("metadata.json"), &metadata(run, info, cost))?;
    Ok(dir)
}

fn write_or_remove(path: &Path, write: bool, f: impl FnOnce(&Path) -> std::io::Result<()>) -> std::io::Result<()> {
    if write {
        f(path)
    } else {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Writes documents as a JSON list, one compact document per line.
fn write_documents(path: &Path, docs: &[&crate::resource::Resource]) -> std::io::Result<()> {
    write_atomically(path, |w| {
        w.write_all(b"[")?;
        for (i, r) in docs.iter().enumerate() {
            w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            r.raw.with_pieces(|prefix, body| {
                w.write_all(prefix.as_bytes())?;
                w.write_all(body.as_bytes())
            })?;
        }
        w.write_all(if docs.is_empty() { b"]\n" } else { b"\n]\n" })
    })
}

fn write_json<T: serde::Serialize + ?Sized>(path: &Path, value: &T) -> std::io::Result<()> {
    write_atomically(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        w.write_all(b"\n")
    })
}

/// Writes through a temporary file renamed into place, so readers never see a partial file.
fn write_atomically(path: &Path, body: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    let mut w = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(&tmp)?);
    body(&mut w)?;
    w.into_inner().map_err(|e| e.into_error())?;
    std::fs::rename(&tmp, path)
}

/// One policy's outputs read back for `report`.
#[derive(Debug, Clone)]
pub struct PolicyOutput {
    /// Region (from metadata, or the directory).
    pub region: String,
    /// `resources.json` (empty when absent).
    pub resources: Vec<Value>,
    /// `metadata.json` (`None` when absent).
    pub metadata: Option<Metadata>,
}

/// Finds a policy's outputs: `OUT/<policy>/` and every `OUT/<region>/<policy>/`.
pub fn read_policy_outputs(output_dir: &Path, policy: &str) -> Result<Vec<PolicyOutput>, String> {
    let mut dirs = Vec::new();
    let single = output_dir.join(policy);
    if single.join("metadata.json").is_file() {
        dirs.push((None, single));
    }
    if let Ok(entries) = std::fs::read_dir(output_dir) {
        let mut regions: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join(policy).join("metadata.json").is_file())
            .collect();
        regions.sort();
        for r in regions {
            let region = r.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
            dirs.push((Some(region), r.join(policy)));
        }
    }
    dirs.into_iter()
        .map(|(region, dir)| {
            let read = |name: &str| -> Result<Option<Value>, String> {
                let path = dir.join(name);
                match std::fs::read(&path) {
                    Ok(bytes) => serde_json::from_slice(&bytes)
                        .map(Some)
                        .map_err(|e| format!("{}: {e}", path.display())),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(format!("{}: {e}", path.display())),
                }
            };
            let metadata: Option<Metadata> = match read("metadata.json")? {
                Some(v) => Some(serde_json::from_value(v).map_err(|e| format!("{}: {e}", dir.join("metadata.json").display()))?),
                None => None,
            };
            let resources = match read("resources.json")? {
                Some(Value::Array(items)) => items,
                Some(_) => return Err(format!("{}: expected a list", dir.join("resources.json").display())),
                None => Vec::new(),
            };
            let region = region.or_else(|| metadata.as_ref().map(|m| m.region.clone())).unwrap_or_default();
            Ok(PolicyOutput {
                region,
                resources,
                metadata,
            })
        })
        .collect()
}
