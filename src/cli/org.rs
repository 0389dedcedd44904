//! `custodian org`: many accounts. `org run` runs policies in every account and region of a
//! c7n-org accounts file (c7n-org's flags: `-c`, `-a`, `--not-accounts`, `-t`, `-r`, `-u`,
//! `-s`, `--dryrun`).

use super::{print_diagnostics, ExitCode};
use crate::org::accounts::{self, Account, Selection};
use crate::org::run::{self as org_run, OrgRunSpec};
use crate::org::summary;
use crate::policy::PolicyFiles;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `org`.
#[derive(Debug, clap::Args)]
pub struct OrgArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: OrgCommand,
}

/// `org` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum OrgCommand {
    /// Run policies in every selected account and region (one job per account and region).
    Run(OrgRunArgs),
    /// Write an accounts file from AWS Organizations (c7n-org's `orgaccounts.py`).
    Accounts(OrgAccountsArgs),
}

/// Arguments of `org accounts`.
#[derive(Debug, clap::Args)]
pub struct OrgAccountsArgs {
    /// Write the file here (default: standard output).
    #[arg(short = 'f', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The member role: a name, or an ARN template (`{Id}`, `{Name}`, `{Email}`, `{OrgId}`).
    #[arg(long, default_value = crate::org::discover::DEFAULT_ROLE)]
    pub role: String,
    /// The name template (`{name}`, `{account_id}`, `{email}`, `{display_name}`, `{org_id}`).
    #[arg(long, default_value = "{name}")]
    pub name: String,
    /// Only these OU subtrees, by path from the root (`/prod`) or id (repeatable; default `/`).
    #[arg(long = "ou", value_name = "PATH_OR_ID")]
    pub ous: Vec<String>,
    /// Regions written for every account (repeatable).
    #[arg(short = 'r', long = "regions", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Only ACTIVE accounts.
    #[arg(short = 'a', long)]
    pub active: bool,
    /// Leave out these account ids (repeatable).
    #[arg(short = 'i', long = "ignore", value_name = "ACCOUNT_ID")]
    pub ignore: Vec<String>,
    /// Only accounts with this tag, `KEY` or `KEY=VALUE` (repeatable: all must hold).
    #[arg(long = "tag", value_name = "KEY[=VALUE]")]
    pub tags: Vec<String>,
    /// The caller's AWS profile.
    #[arg(long)]
    pub profile: Option<String>,
    /// A role to assume first (in the management or delegated administrator account).
    #[arg(long, value_name = "ROLE_ARN")]
    pub assume: Option<String>,
}

/// Which accounts of an accounts file (shared by the `org` subcommands).
#[derive(Debug, Clone, clap::Args)]
pub struct AccountsArgs {
    /// The accounts file (c7n-org's accounts.yml).
    #[arg(short = 'c', long = "config", value_name = "ACCOUNTS.yml")]
    pub config: PathBuf,
    /// Only these accounts, by name or id (repeatable, or comma separated).
    #[arg(short = 'a', long = "accounts", value_name = "NAME")]
    pub accounts: Vec<String>,
    /// Leave out these accounts, by name or id.
    #[arg(long = "not-accounts", value_name = "NAME")]
    pub not_accounts: Vec<String>,
    /// Only accounts carrying every one of these tags.
    #[arg(short = 't', long = "tags", value_name = "TAG")]
    pub tags: Vec<String>,
}

impl AccountsArgs {
    /// The accounts file read and the selection applied; the error is printed.
    fn selected(&self, err: &mut dyn Write) -> Result<Vec<Account>, ExitCode> {
        let shown = self.config.display().to_string();
        let text = std::fs::read_to_string(&self.config).map_err(|e| {
            let _ = writeln!(err, "{shown}: {e}");
            ExitCode::InvalidInput
        })?;
        let all = accounts::parse(&shown, &text).map_err(|d| {
            print_diagnostics(&d, err);
            ExitCode::InvalidInput
        })?;
        let selection = Selection {
            accounts: self.accounts.clone(),
            not_accounts: self.not_accounts.clone(),
            tags: self.tags.clone(),
        };
        let taken: Vec<Account> = all.into_iter().filter(|a| selection.takes(a)).collect();
        if taken.is_empty() {
            let _ = writeln!(err, "{shown}: no account is selected by -a / --not-accounts / -t");
            return Err(ExitCode::InvalidInput);
        }
        Ok(taken)
    }
}

