//! A policy's actions as a pipeline. Each action is planned on the resources no earlier action
//! of the policy failed on, then sent, so `[snapshot, terminate]` never terminates an instance
//! whose snapshot was refused. Cloud Custodian stops the whole policy when an action raises
//! (`c7n/policy.py`, `PullMode.run`: the actions loop has no handler, and `ec2.Snapshot.process`
//! re-raises its first failure); here only the resources it failed on stop, and each is listed
//! as skipped by the later actions with the reason. `notify` reports them too when asked
//! (`include-failed: true`). A dry run plans the same pipeline with every request succeeding.

use super::{Deadline, RunMode};
use crate::action::plan::{plan, ActionPlan, Candidate, PlanContext, Skipped};
use crate::action::Action;
use crate::provider::IdOutcome;
use crate::resource::resource_id;
use std::collections::{BTreeMap, HashMap};

/// What a policy's actions did.
#[derive(Debug, Default)]
pub(super) struct Acted {
    /// One plan per action, as sent: later plans leave out what earlier actions failed on.
    pub plans: Vec<ActionPlan>,
    /// Per plan, per request, the per-resource outcomes (a dry run: as if applied).
    pub sent: Vec<Vec<Vec<IdOutcome>>>,
    /// `--check-permissions`: per plan, per request, what AWS said of a `DryRun=true` call.
    pub checks: Vec<Vec<Option<String>>>,
    /// API calls made, by `service.Operation`.
    pub calls: BTreeMap<String, u64>,
    /// Set when the deadline stopped the pipeline before every request was sent.
    pub cut_short: Option<String>,
}

/// The error code of a request not sent because the run's deadline was near.
pub const NOT_SENT: &str = "NotSent";

/// Plans and sends `actions` in order over `candidates` (see the module doc). Requests stop at
/// `deadline` in a real run: what was not sent is a failure of code [`NOT_SENT`], so no later
/// action acts on those resources either.
pub(super) fn act(actions: &[Action], candidates: &[Candidate], cx: &PlanContext, mode: RunMode, deadline: Deadline) -> Acted {
    let mut acted = Acted::default();
    // Resource id -> why the later actions leave it alone, in the order the failures happened.
    let mut failed: HashMap<String, String> = HashMap::new();
    for action in actions {
        let name = action.name().as_str();
        let (live, dropped): (Vec<Candidate>, Vec<Candidate>) = candidates
            .iter()
            .partition(|c| action.behaviour().after_failure() || !failed.contains_key(resource_id(cx.kind, c.fetched)));
        let mut planned = plan(action, &live, cx);
        planned.skipped.extend(dropped.iter().map(|c| {
            let id = resource_id(cx.kind, c.fetched);
            Skipped {
                id: id.to_string(),
                reason: failed.get(id).cloned().unwrap_or_default(),
                earlier_policy: None,
            }
        }));
        let mut sent = Vec::with_capacity(planned.requests.len());
        let mut checks = Vec::new();
        for request in &planned.requests {
            let outcomes = match mode {
                RunMode::Apply(_) if deadline.reached() => {
                    acted.cut_short.get_or_insert_with(|| {
                        format!("stopped at the run's deadline: '{name}' and later actions not sent to every resource")
                    });
                    request
                        .ids
                        .iter()
                        .map(|id| IdOutcome::failed(id, NOT_SENT, "not sent: the run's deadline was near"))
                        .collect()
                }
                RunMode::Apply(provider) => {
                    let (outcomes, calls) = provider.apply(cx.region, request);
                    for (api, n) in calls {
                        *acted.calls.entry(api).or_default() += n;
                    }
                    outcomes
                }
                RunMode::Plan | RunMode::CheckPermissions(_) => {
                    if let RunMode::CheckPermissions(provider) = mode {
                        checks.push(provider.check_permission(cx.region, request));
                    }
                    request.ids.iter().map(|id| IdOutcome::applied(id)).collect()
                }
            };
            for o in &outcomes {
                if let Some(code) = &o.error {
                    failed
                        .entry(o.id.clone())
                        .or_insert_with(|| format!("earlier action '{name}' failed: {code}"));
                }
            }
            sent.push(outcomes);
        }
        acted.plans.push(planned);
        acted.sent.push(sent);
        if matches!(mode, RunMode::CheckPermissions(_)) {
            acted.checks.push(checks);
        }
    }
    acted
}
