//! The run: policies x regions. Each resource kind is fetched once per region, however many
//! policies use it; then every (region, policy) is filtered, guarded by max-resources, and its
//! actions planned. A failure in one policy never stops the others.

mod effects;
mod event_scope;
mod inventory;
mod parallel;
mod pipeline;
mod reads;

pub use effects::Effects;
pub use event_scope::{account_for, EventScope};
pub use inventory::{fields_read, Inventory};
pub use parallel::{parallel_map, parallel_map_n};
pub use pipeline::NOT_SENT;
pub use reads::{policy_reads, PolicyReads};

use crate::action::plan::{ActionPlan, Candidate, Change, PlanContext, RunFacts};
use crate::filter::EvalContext;
use crate::policy::Policy;
use crate::provider::{FetchError, IdOutcome, Provider};
use crate::resource::{resource_id, Resource, ResourceKind};
use crate::schedule::{ScheduleFindings, ScheduleNotes};
use crate::time::Clock;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// How a policy ended in one region.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Filtered and planned.
    Ok,
    /// Fetching failed; nothing was evaluated.
    Failed(String),
    /// `max-resources` tripped; no action was planned or taken.
    LimitExceeded(String),
    /// Not started: the run's deadline was near (a Lambda about to time out).
    NotReached(String),
    /// Not run here: its `conditions` do not hold (not a failure).
    Skipped(String),
}

impl Status {
    /// The status word of reports and summaries: `ok`, `failed`, `limit-exceeded`,
    /// `not-reached`.
    pub fn word(&self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed(_) => "failed",
            Status::LimitExceeded(_) => "limit-exceeded",
            Status::NotReached(_) => "not-reached",
            Status::Skipped(_) => "skipped",
        }
    }

    /// Why the run is not `ok`.
    pub fn message(&self) -> Option<&str> {
        match self {
            Status::Ok => None,
            Status::Failed(e) | Status::LimitExceeded(e) | Status::NotReached(e) | Status::Skipped(e) => Some(e),
        }
    }
}

/// The instant a run stops starting new work (fetches, policies), so it ends cleanly instead
/// of being killed mid-action. What it does not reach is reported as [`Status::NotReached`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// No deadline.
    pub fn none() -> Self {
        Deadline(None)
    }

    /// Stop starting work at `at`.
    pub fn at(at: Instant) -> Self {
        Deadline(Some(at))
    }

    /// Whether the deadline has passed.
    pub fn reached(&self) -> bool {
        self.0.is_some_and(|d| Instant::now() >= d)
    }
}

/// The message of work skipped at the deadline.
pub const NOT_REACHED: &str = "not started: the run's deadline was near";

/// The outcome of one policy in one region.
#[derive(Debug)]
pub struct PolicyRun<'a> {
    /// The policy.
    pub policy: &'a Policy,
    /// The region.
    pub region: String,
    /// How it ended.
    pub status: Status,
    /// Resources fetched before filtering.
    pub population: usize,
    /// Matched resources, in fetch order.
    pub matched: Vec<&'a Resource>,
    /// One plan per action, in policy order (empty when the guard tripped).
    pub plans: Vec<ActionPlan>,
    /// Time to filter and plan.
    pub eval_time: Duration,
    /// Time the shared fetch of this kind took.
    pub fetch_time: Duration,
    /// API calls of the shared fetch.
    pub api_calls: Vec<(String, u64)>,
    /// Off-hours findings: opted-out resources, unparsable and questionable schedule tags.
    pub schedule: ScheduleFindings,
    /// Resources whose schedule tag opted them out (`opted_out.json`).
    pub opted_out: Vec<&'a Resource>,
    /// When actions were applied: each plan's per-resource outcomes, in request order.
    pub outcomes: Vec<Vec<IdOutcome>>,
    /// API calls made by applying actions, by `service.Operation`.
    pub action_calls: BTreeMap<String, u64>,
    /// `--check-permissions`: per plan, per request, what AWS said of a `DryRun=true` call.
    pub permission_checks: Vec<Vec<Option<String>>>,
}

impl<'a> PolicyRun<'a> {
    /// A run of `policy` in `region` that has done nothing yet.
    pub fn new(policy: &'a Policy, region: &str) -> Self {
        PolicyRun {
            policy,
            region: region.to_string(),
            status: Status::Ok,
            population: 0,
            matched: Vec::new(),
            plans: Vec::new(),
            eval_time: Duration::ZERO,
            fetch_time: Duration::ZERO,
            api_calls: Vec::new(),
            schedule: ScheduleFindings::default(),
            opted_out: Vec::new(),
            outcomes: Vec::new(),
            action_calls: BTreeMap::new(),
            permission_checks: Vec::new(),
        }
    }