/// Arguments of `org run`.
#[derive(Debug, clap::Args)]
pub struct OrgRunArgs {
    /// The accounts.
    #[command(flatten)]
    pub accounts: AccountsArgs,
    /// Policy files or directories.
    pub paths: Vec<PathBuf>,
    /// Policy files or directories (c7n-org's `-u`; the same as the positional paths).
    #[arg(short = 'u', long = "use", value_name = "POLICIES")]
    pub use_paths: Vec<PathBuf>,
    /// Regions (repeatable; `all` for every enabled region). Default: each account's own.
    #[arg(short = 'r', long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Only policies whose name matches this glob (repeatable).
    #[arg(short = 'p', long = "policies", value_name = "NAME_GLOB")]
    pub policies: Vec<String>,
    /// Account-region jobs running at once, across the organization.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,
    /// AWS requests a second per account, retries included (0: unpaced).
    #[arg(long, default_value_t = 20.0, value_name = "PER_SECOND")]
    pub rate: f64,
    /// Plan actions without applying them.
    #[arg(short = 'd', long = "dryrun", visible_alias = "dry-run")]
    pub dry_run: bool,
    /// Output directory (`DIR/<account>/<region>/<policy>/`, and `DIR/org-summary.json`), or
    /// `s3://bucket/prefix`.
    #[arg(short = 's', long = "output-dir", default_value = super::run::DEFAULT_OUTPUT_DIR)]
    pub output_dir: PathBuf,
    /// The caller's AWS profile (the credentials that assume the member roles).
    #[arg(long)]
    pub profile: Option<String>,
    /// Evaluate as if at this instant (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Extra or overriding prices (TSV).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Only validate every policy for every selected account and region (variables expanded),
    /// without calling AWS (c7n-org's `validate --per-account`).
    #[arg(long)]
    pub validate_only: bool,
    /// The summary on stdout: a Markdown table, or the JSON of `org-summary.json`.
    #[arg(long, value_enum, default_value = "table")]
    pub format: SummaryFormat,
}

/// How `org run` prints its summary.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SummaryFormat {
    /// A Markdown table.
    Table,
    /// JSON.
    Json,
}

/// Runs `custodian org`.
pub fn org(args: OrgArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    match args.command {
        OrgCommand::Run(a) => run(a, out, err),
        OrgCommand::Accounts(a) => discover(a, out, err),
    }
}

fn discover(args: OrgAccountsArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let options = crate::org::discover::DiscoverOptions {
        role: args.role,
        name: args.name,
        regions: args.regions,
        active: args.active,
        ignore: args.ignore,
        tags: args.tags,
    };
    let ous = if args.ous.is_empty() { vec!["/".to_string()] } else { args.ous };
    let found = custodian_aws::AwsConnector::new(args.profile.as_deref(), 0.0, 2)
        .and_then(|c| c.organization_accounts(args.assume.as_deref(), &ous));
    let text = match found.and_then(|f| crate::org::discover::accounts_file(&f, &options)) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::PolicyFailed;
        }
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                let _ = writeln!(err, "cannot write {}: {e}", path.display());
                return ExitCode::PolicyFailed;
            }
            let _ = writeln!(out, "{} account(s) written to {}", text.matches("\n  - ").count(), path.display());
        }
        None => {
            let _ = write!(out, "{text}");
        }
    }
    ExitCode::Success
}

