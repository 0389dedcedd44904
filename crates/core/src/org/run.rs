//! An organization run: the same engine and outputs as `run`, once per (account, region).
//!
//! Every policy is validated for every account and region (its variables expanded) before the
//! first API call. Then each account is connected once (its role assumed, its identity checked)
//! and its jobs run, at most `concurrency` at a time across the whole organization. A job that
//! fails (a role that cannot be assumed, a denied describe) is reported with its reason and
//! never stops the others (c7n-org's `run_account` logs and moves on; it also exits 0, which
//! here is exit code 2).

use super::accounts::Account;
use super::summary::{JobOutcome, JobStatus, PolicyRow};
use crate::engine::{parallel_map_n, Deadline, Inventory, RunMode, RunSpec, Status};
use crate::input::Diagnostic;
use crate::policy::vars::Variables;
use crate::policy::{Policy, PolicyFiles};
use crate::provider::Provider;
use crate::report::output::{costs, write_all, RunInfo};
use std::path::PathBuf;
use std::time::Instant;

/// Connects to member accounts.
pub trait Connector: Sync {
    /// A provider acting in `account` (its credentials obtained and checked) over `regions`
    /// (`all` resolved by the account itself); the error is the reason, for the summary.
    fn connect(&self, account: &Account, regions: &[String]) -> Connected;
}

/// A connected account, or why it could not be reached.
pub type Connected = Result<Box<dyn Provider + Send>, String>;

/// What an organization run does.
pub struct OrgRunSpec<'a> {
    /// The accounts taken (already selected).
    pub accounts: &'a [Account],
    /// `-r` (empty: each account's own regions).
    pub regions: &'a [String],
    /// The policy files, validated per account and region.
    pub files: &'a PolicyFiles,
    /// `-p` globs (empty: every policy).
    pub policy_globs: &'a [String],
    /// Jobs running at once, across every account.
    pub concurrency: usize,
    /// Plan only.
    pub dry_run: bool,
    /// Outputs go to `DIR/<account name>/<region>/<policy>/`.
    pub output_dir: PathBuf,
    /// "Now".
    pub clock: crate::time::Clock,
    /// Prices for the costs.
    pub prices: std::sync::Arc<crate::pricing::PriceTable>,
}

/// The policies one account and region runs: variables expanded, `-p` applied, event-mode
/// policies left out (an organization run is a scheduled pull).
pub fn policies_for(spec: &OrgRunSpec, account: &Account, region: &str) -> Result<Vec<Policy>, Vec<Diagnostic>> {
    let vars = Variables::for_account(&account.account_id, &account.name, region, spec.clock.now(), &account.vars);
    let policies = spec.files.load(Some(&vars))?;
    let patterns: Vec<_> = spec.policy_globs.iter().map(|g| crate::filter::value::Pattern::glob(g)).collect();
    Ok(policies
        .into_iter()
        .filter(|p| patterns.is_empty() || patterns.iter().any(|g| g.is_match(&p.name)))
        .filter(|p| p.mode.event().is_none())
        .collect())
}

/// Validates every account and region with its own variables before anything is fetched;
/// each error names the account and region it is for (once per distinct message).
pub fn validate(spec: &OrgRunSpec) -> Result<(), Vec<String>> {
    // `all` is known only once connected: validated here as us-east-1, and again per real region.
    let mut pairs: Vec<(&Account, String)> = spec
        .accounts
        .iter()
        .flat_map(|a| {
            a.regions_for(spec.regions)
                .into_iter()
                .map(move |r| (a, if r == "all" { "us-east-1".into() } else { r }))
        })
        .collect();
    if !spec.files.uses_variables() {
        pairs.truncate(1);
    }
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut selected_any = false;
    for (a, region) in pairs {
        match policies_for(spec, a, &region) {
            Ok(p) => selected_any |= !p.is_empty(),
            Err(diags) => {
                for d in diags.iter().map(ToString::to_string) {
                    if !errors.iter().any(|(_, e)| *e == d) {
                        errors.push((format!("account {} ({}), region {region}", a.name, a.account_id), d));
                    }
                }
            }
        }
    }
    if errors.is_empty() && !selected_any {
        return Err(vec![
            "no policy to run: every selected policy runs on events (an organization run is scheduled)".into(),
        ]);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.into_iter().map(|(at, d)| format!("{at}: {d}")).collect())
    }
}

