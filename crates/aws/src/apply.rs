//! Applying planned requests with the SDK. A batch that fails is retried one id at a time, so
//! one bad resource never stops the others, and every id gets an outcome with AWS's error code.

use crate::provider::{failure, AwsFailure, Clients};
use aws_sdk_ec2::types::{AttributeBooleanValue, Tag as Ec2Tag};
use aws_sdk_rds::types::Tag as RdsTag;
use custodian_core::action::plan::ApiRequest;
use custodian_core::provider::IdOutcome;
use serde_json::Value;
use std::collections::BTreeMap;

/// Sends `request`; returns each id's outcome and the calls made by `service.Operation`.
pub async fn send(c: &Clients, request: &ApiRequest) -> (Vec<IdOutcome>, BTreeMap<String, u64>) {
    let mut calls = BTreeMap::new();
    let outcomes = match call(c, request, &request.ids, &mut calls, false).await {
        Ok(()) => request.ids.iter().map(|id| IdOutcome::applied(id)).collect(),
        Err(_) if request.ids.len() > 1 => {
            let mut v = Vec::new();
            for id in &request.ids {
                v.push(match call(c, request, std::slice::from_ref(id), &mut calls, false).await {
                    Ok(()) => IdOutcome::applied(id),
                    Err(f) => IdOutcome::failed(id, &f.code, &f.message),
                });
            }
            v
        }
        Err(f) => request.ids.iter().map(|id| IdOutcome::failed(id, &f.code, &f.message)).collect(),
    };
    (outcomes, calls)
}

/// Sends `request` with `DryRun=true` where EC2 supports it: AWS answers `DryRunOperation` when
/// the call would succeed, `UnauthorizedOperation` when it is denied.
pub async fn check(c: &Clients, r: &ApiRequest) -> Option<String> {
    if !r.api.starts_with("ec2:") {
        return None;
    }
    let mut calls = BTreeMap::new();
    Some(match call(c, r, &r.ids, &mut calls, true).await {
        Err(f) if f.code == "DryRunOperation" => "would succeed".to_string(),
        Err(f) if f.code == "UnauthorizedOperation" || f.code == "AccessDenied" => format!("access denied ({})", f.code),
        Err(f) => format!("{}: {}", f.code, f.message),
        Ok(()) => "would succeed (the endpoint ignored DryRun)".to_string(),
    })
}

fn count(calls: &mut BTreeMap<String, u64>, api: &str) {
    *calls.entry(api.replacen(':', ".", 1)).or_default() += 1;
}

fn flag(params: &Value, key: &str) -> bool {
    params.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn str_param<'a>(params: &'a Value, key: &str) -> Option<&'a str> {
    params.get(key).and_then(Value::as_str)
}

fn tag_pairs(params: &Value) -> Vec<(String, String)> {
    custodian_core::filter::tag_pairs(params.get("Tags"))
}

/// c7n's `force`: a stop or terminate refused with `OperationNotPermitted` clears the protection
/// and tries again.
fn forced(f: &AwsFailure, r: &ApiRequest) -> bool {
    f.code == "OperationNotPermitted" && flag(&r.params, "Force")
}

/// Sends with `send`; when AWS refuses because of stop or termination protection and the
/// request says `force`, clears the protection on `ids` and sends once more.
async fn retry_unprotected<F, Fut, O, E>(
    send: F,
    c: &Clients,
    r: &ApiRequest,
    ids: &[String],
    which: Protection,
    calls: &mut BTreeMap<String, u64>,
) -> Result<(), AwsFailure>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<O, aws_sdk_ec2::error::SdkError<E>>>,
    E: aws_sdk_ec2::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match send().await {
        Ok(_) => Ok(()),
        Err(e) if forced(&failure(&e), r) => {
            clear_protection(c, ids, which, calls).await?;
            count(calls, r.api);
            send().await.map(|_| ()).map_err(|e| failure(&e))
        }
        Err(e) => Err(failure(&e)),
    }
}

enum Protection {
    Stop,
    Termination,
}

