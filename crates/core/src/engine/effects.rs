//! What the actions of earlier policies in a run changed, as planning sees it.

use crate::action::plan::Change;
use crate::action::request::Request;
use crate::provider::IdOutcome;
use crate::resource::ResourceKind;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What applied (or, in a dry run, planned) actions changed in this run: for each affected
/// resource, the top-level keys of its document that the next describe would show changed, and
/// which policies' actions changed it. Filters never read it (they see the fetched state);
/// planning does, to skip actions that earlier policies made moot.
///
/// Only the changed keys are kept, each as compact JSON text (a tag list, a state): a policy
/// that tags every instance of a large account adds a few hundred bytes per instance, not a
/// copy of every document. Planning rebuilds a changed document when it needs one
/// ([`Effects::current`]).
///
/// Keyed by kind and id: ids are unique within a kind only (a user-chosen name may be a DB
/// instance's and a bucket's at once).
#[derive(Debug, Default)]
pub struct Effects {
    patched: HashMap<(ResourceKind, String), Patch>,
}

/// One resource's changes.
#[derive(Debug, Default)]
struct Patch {
    /// Changed top-level keys and their new values as compact JSON (`None`: the key is gone).
    keys: Vec<(String, Option<Box<str>>)>,
    /// The actions that changed it, oldest first.
    changes: Vec<Change>,
}

impl Patch {
    /// `base` with these changes.
    fn apply(&self, base: &Value) -> Value {
        let mut doc = match base {
            Value::Object(m) => m.clone(),
            _ => Map::new(),
        };
        self.apply_to(&mut doc);
        Value::Object(doc)
    }

    /// Writes these changes into `doc`.
    fn apply_to(&self, doc: &mut Map<String, Value>) {
        for (k, v) in &self.keys {
            match v {
                // The text was written from a Value by `record`.
                Some(text) => doc.insert(k.clone(), serde_json::from_str(text).unwrap_or(Value::Null)),
                None => doc.remove(k),
            };
        }
    }
}