    /// The outcomes of plan `plan` that AWS refused.
    pub fn refused(&self, plan: usize) -> impl Iterator<Item = &IdOutcome> {
        self.outcomes.get(plan).into_iter().flatten().filter(|o| o.error.is_some())
    }

    /// Resources whose action failed.
    pub fn failures(&self) -> usize {
        self.outcomes.iter().flatten().filter(|o| o.error.is_some()).count()
    }
}

/// What a run does with each policy's plan.
#[derive(Clone, Copy)]
pub enum RunMode<'p> {
    /// Plan only (a dry run): exactly the requests a real run would send.
    Plan,
    /// Plan, and ask the provider whether each request would be allowed (`--check-permissions`).
    CheckPermissions(&'p dyn Provider),
    /// Plan and send every request through the provider.
    Apply(&'p dyn Provider),
}

impl<'p> RunMode<'p> {
    /// The mode of a run on `provider`: a dry run plans (and with `check_permissions` asks AWS
    /// about each request); otherwise a provider that can act applies, and a read-only one
    /// (a snapshot) plans.
    pub fn choose(provider: &'p dyn Provider, dry_run: bool, check_permissions: bool) -> RunMode<'p> {
        match (dry_run, provider.can_act()) {
            (false, true) => RunMode::Apply(provider),
            (true, true) if check_permissions => RunMode::CheckPermissions(provider),
            _ => RunMode::Plan,
        }
    }
}

/// One run: which policies, where, when, how, and until when.
#[derive(Clone, Copy)]
pub struct RunSpec<'a> {
    /// The policies, in order.
    pub policies: &'a [Policy],
    /// The regions.
    pub regions: &'a [String],
    /// "Now" for every age and schedule.
    pub clock: Clock,
    /// Plan, check or apply.
    pub mode: RunMode<'a>,
    /// Start no policy once this is reached (a policy runs whole or is [`Status::NotReached`]).
    pub deadline: Deadline,
    /// The triggering event of an event-mode run, and the ids it names for each policy:
    /// each policy then sees only those resources.
    pub event: Option<&'a EventScope>,
    /// The account acted in, when known (notifications name it).
    pub account_id: Option<&'a str>,
    /// The run's id (notifications carry it).
    pub run_id: &'a str,
    /// When the run started.
    pub started: jiff::Timestamp,
    /// Told as each policy ends in a region (whatever its status), from the region's thread:
    /// the Lambda records its progress in the run ledger as it goes.
    pub on_policy_end: Option<&'a (dyn Fn(&PolicyRun) + Sync)>,
}

impl<'a> RunSpec<'a> {
    /// A run of `policies` in `regions` at `clock`'s time in `mode`: no deadline, no event,
    /// account unknown, started now.
    pub fn new(policies: &'a [Policy], regions: &'a [String], clock: Clock, mode: RunMode<'a>) -> Self {
        RunSpec {
            policies,
            regions,
            clock,
            mode,
            deadline: Deadline::none(),
            event: None,
            account_id: None,
            run_id: "",
            started: jiff::Timestamp::now(),
            on_policy_end: None,
        }
    }
}

/// Runs every policy in every region against the inventory. Regions run in parallel; within
/// a region, policies run in order. Every policy's filters see the state as fetched, so what
/// it matches never depends on the other policies; what earlier policies did (or, in a dry run,
/// planned) decides only whether its actions are still needed. The same requests are planned
/// in every mode, so a dry run is exact.
pub fn run<'a>(spec: &RunSpec<'a>, inventory: &'a Inventory<'_>) -> Vec<PolicyRun<'a>> {
    let now = spec.clock.now();
    let kinds: BTreeSet<ResourceKind> = spec.policies.iter().map(|p| p.kind).collect();
    let stage = crate::progress::Stage::begin("policies", spec.policies.len() * spec.regions.len());
    let per_region = parallel_map(spec.regions, |region| {
        let mut effects = Effects::default();
        let mut by_id: Option<HashMap<(ResourceKind, &str), &Value>> = None;
        let mut runs = Vec::new();
        for policy in spec.policies {
            if spec.deadline.reached() {
                let mut run = PolicyRun::new(policy, region);
                run.status = Status::NotReached(NOT_REACHED.into());
                stage.step(&format!("{}@{region}: not reached", policy.name));
                runs.push(run);
                continue;
            }
            let (run, sent) = evaluate_one(policy, region, inventory, now, &effects, spec);
            // What this policy did (or, in a dry run, planned) is what later policies see.
            for ((plan, action), sent) in run.plans.iter().zip(&policy.actions).zip(&sent) {
                let change = Change {
                    policy: policy.name.clone(),
                    action: action.name().as_str(),
                };
                for (request, outcomes) in plan.requests.iter().zip(sent) {
                    let index = by_id.get_or_insert_with(|| {
                        let mut m = HashMap::new();
                        for kind in &kinds {
                            if let Some((Ok(f), _)) = inventory.get(region, *kind) {
                                for r in &f.resources {
                                    m.insert((*kind, resource_id(*kind, &r.view)), &r.view);
                                }
                            }
                        }
                        m
                    });
                    let target = request.operation.target_kind(policy.kind);
                    effects.record(target, request, outcomes, &change, |kind, id| index.get(&(kind, id)).copied());
                }
            }
            stage.step(&milestone(&run, region));
            if let Some(tell) = spec.on_policy_end {
                tell(&run);
            }
            runs.push(run);
        }
        runs
    });
    stage.end();
    per_region.into_iter().flatten().collect()
}

