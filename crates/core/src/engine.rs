//! The run: policies x regions. Each resource kind is fetched once per region, however many
//! policies use it; then every (region, policy) is filtered, guarded by max-resources, and its
//! actions planned. A failure in one policy never stops the others.

use crate::action::plan::{plan, ActionPlan, Candidate, Change, PlanContext, RunFacts};
use crate::action::request::Request;
use crate::filter::EvalContext;
use crate::policy::Policy;
use crate::provider::{FetchError, Fetched, IdOutcome, Provider};
use crate::resource::{resource_id, FieldSet, Resource, ResourceKind};
use crate::schedule::{ScheduleFindings, ScheduleNotes};
use crate::time::Clock;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
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
        }
    }

    /// Why the run is not `ok`.
    pub fn message(&self) -> Option<&str> {
        match self {
            Status::Ok => None,
            Status::Failed(e) | Status::LimitExceeded(e) | Status::NotReached(e) => Some(e),
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

/// What applied (or, in a dry run, planned) actions changed in this run: each affected
/// resource's document as the next describe would show it, and which policies' actions changed
/// it. Filters never read it (they see the fetched state); planning does, to skip actions that
/// earlier policies made moot.
#[derive(Debug, Default)]
pub struct Effects {
    patched: HashMap<String, (Value, Vec<Change>)>,
}

impl Effects {
    /// Records the effect of `request` on the ids it applied to, made by `change`; `base`
    /// finds a resource's fetched view by id.
    pub fn record<'v>(&mut self, request: &Request, outcomes: &[IdOutcome], change: &Change, base: impl Fn(&str) -> Option<&'v Value>) {
        for o in outcomes.iter().filter(|o| o.error.is_none()) {
            let (view, changes) = match self.patched.get_mut(&o.id) {
                Some(entry) => entry,
                None => match base(&o.id) {
                    Some(v) => self.patched.entry(o.id.clone()).or_insert_with(|| (v.clone(), Vec::new())),
                    None => continue,
                },
            };
            let Value::Object(m) = view else { continue };
            request.operation.effect(m);
            if changes.last() != Some(change) {
                changes.push(change.clone());
            }
        }
    }

    /// The resource's document with recorded effects, and what changed it; `None` when nothing did.
    pub fn get(&self, id: &str) -> Option<(&Value, &[Change])> {
        self.patched.get(id).map(|(v, c)| (v, c.as_slice()))
    }
}

/// Fetched resources of every (region, kind) the policies need.
pub struct Inventory {
    fetched: HashMap<(String, ResourceKind), (Result<Fetched, FetchError>, Duration)>,
}

impl Inventory {
    /// Fetches each needed (region, kind) once, in parallel over a bounded set of threads,
    /// starting no fetch once `deadline` is reached (those are [`FetchError::NotReached`]).
    /// Each resource's view keeps only the keys some policy of that kind reads.
    pub fn fetch(provider: &dyn Provider, regions: &[String], policies: &[Policy], deadline: Deadline) -> Inventory {
        let kinds: BTreeSet<ResourceKind> = policies.iter().map(|p| p.kind).collect();
        let fields: HashMap<ResourceKind, FieldSet> = kinds.iter().map(|k| (*k, fields_read(policies, *k))).collect();
        let jobs: Vec<(String, ResourceKind)> = regions.iter().flat_map(|r| kinds.iter().map(move |k| (r.clone(), *k))).collect();
        let results = parallel_map_n(&jobs, provider.concurrency(), |(region, kind)| {
            let start = Instant::now();
            if deadline.reached() {
                return (Err(FetchError::NotReached), Duration::ZERO);
            }
            let r = match fields.get(kind) {
                Some(f) => provider.fetch(region, *kind, f),
                None => Err(FetchError::Other(format!("no field set for {}", kind.spec().name))),
            };
            (r, start.elapsed())
        });
        Inventory {
            fetched: jobs.into_iter().zip(results).collect(),
        }
    }

    /// Fetches only what an event names: for each kind its policies use, the ids the event
    /// names for them (`DescribeInstances` with `InstanceIds`, ...), in the event's region.
    pub fn fetch_event(provider: &dyn Provider, region: &str, policies: &[Policy], scope: &EventScope, deadline: Deadline) -> Inventory {
        let mut ids: BTreeMap<ResourceKind, Vec<String>> = BTreeMap::new();
        for p in policies {
            if let Some(named) = scope.ids(&p.name) {
                let list = ids.entry(p.kind).or_default();
                for id in named {
                    if !list.contains(id) {
                        list.push(id.clone());
                    }
                }
            }
        }
        let mut fetched = HashMap::new();
        for (kind, ids) in ids {
            let start = Instant::now();
            let r = if deadline.reached() {
                Err(FetchError::NotReached)
            } else {
                provider.fetch_ids(region, kind, &ids, &fields_read(policies, kind))
            };
            fetched.insert((region.to_string(), kind), (r, start.elapsed()));
        }
        Inventory { fetched }
    }

    /// The documents of one kind in one region.
    pub fn get(&self, region: &str, kind: ResourceKind) -> Option<&(Result<Fetched, FetchError>, Duration)> {
        self.fetched.get(&(region.to_string(), kind))
    }
}

/// The top-level keys the policies of `kind` read.
pub fn fields_read(policies: &[Policy], kind: ResourceKind) -> FieldSet {
    let mut keys = BTreeSet::new();
    for p in policies.iter().filter(|p| p.kind == kind) {
        for f in &p.filters {
            f.read_fields(kind, &mut keys);
        }
        for a in &p.actions {
            keys.extend(a.behaviour().reads().iter().map(|k| k.to_string()));
        }
    }
    FieldSet::for_kind(kind, keys)
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
        }
    }
}