impl Effects {
    /// Records the effect of `request` on the ids it applied to, resources of `kind`, made by
    /// `change`; `base` finds a resource's fetched view by kind and id.
    pub fn record<'v>(
        &mut self,
        kind: ResourceKind,
        request: &Request,
        outcomes: &[IdOutcome],
        change: &Change,
        base: impl Fn(ResourceKind, &str) -> Option<&'v Value>,
    ) {
        let reads = request.operation.effect_reads();
        for o in outcomes.iter().filter(|o| o.error.is_none()) {
            let Some(Value::Object(fetched)) = base(kind, &o.id) else {
                continue;
            };
            let patch = self.patched.entry((kind, o.id.clone())).or_default();
            // Only the keys the effect reads and the earlier changes, not the whole view: the
            // effect writes every other key it touches whole.
            let mut doc: Map<String, Value> = reads
                .iter()
                .filter_map(|k| fetched.get(*k).map(|v| (k.to_string(), v.clone())))
                .collect();
            patch.apply_to(&mut doc);
            let considered: Vec<String> = reads
                .iter()
                .map(|k| k.to_string())
                .chain(patch.keys.iter().map(|(k, _)| k.clone()))
                .collect();
            request.operation.effect(&mut doc);
            // Keep what differs from the fetched view (earlier changes included: `doc` has them).
            patch.keys.clear();
            for (k, v) in &doc {
                if fetched.get(k) != Some(v) {
                    patch.keys.push((
                        k.clone(),
                        Some(serde_json::to_string(v).expect("a JSON value serializes").into_boxed_str()),
                    ));
                }
            }
            for k in considered {
                if !doc.contains_key(&k) && fetched.contains_key(&k) && !patch.keys.iter().any(|(p, _)| *p == k) {
                    patch.keys.push((k, None));
                }
            }
            if patch.changes.last() != Some(change) {
                patch.changes.push(change.clone());
            }
            // Kept for the rest of the run, once per changed resource: no spare capacity.
            patch.keys.shrink_to_fit();
            patch.changes.shrink_to_fit();
        }
    }

    /// The document of the resource `kind`/`id` (its fetched view, `fetched`) with recorded
    /// effects, and what changed it; `None` when nothing did.
    pub fn current(&self, kind: ResourceKind, id: &str, fetched: &Value) -> Option<(Value, &[Change])> {
        self.patched
            .get(&(kind, id.to_string()))
            .map(|p| (p.apply(fetched), p.changes.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::request::Operation;
    use serde_json::json;

    fn request(operation: Operation, ids: &[&str]) -> Request {
        Request {
            operation,
            ids: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn only_changed_keys_are_kept_and_documents_are_rebuilt_with_them() {
        let views: HashMap<&str, Value> = [
            (
                "i-1",
                json!({"InstanceId": "i-1", "State": {"Name": "running"}, "Tags": [{"Key": "a", "Value": "1"}]}),
            ),
            ("i-2", json!({"InstanceId": "i-2", "State": {"Name": "running"}})),
        ]
        .into_iter()
        .collect();
        let mut effects = Effects::default();
        let tag = Change {
            policy: "mark".into(),
            action: "tag",
        };
        let stop = Change {
            policy: "enforce".into(),
            action: "stop",
        };
        let tags = request(
            Operation::Ec2CreateTags {
                tags: vec![("b".into(), "2".into())],
            },
            &["i-1", "i-2", "i-gone"],
        );
        let outcomes: Vec<IdOutcome> = tags.ids.iter().map(|id| IdOutcome::applied(id)).collect();
        effects.record(ResourceKind::Ec2, &tags, &outcomes, &tag, |_, id| views.get(id));
        let stopped = request(
            Operation::Ec2StopInstances {
                hibernate: false,
                force: false,
            },
            &["i-1"],
        );
        effects.record(ResourceKind::Ec2, &stopped, &[IdOutcome::applied("i-1")], &stop, |_, id| {
            views.get(id)
        });

        let (doc, changes) = effects.current(ResourceKind::Ec2, "i-1", &views["i-1"]).unwrap();
        assert_eq!(
            doc,
            json!({"InstanceId": "i-1", "State": {"Code": 64, "Name": "stopping"}, "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]})
        );
        assert_eq!(changes, [tag.clone(), stop]);
        let mut kept: Vec<&str> = effects.patched[&(ResourceKind::Ec2, "i-1".to_string())]
            .keys
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        kept.sort_unstable();
        assert_eq!(kept, ["State", "Tags"], "unchanged keys are not copied");
        let (doc, changes) = effects.current(ResourceKind::Ec2, "i-2", &views["i-2"]).unwrap();
        assert_eq!(doc["Tags"], json!([{"Key": "b", "Value": "2"}]));
        assert_eq!(changes, [tag]);
        assert!(
            effects.current(ResourceKind::Ec2, "i-gone", &json!({})).is_none(),
            "ids without a fetched view are not recorded"
        );
        // Kept apart by kind: the same id in another kind is another resource.
        assert!(effects.current(ResourceKind::Rds, "i-1", &views["i-1"]).is_none());
    }

    #[test]
    fn a_call_is_recorded_on_the_kind_its_ids_name() {
        let cancel_then_terminate = [
            Operation::Ec2CancelSpotInstanceRequests,
            Operation::Ec2TerminateInstances { force: false },
        ];
        let kinds: Vec<ResourceKind> = cancel_then_terminate
            .iter()
            .map(|o| o.target_kind(ResourceKind::SpotRequest))
            .collect();
        assert_eq!(
            kinds,
            [ResourceKind::SpotRequest, ResourceKind::Ec2],
            "a spot policy's cancel terminates instances"
        );
        let tags = Operation::Ec2CreateTags { tags: vec![] };
        assert_eq!(tags.target_kind(ResourceKind::SpotRequest), ResourceKind::SpotRequest);
        assert_eq!(Operation::RdsStopDbInstance.target_kind(ResourceKind::Rds), ResourceKind::Rds);
    }
}
