//! `custodian plan`: two policy sets (base and head) as dry runs over one inventory, fetched once
//! (a snapshot, or live read-only AWS), and what the change would do: per policy added, removed,
//! renamed or changed; resources newly or no longer matched; actions that would newly or no
//! longer run; and what that is worth per month.

use super::{load_selected, print_diagnostics, ExitCode};
use crate::engine::{Deadline, Inventory, RunMode, RunSpec, Status};
use crate::input::Diagnostic;
use crate::policy::Policy;
use crate::report::compare::compare;
use crate::report::plan_comment::{self, Names};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

/// `--format` values of `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// Aligned text table and a headline.
    Table,
    /// The comparison as JSON.
    Json,
    /// The pull-request comment.
    Markdown,
}

/// Arguments of `plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The policies before the change (files or directories).
    #[arg(long, num_args = 1.., required_unless_present = "base_ref", conflicts_with = "base_ref")]
    pub base: Vec<PathBuf>,
    /// The policies before the change, as they are at this git revision (the same paths as
    /// --head, read with `git show`; nothing is checked out).
    #[arg(long, value_name = "REV")]
    pub base_ref: Option<String>,
    /// The policies after the change.
    #[arg(long, num_args = 1.., required = true)]
    pub head: Vec<PathBuf>,
    /// Evaluate a recorded account snapshot instead of AWS.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    /// Regions, profile, role (read-only: plan never acts).
    #[command(flatten)]
    pub aws: super::AwsArgs,
    /// Evaluate as if at this instant (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Also write plan.json and comment.md here.
    #[arg(short = 's', long = "output-dir")]
    pub output_dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: PlanFormat,
    /// Extra or overriding prices (TSV, as `run --prices`).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Exit with code 3 when the change makes some action newly act on a resource.
    #[arg(long)]
    pub fail_on_new_actions: bool,
}

/// The policy files under `paths` at git revision `rev`, as (name, text).
fn files_at_revision(rev: &str, paths: &[PathBuf]) -> Result<Vec<(String, String)>, String> {
    let git = |args: &[&str]| -> Result<String, String> {
        let out = Command::new("git")
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
        }
    };
    let mut files = Vec::new();
    for p in paths {
        let listing = git(&["ls-tree", "-r", "--name-only", rev, "--", &p.display().to_string()])?;
        for name in listing.lines().filter(|n| n.ends_with(".yml") || n.ends_with(".yaml")) {
            let text = git(&["show", &format!("{rev}:./{name}")])?;
            files.push((format!("{rev}:{name}"), text));
        }
    }
    if files.is_empty() {
        return Err(format!(
            "no policy files under {} at {rev}",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(files)
}

/// The `Name` tags of the resources the comparison lists (read from their full documents).
fn names(runs: &[&crate::engine::PolicyRun], wanted: &std::collections::BTreeSet<&str>) -> Names {
    let mut out = Names::new();
    for run in runs {
        for r in &run.matched {
            let id = crate::resource::resource_id(run.policy.kind, &r.view);
            if !wanted.contains(id) || out.contains_key(id) {
                continue;
            }
            let doc: Value = serde_json::from_str(&r.raw.text()).unwrap_or(Value::Null);
            let name = crate::resource::tags(&doc).find(|(k, _)| *k == "Name").map(|(_, v)| v.to_string());
            if let Some(n) = name {
                out.insert(id.to_string(), n);
            }
        }
    }
    out
}

/// Runs `custodian plan`.
pub fn plan(args: PlanArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    // The comment's marker carries when this run started, so a slower run that started
    // earlier never overwrites the comment of one that started later.
    let started = jiff::Timestamp::now();
    let head = load_selected(&args.head, &[]);
    let base: Result<Vec<Policy>, Vec<Diagnostic>> = match &args.base_ref {
        Some(rev) => match files_at_revision(rev, &args.head) {
            Ok(files) => crate::policy::load_texts(&files),
            Err(e) => Err(vec![Diagnostic::file("--base-ref", e)]),
        },
        None => load_selected(&args.base, &[]),
    };
    // Event-mode policies act on the resources an event names, not on the account as it is:
    // they are not evaluated here.
    let periodic = |ps: Vec<Policy>| -> Vec<Policy> { ps.into_iter().filter(|p| p.mode.event().is_none()).collect() };
    let (base, head) = match (base, head) {
        (Ok(b), Ok(h)) => (periodic(b), periodic(h)),
        (b, h) => {
            let diags: Vec<Diagnostic> = b.err().into_iter().chain(h.err()).flatten().collect();
            print_diagnostics(&diags, err);
            return ExitCode::InvalidInput;
        }
    };
    let super::Setup {
        clock,
        prices,
        provider,
        regions,
    } = match super::setup(args.now.as_deref(), args.prices.as_deref(), args.snapshot.as_deref(), &args.aws) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::InvalidInput;
        }
    };
    // One fetch for both sets: the kinds and fields either reads.
    let both: Vec<Policy> = base.iter().chain(head.iter()).cloned().collect();
    let inventory = Inventory::fetch(provider.as_ref(), &regions, &both, Deadline::none());
    let spec = |policies| RunSpec::new(policies, &regions, clock, RunMode::Plan);
    let base_runs = crate::engine::run(&spec(&base), &inventory);
    let head_runs = crate::engine::run(&spec(&head), &inventory);
    let now = clock.now();
    let comparison = compare(&base_runs, &head_runs, &prices, now);

    let mut code = ExitCode::Success;
    for r in base_runs.iter().chain(&head_runs) {
        if let Status::Failed(e) | Status::LimitExceeded(e) | Status::NotReached(e) = &r.status {
            let _ = writeln!(err, "policy '{}' in {}: {e}", r.policy.name, r.region);
            code = ExitCode::PolicyFailed;
        }
    }
    let wanted: std::collections::BTreeSet<&str> = comparison
        .policies
        .iter()
        .flat_map(|p| {
            p.newly_matched
                .iter()
                .chain(&p.no_longer_matched)
                .chain(p.actions.iter().flat_map(|a| a.newly.iter().chain(&a.no_longer)))
        })
        .map(String::as_str)
        .collect();
    let all_runs: Vec<&crate::engine::PolicyRun> = head_runs.iter().chain(&base_runs).collect();
    let names = names(&all_runs, &wanted);
    let comment = plan_comment::render(&comparison, &names, started, crate::report::markdown::GITHUB_COMMENT_LIMIT);
    let json = serde_json::to_string_pretty(&comparison).unwrap_or_default();
    if let Some(dir) = &args.output_dir {
        let written = std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::write(dir.join("plan.json"), format!("{json}\n")))
            .and_then(|_| std::fs::write(dir.join("comment.md"), &comment));
        if let Err(e) = written {
            let _ = writeln!(err, "cannot write to {}: {e}", dir.display());
            code = ExitCode::PolicyFailed;
        }
    }
    let _ = match args.format {
        PlanFormat::Table => write!(out, "{}", comparison.table()),
        PlanFormat::Json => writeln!(out, "{json}"),
        PlanFormat::Markdown => write!(out, "{comment}"),
    };
    if code == ExitCode::Success && args.fail_on_new_actions && comparison.has_new_actions() {
        code = ExitCode::Findings;
    }
    code
}
