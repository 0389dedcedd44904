//! `snapshot`. RDS: a manual snapshot named `Backup-<id>-<timestamp>` of available instances
//! that are not Aurora members. EC2 (`c7n/resources/ec2.py`, `Snapshot`): one
//! `CreateSnapshots` per instance, of all its EBS volumes (`exclude-boot` leaves the root
//! volume out), described "Snapshot Created for <id> (<Name>)"; the snapshots copy their
//! volume's tags (`copy-volume-tags`, the default) or get the instance's `copy-tags` plus
//! `tags` (default `custodian_snapshot: ""`), never both.

use super::plan::{need_state, per_resource, PlanContext};
use super::request::{Operation, Request};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, scalar_string, Checker};
use crate::resource::{resource_state, tags, ResourceKind};
use serde_json::Value;

/// The `snapshot` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::Snapshot,
    names: &["snapshot"],
    summary: "RDS: a manual snapshot named Backup-<id>-<timestamp> (available instances, not Aurora members). EC2: snapshots of every EBS volume of the instance (exclude-boot; copy-volume-tags, default true; or copy-tags from the instance plus tags).",
    example: |_| "- snapshot",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    ends_compute: false,
    keys: |kind| match kind {
        ResourceKind::Ec2 => &["type", "copy-tags", "copy-volume-tags", "tags", "exclude-boot"],
        ResourceKind::Rds | ResourceKind::SpotRequest => &["type"],
    },
    permissions: |kind| match kind {
        ResourceKind::Ec2 => &["ec2:CreateSnapshots", "ec2:CreateTags"],
        ResourceKind::Rds | ResourceKind::SpotRequest => &["rds:CreateDBSnapshot"],
    },
    parse,
};

/// How EC2 snapshots are tagged.
#[derive(Debug, Clone, PartialEq)]
pub enum SnapshotTags {
    /// Each snapshot copies its volume's tags.
    FromVolume,
    /// These instance tags, then these tags.
    Copy {
        /// Instance tag keys to copy.
        keys: Vec<String>,
        /// Tags to add.
        tags: Vec<(String, String)>,
    },
}

/// A validated `snapshot`.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// EC2: leave the root volume out.
    pub exclude_boot: bool,
    /// EC2: how the snapshots are tagged.
    pub tags: SnapshotTags,
}

impl Behaviour for Snapshot {
    fn check(&self, kind: ResourceKind, doc: &Value) -> Result<(), String> {
        if kind == ResourceKind::Ec2 {
            return Ok(());
        }
        if doc.get("DBClusterIdentifier").is_some_and(|c| !c.is_null()) {
            return Err("Aurora cluster member: snapshot the cluster instead".into());
        }
        need_state(resource_state(kind, doc), &["available"], "snapshot")
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        if cx.kind == ResourceKind::Ec2 {
            return per_resource(targets, ids, |doc, id| {
                let name = tags(doc).find(|(k, _)| *k == "Name").map(|(_, v)| v).unwrap_or("-");
                let (copy_volume_tags, tags) = match &self.tags {
                    SnapshotTags::FromVolume => (true, Vec::new()),
                    SnapshotTags::Copy { keys, tags: extra } => {
                        // c7n's coalesce_copy_user_tags: the copied tags, then the policy's.
                        let mut out: Vec<(String, String)> = crate::resource::tags(doc)
                            .filter(|(k, _)| keys.iter().any(|c| c == k))
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect();
                        for (k, v) in extra {
                            match out.iter_mut().find(|(key, _)| key == k) {
                                Some(e) => e.1 = v.clone(),
                                None => out.push((k.clone(), v.clone())),
                            }
                        }
                        (false, out)
                    }
                };
                Operation::Ec2CreateSnapshots {
                    description: format!("Snapshot Created for {id} ({name})"),
                    exclude_boot: self.exclude_boot,
                    copy_volume_tags,
                    tags,
                }
            });
        }
        let ts = cx.now.strftime("%Y-%m-%d-%H-%M").to_string();
        per_resource(targets, ids, |_, id| Operation::RdsCreateDbSnapshot {
            snapshot: format!("Backup-{id}-{ts}"),
        })
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        match (kind, &self.tags) {
            (ResourceKind::Ec2, SnapshotTags::FromVolume) => vec!["ec2:CreateSnapshots"],
            _ => (DEF.permissions)(kind).to_vec(),
        }
    }

    fn reads(&self) -> &'static [&'static str] {
        &["Tags"]
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let before = c.errors();
    let exclude_boot = c.flag(get(a.entries, "exclude-boot"));
    let copy_keys = get(a.entries, "copy-tags").map(|v| c.string_list(v, "copy-tags"));
    let copy_volume = get(a.entries, "copy-volume-tags");
    if copy_keys.is_some() && copy_volume.is_some() {
        c.at_node(a.at, "snapshot takes copy-tags or copy-volume-tags, not both (as Cloud Custodian)");
    }
    let from_volume = c.flag_or(copy_volume, true);
    let mut extra = Vec::new();
    if let Some(v) = get(a.entries, "tags") {
        match v.as_map() {
            Some(entries) => {
                for (k, val) in entries {
                    match scalar_string(val) {
                        Some(s) => extra.push((k.name.clone(), s)),
                        None => c.at_node(val, "a snapshot tag value must be a string"),
                    }
                }
            }
            None => c.at_node(v, "'tags' must be a mapping of keys to values"),
        }
    }
    if c.errors() > before {
        return None;
    }
    let tags = match copy_keys {
        Some(keys) => SnapshotTags::Copy {
            keys,
            tags: if extra.is_empty() {
                vec![("custodian_snapshot".into(), String::new())]
            } else {
                extra
            },
        },
        None if from_volume => SnapshotTags::FromVolume,
        None => SnapshotTags::Copy {
            keys: Vec::new(),
            tags: extra,
        },
    };
    Some(Action::Snapshot(Snapshot { exclude_boot, tags }))
}
