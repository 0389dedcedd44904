//! Related documents outside EC2, as the AWS CLI prints them: IAM instance profiles
//! (`ListInstanceProfiles`, every page), roles (`GetRole` per name in use, with tags) and their
//! attached managed policies (`ListAttachedRolePolicies` per role); KMS aliases
//! (`ListAliases`); RDS option groups (`DescribeOptionGroups`) and parameter-group values
//! (`DescribeDBParameters`), per group in use; CloudWatch alarms (`DescribeAlarms`). Per-name calls run a bounded number at once.

use crate::clients::{failure, AwsFailure, Clients};
use crate::json::{tags, Obj};
use custodian_core::resource::related::Related;
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

/// `ListInstanceProfiles` page size (the API maximum).
const IAM_PAGE: i32 = 1000;
/// `ListAliases` page size (the API maximum).
const KMS_PAGE: i32 = 100;
/// `DescribeDBParameters` page size (the API maximum).
const RDS_PAGE: i32 = 100;
/// Instances per `DescribeDBSnapshots` call (c7n's chunk).
const SNAPSHOT_INSTANCES: usize = 50;
/// Per-name calls in flight at once.
const CONCURRENCY: usize = 8;

/// The documents of a non-EC2 related type (all, or those of `ids`), and the calls made.
pub async fn describe(c: &Clients, related: Related, ids: Option<&[String]>) -> Result<(Vec<Value>, u64), AwsFailure> {
    let ids = ids.unwrap_or(&[]);
    let mut calls = 0u64;
    let mut docs = Vec::new();
    match related {
        Related::InstanceProfiles => {
            let mut pages = c.iam.list_instance_profiles().max_items(IAM_PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                calls += 1;
                docs.extend(page.map_err(|e| failure(&e))?.instance_profiles().iter().map(instance_profile));
            }
        }
        Related::Roles => {
            let answers = per_name(ids, |name| async move {
                match c.iam.get_role().role_name(&name).send().await {
                    Ok(out) => Ok((out.role().map(role), 1)),
                    Err(e) if failure(&e).code == "NoSuchEntity" => Ok((None, 1)),
                    Err(e) => Err(failure(&e)),
                }
            })
            .await?;
            for (doc, n) in answers {
                calls += n;
                docs.extend(doc);
            }
        }
        Related::AttachedRolePolicies => {
            let answers = per_name(ids, |name| async move {
                let mut policies = Vec::new();
                let mut n = 0;
                let mut pages = c
                    .iam
                    .list_attached_role_policies()
                    .role_name(&name)
                    .max_items(IAM_PAGE)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    n += 1;
                    match page {
                        Ok(p) => policies.extend(
                            p.attached_policies()
                                .iter()
                                .map(|a| Obj::new().s("PolicyArn", a.policy_arn()).s("PolicyName", a.policy_name()).done()),
                        ),
                        Err(e) if failure(&e).code == "NoSuchEntity" => return Ok((None, n)),
                        Err(e) => return Err(failure(&e)),
                    }
                }
                Ok((Some(json!({"RoleName": name, "AttachedPolicies": policies})), n))
            })
            .await?;
            for (doc, n) in answers {
                calls += n;
                docs.extend(doc);
            }
        }
        Related::KmsAliases => {
            let mut pages = c.kms.list_aliases().limit(KMS_PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                calls += 1;
                docs.extend(page.map_err(|e| failure(&e))?.aliases().iter().map(|a| {
                    Obj::new()
                        .s("AliasArn", a.alias_arn())
                        .s("AliasName", a.alias_name())
                        .t("CreationDate", a.creation_date())
                        .t("LastUpdatedDate", a.last_updated_date())
                        .s("TargetKeyId", a.target_key_id())
                        .done()
                }));
            }
        }
        Related::OptionGroups => {
            let answers = per_name(ids, |name| async move {
                match c.rds.describe_option_groups().option_group_name(&name).send().await {
                    Ok(out) => Ok((out.option_groups_list().first().map(option_group), 1)),
                    Err(e) if failure(&e).code == "OptionGroupNotFoundFault" => Ok((None, 1)),
                    Err(e) => Err(failure(&e)),
                }
            })
            .await?;
            for (doc, n) in answers {
                calls += n;
                docs.extend(doc);
            }
        }
        Related::DbParameters => {
            let answers = per_name(ids, |name| async move {
                let mut parameters = Vec::new();
                let mut n = 0;
                let mut pages = c
                    .rds
                    .describe_db_parameters()
                    .db_parameter_group_name(&name)
                    .max_records(RDS_PAGE)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    n += 1;
                    match page {
                        Ok(p) => parameters.extend(p.parameters().iter().map(parameter)),
                        Err(e) if failure(&e).code == "DBParameterGroupNotFound" => return Ok((None, n)),
                        Err(e) => return Err(failure(&e)),
                    }
                }
                Ok((Some(json!({"DBParameterGroupName": name, "Parameters": parameters})), n))
            })
            .await?;
            for (doc, n) in answers {
                calls += n;
                docs.extend(doc);
            }
        }
        Related::Alarms => {
            let mut pages = c.cloudwatch.describe_alarms().max_records(100).into_paginator().send();
            while let Some(page) = pages.next().await {
                calls += 1;
                docs.extend(page.map_err(|e| failure(&e))?.metric_alarms().iter().map(|a| {
                    Obj::new()
                        .v(
                            "AlarmActions",
                            Some(Value::Array(a.alarm_actions().iter().map(|s| Value::from(s.as_str())).collect())),
                        )
                        .s("AlarmArn", a.alarm_arn())
                        .s("AlarmName", a.alarm_name())
                        .list("Dimensions", &a.dimensions, |d| {
                            Obj::new().s("Name", d.name()).s("Value", d.value()).done()
                        })
                        .s("MetricName", a.metric_name())
                        .s("Namespace", a.namespace())
                        .s("StateValue", a.state_value().map(|s| s.as_str()))
                        .done()
                }));
            }
        }
        Related::EngineVersions => {
            let answers = per_name(ids, |engine| async move {
                let mut versions = Vec::new();
                let mut n = 0;
                let mut pages = c
                    .rds
                    .describe_db_engine_versions()
                    .engine(&engine)
                    .include_all(true)
                    .max_records(RDS_PAGE)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    n += 1;
                    versions.extend(page.map_err(|e| failure(&e))?.db_engine_versions().iter().map(engine_version));
                }
                Ok((Some(json!({"Engine": engine, "DBEngineVersions": versions})), n))
            })
            .await?;
            for (doc, n) in answers {
                calls += n;
                docs.extend(doc);
            }
        }
        Related::DbSnapshots => {
            for chunk in ids.chunks(SNAPSHOT_INSTANCES) {
                let filter = aws_sdk_rds::types::Filter::builder()
                    .name("db-instance-id")
                    .set_values(Some(chunk.to_vec()))
                    .build();
                let mut by_instance: Vec<(String, Vec<Value>)> = chunk.iter().map(|id| (id.clone(), Vec::new())).collect();
                let mut pages = c
                    .rds
                    .describe_db_snapshots()
                    .filters(filter)
                    .max_records(RDS_PAGE)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    calls += 1;
                    for s in page.map_err(|e| failure(&e))?.db_snapshots() {
                        let owner = s.db_instance_identifier().unwrap_or_default();
                        if let Some((_, list)) = by_instance.iter_mut().find(|(id, _)| id == owner) {
                            list.push(db_snapshot(s));
                        }
                    }
                }
                docs.extend(
                    by_instance
                        .into_iter()
                        .map(|(id, snaps)| json!({"DBInstanceIdentifier": id, "DBSnapshots": snaps})),
                );
            }
        }
        Related::Volumes
        | Related::RouteTables
        | Related::SpotRequests
        | Related::Images
        | Related::Subnets
        | Related::SecurityGroups
        | Related::Vpcs => {
            return crate::related::describe(c, related, Some(ids)).await;
        }
    }
    Ok((docs, calls))
}

