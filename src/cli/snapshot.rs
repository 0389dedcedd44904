//! `custodian snapshot -r REGION... DIR`: records the live account in the snapshot layout
//! (`DIR/<region>/describe-*.json`, as the AWS CLI prints them), for `run --snapshot`: the
//! resource kinds and the related documents filters read (volumes, AMIs in use, subnets,
//! security groups, VPCs).

use super::ExitCode;
use crate::provider::snapshot::INSTANCE_ATTRIBUTES_FILE;
use crate::resource::details::INSTANCE_ATTRIBUTES;
use crate::resource::related::Related;
use crate::resource::KINDS;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `snapshot`.
#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {
    /// Where to write the snapshot.
    pub dir: PathBuf,
    /// Also record these instance attributes of every instance (`disableApiTermination`,
    /// `userData`, ...: one DescribeInstanceAttribute call per instance and attribute), for
    /// `termination-protected`, `stop-protected`, `instance-attribute`, `user-data`.
    #[arg(long, value_delimiter = ',')]
    pub instance_attributes: Vec<String>,
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
    let mut attributes: Vec<&'static str> = Vec::new();
    for a in &args.instance_attributes {
        match INSTANCE_ATTRIBUTES.iter().find(|k| **k == a.as_str()) {
            Some(k) => attributes.push(k),
            None => {
                let _ = writeln!(
                    err,
                    "unknown instance attribute '{a}'{}",
                    crate::input::suggestion(a, INSTANCE_ATTRIBUTES.iter().copied())
                );
                return ExitCode::InvalidInput;
            }
        }
    }
    let mut code = ExitCode::Success;
    for region in crate::provider::Provider::regions(&provider) {
        let dir = args.dir.join(&region);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            let _ = writeln!(err, "{}: {e}", dir.display());
            return ExitCode::PolicyFailed;
        }
        let mut image_ids: Vec<String> = Vec::new();
        let mut instance_ids: Vec<String> = Vec::new();
        for spec in KINDS {
            match provider.describe(&region, spec.kind) {
                Ok((response, calls)) => {
                    if spec.kind == crate::resource::ResourceKind::Ec2 {
                        image_ids = instance_values(&response, "ImageId");
                        instance_ids = instance_values(&response, "InstanceId");
                    }
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
        // Related documents filters read: every volume, subnet, security group and VPC; the
        // AMIs the instances use.
        for related in Related::all() {
            let spec = related.spec();
            let ids = spec.by_id.then_some(image_ids.as_slice());
            match crate::provider::Provider::fetch_related(&provider, &region, related, ids) {
                Ok(loaded) => {
                    let path = dir.join(spec.snapshot_file);
                    let n = loaded.documents.len();
                    let calls: u64 = loaded.api_calls.iter().map(|(_, n)| n).sum();
                    let text =
                        serde_json::to_string_pretty(&serde_json::json!({ spec.list_key: loaded.documents })).unwrap_or_default() + "\n";
                    if let Err(e) = std::fs::write(&path, text) {
                        let _ = writeln!(err, "{}: {e}", path.display());
                        code = ExitCode::PolicyFailed;
                        continue;
                    }
                    let _ = writeln!(
                        out,
                        "{region} {:<22} {n:>6} documents, {calls} call(s) -> {}",
                        spec.list_key,
                        path.display()
                    );
                }
                Err(e) => {
                    let _ = writeln!(err, "{region} {}: {e}", spec.list_key);
                    code = ExitCode::PolicyFailed;
                }
            }
        }
        if !attributes.is_empty() {
            let mut answers = Vec::new();
            let mut calls = 0;
            for a in &attributes {
                match crate::provider::Provider::fetch_attributes(&provider, &region, a, &instance_ids) {
                    Ok(loaded) => {
                        calls += loaded.api_calls.iter().map(|(_, n)| n).sum::<u64>();
                        answers.extend(loaded.documents);
                    }
                    Err(e) => {
                        let _ = writeln!(err, "{region} {a}: {e}");
                        code = ExitCode::PolicyFailed;
                    }
                }
            }
            let path = dir.join(INSTANCE_ATTRIBUTES_FILE);
            let text = serde_json::to_string_pretty(&answers).unwrap_or_default() + "\n";
            if let Err(e) = std::fs::write(&path, text) {
                let _ = writeln!(err, "{}: {e}", path.display());
                code = ExitCode::PolicyFailed;
            } else {
                let _ = writeln!(
                    out,
                    "{region} {:<22} {:>6} answers, {calls} call(s) -> {}",
                    "instance attributes",
                    answers.len(),
                    path.display()
                );
            }
        }
    }
    code
}

/// The distinct values of an instance key (`ImageId`, `InstanceId`) in a `DescribeInstances`
/// response.
fn instance_values(response: &serde_json::Value, key: &str) -> Vec<String> {
    let mut ids: Vec<String> = response
        .get("Reservations")
        .and_then(|r| r.as_array())
        .into_iter()
        .flatten()
        .flat_map(|r| r.get("Instances").and_then(|i| i.as_array()).into_iter().flatten())
        .filter_map(|i| i.get(key).and_then(|v| v.as_str()).map(str::to_string))
        .collect();
    ids.sort();
    ids.dedup();
    ids
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
