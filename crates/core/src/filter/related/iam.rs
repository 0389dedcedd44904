//! Filters over an EC2 instance's IAM role, read through its instance profile
//! (`ListInstanceProfiles` once, then `GetRole` / `ListAttachedRolePolicies` per role in use):
//! - `iam-role` (`EC2IamRoleFilter` in `c7n/resources/ec2.py`, a `RelatedResourceFilter`): the
//!   role is the last path segment of the profile's first role ARN; no profile, a deleted
//!   profile or one without a role gives no role ids (so `operator: and` matches, as c7n).
//! - `has-specific-managed-policy` (`HasSpecificManagedPolicy` there, over
//!   `SpecificIamProfileManagedPolicy` in `c7n/resources/iam.py`): a value filter over each
//!   managed policy attached to the profile's role (key `PolicyName` by default); terminated
//!   instances and instances without a (known) profile never match.

use super::{RelatedFilter, Test};
use crate::filter::{EvalContext, FilterDef};
use crate::resource::related::{refs, Related};
use crate::resource::ResourceKind;
use serde_json::Value;

/// The `iam-role` row of the filter table.
pub const IAM_ROLE: FilterDef = FilterDef {
    name: "iam-role",
    summary: "A value filter over the instance's IAM role (through its instance profile; GetRole per role in use, with tags): match-resource, operator, value_type resource_count.",
    example: "- type: iam-role\n  key: tag:Environment\n  value: Production",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type", "key", "value", "op", "value_type", "value_regex", "match-resource", "operator"],
    parse: super::parse,
};

/// The `has-specific-managed-policy` row of the filter table.
pub const HAS_SPECIFIC_MANAGED_POLICY: FilterDef = FilterDef {
    name: "has-specific-managed-policy",
    summary:
        "The instance profile's role has an attached managed policy matching the value filter (key PolicyName by default, or PolicyArn).",
    example: "- type: has-specific-managed-policy\n  op: glob\n  value: \"*FullAccess\"",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type", "key", "value", "op", "value_type", "value_regex"],
    parse: super::parse,
};

/// The role names in the instance's profile's `Roles`: `None` (need recorded) until the
/// profiles are loaded, `Some(vec![])` without a profile.
fn profile_roles(doc: &Value, cx: &EvalContext, names: fn(&Value) -> Option<String>) -> Option<Vec<String>> {
    let Some(arn) = refs(cx.kind, Related::InstanceProfiles, doc).into_iter().next() else {
        return Some(Vec::new());
    };
    let Some(profile) = cx.related(Related::InstanceProfiles, &arn)? else {
        return Some(Vec::new());
    };
    let roles = profile.get("Roles").and_then(Value::as_array);
    Some(roles.into_iter().flatten().filter_map(names).collect())
}

impl RelatedFilter {
    /// The `iam-role` ids: the name of the profile's first role (from its ARN, as c7n).
    pub(super) fn role_ids(&self, doc: &Value, cx: &EvalContext) -> Option<Vec<String>> {
        let mut first = profile_roles(doc, cx, |r| {
            r.get("Arn")
                .and_then(Value::as_str)
                .and_then(|a| a.rsplit('/').next())
                .map(str::to_string)
        })?;
        first.truncate(1);
        Some(first)
    }

    /// `has-specific-managed-policy`.
    pub(super) fn check_attached_policies(&self, doc: &Value, cx: &EvalContext) -> Option<bool> {
        if doc.pointer("/State/Name").and_then(Value::as_str) == Some("terminated") {
            return Some(false);
        }
        let roles = profile_roles(doc, cx, |r| r.get("RoleName").and_then(Value::as_str).map(str::to_string))?;
        // c7n's loop keeps the policies of the profile's last role (a profile holds one).
        let Some(role) = roles.last() else {
            return Some(false);
        };
        let Some(attached) = cx.related(Related::AttachedRolePolicies, role)? else {
            return Some(false);
        };
        let Test::Value { filter: Some(f), .. } = &self.test else {
            return Some(false);
        };
        let policies = attached.get("AttachedPolicies").and_then(Value::as_array);
        Some(policies.into_iter().flatten().any(|p| f.matches(p, cx.now)))
    }
}
