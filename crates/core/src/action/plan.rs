//! Planning: turns an action and the matched resources into the exact requests a real run
//! sends (batched), plus the resources it leaves alone with the reason: c7n's implicit state
//! filters, and what earlier policies of the same run already did. A dry run is this plan
//! without applying it.

use super::request::{Operation, Request};
use super::Action;
use crate::resource::{resource_id, ResourceKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most ids sent in one EC2 call (`CreateTags`, `DeleteTags`, `Stop/Start/TerminateInstances`,
/// `CancelSpotInstanceRequests`).
pub const EC2_BATCH: usize = 100;

/// A matched resource the action leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// Resource id.
    pub id: String,
    /// Why it is skipped (e.g. "state is 'stopped', stop needs 'running'").
    pub reason: String,
    /// The earlier policy of this run whose action made this one moot, when that is the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier_policy: Option<String>,
}

/// The plan of one action over the matched resources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionPlan {
    /// The action's canonical name.
    pub action: &'static str,
    /// Requests, in the order a real run sends them.
    pub requests: Vec<Request>,
    /// Resources the action does not touch.
    pub skipped: Vec<Skipped>,
    /// Ids the action acts on (once each).
    pub targets: Vec<String>,
}

/// What planning needs besides the action and resources.
#[derive(Debug, Clone, Copy)]
pub struct PlanContext<'a> {
    /// The resource kind.
    pub kind: ResourceKind,
    /// The region (for `{region}` in tag values).
    pub region: &'a str,
    /// "Now", from the injected clock.
    pub now: Timestamp,
    /// The triggering event of an event-mode run (what `auto-tag-user` reads).
    pub event: Option<&'a Value>,
    /// The run and policy, for actions that report on it (`notify`); `None` in unit tests.
    pub run: Option<&'a RunFacts<'a>>,
    /// Related documents loaded for the region (what actions' [`super::Behaviour::needs`]
    /// asked for).
    pub details: Option<&'a crate::resource::details::Details>,
    /// Which security groups the policy's filters singled out on each resource (for
    /// `modify-security-groups` `remove: matched` / `network-location`).
    pub groups: Option<&'a GroupAnnotations>,
}

/// By resource id, the security groups the policy's filters singled out (c7n's annotations).
#[derive(Debug, Default)]
pub struct GroupAnnotations {
    /// `c7n:matched-security-groups`: what its `security-group` filters matched.
    pub matched: std::collections::HashMap<String, Vec<String>>,
    /// `SecurityGroupMismatch` of `c7n:NetworkLocation`: what its `network-location` filters
    /// found differing from the resource.
    pub mismatched: std::collections::HashMap<String, Vec<String>>,
}

impl<'a> PlanContext<'a> {
    /// A context for `kind` in `region` at `now`, without an event or run facts.
    pub fn new(kind: ResourceKind, region: &'a str, now: Timestamp) -> Self {
        PlanContext {
            kind,
            region,
            now,
            event: None,
            run: None,
            details: None,
            groups: None,
        }
    }
}

/// The run a policy's actions are planned in: what a notification says about it.
#[derive(Debug, Clone, Copy)]
pub struct RunFacts<'a> {
    /// The policy's name.
    pub policy_name: &'a str,
    /// The policy as written.
    pub policy_data: &'a Value,
    /// The policy's description.
    pub description: Option<&'a str>,
    /// The account acted in, when known.
    pub account_id: Option<&'a str>,
    /// The run's id (the Lambda request id, or the CLI run's).
    pub run_id: &'a str,
    /// When the run started.
    pub started: Timestamp,
    /// The matched resources, with their whole documents.
    pub resources: &'a [&'a crate::resource::Resource],
}

/// An earlier policy's action in the same run that changed a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The earlier policy.
    pub policy: String,
    /// Its action's name.
    pub action: &'static str,
}

/// "policy 'stop-gpu' (stop)", or several, oldest first.
pub fn describe(changes: &[Change]) -> String {
    let parts: Vec<String> = changes.iter().map(|c| format!("policy '{}' ({})", c.policy, c.action)).collect();
    parts.join(" and ")
}