/// Per plan, per request, each resource's outcome.
type Sent = Vec<Vec<Vec<IdOutcome>>>;

/// One policy run's milestone: what it matched, and what its actions did.
fn milestone(run: &PolicyRun, region: &str) -> String {
    let mut text = format!("{}@{region}: {} matched", run.policy.name, run.matched.len());
    for (action, outcomes) in run.policy.actions.iter().zip(&run.outcomes) {
        let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
        text.push_str(&format!(", {} applied to {}", action.name().as_str(), outcomes.len() - failed));
        if failed > 0 {
            text.push_str(&format!(" ({failed} failed)"));
        }
    }
    text
}

/// Filters, guards, then plans and sends the policy's actions (see [`pipeline`]); the run, and
/// per plan, per request, what each resource's outcome was (empty when nothing was planned).
fn evaluate_one<'a>(
    policy: &'a Policy,
    region: &str,
    inventory: &'a Inventory<'_>,
    now: jiff::Timestamp,
    effects: &Effects,
    spec: &RunSpec,
) -> (PolicyRun<'a>, Sent) {
    let start = Instant::now();
    let mut run = PolicyRun::new(policy, region);
    let execution = crate::policy::conditions::Execution {
        name: &policy.name,
        region,
        kind: policy.kind,
        account_id: spec.account_id,
        now,
        policy: &policy.data,
    };
    if !policy.conditions.hold(&execution, spec.event.map(|s| &s.event.raw)) {
        run.status = Status::Skipped("its conditions do not hold here".into());
        return (run, Vec::new());
    }
    if let Some(e) = inventory::unreadable_values(policy) {
        run.status = Status::Failed(e);
        return (run, Vec::new());
    }
    let fetched = match inventory.get(region, policy.kind) {
        Some((Ok(f), t)) => {
            run.fetch_time = *t;
            run.api_calls = f.api_calls.clone();
            f
        }
        Some((Err(FetchError::NotReached), _)) => {
            run.status = Status::NotReached(NOT_REACHED.into());
            return (run, Vec::new());
        }
        Some((Err(e), _)) => {
            run.status = Status::Failed(e.to_string());
            return (run, Vec::new());
        }
        None => {
            run.status = Status::Failed(format!("no {} resources were fetched in {region}", policy.kind.spec().name));
            return (run, Vec::new());
        }
    };
    // An event's policy sees only the resources the event names for it.
    let event = spec.event.map(|s| &s.event.raw);
    let scope: Option<BTreeSet<&str>> = spec
        .event
        .map(|s| s.ids(&policy.name).unwrap_or(&[]).iter().map(String::as_str).collect());
    let population: Vec<&Resource> = match &scope {
        None if inventory.needs_query(policy) => fetched
            .resources
            .iter()
            .filter(|r| policy.query.matches(policy.kind, &r.view))
            .collect(),
        None => fetched.resources.iter().collect(),
        Some(ids) => fetched
            .resources
            .iter()
            .filter(|r| ids.contains(resource_id(policy.kind, &r.view)))
            .collect(),
    };
    run.population = population.len();
    let notes = ScheduleNotes::default();
    let cx = EvalContext {
        notes: Some(&notes),
        event,
        ..EvalContext::new(policy.kind, now)
    };
    // Filters see the state as fetched: matches never depend on other policies. In order:
    // per-resource filters, and between them any `reduce` over the set that passed so far.
    let mut current = population;
    let mut pending: Vec<&crate::filter::Filter> = Vec::new();
    let mut loaded_calls = Vec::new();
    let mut selected = Ok(());
    for f in &policy.filters {
        if let crate::filter::Filter::Reduce(reduce) = f {
            selected = selected.and_then(|_| {
                current = select(std::mem::take(&mut current), &pending, &cx, inventory, region, &mut loaded_calls)?;
                Ok(())
            });
            pending.clear();
            current = reduce.apply(current, policy.kind, now);
        } else {
            pending.push(f);
        }
    }
    let selected = selected.and_then(|_| select(current, &pending, &cx, inventory, region, &mut loaded_calls));
    run.api_calls.extend(loaded_calls);
    match selected {
        Ok(m) => run.matched = m,
        Err(e) => {
            run.status = Status::Failed(e.to_string());
            run.eval_time = start.elapsed();
            return (run, Vec::new());
        }
    }
    run.schedule = notes.into_findings();
    if !run.schedule.opted_out.is_empty() {
        let ids: BTreeSet<&str> = run.schedule.opted_out.iter().map(String::as_str).collect();
        run.opted_out = fetched
            .resources
            .iter()
            .filter(|r| ids.contains(resource_id(policy.kind, &r.view)))
            .collect();
    }
    if let Some(limit) = &policy.max_resources {
        if let Some(msg) = limit.check(run.matched.len(), run.population) {
            run.status = Status::LimitExceeded(msg);
            run.eval_time = start.elapsed();
            return (run, Vec::new());
        }
    }
    // What the actions read besides the resources (spot requests for propagate-spot-tags).
    let needs: Vec<crate::resource::details::Need> = policy
        .actions
        .iter()
        .flat_map(|a| run.matched.iter().flat_map(move |r| a.behaviour().needs(&r.view)))
        .collect();
    if !needs.is_empty() {
        match inventory.load(region, &needs) {
            Ok(calls) => run.api_calls.extend(calls),
            Err(e) => {
                run.status = Status::Failed(e.to_string());
                run.eval_time = start.elapsed();
                return (run, Vec::new());
            }
        }
    }
    // Actions see the run: a resource an earlier policy changed is planned on its changed
    // document, and skipped when it no longer matches the filters there.
    let details = inventory.details(region);
    let quiet = EvalContext {
        event,
        details: Some(&details),
        ..EvalContext::new(policy.kind, now)
    };
    // Changed documents are rebuilt for this policy only, then dropped.
    let changed: Vec<Option<(Value, &[Change])>> = run
        .matched
        .iter()
        .map(|r| effects.current(policy.kind, resource_id(policy.kind, &r.view), &r.view))
        .collect();
    let candidates: Vec<Candidate> = run
        .matched
        .iter()
        .zip(&changed)
        .map(|(r, c)| match c {
            None => Candidate::fresh(&r.view),
            Some((current, changes)) => Candidate {
                fetched: &r.view,
                current,
                changed_by: changes,
                stale: !policy.filters.iter().all(|f| f.matches(current, &quiet)),
            },
        })
        .collect();
    let facts = RunFacts {
        policy_name: &policy.name,
        policy_data: &policy.data,
        description: policy.description.as_deref(),
        account_id: spec.account_id,
        run_id: spec.run_id,
        started: spec.started,
        resources: &run.matched,
    };
    let groups = policy
        .actions
        .iter()
        .any(|a| a.behaviour().wants_matched_groups())
        .then(|| group_annotations(policy, &run.matched, &quiet));
    let pcx = PlanContext {
        kind: policy.kind,
        region,
        now,
        event,
        run: Some(&facts),
        details: Some(&details),
        groups: groups.as_ref(),
    };
    run.eval_time = start.elapsed();
    let acted = pipeline::act(&policy.actions, &candidates, &pcx, spec.mode, spec.deadline);
    run.plans = acted.plans;
    run.action_calls = acted.calls;
    match spec.mode {
        RunMode::Apply(_) => run.outcomes = acted.sent.iter().map(|plan| plan.iter().flatten().cloned().collect()).collect(),
        RunMode::CheckPermissions(_) => run.permission_checks = acted.checks,
        RunMode::Plan => {}
    }
    if let Some(why) = acted.cut_short {
        run.status = Status::NotReached(why);
    }
    (run, acted.sent)
}

