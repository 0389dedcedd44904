//! `custodian snapshot -r REGION... DIR`: records the live account in the snapshot layout
//! (`DIR/<region>/describe-*.json`, as the AWS CLI prints them), for `run --snapshot`.

use super::ExitCode;
use crate::resource::KINDS;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `snapshot`.
#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {
    /// Where to write the snapshot.
    pub dir: PathBuf,
    /// Regions, profile, role.
    #[command(flatten)]
    pub aws: super::AwsArgs,
}

/// Runs `custodian snapshot`.
pub fn snapshot(args: SnapshotArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let provider = match args.aws.connect() {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::InvalidInput;
        }
    };
    let mut code = ExitCode::Success;
    for region in crate::provider::Provider::regions(&provider) {
        let dir = args.dir.join(&region);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            let _ = writeln!(err, "{}: {e}", dir.display());
            return ExitCode::PolicyFailed;
        }
        for spec in KINDS {
            match provider.describe(&region, spec.kind) {
                Ok((response, calls)) => {
                    let path = dir.join(spec.snapshot_file);
                    let text = serde_json::to_string_pretty(&response).unwrap_or_default() + "\n";
                    if let Err(e) = std::fs::write(&path, text) {
                        let _ = writeln!(err, "{}: {e}", path.display());
                        code = ExitCode::PolicyFailed;
                        continue;
                    }
                    let n = count(&response);
                    let _ = writeln!(
                        out,
                        "{region} {:<22} {n:>6} resources, {calls} call(s) -> {}",
                        spec.name,
                        path.display()
                    );
                }
                Err(f) => {
                    let _ = writeln!(err, "{region} {}: {}: {}", spec.name, f.code, f.message);
                    code = ExitCode::PolicyFailed;
                }
            }
        }
    }
    code
}

fn count(response: &serde_json::Value) -> usize {
    match response.get("Reservations").and_then(|r| r.as_array()) {
        Some(rs) => rs
            .iter()
            .map(|r| r.get("Instances").and_then(|i| i.as_array()).map(Vec::len).unwrap_or(0))
            .sum(),
        None => response
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(|v| v.as_array())
            .map(Vec::len)
            .unwrap_or(0),
    }
}