/// A matched resource as planning sees it.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'v> {
    /// The document as fetched (what the policy's filters matched).
    pub fetched: &'v Value,
    /// The document with what earlier policies of this run did (or, in a dry run, planned).
    pub current: &'v Value,
    /// The earlier policies' actions that changed it, oldest first (empty: none).
    pub changed_by: &'v [Change],
    /// Set when the resource no longer matches the policy's filters once earlier policies'
    /// effects are applied: it is skipped by every action of the policy.
    pub stale: bool,
}

impl<'v> Candidate<'v> {
    /// A resource no earlier policy changed.
    pub fn fresh(doc: &'v Value) -> Self {
        Candidate {
            fetched: doc,
            current: doc,
            changed_by: &[],
            stale: false,
        }
    }
}

/// Plans one action.
pub fn plan(action: &Action, candidates: &[Candidate], cx: &PlanContext) -> ActionPlan {
    let behaviour = action.behaviour();
    let mut targets: Vec<&Value> = Vec::new();
    let mut skipped = Vec::new();
    if let Some(reason) = behaviour.refuse_all(cx) {
        return ActionPlan {
            action: action.name().as_str(),
            requests: Vec::new(),
            skipped: candidates
                .iter()
                .map(|c| Skipped {
                    id: resource_id(cx.kind, c.fetched).to_string(),
                    reason: reason.clone(),
                    earlier_policy: None,
                })
                .collect(),
            targets: Vec::new(),
        };
    }
    for c in candidates {
        match decide(action, c, cx) {
            Ok(()) => targets.push(c.current),
            Err((reason, earlier_policy)) => skipped.push(Skipped {
                id: resource_id(cx.kind, c.fetched).to_string(),
                reason,
                earlier_policy,
            }),
        }
    }
    let ids: Vec<String> = targets.iter().map(|d| resource_id(cx.kind, d).to_string()).collect();
    let requests = if ids.is_empty() {
        Vec::new()
    } else {
        behaviour.requests(cx, &targets, &ids)
    };
    ActionPlan {
        action: action.name().as_str(),
        requests,
        skipped,
        targets: ids,
    }
}

/// Whether the action acts on the candidate; the reason and the earlier policy when not.
fn decide(action: &Action, c: &Candidate, cx: &PlanContext) -> Result<(), (String, Option<String>)> {
    let behaviour = action.behaviour();
    let Some(last) = c.changed_by.last() else {
        return behaviour.check_with(cx, c.current).map_err(|r| (r, None));
    };
    // A report (a notification) is about what this policy matched, whatever others did.
    if behaviour.reports() {
        return behaviour.check_with(cx, c.current).map_err(|r| (r, None));
    }
    let earlier = Some(last.policy.clone());
    let by = describe(c.changed_by);
    if c.stale {
        return Err((format!("no longer matches the filters after {by}"), earlier));
    }
    match behaviour.check_with(cx, c.current) {
        Err(reason) if behaviour.check_with(cx, c.fetched).is_ok() => return Err((format!("after {by}: {reason}"), earlier)),
        Err(reason) => return Err((reason, None)),
        Ok(()) => {}
    }
    // Moot: an earlier policy already brought about what this action would, or already took
    // this very action (some leave no trace in the document, e.g. a reboot).
    let repeated = c.changed_by.iter().any(|ch| ch.action == action.name().as_str());
    if !changes(action, c.current, cx) && (repeated || changes(action, c.fetched, cx)) {
        return Err((format!("already done by {by}"), earlier));
    }
    Ok(())
}

/// Whether acting on `doc` alone would change it.
fn changes(action: &Action, doc: &Value, cx: &PlanContext) -> bool {
    let id = resource_id(cx.kind, doc).to_string();
    let Value::Object(before) = doc else { return true };
    let mut after = before.clone();
    for r in action.behaviour().requests(cx, &[doc], &[id]) {
        r.operation.effect(&mut after);
    }
    &after != before
}

/// Targets with the same payload (`payload`'s answer; `None` leaves one out), in first-seen
/// order: each group is one request's worth, with its documents and ids.
pub type Groups<'d, K> = Vec<(K, Vec<&'d Value>, Vec<String>)>;