/// By resource id, the security groups the policy's filters (anywhere in its tree) singled out
/// on each matched resource: what its `security-group` filters matched (c7n's
/// `c7n:matched-security-groups`) and what its `network-location` filters found differing.
fn group_annotations(policy: &Policy, matched: &[&Resource], cx: &EvalContext) -> crate::action::plan::GroupAnnotations {
    use crate::filter::Filter;
    fn walk<'f>(filters: &'f [Filter], out: &mut Vec<&'f Filter>) {
        for f in filters {
            match f {
                Filter::And(c) | Filter::Or(c) | Filter::Not(c) => walk(c, out),
                Filter::Related(r) if r.related == crate::resource::related::Related::SecurityGroups => out.push(f),
                Filter::NetworkLocation(_) => out.push(f),
                _ => {}
            }
        }
    }
    let mut filters = Vec::new();
    walk(&policy.filters, &mut filters);
    let mut out = crate::action::plan::GroupAnnotations::default();
    for r in matched {
        let id = resource_id(policy.kind, &r.view).to_string();
        for f in &filters {
            let (ids, map) = match f {
                Filter::Related(g) => (g.matched_ids(&r.view, cx), &mut out.matched),
                Filter::NetworkLocation(n) => (n.mismatched_groups(&r.view, cx), &mut out.mismatched),
                _ => continue,
            };
            let list = map.entry(id.clone()).or_default();
            for g in ids {
                if !list.contains(&g) {
                    list.push(g);
                }
            }
        }
    }
    out
}

