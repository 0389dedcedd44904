//! `custodian snapshot -r REGION... DIR`: records the live account in the snapshot layout
//! (`DIR/<region>/describe-*.json`, as the AWS CLI prints them), for `run --snapshot`: the
//! resource kinds and the related documents filters read (volumes, AMIs in use, subnets,
//! security groups, VPCs, KMS aliases, RDS option and parameter groups; IAM instance profiles,
//! roles and their attached policies in `DIR/global/`).

use super::ExitCode;
use crate::provider::snapshot::INSTANCE_ATTRIBUTES_FILE;
use crate::resource::details::INSTANCE_ATTRIBUTES;
use crate::resource::related::{refs, Related};
use crate::resource::{resource_id, KINDS};
use std::collections::{BTreeMap, BTreeSet};
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
    /// Record only what these policies read (files or directories): the related documents
    /// and instance attributes their filters use, and the metric series their `metrics`
    /// filters ask for now (replay with `run --now` near the recording time). Without it, every
    /// related type is recorded and no metric series.
    #[arg(long = "policies", value_name = "PATH")]
    pub policies: Vec<PathBuf>,
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
    let policies = match args.policies.is_empty() {
        true => None,
        false => match crate::policy::load(&args.policies) {
            Ok(p) => Some(p),
            Err(errors) => {
                for e in errors {
                    let _ = writeln!(err, "{e}");
                }
                return ExitCode::InvalidInput;
            }
        },
    };
    let reads = policies.as_deref().map(crate::engine::policy_reads);
    let wanted = |r: Related| reads.as_ref().is_none_or(|reads| reads.related.contains(&r));
    if let Some(reads) = &reads {
        for a in &reads.attributes {
            if !attributes.contains(a) {
                attributes.push(a);
            }
        }
    }
    let now = jiff::Timestamp::now();
    let mut code = ExitCode::Success;
    let mut profiles_in_use: BTreeSet<String> = BTreeSet::new();
    for region in crate::provider::Provider::regions(&provider) {
        let dir = args.dir.join(&region);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            let _ = writeln!(err, "{}: {e}", dir.display());
            return ExitCode::PolicyFailed;
        }
        let mut in_use: BTreeMap<Related, BTreeSet<String>> = BTreeMap::new();
        let mut instance_ids: Vec<String> = Vec::new();
        let mut metric_queries = Vec::new();
        for spec in KINDS {
            match provider.describe(&region, spec.kind) {
                Ok((response, calls)) => {
                    let docs = resources_of(&response);
                    for related in Related::all().filter(|r| r.spec().by_id || *r == Related::InstanceProfiles) {
                        let ids = in_use.entry(related).or_default();
                        docs.iter().for_each(|d| ids.extend(refs(spec.kind, related, d)));
                    }
                    if spec.kind == crate::resource::ResourceKind::Ec2 {
                        instance_ids = docs.iter().map(|d| resource_id(spec.kind, d).to_string()).collect();
                    }
                    for (kind, m) in reads.iter().flat_map(|r| &r.metrics) {
                        if *kind == spec.kind {
                            metric_queries.extend(docs.iter().map(|d| m.query(*kind, d, now)));
                        }
                    }
                    let path = dir.join(spec.collection.snapshot_file);
                    let text = serde_json::to_string_pretty(&response).unwrap_or_default() + "\n";
                    if let Err(e) = std::fs::write(&path, text) {
                        let _ = writeln!(err, "{}: {e}", path.display());
                        code = ExitCode::PolicyFailed;
                        continue;
                    }
                    let _ = writeln!(
                        out,
                        "{region} {:<22} {:>6} resources, {calls} call(s) -> {}",
                        spec.name,
                        docs.len(),
                        path.display()
                    );
                }
                Err(f) => {
                    let _ = writeln!(err, "{region} {}: {}: {}", spec.name, f.code, f.message);
                    code = ExitCode::PolicyFailed;
                }
            }
        }
        profiles_in_use.extend(in_use.remove(&Related::InstanceProfiles).unwrap_or_default());
        // Related documents filters read: every volume, subnet, security group, VPC, KMS alias
        // and option group; the AMIs and parameter groups the resources use.
        for related in Related::all().filter(|r| !r.spec().global && !r.is_a_kind() && wanted(*r)) {
            let ids: Option<Vec<String>> = related
                .spec()
                .by_id
                .then(|| in_use.get(&related).map(|s| s.iter().cloned().collect()).unwrap_or_default());
            if fetch_and_write(&provider, &region, &dir, related, ids.as_deref(), out, err).is_none() {
                code = ExitCode::PolicyFailed;
            }
        }
        if !metric_queries.is_empty() && !record_metrics(&provider, &region, &dir, &mut metric_queries, out, err) {
            code = ExitCode::PolicyFailed;
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
    let iam_wanted = [Related::InstanceProfiles, Related::Roles, Related::AttachedRolePolicies]
        .into_iter()
        .any(wanted);
    if iam_wanted && !record_global(&provider, &args.dir, &profiles_in_use, out, err) {
        code = ExitCode::PolicyFailed;
    }
    if reads.as_ref().is_some_and(|r| !r.metrics.is_empty()) {
        let _ = writeln!(out, "metric series recorded at {now}: replay with run --now {now}");
    }
    code
}