/// The account notifications name: the event's, else the provider's (asked only when some
/// policy notifies, since asking is an API call).
pub fn account_for(provider: &dyn Provider, policies: &[Policy], event: Option<&EventScope>) -> Option<String> {
    if let Some(a) = event.and_then(|s| s.event.account.clone()) {
        return Some(a);
    }
    let notifies = policies
        .iter()
        .any(|p| p.actions.iter().any(|a| matches!(a, crate::action::Action::Notify(_))));
    if notifies {
        provider.account_id()
    } else {
        None
    }
}

/// An event-mode run's event and the resources it names.
#[derive(Debug, Clone)]
pub struct EventScope {
    /// The event as delivered.
    pub event: crate::event::Event,
    /// The policies it runs and the ids of each.
    pub routing: crate::event::Routing,
}

impl EventScope {
    /// The longest `delay` of the policies the event runs: how long to wait before fetching.
    pub fn delay(&self, policies: &[Policy]) -> Duration {
        let secs = policies
            .iter()
            .filter(|p| self.routing.ids.contains_key(&p.name))
            .filter_map(|p| p.mode.event().map(|m| m.delay))
            .max()
            .unwrap_or(0);
        Duration::from_secs(u64::from(secs))
    }

    /// The ids the event names for `policy` (`None`: the policy does not react to it).
    pub fn ids(&self, policy: &str) -> Option<&[String]> {
        self.routing.ids.get(policy).map(Vec::as_slice)
    }
}

