//! Command-line interface: one module per subcommand, and the documented exit codes.

pub mod about;
pub mod deploy;
pub mod kubernetes;
pub mod logging;
pub mod org;
pub mod plan;
pub mod report;
pub mod run;
pub mod schedule;
pub mod schema;
pub mod snapshot;
pub mod validate;

use crate::input::Diagnostic;
use crate::policy::Policy;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Exit codes (documented in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Everything ran; findings alone are not an error.
    Success = 0,
    /// Invalid input: policies, flags, snapshot layout. Nothing ran.
    InvalidInput = 1,
    /// A policy failed or tripped max-resources (other policies still ran).
    PolicyFailed = 2,
    /// `--fail-on-findings` and some policy matched resources.
    Findings = 3,
}

/// custodian: cloud cost-and-compliance policies in Cloud Custodian's language.
#[derive(Debug, Parser)]
#[command(name = "custodian", version, about)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// Logs and progress (every command).
    #[command(flatten)]
    pub log: logging::LogArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run policies: fetch, filter, and plan (dry run) or apply actions.
    Run(run::RunArgs),
    /// Validate policy files; prints every error as file:line:col.
    Validate(validate::ValidateArgs),
    /// Report on a previous run's output directory.
    Report(report::ReportArgs),
    /// Show resources, filters and actions, with an example each.
    Schema(schema::SchemaArgs),
    /// Off-hours schedules: `schedule explain` prints the next transitions.
    Schedule(schedule::ScheduleArgs),
    /// Record the live account (describe output) into a snapshot directory.
    Snapshot(snapshot::SnapshotArgs),
    /// Compare two policy sets as dry runs over the same inventory: what a change would do, in dollars.
    Plan(plan::PlanArgs),
    /// Print the least-privilege IAM policy document the policies need.
    Iam(deploy::IamArgs),
    /// The scheduled Lambda function: `lambda template` writes its CloudFormation template.
    Lambda(deploy::LambdaArgs),
    /// Many accounts: `org run` over a c7n-org accounts file, `org accounts` from AWS Organizations.
    Org(org::OrgArgs),
    /// Write the Kubernetes manifests (a Kustomize base: CronJobs, ConfigMap, validate hook).
    Kubernetes(kubernetes::KubernetesArgs),
    /// Print the version, the git revision it was built from and the price tables' dates.
    Version,
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(about::CompletionsArgs),
    /// Print the manual page (roff) of custodian or of one of its commands.
    Man(about::ManArgs),
}

/// Runs a parsed command line and returns its exit code.
pub fn main(cli: Cli) -> ExitCode {
    logging::init(&cli.log);
    let mut out = std::io::stdout().lock();
    // Not locked: log lines from other threads go to stderr too.
    let mut err = logging::CommandStderr::new(&cli.log);
    match cli.command {
        Command::Run(a) => run::run(a, &mut out, &mut err),
        Command::Validate(a) => validate::validate(a, &mut out, &mut err),
        Command::Report(a) => report::report(a, &mut out, &mut err),
        Command::Schema(a) => schema::schema(a, &mut out, &mut err),
        Command::Schedule(a) => schedule::schedule(a, &mut out, &mut err),
        Command::Snapshot(a) => snapshot::snapshot(a, &mut out, &mut err),
        Command::Plan(a) => plan::plan(a, &mut out, &mut err),
        Command::Iam(a) => deploy::iam(a, &mut out, &mut err),
        Command::Lambda(a) => deploy::lambda(a, &mut out, &mut err),
        Command::Org(a) => org::org(a, &mut out, &mut err),
        Command::Kubernetes(a) => kubernetes::kubernetes(a, &mut out, &mut err),
        Command::Version => about::version(&mut out),
        Command::Completions(a) => about::completions(a, &mut out),
        Command::Man(a) => about::man(a, &mut out, &mut err),
    }
}

/// Where and as whom to reach AWS (shared by `run` and `snapshot`).
#[derive(Debug, Clone, clap::Args)]
pub struct AwsArgs {
    /// Region(s) (repeatable; `all` for every enabled region). Default: every region of a
    /// snapshot, or the AWS profile's region.
    #[arg(short = 'r', long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// AWS named profile.
    #[arg(long)]
    pub profile: Option<String>,
    /// Assume this IAM role (STS).
    #[arg(long = "assume", value_name = "ROLE_ARN")]
    pub assume_role: Option<String>,
}

impl AwsArgs {
    /// Connects to AWS with these options.
    pub fn connect(&self) -> Result<custodian_aws::AwsProvider, String> {
        let options = custodian_aws::AwsOptions {
            regions: self.regions.clone(),
            profile: self.profile.clone(),
            assume_role: self.assume_role.clone(),
        };
        custodian_aws::AwsProvider::connect(&options)
    }
}

/// Where a run's outputs go: a directory, or `s3://bucket/prefix` (written to a staging
/// directory first, then uploaded under the run's time-partitioned key).
pub enum OutputTarget {
    /// A local directory.
    Dir(PathBuf),
    /// S3, staged locally.
    S3 {
        /// `s3://bucket/prefix`.
        url: String,
        /// The staging directory.
        staging: PathBuf,
    },
}

impl OutputTarget {
    /// The target `-s` names; an `s3://` URL without a bucket is an error.
    pub fn of(output: &std::path::Path) -> Result<OutputTarget, String> {
        let text = output.to_string_lossy();
        if !text.starts_with("s3://") {
            return Ok(OutputTarget::Dir(output.to_path_buf()));
        }
        if custodian_aws::upload::parse_url(&text).is_none() {
            return Err(format!("-s {text}: not s3://bucket/prefix"));
        }
        let staging = std::env::temp_dir().join(format!(
            "custodian-{}-{}",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        ));
        Ok(OutputTarget::S3 {
            url: text.into_owned(),
            staging,
        })
    }

