//! One summary across the accounts of an organization run: a row per account and region
//! (a Markdown table, with dollars) and the same facts as JSON.

use super::accounts::Account;
use crate::engine::{PolicyRun, Status};
use crate::report::cost::PolicyCost;
use serde::{Deserialize, Serialize};

/// How one account and region ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", content = "reason", rename_all = "kebab-case")]
pub enum JobStatus {
    /// Every policy ran (findings are not failures).
    Ok,
    /// Some policy failed here (a denied describe, max-resources, a failed action).
    PolicyFailed(String),
    /// Nothing ran here: the account could not be reached (its role, its credentials).
    Failed(String),
}

impl JobStatus {
    /// `ok`, `policy-failed` or `failed`, as in the JSON summary.
    pub fn word(&self) -> &'static str {
        match self {
            JobStatus::Ok => "ok",
            JobStatus::PolicyFailed(_) => "policy-failed",
            JobStatus::Failed(_) => "failed",
        }
    }
}

/// One policy in one account and region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyRow {
    /// The policy's name.
    pub policy: String,
    /// `ok`, `failed`, `limit-exceeded`, `not-reached`, `skipped`.
    pub status: String,
    /// Why, when not ok (or how many resource actions failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Matched resources.
    pub matched: usize,
    /// Planned requests (sent, in a real run).
    pub requests: usize,
    /// Resource actions that failed.
    pub action_failures: usize,
    /// The matched resources' estimated compute cost per month (known prices only).
    pub matched_monthly_usd: f64,
    /// What the actions would stop spending per month.
    pub saving_monthly_usd: f64,
}

impl PolicyRow {
    /// The row of one policy run.
    pub fn of(r: &PolicyRun, c: &PolicyCost) -> PolicyRow {
        let failures = r.failures();
        let error = match &r.status {
            Status::Ok if failures > 0 => Some(format!("{failures} resource action(s) failed (see metadata.json)")),
            Status::Ok | Status::Skipped(_) => None,
            Status::Failed(e) | Status::LimitExceeded(e) | Status::NotReached(e) => Some(e.clone()),
        };
        PolicyRow {
            policy: r.policy.name.clone(),
            status: r.status.word().to_string(),
            error,
            matched: r.matched.len(),
            requests: r.plans.iter().map(|p| p.requests.len()).sum(),
            action_failures: failures,
            matched_monthly_usd: c.matched_monthly_usd,
            saving_monthly_usd: c.saving_monthly_usd,
        }
    }
}

/// One account and region of an organization run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobOutcome {
    /// The account's name.
    pub account: String,
    /// Its id.
    pub account_id: String,
    /// The region.
    pub region: String,
    /// How it ended.
    #[serde(flatten)]
    pub status: JobStatus,
    /// Each policy that ran.
    pub policies: Vec<PolicyRow>,
    /// AWS API calls made (fetches and actions).
    pub api_calls: u64,
    /// Wall time of the job.
    pub seconds: f64,
}

impl JobOutcome {
    /// A job where nothing ran.
    pub fn failed(a: &Account, region: &str, reason: String, seconds: f64) -> JobOutcome {
        JobOutcome {
            account: a.name.clone(),
            account_id: a.account_id.clone(),
            region: region.to_string(),
            status: JobStatus::Failed(reason),
            policies: Vec::new(),
            api_calls: 0,
            seconds,
        }
    }

    /// Whether it failed (wholly or some policy).
    pub fn is_failure(&self) -> bool {
        self.status != JobStatus::Ok
    }

    fn matched(&self) -> usize {
        self.policies.iter().map(|p| p.matched).sum()
    }
}

/// Totals across every account and region.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OrgTotals {
    /// Accounts in the run.
    pub accounts: usize,
    /// Account-region jobs.
    pub jobs: usize,
    /// Jobs where nothing or not everything ran.
    pub failed_jobs: usize,
    /// Matched resources.
    pub matched: usize,
    /// Planned (or sent) requests.
    pub requests: usize,
    /// API calls made.
    pub api_calls: u64,
    /// Estimated compute cost per month of the matched resources.
    pub matched_monthly_usd: f64,
    /// What the actions stop spending per month.
    pub saving_monthly_usd: f64,
}

/// The totals of `jobs`.
pub fn totals(jobs: &[JobOutcome]) -> OrgTotals {
    let mut accounts: Vec<&str> = jobs.iter().map(|j| j.account.as_str()).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let rows = || jobs.iter().flat_map(|j| &j.policies);
    OrgTotals {
        accounts: accounts.len(),
        jobs: jobs.len(),
        failed_jobs: jobs.iter().filter(|j| j.is_failure()).count(),
        matched: rows().map(|p| p.matched).sum(),
        requests: rows().map(|p| p.requests).sum(),
        api_calls: jobs.iter().map(|j| j.api_calls).sum(),
        matched_monthly_usd: rows().map(|p| p.matched_monthly_usd).sum(),
        saving_monthly_usd: rows().map(|p| p.saving_monthly_usd).sum(),
    }
}

/// The JSON summary (`DIR/org-summary.json`, and `--format json`).
pub fn to_json(jobs: &[JobOutcome], dry_run: bool) -> serde_json::Value {
    serde_json::json!({
        "dry_run": dry_run,
        "totals": totals(jobs),
        "jobs": jobs,
    })
}

fn dollars(x: f64) -> String {
    if x == 0.0 {
        "-".into()
    } else {
        format!("${x:.2}")
    }
}

/// The Markdown table: one row per account and region, then the totals line.
pub fn table(jobs: &[JobOutcome]) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::ASCII_MARKDOWN).set_header(vec![
        "Account",
        "Region",
        "Status",
        "Policies",
        "Matched",
        "Requests",
        "Cost/month",
        "Saves/month",
        "API calls",
        "Seconds",
    ]);
    for j in jobs {
        // The reasons are listed under the table (and on stderr).
        let status = match &j.status {
            JobStatus::Ok => "ok",
            JobStatus::PolicyFailed(_) => "policy failed",
            JobStatus::Failed(_) => "failed",
        };
        t.add_row(vec![
            format!("{} ({})", j.account, j.account_id),
            j.region.clone(),
            status.to_string(),
            j.policies.len().to_string(),
            j.matched().to_string(),
            j.policies.iter().map(|p| p.requests).sum::<usize>().to_string(),
            dollars(j.policies.iter().map(|p| p.matched_monthly_usd).sum()),
            dollars(j.policies.iter().map(|p| p.saving_monthly_usd).sum()),
            j.api_calls.to_string(),
            format!("{:.1}", j.seconds),
        ]);
    }
    let s = totals(jobs);
    let mut reasons = String::new();
    for j in jobs {
        if let JobStatus::Failed(why) | JobStatus::PolicyFailed(why) = &j.status {
            reasons.push_str(&format!("\n- {} ({}) {}: {why}", j.account, j.account_id, j.region));
        }
    }
    if !reasons.is_empty() {
        reasons = format!("\nfailed:{reasons}\n");
    }
    format!(
        "{t}\n{reasons}\n{} account{}, {} account-region{} ({} failed): {} matched, {} request{}, {} API calls; matched resources cost ${:.2} a month, the actions save ${:.2}\n",
        s.accounts,
        if s.accounts == 1 { "" } else { "s" },
        s.jobs,
        if s.jobs == 1 { "" } else { "s" },
        s.failed_jobs,
        s.matched,
        s.requests,
        if s.requests == 1 { "" } else { "s" },
        s.api_calls,
        s.matched_monthly_usd,
        s.saving_monthly_usd,
    )
}
