//! The JSON an invocation returns (and writes to S3 as `summary.json`): per policy and region,
//! what matched, what was done to which resources, and what was not reached.

use crate::event::{Invocation, Trigger};
use custodian_core::engine::{totals, PolicyRun, Status};
use custodian_core::report::cost::PolicyCost;
use custodian_core::resource::resource_id;
use serde::Serialize;

/// One invocation's outcome.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// The Lambda request id.
    pub request_id: String,
    /// `schedule` or `manual`.
    pub trigger: String,
    /// The schedule rule's ARN, for scheduled invocations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What the triggering event reported, for event invocations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Event policies the event concerns but that had nothing to do, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedPolicy>,
    /// Plan only?
    pub dryrun: bool,
    /// The instant policies were evaluated at.
    pub now: String,
    /// Regions run.
    pub regions: Vec<String>,
    /// Per policy and region.
    pub policies: Vec<PolicySummary>,
    /// Totals over `policies`.
    pub totals: SummaryTotals,
    /// `policy@region` of every run the deadline left unstarted.
    pub not_reached: Vec<String>,
    /// Where the outputs went (`s3://bucket/prefix/`), when an output bucket is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Why an event was refused (not sent by AWS, or from another account): nothing ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// Why the run's clock is the system clock and not the time the payload named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// Wall time of the invocation, in milliseconds.
    pub duration_ms: u64,
}

/// An event policy that did not run on this event.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SkippedPolicy {
    /// Policy name.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// One policy in one region.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PolicySummary {
    /// Policy name.
    pub name: String,
    /// Region.
    pub region: String,
    /// `ok`, `failed`, `limit-exceeded` or `not-reached`.
    pub status: &'static str,
    /// Why, when not `ok`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Resources fetched.
    pub fetched: usize,
    /// Ids of the matched resources.
    pub matched: Vec<String>,
    /// Per action.
    pub actions: Vec<ActionSummary>,
    /// What the matched resources cost and the actions save, per month.
    pub cost: PolicyCost,
}

/// One action of one policy run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ActionSummary {
    /// Action name.
    pub action: &'static str,
    /// Ids the action was applied (or, in a dry run, would be applied) to.
    pub targets: Vec<String>,
    /// Ids skipped, with the reason (e.g. not running).
    pub skipped: usize,
    /// Ids AWS refused: `id: Code`.
    pub failed: Vec<String>,
    /// API requests sent (or planned).
    pub requests: usize,
}

/// Totals over a run.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SummaryTotals {
    /// Policy runs (policies x regions).
    pub runs: usize,
    /// Matched resources.
    pub matched: usize,
    /// API requests sent (or planned).
    pub requests: usize,
    /// Runs whose fetch failed.
    pub failed: usize,
    /// Runs stopped by max-resources.
    pub limit_exceeded: usize,
    /// Runs not started at the deadline.
    pub not_reached: usize,
    /// Resources whose action AWS refused.
    pub action_failures: usize,
    /// The matched resources' estimated compute cost per month (known prices).
    pub matched_monthly_usd: f64,
    /// What the actions save per month (known prices).
    pub saving_monthly_usd: f64,
}

/// Summarises the runs of one invocation, with each run's costs (`output` and `duration_ms`
/// are filled in later).
pub fn summarize(
    request_id: &str,
    invocation: &Invocation,
    regions: &[String],
    now: jiff::Timestamp,
    runs: &[PolicyRun],
    costs: &[PolicyCost],
) -> Summary {
    let t = totals(runs);
    let policies: Vec<PolicySummary> = runs
        .iter()
        .zip(costs)
        .map(|(r, cost)| {
            let (status, error) = (r.status.word(), r.status.message().map(str::to_string));
            let actions = r
                .plans
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let failed = r
                        .refused(i)
                        .map(|o| format!("{}: {}", o.id, o.error.as_deref().unwrap_or_default()))
                        .collect();
                    ActionSummary {
                        action: p.action,
                        targets: p.targets.clone(),
                        skipped: p.skipped.len(),
                        failed,
                        requests: p.requests.len(),
                    }
                })
                .collect();
            PolicySummary {
                name: r.policy.name.clone(),
                region: r.region.clone(),
                status,
                error,
                fetched: r.population,
                matched: r.matched.iter().map(|m| resource_id(r.policy.kind, &m.view).to_string()).collect(),
                actions,
                cost: cost.clone(),
            }
        })
        .collect();
    let (trigger, rule, event) = match &invocation.trigger {
        Trigger::Schedule { rule } => ("schedule", rule.clone(), None),
        Trigger::Manual => ("manual", None, None),
        Trigger::Event(e) => ("event", None, Some(e.describe())),
    };
    Summary {
        request_id: request_id.to_string(),
        trigger: trigger.into(),
        rule,
        event,
        skipped: Vec::new(),
        dryrun: invocation.dry_run,
        now: now.to_string(),
        regions: regions.to_vec(),
        not_reached: runs
            .iter()
            .filter(|r| matches!(r.status, Status::NotReached(_)))
            .map(|r| format!("{}@{}", r.policy.name, r.region))
            .collect(),
        totals: SummaryTotals {
            runs: runs.len(),
            matched: t.matched,
            requests: t.requests,
            failed: t.failed,
            limit_exceeded: t.limited,
            not_reached: t.not_reached,
            action_failures: runs.iter().map(|r| r.failures()).sum(),
            matched_monthly_usd: costs.iter().map(|c| c.matched_monthly_usd).sum(),
            saving_monthly_usd: costs.iter().map(|c| c.saving_monthly_usd).sum(),
        },
        policies,
        output: None,
        refused: None,
        clock: None,
        duration_ms: 0,
    }
}