    /// Where the outputs are written first.
    pub fn local_dir(&self) -> &std::path::Path {
        match self {
            OutputTarget::Dir(d) => d,
            OutputTarget::S3 { staging, .. } => staging,
        }
    }

    /// Uploads staged outputs (and removes the staging directory); where they are, for the
    /// summary line.
    pub fn finish(&self, started: jiff::Timestamp, run_id: &str, profile: Option<&str>) -> Result<String, String> {
        match self {
            OutputTarget::Dir(d) => Ok(d.display().to_string()),
            OutputTarget::S3 { url, staging } => {
                let uploaded = custodian_aws::upload::upload_dir(url, staging, started, run_id, profile);
                let _ = std::fs::remove_dir_all(staging);
                uploaded.map(|(_, at)| at)
            }
        }
    }
}

/// Loads policies and keeps those whose name matches any `-p` glob (all when none given).
pub fn load_selected(paths: &[PathBuf], globs: &[String]) -> Result<Vec<Policy>, Vec<Diagnostic>> {
    let policies = crate::policy::load(paths)?;
    if globs.is_empty() {
        return Ok(policies);
    }
    let patterns: Vec<_> = globs.iter().map(|g| crate::filter::value::Pattern::glob(g)).collect();
    let selected: Vec<Policy> = policies
        .into_iter()
        .filter(|p| patterns.iter().any(|g| g.is_match(&p.name)))
        .collect();
    if selected.is_empty() {
        return Err(vec![Diagnostic::file("-p", format!("no policy name matches {}", globs.join(", ")))]);
    }
    Ok(selected)
}

/// What `run` and `plan` set up before fetching: the clock, the prices, the provider and regions.
pub struct Setup {
    /// "Now".
    pub clock: crate::time::Clock,
    /// The price table (embedded, extended by `--prices`).
    pub prices: std::sync::Arc<crate::pricing::PriceTable>,
    /// Where resources come from.
    pub provider: Box<dyn crate::provider::Provider>,
    /// The regions to evaluate.
    pub regions: Vec<String>,
}

/// Sets up a run from its flags; the error is the message to print (invalid input).
pub fn setup(
    now: Option<&str>,
    prices: Option<&std::path::Path>,
    snapshot: Option<&std::path::Path>,
    aws: &AwsArgs,
) -> Result<Setup, String> {
    let clock = parse_now(now)?;
    let prices = load_prices(prices).map_err(|e| format!("--prices: {e}"))?;
    let (provider, regions) = open_provider(snapshot, aws)?;
    Ok(Setup {
        clock,
        prices,
        provider,
        regions,
    })
}

/// `--now`: the clock (the system's when absent).
pub fn parse_now(now: Option<&str>) -> Result<crate::time::Clock, String> {
    match now {
        None => Ok(crate::time::Clock::System),
        Some(text) => text
            .parse::<jiff::Timestamp>()
            .map(crate::time::Clock::Fixed)
            .map_err(|e| format!("--now: '{text}' is not an RFC 3339 instant such as 2026-11-23T19:00:00Z ({e})")),
    }
}

/// The provider (a snapshot directory, or AWS) and the regions to evaluate: a snapshot's `-r`
/// must name regions it holds; AWS resolves `-r` itself.
pub fn open_provider(
    snapshot: Option<&std::path::Path>,
    aws: &AwsArgs,
) -> Result<(Box<dyn crate::provider::Provider>, Vec<String>), String> {
    let provider: Box<dyn crate::provider::Provider> = match snapshot {
        Some(dir) => Box::new(crate::provider::snapshot::SnapshotProvider::open(dir).map_err(|e| e.to_string())?),
        None => Box::new(aws.connect()?),
    };
    let available = provider.regions();
    if snapshot.is_none() || aws.regions.is_empty() || aws.regions.iter().any(|r| r == "all") {
        return Ok((provider, available));
    }
    let mut chosen = Vec::new();
    for r in &aws.regions {
        if !available.contains(r) {
            return Err(format!(
                "-r {r}: no such region in {}{} (regions: {})",
                provider.describe(),
                crate::input::suggestion(r, available.iter().map(String::as_str)),
                available.join(", ")
            ));
        }
        if !chosen.contains(r) {
            chosen.push(r.clone());
        }
    }
    Ok((provider, chosen))
}

/// The embedded price table, extended by `--prices FILE` when given.
pub fn load_prices(file: Option<&std::path::Path>) -> Result<std::sync::Arc<crate::pricing::PriceTable>, String> {
    let mut table = crate::pricing::PriceTable::embedded().clone();
    if let Some(f) = file {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        table.extend(&f.display().to_string(), &text)?;
    }
    Ok(std::sync::Arc::new(table))
}

/// Prints the policies' warnings (accepted Cloud Custodian keys that have no effect) to `err`.
pub fn print_warnings(policies: &[Policy], err: &mut dyn std::io::Write) {
    for w in policies.iter().flat_map(|p| &p.warnings) {
        let _ = writeln!(err, "{w}\n");
    }
}

/// Prints diagnostics and a count to `err`.
pub fn print_diagnostics(diags: &[Diagnostic], err: &mut dyn std::io::Write) {
    for d in diags {
        let _ = writeln!(err, "{d}\n");
    }
    let _ = writeln!(err, "{} error{}", diags.len(), if diags.len() == 1 { "" } else { "s" });
}
