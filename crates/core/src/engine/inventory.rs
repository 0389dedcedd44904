//! The resources a run evaluates: each (region, kind) the policies need, fetched once, or
//! only the ids an event names.

use super::{parallel_map_n, Deadline, EventScope};
use crate::policy::Policy;
use crate::provider::{FetchError, Fetched, Provider};
use crate::resource::details::{Details, Lookup, MetricQuery, Need};
use crate::resource::query::Query;
use crate::resource::related::{Related, GLOBAL_REGION};
use crate::resource::{FieldSet, ResourceKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

/// Fetched resources of every (region, kind) the policies need, and per region what filters
/// loaded besides (related documents, instance attributes), through the same provider.
pub struct Inventory<'p> {
    fetched: HashMap<(String, ResourceKind), (Result<Fetched, FetchError>, Duration)>,
    queries: HashMap<ResourceKind, Query>,
    provider: &'p dyn Provider,
    details: HashMap<String, RwLock<Details>>,
    no_region_details: RwLock<Details>,
    /// Global (IAM) documents, fetched once for every region; copied into a region's details
    /// as its filters ask.
    global: RwLock<Details>,
}

impl<'p> Inventory<'p> {
    /// Fetches each needed (region, kind) once, in parallel over a bounded set of threads,
    /// starting no fetch once `deadline` is reached (those are [`FetchError::NotReached`]).
    /// Each resource's view keeps only the keys some policy of that kind reads. When every
    /// policy of a kind has the same `query`, it is sent with the describe call; otherwise the
    /// kind is fetched whole and each policy applies its own query.
    pub fn fetch(provider: &'p dyn Provider, regions: &[String], policies: &[Policy], deadline: Deadline) -> Inventory<'p> {
        read_remote_values(provider, policies);
        let kinds: BTreeSet<ResourceKind> = policies.iter().map(|p| p.kind).collect();
        let fields: HashMap<ResourceKind, FieldSet> = kinds.iter().map(|k| (*k, fields_read(policies, *k))).collect();
        let queries: HashMap<ResourceKind, Query> = kinds.iter().map(|k| (*k, shared_query(policies, *k))).collect();
        let jobs: Vec<(String, ResourceKind)> = regions.iter().flat_map(|r| kinds.iter().map(move |k| (r.clone(), *k))).collect();
        let stage = crate::progress::Stage::begin("fetch", jobs.len());
        let results = parallel_map_n(&jobs, provider.concurrency(), |(region, kind)| {
            let start = Instant::now();
            if deadline.reached() {
                stage.step(&format!("{} in {region}: not reached", kind.spec().name));
                return (Err(FetchError::NotReached), Duration::ZERO);
            }
            let r = match (fields.get(kind), queries.get(kind)) {
                (Some(f), Some(q)) => provider.fetch(region, *kind, f, q),
                _ => Err(FetchError::Other(format!("no field set for {}", kind.spec().name))),
            };
            let took = start.elapsed();
            stage.step(&match &r {
                Ok(f) => format!(
                    "{} in {region}: {} resources in {:.1} s",
                    kind.spec().name,
                    f.resources.len(),
                    took.as_secs_f64()
                ),
                Err(e) => format!("{} in {region}: failed: {e}", kind.spec().name),
            });
            (r, took)
        });
        stage.end();
        Inventory {
            fetched: jobs.into_iter().zip(results).collect(),
            queries,
            provider,
            details: regions.iter().map(|r| (r.clone(), RwLock::default())).collect(),
            no_region_details: RwLock::default(),
            global: RwLock::default(),
        }
    }

    /// Fetches only what an event names: for each kind its policies use, the ids the event
    /// names for them (`DescribeInstances` with `InstanceIds`, ...), in the event's region.
    pub fn fetch_event(
        provider: &'p dyn Provider,
        region: &str,
        policies: &[Policy],
        scope: &EventScope,
        deadline: Deadline,
    ) -> Inventory<'p> {
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
        read_remote_values(provider, policies);
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
        // Cloud Custodian fetches an event's resources by id, without the policy's query
        // (`c7n/policy.py`, `LambdaMode.resolve_resources`); so does custodian.
        Inventory {
            fetched,
            queries: HashMap::new(),
            provider,
            details: [(region.to_string(), RwLock::default())].into_iter().collect(),
            no_region_details: RwLock::default(),
            global: RwLock::default(),
        }
    }