/// Runs every policy in every region against the inventory. Regions run in parallel; within
/// a region, policies run in order. Every policy's filters see the state as fetched, so what
/// it matches never depends on the other policies; what earlier policies did (or, in a dry run,
/// planned) decides only whether its actions are still needed. The same requests are planned
/// in every mode, so a dry run is exact.
pub fn run<'a>(spec: &RunSpec<'a>, inventory: &'a Inventory) -> Vec<PolicyRun<'a>> {
    let now = spec.clock.now();
    let kinds: BTreeSet<ResourceKind> = spec.policies.iter().map(|p| p.kind).collect();
    let per_region = parallel_map(spec.regions, |region| {
        let mut effects = Effects::default();
        let mut by_id: Option<HashMap<&str, &Value>> = None;
        let mut runs = Vec::new();
        for policy in spec.policies {
            if spec.deadline.reached() {
                let mut run = PolicyRun::new(policy, region);
                run.status = Status::NotReached(NOT_REACHED.into());
                runs.push(run);
                continue;
            }
            let mut run = evaluate_one(policy, region, inventory, now, &effects, spec);
            for (plan, action) in run.plans.iter().zip(&policy.actions) {
                let change = Change {
                    policy: policy.name.clone(),
                    action: action.name().as_str(),
                };
                let mut outcomes = Vec::new();
                let mut checks = Vec::new();
                for request in &plan.requests {
                    let o = match spec.mode {
                        RunMode::Apply(p) => {
                            let (o, calls) = p.apply(region, request);
                            for (api, n) in calls {
                                *run.action_calls.entry(api).or_default() += n;
                            }
                            o
                        }
                        // A dry run: as if every planned request succeeded.
                        RunMode::Plan | RunMode::CheckPermissions(_) => {
                            if let RunMode::CheckPermissions(p) = spec.mode {
                                checks.push(p.check_permission(region, request));
                            }
                            request.ids.iter().map(|id| IdOutcome::applied(id)).collect()
                        }
                    };
                    let index = by_id.get_or_insert_with(|| {
                        let mut m = HashMap::new();
                        for kind in &kinds {
                            if let Some((Ok(f), _)) = inventory.get(region, *kind) {
                                for r in &f.resources {
                                    m.insert(resource_id(*kind, &r.view), &r.view);
                                }
                            }
                        }
                        m
                    });
                    effects.record(request, &o, &change, |id| index.get(id).copied());
                    outcomes.extend(o);
                }
                match spec.mode {
                    RunMode::Apply(_) => run.outcomes.push(outcomes),
                    RunMode::CheckPermissions(_) => run.permission_checks.push(checks),
                    RunMode::Plan => {}
                }
            }
            runs.push(run);
        }
        runs
    });
    per_region.into_iter().flatten().collect()
}