/// Records the metric series the policies' `metrics` filters ask for (`get-metric-data.json`).
fn record_metrics(
    provider: &custodian_aws::AwsProvider,
    region: &str,
    dir: &std::path::Path,
    queries: &mut Vec<crate::resource::details::MetricQuery>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> bool {
    queries.sort();
    queries.dedup();
    match provider.record_metrics(region, queries) {
        Ok((entries, calls)) => {
            let path = dir.join(crate::provider::snapshot::METRICS_FILE);
            let text = serde_json::to_string_pretty(&serde_json::json!({ "MetricDataResults": entries })).unwrap_or_default() + "\n";
            if let Err(e) = std::fs::write(&path, text) {
                let _ = writeln!(err, "{}: {e}", path.display());
                return false;
            }
            let _ = writeln!(
                out,
                "{region} {:<22} {:>6} series, {calls} call(s) -> {}",
                "MetricDataResults",
                entries.len(),
                path.display()
            );
            true
        }
        Err(f) => {
            let _ = writeln!(err, "{region} cloudwatch.GetMetricData: {}: {}", f.code, f.message);
            false
        }
    }
}

/// Records IAM (global, once): every instance profile, and the roles (with their attached
/// policies) of the profiles the instances use. Whether all was written.
fn record_global(
    provider: &dyn crate::provider::Provider,
    root: &std::path::Path,
    profiles_in_use: &BTreeSet<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> bool {
    let region = crate::resource::related::GLOBAL_REGION;
    let dir = root.join(region);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        let _ = writeln!(err, "{}: {e}", dir.display());
        return false;
    }
    let Some(profiles) = fetch_and_write(provider, region, &dir, Related::InstanceProfiles, None, out, err) else {
        return false;
    };
    let roles: Vec<String> = profiles
        .iter()
        .filter(|p| p.get("Arn").and_then(|a| a.as_str()).is_some_and(|a| profiles_in_use.contains(a)))
        .flat_map(|p| p.get("Roles").and_then(|r| r.as_array()).into_iter().flatten())
        .filter_map(|r| r.get("RoleName").and_then(|n| n.as_str()).map(str::to_string))
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    let mut ok = true;
    for related in [Related::Roles, Related::AttachedRolePolicies] {
        ok &= fetch_and_write(provider, region, &dir, related, Some(&roles), out, err).is_some();
    }
    ok
}

/// Fetches one related type and writes its snapshot file; the documents written.
fn fetch_and_write(
    provider: &dyn crate::provider::Provider,
    region: &str,
    dir: &std::path::Path,
    related: Related,
    ids: Option<&[String]>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Option<Vec<serde_json::Value>> {
    let spec = related.spec();
    match provider.fetch_related(region, related, ids) {
        Ok(loaded) => {
            let path = dir.join(spec.collection.snapshot_file);
            let n = loaded.documents.len();
            let calls: u64 = loaded.api_calls.iter().map(|(_, n)| n).sum();
            let text = serde_json::to_string_pretty(&serde_json::json!({ spec.collection.list_key(): &loaded.documents }))
                .unwrap_or_default()
                + "\n";
            if let Err(e) = std::fs::write(&path, text) {
                let _ = writeln!(err, "{}: {e}", path.display());
                return None;
            }
            let _ = writeln!(
                out,
                "{region} {:<22} {n:>6} documents, {calls} call(s) -> {}",
                spec.collection.list_key(),
                path.display()
            );
            Some(loaded.documents)
        }
        Err(e) => {
            let _ = writeln!(err, "{region} {}: {e}", spec.collection.list_key());
            None
        }
    }
}

/// The resource documents of a describe response (`Reservations[].Instances[]`, or the
/// response's one list).
fn resources_of(response: &serde_json::Value) -> Vec<&serde_json::Value> {
    match response.get("Reservations").and_then(|r| r.as_array()) {
        Some(rs) => rs
            .iter()
            .flat_map(|r| r.get("Instances").and_then(|i| i.as_array()).into_iter().flatten())
            .collect(),
        None => response
            .as_object()
            .and_then(|o| o.values().find(|v| v.is_array()))
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .collect(),
    }
}
