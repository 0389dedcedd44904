//! `custodian kubernetes`: writes the Kustomize base (CronJobs, the policies' ConfigMap, the
//! ServiceAccount, the Argo CD PreSync validate Job) computed from the policies.

use super::{print_diagnostics, ExitCode};
use crate::deploy::kubernetes::{manifests, KubernetesOptions};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `kubernetes`.
#[derive(Debug, clap::Args)]
pub struct KubernetesArgs {
    /// Policy files or directories (scheduled policies get a CronJob each schedule).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The directory to write the Kustomize base into.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub dir: PathBuf,
    /// The container image (scripts/build-image.sh builds it).
    #[arg(long, default_value = concat!("custodian:", env!("CARGO_PKG_VERSION")))]
    pub image: String,
    /// Where each job's outputs go: s3://bucket/prefix.
    #[arg(long = "output-url", value_name = "S3_URL")]
    pub output_url: String,
    /// The IAM role for IRSA (annotates the ServiceAccount); without it, associate the
    /// ServiceAccount with a role through EKS Pod Identity.
    #[arg(long, value_name = "ROLE_ARN")]
    pub role_arn: Option<String>,
    /// Regions each job runs in (repeatable; default: the pod's region).
    #[arg(short = 'r', long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// The pod's AWS_REGION.
    #[arg(long, default_value = "us-east-1", value_name = "REGION")]
    pub home_region: String,
    /// The CronJobs' time zone (IANA name).
    #[arg(long, default_value = "UTC", value_name = "TZ")]
    pub timezone: String,
    /// Report only: every job is a dry run.
    #[arg(long)]
    pub dryrun: bool,
    /// Organization runs over this accounts file (bundled into its own ConfigMap).
    #[arg(long = "org", value_name = "ACCOUNTS.yml")]
    pub org: Option<PathBuf>,
}

/// Runs `custodian kubernetes`.
pub fn kubernetes(args: KubernetesArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let fail = |err: &mut dyn Write, e: String| {
        let _ = writeln!(err, "{e}");
        ExitCode::InvalidInput
    };
    let policies = match crate::policy::load(&args.paths) {
        Ok(p) => p,
        Err(d) => {
            print_diagnostics(&d, err);
            return ExitCode::InvalidInput;
        }
    };
    if jiff::tz::TimeZone::get(&args.timezone).is_err() {
        return fail(
            err,
            format!("--timezone '{}': not an IANA time zone (e.g. Europe/Paris, UTC)", args.timezone),
        );
    }
    // ConfigMap keys are file names: one level, unique.
    let mut files: Vec<(String, String)> = Vec::new();
    for path in crate::policy::load::collect_files(&args.paths).unwrap_or_default() {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if files.iter().any(|(n, _)| *n == name) {
            return fail(
                err,
                format!(
                    "{}: a second policy file named {name}: ConfigMap keys are file names",
                    path.display()
                ),
            );
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => return fail(err, format!("{}: {e}", path.display())),
        };
        if text.contains("holidays-file") || text.contains("file:") {
            return fail(
                err,
                format!("{}: a policy that reads files next to it (holidays-file, value_from file:) is not supported in a ConfigMap yet; use s3:// or https://", path.display()),
            );
        }
        files.push((name, text));
    }
    let accounts_file = match &args.org {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) => {
                if let Err(d) = crate::org::accounts::parse(&p.display().to_string(), &t) {
                    print_diagnostics(&d, err);
                    return ExitCode::InvalidInput;
                }
                Some(t)
            }
            Err(e) => return fail(err, format!("{}: {e}", p.display())),
        },
        None => None,
    };
    let options = KubernetesOptions {
        image: args.image,
        role_arn: args.role_arn,
        output: args.output_url,
        regions: args.regions,
        home_region: args.home_region,
        timezone: args.timezone,
        dry_run: args.dryrun,
        accounts_file,
    };
    let written = match manifests(&files, &policies, &options) {
        Ok(w) => w,
        Err(e) => return fail(err, e),
    };
    // Policy copies from an earlier generation that are gone now are removed.
    if let Ok(entries) = std::fs::read_dir(args.dir.join("policies")) {
        for e in entries.flatten() {
            let rel = format!("policies/{}", e.file_name().to_string_lossy());
            if !written.iter().any(|(n, _)| *n == rel) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    for (name, text) in &written {
        let path = args.dir.join(name);
        let result = path
            .parent()
            .map(std::fs::create_dir_all)
            .unwrap_or(Ok(()))
            .and_then(|_| std::fs::write(&path, text));
        if let Err(e) = result {
            let _ = writeln!(err, "cannot write {}: {e}", path.display());
            return ExitCode::PolicyFailed;
        }
    }
    let _ = writeln!(out, "{} files written to {}", written.len(), args.dir.display());
    ExitCode::Success
}
