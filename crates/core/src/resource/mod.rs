//! Resource kinds: the [`KINDS`] table (one module per kind under [`kinds`]), and resource
//! documents in AWS's own shape.

pub mod chunk;
pub mod collection;
pub mod details;
pub mod document;
pub mod kinds;
pub mod minify;
pub mod outline;
pub mod path;
pub mod query;
pub mod related;
pub mod scan;

pub use collection::{Collection, Envelope};
pub use document::{parse_compact, parse_describe, parse_page, FieldSet, Outline, RawDocument, Resource};
pub use minify::{minify, Minifier};

use jiff::Timestamp;
use serde_json::Value;

/// The resource kinds custodian covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    /// `aws.ec2`: EC2 instances.
    Ec2,
    /// `aws.rds`: RDS DB instances.
    Rds,
    /// `aws.ec2-spot-request`: EC2 spot instance requests.
    SpotRequest,
}

/// Everything custodian knows about a resource kind, in one readable row.
#[derive(Debug)]
pub struct KindSpec {
    /// The kind.
    pub kind: ResourceKind,
    /// Canonical policy name, e.g. `aws.ec2`.
    pub name: &'static str,
    /// Other accepted names (c7n's short forms).
    pub aliases: &'static [&'static str],
    /// One-line description.
    pub description: &'static str,
    /// What its describe call returns (shared with a related type reading the same collection).
    pub collection: &'static Collection,
    /// The creation-date attribute.
    pub date_field: &'static str,
    /// The top-level keys [`KindSpec::age_date`] reads.
    pub age_fields: &'static [&'static str],
    /// The date `instance-age` measures from (c7n's per-kind `date` rule).
    pub age_date: fn(&Value) -> Option<Timestamp>,
    /// The status attribute path, for reports.
    pub state_path: &'static [&'static str],
    /// Keys every resource view keeps: what planning, pricing and reporting read besides the filters.
    pub core_fields: &'static [&'static str],
    /// A tag list under another name that is mirrored as `Tags` (RDS: `TagList`).
    pub tag_mirror: Option<&'static str>,
    /// c7n's default report columns (`tag:K` reads a tag).
    pub report_fields: &'static [&'static str],
    /// Its CloudWatch metrics: namespace and the dimension naming one resource (c7n's
    /// `TypeInfo.dimension`), for the `metrics` filter.
    pub metrics: Option<MetricsSpec>,
    /// Whether off-hours and on-hours consider only resources in the state they change (c7n's
    /// `state-filter`: EC2 offhour only running instances, onhour only stopped ones).
    pub schedule_state_filter: bool,
    /// Where its size or class is (a Slack line shows it): a JSON pointer.
    pub size_pointer: &'static str,
    /// The server-side filters its describe call takes (`query:`), when custodian supports them.
    pub query: Option<&'static crate::resource::query::QuerySpec>,
    /// How its resources are tagged (the tag family, `mark-for-op` and `auto-tag-user` act
    /// through it); `None`: not taggable.
    pub tagging: Option<Tagging>,
    /// Where its documents name related resources (c7n's `RelatedIdsExpression` of each
    /// filter): the related type and the path of keys to its ids, lists searched on the way.
    /// A related type not listed does not apply to the kind.
    pub refs: &'static [(related::Related, &'static [&'static str])],
}

/// How a kind's resources are tagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tagging {
    /// EC2's `CreateTags` / `DeleteTags` on resource ids, many a call.
    Ec2Ids,
    /// RDS's `AddTagsToResource` / `RemoveTagsFromResource` on each resource's ARN.
    RdsArn,
}

impl Tagging {
    /// The IAM action that adds tags.
    pub fn add_permissions(self) -> &'static [&'static str] {
        match self {
            Tagging::Ec2Ids => &["ec2:CreateTags"],
            Tagging::RdsArn => &["rds:AddTagsToResource"],
        }
    }

    /// The IAM action that removes tags.
    pub fn remove_permissions(self) -> &'static [&'static str] {
        match self {
            Tagging::Ec2Ids => &["ec2:DeleteTags"],
            Tagging::RdsArn => &["rds:RemoveTagsFromResource"],
        }
    }
}

/// A kind's CloudWatch metrics.
#[derive(Debug, Clone, Copy)]
pub struct MetricsSpec {
    /// The default namespace (`AWS/EC2`).
    pub namespace: &'static str,
    /// The dimension that names one resource, valued by its id (`InstanceId`).
    pub dimension: &'static str,
}

/// The kind table, in the order of [`ResourceKind`].
pub const KINDS: &[KindSpec] = &[kinds::ec2::SPEC, kinds::rds::SPEC, kinds::spot::SPEC];

