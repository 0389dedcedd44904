//! What the actions of earlier policies in a run changed, as planning sees it.

use crate::action::plan::Change;
use crate::action::request::Request;
use crate::provider::IdOutcome;
use serde_json::Value;
use std::collections::HashMap;

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
