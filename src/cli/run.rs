//! `custodian run`: load and validate everything, fetch each kind once per region, filter,
//! guard, plan (and, on a live provider, apply), write c7n's output layout, print a summary.

use super::{load_selected, print_diagnostics, ExitCode};
use crate::engine::{totals, Deadline, EventScope, Inventory, RunMode, RunSpec, Status};
use crate::report::output::{costs, write_all, RunInfo};
use std::io::Write;
use std::path::PathBuf;

/// Default output directory (Cloud Custodian requires `-s`; custodian defaults it).
pub const DEFAULT_OUTPUT_DIR: &str = "custodian-output";

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Policy files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output directory, or `s3://bucket/prefix` (uploaded under `PREFIX/YYYY/MM/DD/HH/RUN-ID/`).
    #[arg(short = 's', long = "output-dir", default_value = DEFAULT_OUTPUT_DIR)]
    pub output_dir: PathBuf,
    /// Plan actions without applying them; the plan is exactly what a real run would send.
    #[arg(short = 'd', long = "dryrun", visible_alias = "dry-run")]
    pub dry_run: bool,
    /// Evaluate a recorded account snapshot (DIR/<region>/describe-*.json) instead of AWS.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    /// Regions, profile, role.
    #[command(flatten)]
    pub aws: super::AwsArgs,
    /// Only policies whose name matches this glob (repeatable).
    #[arg(short = 'p', long = "policies", value_name = "NAME_GLOB")]
    pub policies: Vec<String>,
    /// Evaluate as if at this instant (RFC 3339), for previews and tests.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// With --dryrun on AWS: send each planned EC2 request with DryRun=true, and report per
    /// request whether it would succeed or be denied.
    #[arg(long, requires = "dry_run")]
    pub check_permissions: bool,
    /// Exit with code 3 when any policy matched resources (for CI gating).
    #[arg(long)]
    pub fail_on_findings: bool,
    /// Extra or overriding prices (TSV in the embedded tables' format; see README).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Run the event-mode policies this recorded event triggers (an EventBridge event, or a
    /// bare CloudTrail record), on the resources it names, in its region. The policies'
    /// `delay` is not waited for: the event is already recorded.
    #[arg(long, value_name = "FILE.json")]
    pub event: Option<PathBuf>,
}

