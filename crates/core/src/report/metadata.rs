//! `metadata.json`, typed: written from a [`Metadata`] value and read back through it (by
//! `custodian report` and the pull-request comment). Fields are declared in alphabetical order,
//! so the file keeps its key order.

use super::cost::PolicyCost;
use crate::action::plan::Skipped;
use crate::action::request::RequestRecord;
use crate::engine::PolicyRun;
use crate::provider::IdOutcome;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One policy run's `metadata.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// Each action's plan (and, when applied, its outcomes).
    pub actions: Vec<ActionRecord>,
    /// API calls made, by `service.Operation` (c7n's `api-stats`).
    #[serde(rename = "api-stats")]
    pub api_stats: BTreeMap<String, u64>,
    /// How the run was configured.
    pub config: RunConfig,
    /// What the matched resources cost and the actions save, per month.
    #[serde(default)]
    pub cost: PolicyCost,
    /// Resources fetched and matched.
    pub counts: Counts,
    /// Why the run is not `ok` (`null` when it is).
    pub error: Option<String>,
    /// Timings.
    pub execution: Execution,
    /// The policy name.
    pub name: String,
    /// The policy as written.
    pub policy: Value,
    /// The region.
    pub region: String,
    /// The kind, e.g. `aws.ec2`.
    pub resource: String,
    /// Off-hours findings.
    pub schedule: ScheduleRecord,
    /// `ok`, `failed`, `limit-exceeded` or `not-reached`.
    pub status: String,
    /// custodian's version.
    pub version: String,
}

/// One action's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRecord {
    /// The action's canonical name.
    pub action: String,
    /// Whether its requests were sent.
    pub applied: bool,
    /// When applied: the resources AWS refused, with its error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<Vec<IdOutcome>>,
    /// `--check-permissions`: per request, what AWS said of a `DryRun=true` call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<Option<String>>>,
    /// The exact requests, in the order a real run sends them.
    pub requests: Vec<RequestRecord>,
    /// Matched resources the action leaves alone, with the reason.
    pub skipped: Vec<Skipped>,
    /// When applied: how many resource outcomes succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub succeeded: Option<usize>,
    /// How many resources it acts on.
    pub targets: usize,
}

/// The run's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Dry run (plan only)?
    pub dryrun: bool,
    /// The output directory.
    pub output_dir: String,
    /// The provider, e.g. "snapshot examples/account".
    pub provider: String,
    /// Evaluated regions.
    pub regions: Vec<String>,
}

/// Resource counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Fetched before filtering.
    pub fetched: usize,
    /// Matched the filters.
    pub matched: usize,
}

/// Timings and the evaluated instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    /// When the policy's output was written.
    pub end_time: String,
    /// Seconds spent filtering and planning.
    pub eval_seconds: f64,
    /// Seconds the shared fetch of the kind took.
    pub fetch_seconds: f64,
    /// "Now" as evaluated.
    pub now: String,
    /// Wall-clock start of the run.
    pub start: String,
}

/// Off-hours findings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ScheduleRecord {
    /// Resources whose schedule tag opts them out.
    pub opted_out: usize,
    /// Schedule tags that do not parse.
    pub parse_errors: Vec<TagFinding>,
    /// Schedule tags that parse but have problems.
    pub tag_lint: Vec<TagLint>,
}

/// A schedule tag that does not parse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagFinding {
    /// Why.
    pub error: String,
    /// The resource.
    pub id: String,
    /// The tag value.
    pub value: String,
}

/// A schedule tag with problems.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagLint {
    /// The resource.
    pub id: String,
    /// What is questionable.
    pub problems: Vec<String>,
    /// The tag value.
    pub value: String,
}

impl Metadata {
    /// The metadata of one policy run, with its costs (see [`super::cost::policy_cost`]).
    pub fn of(run: &PolicyRun, info: &super::output::RunInfo, cost: &PolicyCost) -> Metadata {
        let mut api_stats: BTreeMap<String, u64> = BTreeMap::new();
        for (api, n) in run.api_calls.iter().map(|(k, v)| (k, v)).chain(run.action_calls.iter()) {
            *api_stats.entry(api.clone()).or_default() += n;
        }
        let actions = run
            .plans
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let outcomes = run.outcomes.get(i);
                ActionRecord {
                    action: p.action.to_string(),
                    applied: info.applied && !info.dry_run,
                    failed: outcomes.map(|o| o.iter().filter(|o| o.error.is_some()).cloned().collect()),
                    permissions: run.permission_checks.get(i).cloned(),
                    requests: p.requests.iter().map(|r| r.record()).collect(),
                    skipped: p.skipped.clone(),
                    succeeded: outcomes.map(|o| o.iter().filter(|o| o.error.is_none()).count()),
                    targets: p.targets.len(),
                }
            })
            .collect();
        Metadata {
            actions,
            api_stats,
            config: RunConfig {
                dryrun: info.dry_run,
                output_dir: info.output_dir.display().to_string(),
                provider: info.provider.clone(),
                regions: info.regions.clone(),
            },
            cost: cost.clone(),
            counts: Counts {
                fetched: run.population,
                matched: run.matched.len(),
            },
            error: run.status.message().map(str::to_string),
            execution: Execution {
                end_time: jiff::Timestamp::now().to_string(),
                eval_seconds: run.eval_time.as_secs_f64(),
                fetch_seconds: run.fetch_time.as_secs_f64(),
                now: info.now.to_string(),
                start: info.started.to_string(),
            },
            name: run.policy.name.clone(),
            policy: crate::input::redact::redact_policy(&run.policy.data),
            region: run.region.clone(),
            resource: run.policy.kind.spec().name.to_string(),
            schedule: ScheduleRecord {
                opted_out: run.schedule.opted_out.len(),
                parse_errors: run
                    .schedule
                    .parse_errors
                    .iter()
                    .map(|(id, value, error)| TagFinding {
                        error: error.clone(),
                        id: id.clone(),
                        value: value.clone(),
                    })
                    .collect(),
                tag_lint: run
                    .schedule
                    .lint
                    .iter()
                    .map(|(id, value, problems)| TagLint {
                        id: id.clone(),
                        problems: problems.clone(),
                        value: value.clone(),
                    })
                    .collect(),
            },
            status: run.status.word().to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}