/// The candidates that pass every filter of `filters`, in order. Resources a filter cannot
/// decide yet (it needs related documents or instance attributes not loaded) are evaluated
/// again after the cheapest tier of what they need is loaded, so dearer calls are made only
/// for the resources that cheaper ones left undecided. The calls made go to `calls`.
fn select<'r>(
    candidates: Vec<&'r Resource>,
    filters: &[&crate::filter::Filter],
    base: &EvalContext,
    inventory: &Inventory<'_>,
    region: &str,
    calls: &mut Vec<(String, u64)>,
) -> Result<Vec<&'r Resource>, FetchError> {
    use crate::resource::details::Need;
    let mut verdicts: Vec<Option<bool>> = vec![None; candidates.len()];
    loop {
        let mut wanted: BTreeSet<Need> = BTreeSet::new();
        {
            let details = inventory.details(region);
            let needs = std::cell::RefCell::new(Vec::new());
            let cx = EvalContext {
                details: Some(&details),
                needs: Some(&needs),
                ..*base
            };
            for (r, verdict) in candidates.iter().zip(verdicts.iter_mut()).filter(|(_, v)| v.is_none()) {
                *verdict = crate::filter::all(filters.iter().copied(), &r.view, &cx);
                let mut n = needs.borrow_mut();
                if verdict.is_none() {
                    wanted.extend(n.drain(..));
                } else {
                    n.clear();
                }
            }
        }
        let Some(tier) = wanted.iter().map(Need::tier).min() else {
            break;
        };
        let batch: Vec<Need> = wanted.into_iter().filter(|n| n.tier() == tier).collect();
        calls.extend(inventory.load(region, &batch)?);
    }
    Ok(candidates
        .into_iter()
        .zip(verdicts)
        .filter(|(_, v)| *v == Some(true))
        .map(|(r, _)| r)
        .collect())
}

/// Totals over a run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Totals {
    /// Policy runs that failed (fetch errors).
    pub failed: usize,
    /// Policy runs stopped by max-resources.
    pub limited: usize,
    /// Policy runs not started at the deadline.
    pub not_reached: usize,
    /// Matched resources over all policy runs.
    pub matched: usize,
    /// Planned API requests over all policy runs.
    pub requests: usize,
    /// API requests by operation.
    pub by_api: BTreeMap<String, usize>,
}

/// Sums a run's outcomes.
pub fn totals(runs: &[PolicyRun]) -> Totals {
    let mut t = Totals::default();
    for r in runs {
        match r.status {
            Status::Failed(_) => t.failed += 1,
            Status::LimitExceeded(_) => t.limited += 1,
            Status::NotReached(_) => t.not_reached += 1,
            Status::Ok | Status::Skipped(_) => {}
        }
        t.matched += r.matched.len();
        for p in &r.plans {
            for req in &p.requests {
                t.requests += 1;
                *t.by_api.entry(req.api().to_string()).or_default() += 1;
            }
        }
    }
    t
}

#[cfg(test)]
mod tests;