fn run(args: OrgRunArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let accounts = match args.accounts.selected(err) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let paths: Vec<PathBuf> = args.paths.iter().chain(&args.use_paths).cloned().collect();
    if paths.is_empty() {
        let _ = writeln!(err, "no policies: pass policy files or directories (or -u FILE, as c7n-org)");
        return ExitCode::InvalidInput;
    }
    let files = match PolicyFiles::read(&paths) {
        Ok(f) => f,
        Err(d) => {
            print_diagnostics(&d, err);
            return ExitCode::InvalidInput;
        }
    };
    let (clock, prices) = match (super::parse_now(args.now.as_deref()), super::load_prices(args.prices.as_deref())) {
        (Ok(c), Ok(p)) => (c, p),
        (Err(e), _) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::InvalidInput;
        }
        (_, Err(e)) => {
            let _ = writeln!(err, "--prices: {e}");
            return ExitCode::InvalidInput;
        }
    };
    if !(args.rate.is_finite() && args.rate >= 0.0) {
        let _ = writeln!(err, "--rate: {} is not a number of requests a second (0 for unpaced)", args.rate);
        return ExitCode::InvalidInput;
    }
    let target = match super::OutputTarget::of(&args.output_dir) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::InvalidInput;
        }
    };
    let spec = OrgRunSpec {
        accounts: &accounts,
        regions: &args.regions,
        files: &files,
        policy_globs: &args.policies,
        concurrency: args.concurrency as usize,
        dry_run: args.dry_run,
        output_dir: target.local_dir().to_path_buf(),
        clock,
        prices,
    };
    if let Err(errors) = org_run::validate(&spec) {
        for e in &errors {
            let _ = writeln!(err, "{e}\n");
        }
        let _ = writeln!(err, "{} error{}", errors.len(), if errors.len() == 1 { "" } else { "s" });
        return ExitCode::InvalidInput;
    }
    if args.validate_only {
        let pairs: usize = accounts.iter().map(|a| a.regions_for(&args.regions).len()).sum();
        let _ = writeln!(out, "valid for {} account(s), {pairs} account-region(s)", accounts.len());
        return ExitCode::Success;
    }
    let connector = match custodian_aws::AwsConnector::new(args.profile.as_deref(), args.rate, 2) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::InvalidInput;
        }
    };
    let started = jiff::Timestamp::now();
    let jobs = org_run::run(&spec, &connector);
    report(&jobs, &args, &target, started, out, err)
}

/// Prints the summary, writes `org-summary.json`, names every failed job; the exit code.
fn report(
    jobs: &[summary::JobOutcome],
    args: &OrgRunArgs,
    target: &super::OutputTarget,
    started: jiff::Timestamp,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let json = summary::to_json(jobs, args.dry_run);
    let mut code = ExitCode::Success;
    let dir = target.local_dir();
    if let Err(e) = write_summary(dir, &json) {
        let _ = writeln!(err, "cannot write {}: {e}", dir.join("org-summary.json").display());
        code = ExitCode::PolicyFailed;
    }
    let output_at = match target.finish(started, &format!("org-run-{}", started.as_millisecond()), args.profile.as_deref()) {
        Ok(at) => at,
        Err(e) => {
            let _ = writeln!(err, "cannot upload the outputs: {e}");
            code = ExitCode::PolicyFailed;
            args.output_dir.display().to_string()
        }
    };
    for j in jobs.iter().filter(|j| j.is_failure()) {
        let why = match &j.status {
            summary::JobStatus::Failed(w) | summary::JobStatus::PolicyFailed(w) => w.as_str(),
            summary::JobStatus::Ok => "",
        };
        let _ = writeln!(err, "account {} ({}) in {}: {why}", j.account, j.account_id, j.region);
        code = ExitCode::PolicyFailed;
    }
    match args.format {
        SummaryFormat::Table => {
            let _ = write!(out, "{}", summary::table(jobs));
            let _ = writeln!(out, "output in {output_at}");
        }
        SummaryFormat::Json => {
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&json).unwrap_or_default());
        }
    }
    code
}

fn write_summary(dir: &Path, json: &serde_json::Value) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let text = serde_json::to_string_pretty(json).map_err(std::io::Error::other)?;
    let tmp = dir.join(".org-summary.json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, dir.join("org-summary.json"))
}