/// `call` for each name, `CONCURRENCY` at once, answers in order; the first failure fails all.
async fn per_name<'a, F, Fut>(names: &[String], call: F) -> Result<Vec<(Option<Value>, u64)>, AwsFailure>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<(Option<Value>, u64), AwsFailure>> + 'a,
{
    let answers: Vec<Result<(Option<Value>, u64), AwsFailure>> =
        stream::iter(names.iter().cloned()).map(call).buffered(CONCURRENCY).collect().await;
    answers.into_iter().collect()
}

/// IAM's URL-encoded policy documents, decoded as the AWS CLI prints them (a JSON object).
fn policy_document(encoded: Option<&str>) -> Option<Value> {
    let encoded = encoded?;
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' => match (bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b))) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    let text = String::from_utf8(out).ok()?;
    Some(serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn role(r: &aws_sdk_iam::types::Role) -> Value {
    Obj::new()
        .s("Arn", Some(r.arn()))
        .v("AssumeRolePolicyDocument", policy_document(r.assume_role_policy_document()))
        .t("CreateDate", Some(r.create_date()))
        .s("Description", r.description())
        .i("MaxSessionDuration", r.max_session_duration())
        .s("Path", Some(r.path()))
        .v(
            "PermissionsBoundary",
            r.permissions_boundary().map(|b| {
                Obj::new()
                    .s("PermissionsBoundaryArn", b.permissions_boundary_arn())
                    .s("PermissionsBoundaryType", b.permissions_boundary_type().map(|t| t.as_str()))
                    .done()
            }),
        )
        .s("RoleId", Some(r.role_id()))
        .v(
            "RoleLastUsed",
            r.role_last_used()
                .map(|u| Obj::new().t("LastUsedDate", u.last_used_date()).s("Region", u.region()).done()),
        )
        .s("RoleName", Some(r.role_name()))
        .v("Tags", tags(&r.tags, |t| (Some(t.key()), Some(t.value()))))
        .done()
}

fn instance_profile(p: &aws_sdk_iam::types::InstanceProfile) -> Value {
    Obj::new()
        .s("Arn", Some(p.arn()))
        .t("CreateDate", Some(p.create_date()))
        .s("InstanceProfileId", Some(p.instance_profile_id()))
        .s("InstanceProfileName", Some(p.instance_profile_name()))
        .s("Path", Some(p.path()))
        .v("Roles", Some(Value::Array(p.roles().iter().map(role).collect())))
        .v("Tags", tags(&p.tags, |t| (Some(t.key()), Some(t.value()))))
        .done()
}

fn option_group(g: &aws_sdk_rds::types::OptionGroup) -> Value {
    Obj::new()
        .b(
            "AllowsVpcAndNonVpcInstanceMemberships",
            g.allows_vpc_and_non_vpc_instance_memberships(),
        )
        .s("EngineName", g.engine_name())
        .s("MajorEngineVersion", g.major_engine_version())
        .s("OptionGroupArn", g.option_group_arn())
        .s("OptionGroupDescription", g.option_group_description())
        .s("OptionGroupName", g.option_group_name())
        .list("Options", &g.options, |o| {
            Obj::new()
                .s("OptionName", o.option_name())
                .s("OptionDescription", o.option_description())
                .s("OptionVersion", o.option_version())
                .b("Permanent", o.permanent())
                .b("Persistent", o.persistent())
                .i("Port", o.port())
                .list("OptionSettings", &o.option_settings, |s| {
                    Obj::new()
                        .s("AllowedValues", s.allowed_values())
                        .s("ApplyType", s.apply_type())
                        .s("DataType", s.data_type())
                        .s("DefaultValue", s.default_value())
                        .s("Description", s.description())
                        .b("IsCollection", s.is_collection())
                        .b("IsModifiable", s.is_modifiable())
                        .s("Name", s.name())
                        .s("Value", s.value())
                        .done()
                })
                .done()
        })
        .s("VpcId", g.vpc_id())
        .done()
}

fn engine_version(v: &aws_sdk_rds::types::DbEngineVersion) -> Value {
    Obj::new()
        .s("DBEngineDescription", v.db_engine_description())
        .s("DBEngineVersionDescription", v.db_engine_version_description())
        .s("DBParameterGroupFamily", v.db_parameter_group_family())
        .s("Engine", v.engine())
        .s("EngineVersion", v.engine_version())
        .s("MajorEngineVersion", v.major_engine_version())
        .s("Status", v.status())
        .v(
            "SupportedEngineModes",
            Some(Value::Array(
                v.supported_engine_modes().iter().map(|m| Value::from(m.as_str())).collect(),
            )),
        )
        .b("SupportsLogExportsToCloudwatchLogs", v.supports_log_exports_to_cloudwatch_logs())
        .list("ValidUpgradeTarget", &v.valid_upgrade_target, |t| {
            Obj::new()
                .b("AutoUpgrade", t.auto_upgrade())
                .s("Description", t.description())
                .s("Engine", t.engine())
                .s("EngineVersion", t.engine_version())
                .b("IsMajorVersionUpgrade", t.is_major_version_upgrade())
                .done()
        })
        .done()
}

fn db_snapshot(s: &aws_sdk_rds::types::DbSnapshot) -> Value {
    Obj::new()
        .i("AllocatedStorage", s.allocated_storage())
        .s("DBInstanceIdentifier", s.db_instance_identifier())
        .s("DBSnapshotArn", s.db_snapshot_arn())
        .s("DBSnapshotIdentifier", s.db_snapshot_identifier())
        .b("Encrypted", s.encrypted())
        .s("Engine", s.engine())
        .s("EngineVersion", s.engine_version())
        .t("SnapshotCreateTime", s.snapshot_create_time())
        .s("SnapshotType", s.snapshot_type())
        .s("Status", s.status())
        .done()
}

fn parameter(p: &aws_sdk_rds::types::Parameter) -> Value {
    Obj::new()
        .s("AllowedValues", p.allowed_values())
        .s("ApplyMethod", p.apply_method().map(|m| m.as_str()))
        .s("ApplyType", p.apply_type())
        .s("DataType", p.data_type())
        .s("Description", p.description())
        .b("IsModifiable", p.is_modifiable())
        .s("MinimumEngineVersion", p.minimum_engine_version())
        .s("ParameterName", p.parameter_name())
        .s("ParameterValue", p.parameter_value())
        .s("Source", p.source())
        .done()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_are_decoded_as_the_cli_prints_them() {
        let doc = policy_document(Some("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"));
        assert_eq!(doc, Some(json!({"Version": "2012-10-17", "Statement": []})));
        assert_eq!(policy_document(Some("{\"a\":1}")), Some(json!({"a": 1})), "already plain");
        assert_eq!(policy_document(Some("bad%zz")), Some(json!("bad%zz")), "not JSON stays text");
    }
}
