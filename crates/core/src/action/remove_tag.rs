//! `remove-tag` (aliases `unmark`, `untag`): remove tags by key (default `maid_status`).

use super::plan::PlanContext;
use super::request::Request;
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour, DEFAULT_MARK_TAG};
use crate::input::{get, Checker};
use crate::resource::ResourceKind;
use serde_json::Value;

/// The `remove-tag` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::RemoveTag,
    names: &["remove-tag", "unmark", "untag"],
    summary: "Remove tags by key (aliases: unmark, untag); default maid_status.",
    example: |_| "- type: remove-tag\n  tags: [maid_status]",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds, ResourceKind::SpotRequest],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type", "tags"],
    permissions,
    parse,
};

/// The tag-removal permissions of a kind.
pub fn permissions(kind: ResourceKind) -> &'static [&'static str] {
    kind.spec()
        .tagging
        .map(crate::resource::Tagging::remove_permissions)
        .unwrap_or_default()
}

/// A validated `remove-tag`.
#[derive(Debug, Clone)]
pub struct RemoveTag {
    /// Keys to remove.
    pub keys: Vec<String>,
}

impl Behaviour for RemoveTag {
    fn check(&self, _kind: ResourceKind, _doc: &Value) -> Result<(), String> {
        Ok(())
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        super::tag::untag_requests(cx.kind, targets, ids, self.keys.clone())
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        permissions(kind).to_vec()
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let keys = match get(a.entries, "tags") {
        Some(t) => c.string_list(t, "tags"),
        None => vec![DEFAULT_MARK_TAG.to_string()],
    };
    Some(Action::RemoveTag(RemoveTag { keys }))
}
