//! `normalize-tag` (EC2, spot requests): rewrite one tag's value in upper, lower or title case,
//! or strip characters from both ends (`c7n/tags.py`, `NormalizeTag`). As in c7n, resources
//! with 50 tags are left alone and one `CreateTags` is sent per distinct new value; `title`
//! and `strip` follow Python's `str.title()` and `str.strip(chars)`. Unlike c7n, a value that
//! is already normal is skipped rather than rewritten with itself, and c7n's `replace` (which
//! does nothing there) is refused.

use super::plan::{batched, PlanContext};
use super::request::{Operation, Request};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, Checker};
use crate::resource::{tags, ResourceKind};
use serde_json::Value;

/// The `normalize-tag` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::NormalizeTag,
    names: &["normalize-tag"],
    summary: "Rewrite one tag's value: action upper, lower, title, or strip (value: the characters to strip from both ends).",
    example: |_| "- type: normalize-tag\n  key: Environment\n  action: lower",
    kinds: &[ResourceKind::Ec2, ResourceKind::SpotRequest],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type", "key", "action", "value"],
    permissions: |_| &["ec2:CreateTags"],
    parse,
};

/// EC2's limit on tags per resource.
pub const MAX_TAGS: usize = 50;

/// How the value changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// `upper`
    Upper,
    /// `lower`
    Lower,
    /// `title` (Python's `str.title()`)
    Title,
    /// `strip` (Python's `str.strip(chars)`)
    Strip,
}

/// A validated `normalize-tag`.
#[derive(Debug, Clone)]
pub struct NormalizeTag {
    /// The tag key.
    pub key: String,
    /// The transform.
    pub transform: Transform,
    /// `strip`: the characters stripped.
    pub chars: String,
}

impl NormalizeTag {
    /// The normalized value, `None` when it is already normal.
    pub fn normalize(&self, value: &str) -> Option<String> {
        let new = match self.transform {
            Transform::Upper => value.to_uppercase(),
            Transform::Lower => value.to_lowercase(),
            Transform::Title => python_title(value),
            // c7n strips only when the text occurs in the value.
            Transform::Strip if self.chars.is_empty() || !value.contains(self.chars.as_str()) => value.to_string(),
            Transform::Strip => value.trim_matches(|c| self.chars.contains(c)).to_string(),
        };
        (new != value).then_some(new)
    }

    fn value_of<'d>(&self, doc: &'d Value) -> Option<&'d str> {
        tags(doc).find(|(k, _)| *k == self.key).map(|(_, v)| v)
    }
}

/// Python's `str.title()`: a letter after a letter is lowered, any other letter raised.
pub fn python_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut after_letter = false;
    for c in s.chars() {
        if c.is_alphabetic() {
            if after_letter {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            after_letter = true;
        } else {
            out.push(c);
            after_letter = false;
        }
    }
    out
}

impl Behaviour for NormalizeTag {
    fn check(&self, _kind: ResourceKind, doc: &Value) -> Result<(), String> {
        let Some(value) = self.value_of(doc) else {
            return Err(format!("no tag '{}'", self.key));
        };
        if tags(doc).count() >= MAX_TAGS {
            return Err(format!("has {MAX_TAGS} tags (c7n leaves such resources alone)"));
        }
        match self.normalize(value) {
            Some(_) => Ok(()),
            None => Err(format!("tag '{}' is already normalized", self.key)),
        }
    }

    fn requests(&self, _cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        // One request per distinct new value, in first-seen order.
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for (doc, id) in targets.iter().zip(ids) {
            let Some(new) = self.value_of(doc).and_then(|v| self.normalize(v)) else {
                continue;
            };
            match groups.iter_mut().find(|(v, _)| *v == new) {
                Some((_, list)) => list.push(id.clone()),
                None => groups.push((new, vec![id.clone()])),
            }
        }
        groups
            .into_iter()
            .flat_map(|(value, ids)| {
                batched(
                    &ids,
                    Operation::Ec2CreateTags {
                        tags: vec![(self.key.clone(), value)],
                    },
                )
            })
            .collect()
    }

    fn permissions(&self, _kind: ResourceKind) -> Vec<&'static str> {
        vec!["ec2:CreateTags"]
    }

    fn reads(&self) -> &'static [&'static str] {
        &["Tags"]
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let key = match get(a.entries, "key").map(|v| (v, v.as_str())) {
        Some((_, Some(k))) if !k.is_empty() => Some(k.to_string()),
        Some((v, _)) => {
            c.at_node(v, "'key' must be a tag key");
            None
        }
        None => {
            c.at_node(a.at, "normalize-tag needs 'key', the tag whose value is rewritten");
            None
        }
    };
    let transform = match get(a.entries, "action").map(|v| (v, v.as_str())) {
        Some((_, Some("upper"))) => Some(Transform::Upper),
        Some((_, Some("lower"))) => Some(Transform::Lower),
        Some((_, Some("title"))) => Some(Transform::Title),
        Some((_, Some("strip"))) => Some(Transform::Strip),
        Some((v, Some("replace"))) => {
            c.at_node(
                v,
                "normalize-tag 'replace' does nothing in Cloud Custodian and is not supported by custodian; use tag with the new value",
            );
            None
        }
        Some((v, other)) => {
            let help = crate::input::hint(other.unwrap_or(""), ["upper", "lower", "title", "strip"], || {
                Some("actions: upper, lower, title, strip".into())
            });
            c.at_node_help(v, format!("unknown normalize-tag action '{}'", other.unwrap_or("")), help);
            None
        }
        None => {
            c.at_node(a.at, "normalize-tag needs 'action': upper, lower, title or strip");
            None
        }
    };
    let chars = get(a.entries, "value").and_then(crate::input::scalar_string).unwrap_or_default();
    if transform == Some(Transform::Strip) && chars.is_empty() {
        c.at_node(a.at, "normalize-tag 'strip' needs 'value', the characters to strip");
    }
    Some(Action::NormalizeTag(NormalizeTag {
        key: key?,
        transform: transform?,
        chars,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::plan::{plan, Candidate};
    use serde_json::json;

    fn doc(id: &str, value: &str) -> Value {
        json!({"InstanceId": id, "Tags": [{"Key": "Env", "Value": value}]})
    }

    #[test]
    fn python_semantics_and_one_request_per_new_value() {
        let n = |t, chars: &str| NormalizeTag {
            key: "Env".into(),
            transform: t,
            chars: chars.into(),
        };
        assert_eq!(
            n(Transform::Title, "").normalize("they're dev-BOX 3rd"),
            Some("They'Re Dev-Box 3Rd".into())
        );
        assert_eq!(n(Transform::Strip, "x-").normalize("x-prod-x"), Some("prod".into()));
        assert_eq!(
            n(Transform::Strip, "zz").normalize("prod"),
            None,
            "c7n strips only when the value contains it"
        );
        assert_eq!(n(Transform::Lower, "").normalize("dev"), None);
        let docs = [doc("i-1", "DEV"), doc("i-2", "Dev"), doc("i-3", "dev"), doc("i-4", "PROD")];
        let candidates: Vec<Candidate> = docs.iter().map(Candidate::fresh).collect();
        let cx = PlanContext::new(ResourceKind::Ec2, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap());
        let p = plan(&Action::NormalizeTag(n(Transform::Lower, "")), &candidates, &cx);
        assert_eq!(p.requests.len(), 2);
        assert_eq!(p.requests[0].ids, vec!["i-1", "i-2"]);
        assert_eq!(p.requests[1].ids, vec!["i-4"]);
        assert_eq!(p.skipped[0].reason, "tag 'Env' is already normalized");
    }
}