    /// What has been loaded for filters in `region`.
    pub fn details(&self, region: &str) -> RwLockReadGuard<'_, Details> {
        self.details
            .get(region)
            .unwrap_or(&self.no_region_details)
            .read()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Loads what `needs` ask for in `region`: each region-wide related type once, by-id
    /// related documents and instance attributes for the ids not asked yet. Every id asked is
    /// recorded (answered or not), so nothing is asked twice. The API calls made.
    pub fn load(&self, region: &str, needs: &[Need]) -> Result<Vec<(String, u64)>, FetchError> {
        let Some(lock) = self.details.get(region) else {
            return Err(FetchError::Other(format!("no resources were fetched in {region}")));
        };
        let mut calls = Vec::new();
        let mut related: BTreeMap<Related, BTreeSet<&str>> = BTreeMap::new();
        let mut attributes: BTreeMap<&'static str, BTreeSet<&str>> = BTreeMap::new();
        let mut metrics: Vec<MetricQuery> = Vec::new();
        for n in needs {
            match n {
                Need::Metric(q) => metrics.push(q.clone()),
                Need::Related(r, id) => {
                    related.entry(*r).or_default().insert(id);
                }
                Need::Attribute(a, id) => {
                    attributes.entry(*a).or_default().insert(id);
                }
            }
        }
        for (r, ids) in related {
            let wanted: Option<Vec<String>> = if r.spec().by_id {
                let known = self.details(region);
                let missing: Vec<String> = ids
                    .into_iter()
                    .filter(|id| known.related(r, id) == Lookup::NotLoaded)
                    .map(str::to_string)
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                Some(missing)
            } else if self.details(region).all_related(r).is_some() {
                continue;
            } else {
                None
            };
            let documents = if r.spec().global {
                let (docs, made) = self.load_global(r, wanted.as_deref())?;
                calls.extend(made);
                docs
            } else {
                let loaded = self.provider.fetch_related(region, r, wanted.as_deref())?;
                calls.extend(loaded.api_calls);
                loaded.documents
            };
            lock.write()
                .unwrap_or_else(|e| e.into_inner())
                .add_related(r, wanted.as_deref(), documents);
        }
        metrics.retain(|q| self.details(region).metric(q).is_none());
        metrics.sort();
        metrics.dedup();
        if !metrics.is_empty() {
            let loaded = self.provider.fetch_metrics(region, &metrics)?;
            calls.extend(loaded.api_calls);
            let mut d = lock.write().unwrap_or_else(|e| e.into_inner());
            let mut values = loaded.values.into_iter();
            for q in metrics {
                // A series the provider did not answer has no datapoints.
                d.add_metric(q, values.next().unwrap_or_default());
            }
        }
        for (a, ids) in attributes {
            let ids: Vec<String> = {
                let known = self.details(region);
                ids.into_iter()
                    .filter(|id| known.attribute(a, id).is_none())
                    .map(str::to_string)
                    .collect()
            };
            if ids.is_empty() {
                continue;
            }
            let loaded = self.provider.fetch_attributes(region, a, &ids)?;
            calls.extend(loaded.api_calls);
            let mut d = lock.write().unwrap_or_else(|e| e.into_inner());
            for answer in loaded.documents {
                if let Some(id) = answer.get("InstanceId").and_then(|v| v.as_str()).map(str::to_string) {
                    d.add_attribute(a, &id, answer);
                }
            }
            // An instance without an answer (terminated meanwhile) reads as no value.
            for id in &ids {
                if d.attribute(a, id).is_none() {
                    d.add_attribute(a, id, serde_json::Value::Null);
                }
            }
        }
        Ok(calls)
    }