impl ResourceKind {
    /// This kind's row of the table.
    pub fn spec(self) -> &'static KindSpec {
        match self {
            ResourceKind::Ec2 => &kinds::ec2::SPEC,
            ResourceKind::Rds => &kinds::rds::SPEC,
            ResourceKind::SpotRequest => &kinds::spot::SPEC,
        }
    }

    /// Every kind, in table order.
    pub fn all() -> impl Iterator<Item = ResourceKind> {
        KINDS.iter().map(|k| k.kind)
    }

    /// Looks up a kind by canonical name or alias.
    pub fn from_name(name: &str) -> Option<ResourceKind> {
        KINDS.iter().find(|k| k.name == name || k.aliases.contains(&name)).map(|k| k.kind)
    }

    /// Every accepted name, for suggestions.
    pub fn all_names() -> impl Iterator<Item = &'static str> {
        KINDS.iter().flat_map(|k| std::iter::once(k.name).chain(k.aliases.iter().copied()))
    }
}

/// A resource document's id.
pub fn resource_id(kind: ResourceKind, doc: &Value) -> &str {
    doc.get(kind.spec().collection.id_field).and_then(Value::as_str).unwrap_or("")
}

/// The values at a path of keys, lists on the way searched (`["SecurityGroups", "GroupId"]`
/// gives every group's id).
pub fn values_at<'a>(doc: &'a Value, keys: &[&str]) -> Vec<&'a Value> {
    let mut current = vec![doc];
    for key in keys {
        let mut next = Vec::new();
        for v in current {
            match v.get(key) {
                Some(Value::Array(items)) => next.extend(items.iter()),
                Some(v) => next.push(v),
                None => {}
            }
        }
        current = next;
    }
    current
}

/// A resource document's state (`running`, `available`, `open`...).
pub fn resource_state(kind: ResourceKind, doc: &Value) -> Option<&str> {
    let mut v = doc;
    for p in kind.spec().state_path {
        v = v.get(p)?;
    }
    v.as_str()
}

/// The `(Key, Value)` pairs of a document's `Tags`.
pub fn tags(doc: &Value) -> impl Iterator<Item = (&str, &str)> {
    doc.get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| Some((t.get("Key")?.as_str()?, t.get("Value").and_then(Value::as_str).unwrap_or(""))))
}

/// The `(Key, Value)` pairs of a `[{"Key": ..., "Value": ...}]` list (a missing value reads "").
pub fn tag_pairs(list: Option<&Value>) -> Vec<(String, String)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some((
                t.get("Key")?.as_str()?.to_string(),
                t.get("Value").and_then(Value::as_str).unwrap_or("").to_string(),
            ))
        })
        .collect()
}

/// The strings of a JSON list (other items and a missing list give nothing).
pub fn string_list(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect()
}

/// Error while turning describe output into documents.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ShapeError(pub String);

/// What [`is_ephemeral`] reads of `BlockDeviceMappings`: each mapping's device name and
/// whether it has `Ebs` (a view keeps no more of the list for it).
pub const ROOT_DEVICE: Outline = Outline::Keys(&[("DeviceName", Outline::Whole), ("Ebs", Outline::Keys(&[]))]);

/// Whether an EC2 instance's root device is instance store, c7n's
/// `EphemeralInstanceFilter.is_ephemeral` (`c7n/resources/ec2.py`): the first mapping named
/// `/dev/sda1`, `/dev/xvda` or `xvda` decides (EBS: not ephemeral); no such mapping is ephemeral.
pub fn is_ephemeral(doc: &Value) -> bool {
    for bd in doc.get("BlockDeviceMappings").and_then(Value::as_array).into_iter().flatten() {
        if matches!(
            bd.get("DeviceName").and_then(Value::as_str),
            Some("/dev/sda1" | "/dev/xvda" | "xvda")
        ) {
            return bd.get("Ebs").is_none();
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_row_and_names_resolve() {
        for (i, spec) in KINDS.iter().enumerate() {
            let k = spec.kind;
            assert_eq!(KINDS.iter().filter(|s| s.kind == k).count(), 1);
            assert_eq!(k.spec().name, spec.name, "row {i} is its kind's spec");
            let attrs = k.spec().collection.attributes;
            assert!(attrs.windows(2).all(|w| w[0] < w[1]), "{}: attributes sorted and unique", spec.name);
            for f in k
                .spec()
                .age_fields
                .iter()
                .chain(k.spec().report_fields.iter().filter(|f| !f.starts_with("tag:")))
            {
                let root = f.split('.').next().unwrap_or(f);
                assert!(attrs.contains(&root), "{}: {f} is an attribute", spec.name);
            }
            if let Some(mirror) = spec.tag_mirror {
                assert!(attrs.contains(&mirror));
            }
            assert!(k.spec().collection.attributes.contains(&k.spec().collection.id_field));
            assert!(k.spec().collection.attributes.contains(&k.spec().date_field));
            assert!(k.spec().collection.attributes.contains(&"Tags"));
            for f in k.spec().core_fields {
                assert!(k.spec().collection.attributes.contains(f), "{f}");
            }
        }
        assert_eq!(ResourceKind::from_name("ec2"), Some(ResourceKind::Ec2));
        assert_eq!(ResourceKind::from_name("aws.rds"), Some(ResourceKind::Rds));
        assert_eq!(ResourceKind::from_name("aws.ec2-spot-request"), Some(ResourceKind::SpotRequest));
        assert_eq!(ResourceKind::from_name("aws.s3"), None);
    }
}
