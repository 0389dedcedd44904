//! `tag` (alias `mark`): add or overwrite tags. Values may use `{region}` and `{now}`.
//! c7n's legacy form `tag: K` + `value: V` sets `K=V`; `key` + `value` likewise
//! (`c7n/tags.py`, `Tag`: `tag`/`key` and `value`, or `tags`; `msg` belongs to `mark-for-op`).
//! A value in `tags` may be computed per resource (`c7n/tags.py` `resolve_tag_value`,
//! `c7n/lookup.py`): `{type: resource, key: EXPR, default-value: D}` is the JMESPath value
//! of the resource (else D), `{type: resource, default-value: D}` writes D only where the tag
//! is absent. Resources with the same computed tags share one request.

use super::plan::{batched, group_by_payload, per_resource, PlanContext};
use super::request::{Operation, Request};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, scalar_string, Checker};
use crate::resource::{ResourceKind, Tagging};
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
    kind.spec().tagging.map(Tagging::add_permissions).unwrap_or_default()
}

/// A validated `tag`.
#[derive(Debug, Clone)]
pub struct Tag {
    /// Key/value pairs, in policy order.
    pub tags: Vec<(String, String)>,
    /// Values computed per resource, by tag key (c7n's `type: resource` lookups).
    pub computed: Vec<(String, Lookup)>,
}

/// A tag value computed from the resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    /// The JMESPath expression over the resource (`None`: write the default only where the
    /// tag is absent).
    pub key: Option<String>,
    /// The value when the expression finds nothing.
    pub default: Option<String>,
}

impl Lookup {
    /// The value for `doc`: `Ok(None)` to leave the tag out, `Err` when nothing is found and
    /// there is no default (c7n raises there).
    fn resolve(&self, tag: &str, doc: &Value) -> Result<Option<String>, String> {
        match &self.key {
            None => Ok((!crate::resource::tags(doc).any(|(k, _)| k == tag))
                .then(|| self.default.clone())
                .flatten()),
            Some(expr) => match crate::resource::path::search(expr, doc).filter(|v| !v.is_null()) {
                Some(v) => Ok(Some(python_str(&v))),
                None => self
                    .default
                    .clone()
                    .map(Some)
                    .ok_or_else(|| format!("tag '{tag}': '{expr}' found nothing and there is no default-value")),
            },
        }
    }
}

/// Python's `str()` of a JSON value, as c7n formats a looked-up tag value.
fn python_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

impl Tag {
    /// The tags for one resource: the fixed ones and the computed ones, in policy order.
    fn tags_for(&self, doc: &Value, stamp: &str, region: &str) -> Result<Vec<(String, String)>, String> {
        let interpolate = |v: &str| v.replace("{region}", region).replace("{now}", stamp);
        let mut out: Vec<(String, String)> = self.tags.iter().map(|(k, v)| (k.clone(), interpolate(v))).collect();
        for (k, lookup) in &self.computed {
            if let Some(v) = lookup.resolve(k, doc)? {
                out.push((k.clone(), interpolate(&v)));
            }
        }
        Ok(out)
    }
}

impl Behaviour for Tag {
    fn check(&self, _kind: ResourceKind, doc: &Value) -> Result<(), String> {
        if self.computed.is_empty() {
            return Ok(());
        }
        let tags = self.tags_for(doc, "", "")?;
        if tags.is_empty() {
            return Err("every computed tag is already set".into());
        }
        Ok(())
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        let stamp = cx.now.strftime("%Y/%m/%d %H%M UTC").to_string();
        if self.computed.is_empty() {
            let tags = self.tags_for(&Value::Null, &stamp, cx.region).unwrap_or_default();
            return tag_requests(cx.kind, targets, ids, tags);
        }
        // One request per distinct set of computed tags (`_resolve_and_group`).
        group_by_payload(targets, ids, |doc| self.tags_for(doc, &stamp, cx.region).ok())
            .into_iter()
            .flat_map(|(tags, docs, group_ids)| tag_requests(cx.kind, &docs, &group_ids, tags))
            .collect()
    }