async fn clear_protection(c: &Clients, ids: &[String], which: Protection, calls: &mut BTreeMap<String, u64>) -> Result<(), AwsFailure> {
    for id in ids {
        count(calls, "ec2:ModifyInstanceAttribute");
        let off = AttributeBooleanValue::builder().value(false).build();
        let request = c.ec2.modify_instance_attribute().instance_id(id);
        let request = match which {
            Protection::Stop => request.disable_api_stop(off),
            Protection::Termination => request.disable_api_termination(off),
        };
        request.send().await.map_err(|e| failure(&e))?;
    }
    Ok(())
}

/// Sends one request for `ids`; EC2 requests carry `DryRun` when `dry_run` is set.
async fn call(c: &Clients, r: &ApiRequest, ids: &[String], calls: &mut BTreeMap<String, u64>, dry_run: bool) -> Result<(), AwsFailure> {
    let ids_vec = Some(ids.to_vec());
    let first = ids.first().cloned().unwrap_or_default();
    count(calls, r.api);
    match r.api {
        "ec2:CreateTags" => {
            let tags = tag_pairs(&r.params)
                .into_iter()
                .map(|(k, v)| Ec2Tag::builder().key(k).value(v).build())
                .collect();
            c.ec2
                .create_tags()
                .dry_run(dry_run)
                .set_resources(ids_vec)
                .set_tags(Some(tags))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| failure(&e))
        }
        "ec2:DeleteTags" => {
            let tags = tag_pairs(&r.params)
                .into_iter()
                .map(|(k, _)| Ec2Tag::builder().key(k).build())
                .collect();
            c.ec2
                .delete_tags()
                .dry_run(dry_run)
                .set_resources(ids_vec)
                .set_tags(Some(tags))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| failure(&e))
        }
        "ec2:StopInstances" => {
            let stop = || {
                c.ec2
                    .stop_instances()
                    .dry_run(dry_run)
                    .set_instance_ids(ids_vec.clone())
                    .set_hibernate(flag(&r.params, "Hibernate").then_some(true))
                    .send()
            };
            retry_unprotected(stop, c, r, ids, Protection::Stop, calls).await
        }
        "ec2:StartInstances" => c
            .ec2
            .start_instances()
            .dry_run(dry_run)
            .set_instance_ids(ids_vec)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        "ec2:TerminateInstances" => {
            let terminate = || {
                c.ec2
                    .terminate_instances()
                    .dry_run(dry_run)
                    .set_instance_ids(ids_vec.clone())
                    .send()
            };
            retry_unprotected(terminate, c, r, ids, Protection::Termination, calls).await
        }
        "ec2:CancelSpotInstanceRequests" => c
            .ec2
            .cancel_spot_instance_requests()
            .dry_run(dry_run)
            .set_spot_instance_request_ids(ids_vec)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        "rds:StopDBInstance" => c
            .rds
            .stop_db_instance()
            .db_instance_identifier(first)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        "rds:StartDBInstance" => c
            .rds
            .start_db_instance()
            .db_instance_identifier(first)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        "rds:AddTagsToResource" => {
            let tags = tag_pairs(&r.params)
                .into_iter()
                .map(|(k, v)| RdsTag::builder().key(k).value(v).build())
                .collect();
            c.rds
                .add_tags_to_resource()
                .resource_name(str_param(&r.params, "ResourceName").unwrap_or_default())
                .set_tags(Some(tags))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| failure(&e))
        }
        "rds:RemoveTagsFromResource" => {
            let keys = custodian_core::filter::string_list(r.params.get("TagKeys"));
            c.rds
                .remove_tags_from_resource()
                .resource_name(str_param(&r.params, "ResourceName").unwrap_or_default())
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| failure(&e))
        }
        "rds:CreateDBSnapshot" => c
            .rds
            .create_db_snapshot()
            .db_instance_identifier(first)
            .db_snapshot_identifier(str_param(&r.params, "DBSnapshotIdentifier").unwrap_or_default())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        "rds:DeleteDBInstance" => c
            .rds
            .delete_db_instance()
            .db_instance_identifier(first)
            .set_skip_final_snapshot(Some(flag(&r.params, "SkipFinalSnapshot")))
            .set_final_db_snapshot_identifier(str_param(&r.params, "FinalDBSnapshotIdentifier").map(str::to_string))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        other => Err(AwsFailure {
            code: "Unsupported".into(),
            message: format!("custodian cannot send {other}"),
        }),
    }
}
