//! The run: policies x regions. Each resource kind is fetched once per region, however many
//! policies use it; then every (region, policy) is filtered, guarded by max-resources, and its
//! actions planned. A failure in one policy never stops the others.

use crate::action::plan::{plan, ActionPlan, PlanContext};
use crate::filter::EvalContext;
use crate::policy::Policy;
use crate::provider::{FetchError, Fetched, Provider};
use crate::resource::{FieldSet, Resource, ResourceKind};
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
}

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
}

/// Fetched resources of every (region, kind) the policies need.
pub struct Inventory {
    fetched: HashMap<(String, ResourceKind), (Result<Fetched, FetchError>, Duration)>,
}

impl Inventory {
    /// Fetches each needed (region, kind) once, in parallel over a bounded set of threads. Each
    /// resource's view keeps only the keys some policy of that kind reads.
    pub fn fetch(provider: &dyn Provider, regions: &[String], policies: &[Policy]) -> Inventory {
        let kinds: BTreeSet<ResourceKind> = policies.iter().map(|p| p.kind).collect();
        let fields: HashMap<ResourceKind, FieldSet> = kinds.iter().map(|k| (*k, fields_read(policies, *k))).collect();
        let jobs: Vec<(String, ResourceKind)> = regions.iter().flat_map(|r| kinds.iter().map(move |k| (r.clone(), *k))).collect();
        let results = parallel_map(&jobs, |(region, kind)| {
            let start = Instant::now();
            let r = provider.fetch(region, *kind, &fields[kind]);
            (r, start.elapsed())
        });
        Inventory {
            fetched: jobs.into_iter().zip(results).collect(),
        }
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
    }
    FieldSet::for_kind(kind, keys)
}

/// Evaluates every policy in every region against the inventory.
pub fn evaluate<'a>(policies: &'a [Policy], regions: &[String], inventory: &'a Inventory, clock: Clock) -> Vec<PolicyRun<'a>> {
    let now = clock.now();
    let jobs: Vec<(&'a Policy, &String)> = regions.iter().flat_map(|r| policies.iter().map(move |p| (p, r))).collect();
    parallel_map(&jobs, |(policy, region)| evaluate_one(policy, region, inventory, now))
}

fn evaluate_one<'a>(policy: &'a Policy, region: &str, inventory: &'a Inventory, now: jiff::Timestamp) -> PolicyRun<'a> {
    let start = Instant::now();
    let mut run = PolicyRun {
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
    };
    let fetched = match inventory.get(region, policy.kind) {
        Some((Ok(f), t)) => {
            run.fetch_time = *t;
            run.api_calls = f.api_calls.clone();
            f
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
    run.population = fetched.resources.len();
    let notes = ScheduleNotes::default();
    let cx = EvalContext {
        kind: policy.kind,
        now,
        notes: Some(&notes),
    };
    run.matched = fetched
        .resources
        .iter()
        .filter(|r| policy.filters.iter().all(|f| f.matches(&r.view, &cx)))
        .collect();
    run.schedule = notes.into_findings();
    if !run.schedule.opted_out.is_empty() {
        let ids: BTreeSet<&str> = run.schedule.opted_out.iter().map(String::as_str).collect();
        run.opted_out = fetched
            .resources
            .iter()
            .filter(|r| ids.contains(crate::resource::resource_id(policy.kind, &r.view)))
            .collect();
    }
    if let Some(limit) = &policy.max_resources {
        if let Some(msg) = limit.check(run.matched.len(), run.population) {
            run.status = Status::LimitExceeded(msg);
            run.eval_time = start.elapsed();
            return run;
        }
    }
    let pcx = PlanContext {
        kind: policy.kind,
        region,
        now,
    };
    let views: Vec<&Value> = run.matched.iter().map(|r| &r.view).collect();
    run.plans = policy.actions.iter().map(|a| plan(a, &views, &pcx)).collect();
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
            Status::Ok => {}
        }
        t.matched += r.matched.len();
        for p in &r.plans {
            for req in &p.requests {
                t.requests += 1;
                *t.by_api.entry(req.api.to_string()).or_default() += 1;
            }
        }
    }
    t
}

/// Maps `f` over `items` on up to `available_parallelism` threads, keeping order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len().max(1));
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