fn evaluate_one<'a>(
    policy: &'a Policy,
    region: &str,
    inventory: &'a Inventory,
    now: jiff::Timestamp,
    effects: &Effects,
    spec: &RunSpec,
) -> PolicyRun<'a> {
    let start = Instant::now();
    let mut run = PolicyRun::new(policy, region);
    let fetched = match inventory.get(region, policy.kind) {
        Some((Ok(f), t)) => {
            run.fetch_time = *t;
            run.api_calls = f.api_calls.clone();
            f
        }
        Some((Err(FetchError::NotReached), _)) => {
            run.status = Status::NotReached(NOT_REACHED.into());
            return run;
        }
        Some((Err(e), _)) => {
            run.status = Status::Failed(e.to_string());
            return run;
        }
        None => {
            run.status = Status::Failed(format!("no {} resources were fetched in {region}", policy.kind.spec().name));
            return run;
        }
    };
    // An event's policy sees only the resources the event names for it.
    let event = spec.event.map(|s| &s.event.raw);
    let scope: Option<BTreeSet<&str>> = spec
        .event
        .map(|s| s.ids(&policy.name).unwrap_or(&[]).iter().map(String::as_str).collect());
    let population: Vec<&Resource> = match &scope {
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
        kind: policy.kind,
        now,
        notes: Some(&notes),
        event,
    };
    // Filters see the state as fetched: matches never depend on other policies. In order:
    // per-resource filters, and between them any `reduce` over the set that passed so far.
    let mut current = population;
    let mut pending: Vec<&crate::filter::Filter> = Vec::new();
    for f in &policy.filters {
        if let crate::filter::Filter::Reduce(reduce) = f {
            current.retain(|r| pending.iter().all(|p| p.matches(&r.view, &cx)));
            pending.clear();
            current = reduce.apply(current, policy.kind, now);
        } else {
            pending.push(f);
        }
    }
    current.retain(|r| pending.iter().all(|p| p.matches(&r.view, &cx)));
    run.matched = current;
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
            return run;
        }
    }
    // Actions see the run: a resource an earlier policy changed is planned on its changed
    // document, and skipped when it no longer matches the filters there.
    let quiet = EvalContext {
        kind: policy.kind,
        now,
        notes: None,
        event,
    };
    let candidates: Vec<Candidate> = run
        .matched
        .iter()
        .map(|r| match effects.get(resource_id(policy.kind, &r.view)) {
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
    let pcx = PlanContext {
        kind: policy.kind,
        region,
        now,
        event,
        run: Some(&facts),
    };
    run.plans = policy.actions.iter().map(|a| plan(a, &candidates, &pcx)).collect();
    run.eval_time = start.elapsed();
    run
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
            Status::Ok => {}
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

/// Maps `f` over `items` on up to `available_parallelism` threads, keeping order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    parallel_map_n(items, std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), f)
}

/// Maps `f` over `items` on up to `threads` threads, keeping order.
pub fn parallel_map_n<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.max(1).min(items.len().max(1));
    if threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= items.len() {
                            break out;
                        }
                        out.push((i, f(&items[i])));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread panicked"))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Fetched;
    use std::sync::Mutex;

    /// A provider over fixed documents that records what it is asked to send.
    struct Fake {
        sent: Mutex<Vec<(String, Vec<String>)>>,
        fail: &'static str,
    }

    impl Provider for Fake {
        fn describe(&self) -> String {
            "fake".into()
        }
        fn regions(&self) -> Vec<String> {
            vec!["r1".into()]
        }
        fn fetch(&self, _region: &str, kind: ResourceKind, _fields: &FieldSet) -> Result<Fetched, FetchError> {
            let docs = match kind {
                ResourceKind::Ec2 => vec![
                    serde_json::json!({"InstanceId": "i-1", "State": {"Name": "running"}, "Tags": [{"Key": "Environment", "Value": "dev"}]}),
                    serde_json::json!({"InstanceId": "i-2", "State": {"Name": "running"}, "Tags": [{"Key": "Environment", "Value": "dev"}]}),
                    serde_json::json!({"InstanceId": "i-3", "State": {"Name": "running"}, "Tags": []}),
                ],
                ResourceKind::Rds | ResourceKind::SpotRequest => vec![],
            };
            Ok(Fetched {
                resources: docs.into_iter().map(Resource::from_document).collect(),
                api_calls: vec![],
            })
        }
        fn can_act(&self) -> bool {
            true
        }
        fn apply(&self, _region: &str, request: &Request) -> (Vec<IdOutcome>, BTreeMap<String, u64>) {
            self.sent.lock().unwrap().push((request.api().to_string(), request.ids.clone()));
            let outcomes = request
                .ids
                .iter()
                .map(|id| {
                    if id == self.fail {
                        IdOutcome::failed(id, "IncorrectInstanceState", "no")
                    } else {
                        IdOutcome::applied(id)
                    }
                })
                .collect();
            (outcomes, BTreeMap::from([(request.api().replacen(':', ".", 1), 1)]))
        }
    }

    fn policies(yaml: &str) -> Vec<Policy> {
        crate::policy::load_text("p.yml", yaml).unwrap()
    }

    fn apply<'a>(ps: &'a [Policy], regions: &'a [String], clock: Clock, fake: &'a Fake, deadline: Deadline) -> RunSpec<'a> {
        RunSpec {
            deadline,
            ..RunSpec::new(ps, regions, clock, RunMode::Apply(fake))
        }
    }

    #[test]
    fn filters_see_the_fetched_state_and_actions_see_what_earlier_policies_did() {
        let ps = policies(
            "policies:\n  - name: stop-dev\n    resource: ec2\n    filters:\n      - tag:Environment: dev\n    actions:\n      - stop\n      - type: tag\n        tags: {stopped-by: custodian}\n  - name: stop-running\n    resource: ec2\n    filters:\n      - State.Name: running\n    actions:\n      - stop\n  - name: untagged\n    resource: ec2\n    filters:\n      - tag:stopped-by: absent\n",
        );
        let fake = Fake {
            sent: Mutex::new(Vec::new()),
            fail: "",
        };
        let regions = vec!["r1".to_string()];
        let inventory = Inventory::fetch(&fake, &regions, &ps, Deadline::none());
        let clock = Clock::Fixed("2026-01-01T00:00:00Z".parse().unwrap());
        let runs = run(&apply(&ps, &regions, clock, &fake, Deadline::none()), &inventory);
        let sent = fake.sent.lock().unwrap().clone();
        assert_eq!(
            sent,
            vec![
                ("ec2:StopInstances".to_string(), vec!["i-1".to_string(), "i-2".to_string()]),
                ("ec2:CreateTags".to_string(), vec!["i-1".to_string(), "i-2".to_string()]),
                ("ec2:StopInstances".to_string(), vec!["i-3".to_string()]),
            ],
            "i-1 and i-2 are stopped once, not again by the second policy"
        );
        let ids = |r: &PolicyRun| {
            r.matched
                .iter()
                .map(|m| crate::resource::resource_id(ResourceKind::Ec2, &m.view).to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&runs[1]), vec!["i-1", "i-2", "i-3"], "matches are those of the fetched state");
        assert_eq!(
            ids(&runs[2]),
            vec!["i-1", "i-2", "i-3"],
            "as Cloud Custodian: filters do not see other policies"
        );
        let skipped = &runs[1].plans[0].skipped;
        assert_eq!(skipped.len(), 2);
        assert_eq!(skipped[0].id, "i-1");
        assert_eq!(skipped[0].earlier_policy.as_deref(), Some("stop-dev"));
        assert!(
            skipped[0]
                .reason
                .starts_with("no longer matches the filters after policy 'stop-dev' (stop)"),
            "{}",
            skipped[0].reason
        );
        assert_eq!(runs[0].action_calls.get("ec2.StopInstances"), Some(&1));
        assert_eq!(runs[0].failures(), 0);
    }

    #[test]
    fn a_failing_resource_does_not_stop_the_others() {
        let ps = policies("policies:\n  - name: stop-all\n    resource: ec2\n    actions:\n      - stop\n");
        let fake = Fake {
            sent: Mutex::new(Vec::new()),
            fail: "i-2",
        };
        let regions = vec!["r1".to_string()];
        let inventory = Inventory::fetch(&fake, &regions, &ps, Deadline::none());
        let runs = run(&apply(&ps, &regions, Clock::System, &fake, Deadline::none()), &inventory);
        let outcomes = &runs[0].outcomes[0];
        assert_eq!(outcomes.len(), 3);
        assert_eq!(outcomes.iter().filter(|o| o.error.is_none()).count(), 2);
        assert_eq!(outcomes[1], IdOutcome::failed("i-2", "IncorrectInstanceState", "no"));
        assert_eq!(runs[0].failures(), 1);
    }

    #[test]
    fn a_reached_deadline_starts_nothing_and_says_so() {
        let ps = policies("policies:\n  - name: stop-all\n    resource: ec2\n    actions: [stop]\n");
        let fake = Fake {
            sent: Mutex::new(Vec::new()),
            fail: "",
        };
        let regions = vec!["r1".to_string()];
        let clock = Clock::Fixed("2026-01-01T00:00:00Z".parse().unwrap());
        // Fetched in time, but the deadline passes before the policy starts.
        let inventory = Inventory::fetch(&fake, &regions, &ps, Deadline::none());
        let runs = run(&apply(&ps, &regions, clock, &fake, Deadline::at(Instant::now())), &inventory);
        assert_eq!(runs[0].status, Status::NotReached(NOT_REACHED.into()));
        assert!(fake.sent.lock().unwrap().is_empty(), "nothing is applied after the deadline");
        // The deadline passes before fetching: nothing is fetched, the policy is not reached.
        let inventory = Inventory::fetch(&fake, &regions, &ps, Deadline::at(Instant::now()));
        let runs = run(&apply(&ps, &regions, clock, &fake, Deadline::none()), &inventory);
        assert_eq!(runs[0].status, Status::NotReached(NOT_REACHED.into()));
        assert_eq!(totals(&runs).not_reached, 1);
        // A deadline far away changes nothing.
        let later = Deadline::at(Instant::now() + Duration::from_secs(60));
        let inventory = Inventory::fetch(&fake, &regions, &ps, later);
        let runs = run(&apply(&ps, &regions, clock, &fake, later), &inventory);
        assert_eq!(runs[0].status, Status::Ok);
        assert_eq!(fake.sent.lock().unwrap().len(), 1);
    }
}