/// Groups `targets` by the payload each gets, so identical payloads share requests.
pub fn group_by_payload<'d, K: PartialEq>(targets: &[&'d Value], ids: &[String], payload: impl Fn(&Value) -> Option<K>) -> Groups<'d, K> {
    let mut groups: Groups<'d, K> = Vec::new();
    for (doc, id) in targets.iter().zip(ids) {
        let Some(p) = payload(doc) else {
            continue;
        };
        match groups.iter_mut().find(|(k, _, _)| *k == p) {
            Some((_, docs, group_ids)) => {
                docs.push(doc);
                group_ids.push(id.clone());
            }
            None => groups.push((p, vec![doc], vec![id.clone()])),
        }
    }
    groups
}

/// `operation` on `ids`, at most [`EC2_BATCH`] ids a request.
pub fn batched(ids: &[String], operation: Operation) -> Vec<Request> {
    ids.chunks(EC2_BATCH)
        .map(|c| Request {
            ids: c.to_vec(),
            operation: operation.clone(),
        })
        .collect()
}

/// One request per resource (RDS calls name one instance each).
pub fn per_resource(targets: &[&Value], ids: &[String], operation: impl Fn(&Value, &str) -> Operation) -> Vec<Request> {
    targets
        .iter()
        .zip(ids)
        .map(|(doc, id)| Request {
            ids: vec![id.clone()],
            operation: operation(doc, id),
        })
        .collect()
}

/// Ok when `state` is one of `allowed`, else c7n-style "state is 'x', stop needs 'running'".
pub fn need_state(state: Option<&str>, allowed: &[&str], verb: &str) -> Result<(), String> {
    let state = state.unwrap_or("unknown");
    if allowed.contains(&state) {
        Ok(())
    } else {
        let q: Vec<String> = allowed.iter().map(|s| format!("'{s}'")).collect();
        let list = match q.len() {
            1 => q[0].clone(),
            _ => format!("{} or {}", q[..q.len() - 1].join(", "), q[q.len() - 1]),
        };
        Err(format!("state is '{state}', {verb} needs {list}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::{stop::Stop, tag::Tag};
    use serde_json::json;

    fn cx() -> PlanContext<'static> {
        PlanContext::new(ResourceKind::Ec2, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap())
    }

    #[test]
    fn what_an_earlier_policy_did_is_a_named_skip() {
        let fetched = json!({"InstanceId": "i-1", "State": {"Name": "running"}, "Tags": []});
        let stopped = json!({"InstanceId": "i-1", "State": {"Name": "stopping"}, "Tags": [{"Key": "a", "Value": "1"}]});
        let change = [
            Change {
                policy: "tag-all".into(),
                action: "tag",
            },
            Change {
                policy: "stop-gpu".into(),
                action: "stop",
            },
        ];
        let c = Candidate {
            fetched: &fetched,
            current: &stopped,
            changed_by: &change,
            stale: false,
        };
        let stop = Action::Stop(Stop::default());
        let p = plan(&stop, &[c], &cx());
        assert!(p.requests.is_empty());
        assert_eq!(
            p.skipped[0].reason,
            "after policy 'tag-all' (tag) and policy 'stop-gpu' (stop): state is 'stopping', stop needs 'running'"
        );
        assert_eq!(p.skipped[0].earlier_policy.as_deref(), Some("stop-gpu"));
        let same_tag = Action::Tag(Tag {
            tags: vec![("a".into(), "1".into())],
            computed: Vec::new(),
        });
        let p = plan(&same_tag, &[c], &cx());
        assert_eq!(
            p.skipped[0].reason,
            "already done by policy 'tag-all' (tag) and policy 'stop-gpu' (stop)"
        );
        let other_tag = Action::Tag(Tag {
            tags: vec![("a".into(), "2".into())],
            computed: Vec::new(),
        });
        assert_eq!(plan(&other_tag, &[c], &cx()).targets, vec!["i-1"]);
        let stale = Candidate { stale: true, ..c };
        let p = plan(&other_tag, &[stale], &cx());
        assert_eq!(
            p.skipped[0].reason,
            "no longer matches the filters after policy 'tag-all' (tag) and policy 'stop-gpu' (stop)"
        );
        // Already stopped when fetched: the ordinary reason, naming no policy.
        let p = plan(&stop, &[Candidate::fresh(&stopped)], &cx());
        assert_eq!(p.skipped[0].earlier_policy, None);
    }
}
