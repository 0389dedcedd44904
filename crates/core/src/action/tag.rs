//! `tag` (alias `mark`): add or overwrite tags. Values may use `{region}` and `{now}`.
//! c7n's legacy form `tag: K` + `value: V` sets `K=V`; `key` + `value` likewise
//! (`c7n/tags.py`, `Tag`: `tag`/`key` and `value`, or `tags`; `msg` belongs to `mark-for-op`).

use super::plan::{batched, per_resource, PlanContext};
use super::request::{Operation, Request};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, scalar_string, Checker};
use crate::resource::ResourceKind;
use serde_json::Value;

/// The `tag` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::Tag,
    names: &["tag", "mark"],
    summary: "Add or overwrite tags (alias: mark). Values may use {region} and {now}.",
    example: |_| "- type: tag\n  tags:\n    custodian-finding: missing-owner",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds, ResourceKind::SpotRequest],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type", "tags", "key", "value", "tag", "msg"],
    permissions,
    parse,
};

/// The tagging permissions of a kind.
pub fn permissions(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::Ec2 | ResourceKind::SpotRequest => &["ec2:CreateTags"],
        ResourceKind::Rds => &["rds:AddTagsToResource"],
    }
}

/// A validated `tag`.
#[derive(Debug, Clone)]
pub struct Tag {
    /// Key/value pairs, in policy order.
    pub tags: Vec<(String, String)>,
}

impl Behaviour for Tag {
    fn check(&self, _kind: ResourceKind, _doc: &Value) -> Result<(), String> {
        Ok(())
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        let stamp = cx.now.strftime("%Y/%m/%d %H%M UTC").to_string();
        let tags = self
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), v.replace("{region}", cx.region).replace("{now}", &stamp)))
            .collect();
        tag_requests(cx.kind, targets, ids, tags)
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        permissions(kind).to_vec()
    }
}

/// The requests that set `tags` on `targets`: `CreateTags` in batches on EC2, one
/// `AddTagsToResource` per instance on RDS.
pub fn tag_requests(kind: ResourceKind, targets: &[&Value], ids: &[String], tags: Vec<(String, String)>) -> Vec<Request> {
    match kind {
        ResourceKind::Ec2 | ResourceKind::SpotRequest => batched(ids, Operation::Ec2CreateTags { tags }),
        ResourceKind::Rds => per_resource(targets, ids, |doc, _| Operation::RdsAddTagsToResource {
            arn: rds_arn(doc),
            tags: tags.clone(),
        }),
    }
}

/// An RDS instance's ARN (`ResourceName` of its tagging calls).
pub fn rds_arn(doc: &Value) -> Option<String> {
    doc.get("DBInstanceArn").and_then(Value::as_str).map(str::to_string)
}

/// Checks a tag's key and value against AWS's limits.
pub fn check_tag(c: &mut Checker, at: &crate::input::Node, key: &str, value: &str) {
    if key.is_empty() || key.len() > 128 || key.starts_with("aws:") {
        c.at_node(at, format!("invalid tag key '{key}': 1-128 characters, not starting with 'aws:'"));
    }
    if value.len() > 256 {
        c.at_node(at, format!("tag value for '{key}' is longer than AWS's 256 characters"));
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let before = c.errors();
    let mut tags = Vec::new();
    if let Some(t) = get(a.entries, "tags") {
        match t.as_map() {
            Some(pairs) => {
                for (k, v) in pairs {
                    match scalar_string(v) {
                        Some(s) => tags.push((k.name.clone(), s)),
                        None => c.at_node(v, format!("tag value for '{}' must be a string", k.name)),
                    }
                }
            }
            None => c.at_node(t, "'tags' must be a mapping of tag keys to values"),
        }
    }
    // `key` or c7n's legacy `tag`, each with `value` (c7n refuses both at once).
    if let (Some(_), Some(t)) = (get(a.entries, "key"), get(a.entries, "tag")) {
        c.at_node(t, "write 'key' or 'tag', not both");
    }
    for name in ["key", "tag"] {
        if let Some(k) = get(a.entries, name) {
            match (k.as_str(), get(a.entries, "value").and_then(scalar_string)) {
                (Some(key), Some(value)) => tags.push((key.to_string(), value)),
                (None, _) => c.at_node(k, format!("'{name}' must be a string")),
                (Some(_), None) => c.at_node(k, format!("'{name}' needs a string 'value'")),
            }
        }
    }
    if let Some(m) = get(a.entries, "msg") {
        // Cloud Custodian's tag action has no 'msg' (it is mark-for-op's), and rejects it.
        c.at_node(
            m,
            "the tag action has no 'msg'; write 'value' (or use mark-for-op for a dated mark)",
        );
    }
    if tags.is_empty() && c.errors() == before {
        c.at_node(a.at, "tag action needs 'tags: {Key: value}' or 'key' and 'value'");
    }
    for (k, v) in &tags {
        check_tag(c, a.at, k, v);
    }
    Some(Action::Tag(Tag { tags }))
}
