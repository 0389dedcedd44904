//! Filters over an RDS instance's configuration documents:
//! - `kms-alias` (`ResourceKmsKeyAlias` in `c7n/resources/kms.py`): a value filter over the
//!   alias whose target is the instance's `KmsKeyId` (`ListAliases` once per region; of several
//!   aliases of one key, the last listed); an unencrypted instance, or one whose key has no
//!   alias, never matches (`ValueFilter.match` answers False for a null document).
//! - `db-option-groups` (`DbOptionGroups` in `c7n/resources/rds.py`): a value filter over each
//!   option group the instance is a member of; one match is enough.
//! - `db-parameter` (`ParameterFilter` there): a value filter over each parameter group's
//!   values by name, re-cast by the parameter's `DataType` as c7n does (`recast`).

use super::{RelatedFilter, Test};
use crate::filter::{EvalContext, FilterDef};
use crate::resource::related::{refs, Related};
use crate::resource::ResourceKind;
use serde_json::{Map, Value};

/// The `kms-alias` row of the filter table.
pub const KMS_ALIAS: FilterDef = FilterDef {
    name: "kms-alias",
    summary: "A value filter over the KMS alias of the instance's storage key (ListAliases, once per region).",
    example: "- type: kms-alias\n  key: AliasName\n  value: alias/aws/rds",
    kinds: &[ResourceKind::Rds],
    needs_event: false,
    keys: &["type", "key", "value", "op", "value_type", "value_regex"],
    parse: super::parse,
};

/// The `db-option-groups` row of the filter table.
pub const DB_OPTION_GROUPS: FilterDef = FilterDef {
    name: "db-option-groups",
    summary: "A value filter over the instance's option groups (DescribeOptionGroups per group in use); one matching group is enough.",
    example: "- type: db-option-groups\n  key: Options[].OptionName\n  op: intersect\n  value: [SSL, NATIVE_NETWORK_ENCRYPTION]",
    kinds: &[ResourceKind::Rds],
    needs_event: false,
    keys: &["type", "key", "value", "op", "value_type", "value_regex"],
    parse: super::parse,
};

/// The `db-parameter` row of the filter table.
pub const DB_PARAMETER: FilterDef = FilterDef {
    name: "db-parameter",
    summary: "A value filter over the instance's parameter-group values by parameter name (DescribeDBParameters per group in use), typed by each parameter's DataType.",
    example: "- type: db-parameter\n  key: rds.force_ssl\n  value: true",
    kinds: &[ResourceKind::Rds],
    needs_event: false,
    keys: &["type", "key", "value", "op", "value_type", "value_regex"],
    parse: super::parse,
};

/// c7n's `ParameterFilter.recast`: a parameter's string value typed by its `DataType`.
pub fn recast(value: &str, data_type: &str) -> Value {
    let digits = !value.is_empty() && value.chars().all(|c| c.is_ascii_digit());
    match data_type {
        "boolean" if digits => Value::Bool(!value.trim_start_matches('0').is_empty()),
        "boolean" if value == "TRUE" => Value::Bool(true),
        "boolean" if value == "FALSE" => Value::Bool(false),
        "integer" if digits => value.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(value)),
        "float" if value.is_empty() => Value::from(0.0),
        "float" => value.parse::<f64>().map(Value::from).unwrap_or_else(|_| Value::from(value)),
        _ => Value::from(value),
    }
}

/// A parameter group's values by name (parameters without a value left out, as c7n).
fn parameter_values(group: &Value) -> Value {
    let mut out = Map::new();
    for p in group.get("Parameters").and_then(Value::as_array).into_iter().flatten() {
        let (Some(name), Some(value)) = (
            p.get("ParameterName").and_then(Value::as_str),
            p.get("ParameterValue").and_then(Value::as_str),
        ) else {
            continue;
        };
        let data_type = p.get("DataType").and_then(Value::as_str).unwrap_or("string");
        out.insert(name.to_string(), recast(value, data_type));
    }
    Value::Object(out)
}

impl RelatedFilter {
    /// `kms-alias`, `db-option-groups`, `db-parameter`.
    pub(super) fn check_rds_config(&self, doc: &Value, cx: &EvalContext) -> Option<bool> {
        let Test::Value { filter: Some(f), .. } = &self.test else {
            return Some(false);
        };
        match self.related {
            Related::KmsAliases => {
                let Some(key) = refs(cx.kind, Related::KmsAliases, doc).into_iter().next() else {
                    return Some(false);
                };
                let key_id = key.split_once("key/").map(|(_, id)| id).unwrap_or(&key);
                let aliases = cx.all_related(Related::KmsAliases)?;
                let alias = aliases
                    .iter()
                    .rfind(|a| a.get("TargetKeyId").and_then(Value::as_str) == Some(key_id))
                    .copied();
                Some(alias.is_some_and(|a| f.matches(a, cx.now)))
            }
            Related::OptionGroups | Related::DbParameters => {
                let mut undecided = false;
                let mut found = false;
                for id in refs(cx.kind, self.related, doc) {
                    match cx.related(self.related, &id) {
                        None => undecided = true,
                        Some(None) => {}
                        Some(Some(group)) if self.related == Related::DbParameters => {
                            found |= f.matches(&parameter_values(group), cx.now);
                        }
                        Some(Some(group)) => found |= f.matches(group, cx.now),
                    }
                }
                if found {
                    Some(true)
                } else if undecided {
                    None
                } else {
                    Some(false)
                }
            }
            _ => Some(false),
        }
    }
}
