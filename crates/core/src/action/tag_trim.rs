//! `tag-trim`: remove tags so that `space` more fit under the 50-tag limit, keeping those in
//! `preserve` (`c7n/tags.py`, `TagTrim`; RDS: `c7n/resources/rds.py`). c7n's rules: `aws:` tags
//! are not counted or removed; a resource with room already is left alone; the removed keys
//! are the first, in sorted order, of those not preserved; `space: 0` removes every tag not
//! preserved. (c7n's own EC2 implementation fails calling its removal with too few arguments;
//! custodian does what it describes.)

use super::normalize_tag::MAX_TAGS;
use super::plan::{per_resource, PlanContext};
use super::remove_tag::permissions;
use super::request::Request;
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, Checker, NodeValue};
use crate::resource::{tags, ResourceKind};
use serde_json::Value;

/// The `tag-trim` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::TagTrim,
    names: &["tag-trim"],
    summary: "Remove tags (sorted, not in preserve) until space more fit under the 50-tag limit (default space 3; 0 removes every tag not preserved).",
    example: |_| "- type: tag-trim\n  space: 3\n  preserve: [Owner, CostCenter]",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds, ResourceKind::SpotRequest],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type", "space", "preserve"],
    permissions,
    parse,
};

/// A validated `tag-trim`.
#[derive(Debug, Clone)]
pub struct TagTrim {
    /// Tag slots to free.
    pub space: usize,
    /// Keys never removed.
    pub preserve: Vec<String>,
}

impl TagTrim {
    /// The keys to remove from `doc` (empty: nothing to do).
    pub fn removals(&self, doc: &Value) -> Vec<String> {
        let mut keys: Vec<&str> = tags(doc).map(|(k, _)| k).filter(|k| !k.starts_with("aws:")).collect();
        keys.sort();
        keys.dedup();
        if self.space > 0 && keys.len() + self.space <= MAX_TAGS {
            return Vec::new();
        }
        let preserved = keys.iter().filter(|k| self.preserve.iter().any(|p| p == *k)).count();
        let candidates: Vec<&str> = keys.into_iter().filter(|k| !self.preserve.iter().any(|p| p == k)).collect();
        let remove = if self.space == 0 {
            candidates.len()
        } else {
            (candidates.len() + self.space + preserved)
                .saturating_sub(MAX_TAGS)
                .min(candidates.len())
        };
        candidates[..remove].iter().map(|s| s.to_string()).collect()
    }
}

impl Behaviour for TagTrim {
    fn check(&self, _kind: ResourceKind, doc: &Value) -> Result<(), String> {
        if self.removals(doc).is_empty() {
            return Err(format!(
                "room for {} more tags, or nothing to remove that is not preserved",
                self.space
            ));
        }
        Ok(())
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        let Some(tagging) = cx.kind.spec().tagging else {
            return Vec::new();
        };
        per_resource(targets, ids, |doc, _| super::tag::untag_one(tagging, doc, self.removals(doc)))
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        permissions(kind).to_vec()
    }

    fn reads(&self) -> &'static [&'static str] {
        &["Tags"]
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let space = match get(a.entries, "space") {
        None => Some(3),
        Some(v) => match v.value {
            NodeValue::Int(n) if (0..=MAX_TAGS as i64).contains(&n) => Some(n as usize),
            _ => {
                c.at_node(v, format!("'space' must be a whole number of tags from 0 to {MAX_TAGS}"));
                None
            }
        },
    };
    let preserve = get(a.entries, "preserve").map(|v| c.string_list(v, "preserve")).unwrap_or_default();
    Some(Action::TagTrim(TagTrim { space: space?, preserve }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(n: usize) -> Value {
        let mut t: Vec<Value> = (0..n).map(|i| json!({"Key": format!("k{i:02}"), "Value": "v"})).collect();
        t.push(json!({"Key": "aws:cloudformation:stack-name", "Value": "s"}));
        json!({"InstanceId": "i-1", "Tags": t})
    }

    #[test]
    fn c7n_trim_arithmetic() {
        let trim = TagTrim {
            space: 3,
            preserve: vec!["k00".into(), "k01".into()],
        };
        assert!(trim.removals(&doc(47)).is_empty(), "47 + 3 fit (aws: tags not counted)");
        assert_eq!(trim.removals(&doc(49)), vec!["k02", "k03"], "sorted, preserved kept");
        let all = TagTrim {
            space: 0,
            preserve: vec!["k00".into()],
        };
        assert_eq!(all.removals(&doc(3)), vec!["k01", "k02"]);
    }
}