/// Runs `custodian run`.
pub fn run(args: RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let policies = match load_selected(&args.paths, &args.policies) {
        Ok(p) => p,
        Err(diags) => {
            print_diagnostics(&diags, err);
            return ExitCode::InvalidInput;
        }
    };
    let event = match args.event.as_deref().map(read_event).transpose() {
        Ok(e) => e,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::InvalidInput;
        }
    };
    // An event happened in one region: that is where its resources are.
    let mut aws = args.aws.clone();
    if let Some(r) = event.as_ref().and_then(|e| e.region.clone()) {
        if aws.regions.is_empty() {
            aws.regions.push(r);
        }
    }
    let super::Setup {
        clock,
        prices,
        provider,
        regions,
    } = match super::setup(args.now.as_deref(), args.prices.as_deref(), args.snapshot.as_deref(), &aws) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::InvalidInput;
        }
    };
    let target = match super::OutputTarget::of(&args.output_dir) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::InvalidInput;
        }
    };
    super::print_warnings(&policies, err);
    let (policies, scope, regions) = match select_for_event(policies, event, regions, out, err) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let started = jiff::Timestamp::now();
    let inventory = match &scope {
        Some(s) => Inventory::fetch_event(provider.as_ref(), &regions[0], &policies, s, Deadline::none()),
        None => Inventory::fetch(provider.as_ref(), &regions, &policies, Deadline::none()),
    };
    // A recorded event's account names the account in messages only where nothing is sent
    // (a snapshot); a provider that can act always resolves destinations in its own account.
    let account = crate::engine::account_for(provider.as_ref(), &policies)
        .or_else(|| scope.as_ref().filter(|_| !provider.can_act()).and_then(|s| s.event.account.clone()));
    let run_id = format!("run-{}", started.as_millisecond());
    let spec = RunSpec {
        policies: &policies,
        regions: &regions,
        clock,
        mode: RunMode::choose(provider.as_ref(), args.dry_run, args.check_permissions),
        deadline: Deadline::none(),
        event: scope.as_ref(),
        account_id: account.as_deref(),
        run_id: &run_id,
        started,
        on_policy_end: None,
    };
    let runs = crate::engine::run(&spec, &inventory);
    let info = RunInfo {
        output_dir: target.local_dir().to_path_buf(),
        dry_run: args.dry_run,
        applied: provider.can_act(),
        provider: provider.describe(),
        regions: regions.clone(),
        now: clock.now(),
        started,
        prices,
    };
    let mut code = ExitCode::Success;
    let costs = costs(&runs, &info);
    let written = write_all(&runs, &costs, &info);
    for (r, result) in runs.iter().zip(written) {
        if let Err(e) = result {
            let _ = writeln!(err, "{}: cannot write output to {}: {e}", r.policy.name, info.output_dir.display());
            code = ExitCode::PolicyFailed;
        }
        match &r.status {
            Status::Ok if r.failures() > 0 => {
                let _ = writeln!(
                    err,
                    "policy '{}' in {}: {} resource action(s) failed (see metadata.json)",
                    r.policy.name,
                    r.region,
                    r.failures()
                );
                code = ExitCode::PolicyFailed;
            }
            Status::Ok => {}
            Status::Skipped(why) => {
                let _ = writeln!(err, "policy '{}' skipped in {}: {why}", r.policy.name, r.region);
            }
            Status::Failed(e) => {
                let _ = writeln!(err, "policy '{}' failed in {}: {e}", r.policy.name, r.region);
                code = ExitCode::PolicyFailed;
            }
            Status::LimitExceeded(e) | Status::NotReached(e) => {
                let _ = writeln!(err, "policy '{}' in {}: {e}", r.policy.name, r.region);
                code = ExitCode::PolicyFailed;
            }
        }
    }
    let output_at = match target.finish(started, &run_id, args.aws.profile.as_deref()) {
        Ok(at) => at,
        Err(e) => {
            let _ = writeln!(err, "cannot upload the outputs: {e}");
            code = ExitCode::PolicyFailed;
            args.output_dir.display().to_string()
        }
    };
    let _ = write!(out, "{}", crate::report::summary_table(&runs, &costs));
    let t = totals(&runs);
    let mode = if args.dry_run { "dry run" } else { "run" };
    let _ = writeln!(
        out,
        "\n{mode} of {} polic{} over {} region{} ({}): {} matched, {} planned API call{}; output in {}",
        policies.len(),
        if policies.len() == 1 { "y" } else { "ies" },
        regions.len(),
        if regions.len() == 1 { "" } else { "s" },
        provider.describe(),
        t.matched,
        t.requests,
        if t.requests == 1 { "" } else { "s" },
        output_at
    );
    if !args.dry_run && !provider.can_act() && t.requests > 0 {
        let _ = writeln!(
            out,
            "note: a snapshot is read-only: the {} planned API call{} above were NOT applied (each is listed in metadata.json).",
            t.requests,
            if t.requests == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(
        out,
        "costs: estimated compute per month (hourly x 730) from {}; {}; storage not estimated; regions without their own prices use us-east-1's.",
        info.prices.ec2_source, info.prices.rds_source
    );
    print_schedule_warnings(&runs, out);
    if code == ExitCode::Success && args.fail_on_findings && t.matched > 0 {
        code = ExitCode::Findings;
    }
    // The process ends after this command: freeing every fetched document and view one by one
    // would only cost time (about 7 % of the CPU of a dry run over 5,000 instances).
    std::mem::forget(runs);
    std::mem::forget(inventory);
    code
}

/// The policies to run and, with `--event`, the event's scope and region. Without an event,
/// event-mode policies are left out with a note, and asking for nothing but them is an error.
#[allow(clippy::type_complexity)]
fn select_for_event(
    policies: Vec<crate::policy::Policy>,
    event: Option<crate::event::Event>,
    regions: Vec<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(Vec<crate::policy::Policy>, Option<EventScope>, Vec<String>), ExitCode> {
    let Some(event) = event else {
        let (on_events, rest): (Vec<_>, Vec<_>) = policies.into_iter().partition(|p| p.mode.event().is_some());
        if !on_events.is_empty() {
            let names: Vec<&str> = on_events.iter().map(|p| p.name.as_str()).collect();
            if rest.is_empty() {
                let _ = writeln!(
                    err,
                    "{} run{} on events: pass a recorded event with --event FILE.json (see examples/events/)",
                    names.join(", "),
                    if names.len() == 1 { "s" } else { "" }
                );
                return Err(ExitCode::InvalidInput);
            }
            let _ = writeln!(err, "note: event-mode policies not run without --event: {}", names.join(", "));
        }
        return Ok((rest, None, regions));
    };
    let routing = crate::event::route(&policies, &event).map_err(|e| {
        let _ = writeln!(err, "event: {e}");
        ExitCode::InvalidInput
    })?;
    let region = event.region.clone().or_else(|| regions.first().cloned()).unwrap_or_default();
    let _ = writeln!(out, "event: {} in {region}", event.describe());
    for (name, why) in &routing.skipped {
        let _ = writeln!(out, "skipped: policy '{name}': {why}");
    }
    let selected: Vec<crate::policy::Policy> = policies.into_iter().filter(|p| routing.ids.contains_key(&p.name)).collect();
    if selected.is_empty() && routing.skipped.is_empty() {
        let _ = writeln!(out, "no policy reacts to this event");
    }
    Ok((selected, Some(EventScope { event, routing }), vec![region]))
}

/// Reads a recorded event; the error is located in the file.
fn read_event(path: &std::path::Path) -> Result<crate::event::Event, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}:{}:{}: not JSON: {e}", path.display(), e.line(), e.column()))?;
    crate::event::Event::parse(value).map_err(|e| format!("{}: {e}", path.display()))
}

/// One warning per resource whose schedule tag does not parse or has problems (not silent, as in c7n).
fn print_schedule_warnings(runs: &[crate::engine::PolicyRun], out: &mut dyn Write) {
    let mut seen = std::collections::BTreeSet::new();
    for r in runs {
        for (id, value, why) in &r.schedule.parse_errors {
            if seen.insert((r.region.clone(), id.clone())) {
                let _ = writeln!(
                    out,
                    "warning: {} {id}: schedule tag '{value}' does not parse, so it is never matched: {why}",
                    r.region
                );
            }
        }
        for (id, value, problems) in &r.schedule.lint {
            if seen.insert((r.region.clone(), id.clone())) {
                for p in problems {
                    let _ = writeln!(out, "warning: {} {id}: schedule tag '{value}': {p}", r.region);
                }
            }
        }
    }
}