    fn read_keys(&self, out: &mut std::collections::BTreeSet<String>) {
        if self.computed.is_empty() {
            return;
        }
        out.insert("Tags".into());
        for (_, l) in &self.computed {
            match l.key.as_deref().map(crate::resource::path::KeyPath::expression_fields) {
                Some(Some(names)) => out.extend(names),
                // `@` or a root projection: the whole document.
                Some(None) => {
                    out.insert(crate::resource::document::ALL_FIELDS.to_string());
                }
                None => {}
            }
        }
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        permissions(kind).to_vec()
    }
}

/// The requests that set `tags` on `targets`: `CreateTags` in batches on EC2, one
/// `AddTagsToResource` per instance on RDS.
pub fn tag_requests(kind: ResourceKind, targets: &[&Value], ids: &[String], tags: Vec<(String, String)>) -> Vec<Request> {
    match kind.spec().tagging {
        Some(Tagging::Ec2Ids) => batched(ids, Operation::Ec2CreateTags { tags }),
        Some(Tagging::RdsArn) => per_resource(targets, ids, |doc, _| Operation::RdsAddTagsToResource {
            arn: rds_arn(doc),
            tags: tags.clone(),
        }),
        None => Vec::new(),
    }
}

/// The requests removing `keys` from `targets` of `kind` (ids `ids`), as its tagging does it.
pub fn untag_requests(kind: ResourceKind, targets: &[&Value], ids: &[String], keys: Vec<String>) -> Vec<Request> {
    match kind.spec().tagging {
        Some(Tagging::Ec2Ids) => batched(ids, Operation::Ec2DeleteTags { keys }),
        Some(Tagging::RdsArn) => per_resource(targets, ids, |doc, _| untag_one(Tagging::RdsArn, doc, keys.clone())),
        None => Vec::new(),
    }
}

/// The operation removing `keys` from the one resource `doc`.
pub fn untag_one(tagging: Tagging, doc: &Value, keys: Vec<String>) -> Operation {
    match tagging {
        Tagging::Ec2Ids => Operation::Ec2DeleteTags { keys },
        Tagging::RdsArn => Operation::RdsRemoveTagsFromResource { arn: rds_arn(doc), keys },
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

/// A computed value: `{type: resource, key: EXPR, default-value: D}` or
/// `{type: resource, default-value: D}`.
fn lookup(c: &mut Checker, at: &crate::input::Node, spec: &crate::input::Entries) -> Option<Lookup> {
    let before = c.errors();
    c.check_keys(spec, &["type", "key", "default-value"], "computed tag value");
    match get(spec, "type").and_then(|t| t.as_str()) {
        Some("resource") => {}
        _ => c.at_node(at, "a computed tag value needs 'type: resource'"),
    }
    let key = match get(spec, "key") {
        None => None,
        Some(k) => match k.as_str() {
            Some(e) => match jmespath::compile(e) {
                Ok(_) => Some(e.to_string()),
                Err(err) => {
                    c.at_node(k, format!("invalid key expression: {err}"));
                    None
                }
            },
            None => {
                c.at_node(k, "'key' must be a JMESPath expression");
                None
            }
        },
    };
    let default = get(spec, "default-value").and_then(scalar_string);
    if key.is_none() && default.is_none() && c.errors() == before {
        c.at_node(at, "a computed tag value needs 'key' or 'default-value'");
    }
    (c.errors() == before).then_some(Lookup { key, default })
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let before = c.errors();
    let mut tags = Vec::new();
    let mut computed = Vec::new();
    if let Some(t) = get(a.entries, "tags") {
        match t.as_map() {
            Some(pairs) => {
                for (k, v) in pairs {
                    match (scalar_string(v), v.as_map()) {
                        (Some(s), _) => tags.push((k.name.clone(), s)),
                        (None, Some(spec)) => {
                            if let Some(l) = lookup(c, v, spec) {
                                check_tag(c, v, &k.name, l.default.as_deref().unwrap_or(""));
                                computed.push((k.name.clone(), l));
                            }
                        }
                        (None, None) => c.at_node(v, format!("tag value for '{}' must be a string", k.name)),
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
    if tags.is_empty() && computed.is_empty() && c.errors() == before {
        c.at_node(a.at, "tag action needs 'tags: {Key: value}' or 'key' and 'value'");
    }
    for (k, v) in &tags {
        check_tag(c, a.at, k, v);
    }
    Some(Action::Tag(Tag { tags, computed }))
}

#[cfg(test)]
#[path = "tests/tag.rs"]
mod tests;