    /// The global documents of `r` (all, or those of `ids`), fetching only what no region has
    /// asked for yet; and the calls made.
    fn load_global(&self, r: Related, ids: Option<&[String]>) -> Result<(Vec<serde_json::Value>, ApiCalls), FetchError> {
        // One writer at a time, so two regions never fetch the same global list.
        let mut global = self.global.write().unwrap_or_else(|e| e.into_inner());
        let mut calls = Vec::new();
        match ids {
            None => {
                if global.all_related(r).is_none() {
                    let loaded = self.provider.fetch_related(GLOBAL_REGION, r, None)?;
                    calls.extend(loaded.api_calls);
                    global.add_related(r, None, loaded.documents);
                }
                Ok((global.all_related(r).unwrap_or_default().into_iter().cloned().collect(), calls))
            }
            Some(ids) => {
                let missing: Vec<String> = ids
                    .iter()
                    .filter(|id| global.related(r, id) == Lookup::NotLoaded)
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    let loaded = self.provider.fetch_related(GLOBAL_REGION, r, Some(&missing))?;
                    calls.extend(loaded.api_calls);
                    global.add_related(r, Some(&missing), loaded.documents);
                }
                let docs = ids
                    .iter()
                    .filter_map(|id| match global.related(r, id) {
                        Lookup::Found(d) => Some(d.clone()),
                        _ => None,
                    })
                    .collect();
                Ok((docs, calls))
            }
        }
    }

    /// Whether a policy's resources still need its own `query` applied: the kind was fetched
    /// without it (shared with policies that have none or another one). Event runs never apply
    /// it.
    pub fn needs_query(&self, policy: &Policy) -> bool {
        !policy.query.is_empty() && self.queries.get(&policy.kind).is_some_and(|q| *q != policy.query)
    }

    /// The documents of one kind in one region.
    pub fn get(&self, region: &str, kind: ResourceKind) -> Option<&(Result<Fetched, FetchError>, Duration)> {
        self.fetched.get(&(region.to_string(), kind))
    }
}

/// API calls made, by `service.Operation`.
type ApiCalls = Vec<(String, u64)>;

/// Reads every `value_from` / `skip-days-from` source on S3 or HTTP the policies name, each
/// URL once, before anything is fetched. A failed read is kept: its policies fail with it.
fn read_remote_values(provider: &dyn Provider, policies: &[Policy]) {
    let mut sources = Vec::new();
    for p in policies {
        p.filters.iter().for_each(|f| f.remote_values(&mut sources));
    }
    type Source<'s> = (&'s str, &'s [(String, String)]);
    let mut read: HashMap<Source, Result<String, String>> = HashMap::new();
    for s in sources {
        if s.values().is_some() {
            continue;
        }
        let text = read
            .entry((s.url.as_str(), s.headers.as_slice()))
            .or_insert_with(|| provider.read_url(&s.url, &s.headers))
            .clone();
        s.resolve(text);
    }
}

/// Why a policy cannot be evaluated: a `value_from` source it names could not be read.
pub fn unreadable_values(policy: &Policy) -> Option<String> {
    let mut sources = Vec::new();
    policy.filters.iter().for_each(|f| f.remote_values(&mut sources));
    sources.into_iter().find_map(|s| match s.values() {
        Some(Err(e)) => Some(e.clone()),
        None => Some(format!("value_from {} was not read", s.url)),
        Some(Ok(_)) => None,
    })
}

/// The query every policy of `kind` shares, or none.
fn shared_query(policies: &[Policy], kind: ResourceKind) -> Query {
    let mut of_kind = policies.iter().filter(|p| p.kind == kind).map(|p| &p.query);
    let Some(first) = of_kind.next() else {
        return Query::default();
    };
    if of_kind.all(|q| q == first) {
        first.clone()
    } else {
        Query::default()
    }
}

/// The top-level keys the policies of `kind` read.
pub fn fields_read(policies: &[Policy], kind: ResourceKind) -> FieldSet {
    let mut keys = BTreeSet::new();
    let mut outlines = Vec::new();
    for p in policies.iter().filter(|p| p.kind == kind) {
        for f in &p.filters {
            f.read_fields(kind, &mut keys);
        }
        keys.extend(p.query.read_fields(kind));
        for a in &p.actions {
            keys.extend(a.behaviour().reads().iter().map(|k| k.to_string()));
            a.behaviour().read_keys(&mut keys);
            outlines.extend(a.behaviour().outlines().iter().copied());
        }
    }
    FieldSet::with_outlines(kind, keys, outlines)
}