/// Runs every account and region; one outcome per job, in account then region order.
pub fn run(spec: &OrgRunSpec, connector: &dyn Connector) -> Vec<JobOutcome> {
    let concurrency = spec.concurrency.max(1);
    // Each account connected once, its jobs listed once its regions are known.
    let connected: Vec<(Connected, f64)> = parallel_map_n(spec.accounts, concurrency, |a| {
        let t = Instant::now();
        (connector.connect(a, &a.regions_for(spec.regions)), t.elapsed().as_secs_f64())
    });
    let mut jobs: Vec<(usize, String)> = Vec::new();
    let mut outcomes: Vec<JobOutcome> = Vec::new();
    for (i, (a, (c, seconds))) in spec.accounts.iter().zip(&connected).enumerate() {
        match c {
            Ok(p) => {
                let wanted = a.regions_for(spec.regions);
                let regions = if wanted.iter().any(|r| r == "all") { p.regions() } else { wanted };
                jobs.extend(regions.into_iter().map(|r| (i, r)));
            }
            Err(reason) => {
                // Nothing ran in any of its regions.
                for r in a.regions_for(spec.regions) {
                    outcomes.push(JobOutcome::failed(a, &r, format!("cannot connect: {reason}"), *seconds));
                }
            }
        }
    }
    let stage = crate::progress::Stage::begin("accounts", jobs.len());
    let ran = parallel_map_n(&jobs, concurrency, |(i, region)| {
        let account = &spec.accounts[*i];
        let Ok(provider) = &connected[*i].0 else {
            unreachable!("jobs are listed for connected accounts only")
        };
        let outcome = run_job(spec, account, region, provider.as_ref());
        let matched: usize = outcome.policies.iter().map(|p| p.matched).sum();
        stage.step(&format!(
            "{}/{region}: {}, {matched} matched in {:.1} s",
            account.name,
            outcome.status.word(),
            outcome.seconds
        ));
        outcome
    });
    stage.end();
    outcomes.extend(ran);
    // Account then region order (names are unique in an accounts file).
    let index: std::collections::HashMap<&str, usize> = spec.accounts.iter().enumerate().map(|(i, a)| (a.name.as_str(), i)).collect();
    outcomes.sort_by_cached_key(|o| (index.get(o.account.as_str()).copied().unwrap_or(usize::MAX), o.region.clone()));
    outcomes
}

/// One account and region: validate its policies, fetch, filter, plan or apply, write outputs.
fn run_job(spec: &OrgRunSpec, account: &Account, region: &str, provider: &(dyn Provider + Send)) -> JobOutcome {
    let t = Instant::now();
    let policies = match policies_for(spec, account, region) {
        Ok(p) => p,
        Err(diags) => {
            let first = diags.first().map(ToString::to_string).unwrap_or_default();
            return JobOutcome::failed(account, region, format!("invalid policies here: {first}"), 0.0);
        }
    };
    let regions = vec![region.to_string()];
    let started = jiff::Timestamp::now();
    let inventory = Inventory::fetch(provider, &regions, &policies, Deadline::none());
    let run_id = format!("run-{}-{}-{region}", started.as_millisecond(), account.account_id);
    let spec_run = RunSpec {
        policies: &policies,
        regions: &regions,
        clock: spec.clock,
        mode: RunMode::choose(provider, spec.dry_run, false),
        deadline: Deadline::none(),
        event: None,
        account_id: Some(&account.account_id),
        run_id: &run_id,
        started,
        on_policy_end: None,
    };
    let runs = crate::engine::run(&spec_run, &inventory);
    let info = RunInfo {
        output_dir: spec.output_dir.join(&account.name).join(region),
        dry_run: spec.dry_run,
        applied: provider.can_act(),
        provider: format!("{} account {} ({})", provider.describe(), account.name, account.account_id),
        regions: regions.clone(),
        now: spec.clock.now(),
        started,
        prices: spec.prices.clone(),
    };
    let costs = costs(&runs, &info);
    let written = write_all(&runs, &costs, &info);
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for ((r, c), w) in runs.iter().zip(&costs).zip(written) {
        let mut row = PolicyRow::of(r, c);
        if let Err(e) = w {
            row.error = Some(format!("cannot write output: {e}"));
        }
        if let Some(e) = &row.error {
            problems.push(format!("{}: {e}", r.policy.name));
        }
        rows.push(row);
    }
    // The calls each kind's shared fetch made are listed once per policy of that kind.
    let mut seen_kinds = std::collections::BTreeSet::new();
    let fetch_calls: u64 = runs
        .iter()
        .filter(|r| seen_kinds.insert(r.policy.kind))
        .map(|r| r.api_calls.iter().map(|(_, n)| n).sum::<u64>())
        .sum();
    let action_calls: u64 = runs.iter().map(|r| r.action_calls.values().sum::<u64>()).sum();
    let status = if problems.is_empty() {
        JobStatus::Ok
    } else {
        JobStatus::PolicyFailed(problems.join("; "))
    };
    JobOutcome {
        account: account.name.clone(),
        account_id: account.account_id.clone(),
        region: region.to_string(),
        status,
        policies: rows,
        api_calls: fetch_calls + action_calls,
        seconds: t.elapsed().as_secs_f64(),
    }
}

/// Whether a policy run counts as failed in an organization's summary.
pub fn failed(status: &Status) -> bool {
    matches!(status, Status::Failed(_) | Status::LimitExceeded(_) | Status::NotReached(_))
}

#[cfg(test)]
#[path = "tests/run.rs"]
mod tests;
