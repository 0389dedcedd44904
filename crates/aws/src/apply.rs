//! Sending planned requests with the SDK, one arm per [`Operation`]. A batch that fails is
//! retried one id at a time, so one bad resource never stops the others, and every id gets an
//! outcome with AWS's error code.

use crate::clients::{failure, AwsFailure, Clients};
use aws_sdk_ec2::types::{AttributeBooleanValue, Tag as Ec2Tag};
use aws_sdk_rds::types::Tag as RdsTag;
use custodian_core::action::request::{Operation, Request, Service};
use custodian_core::provider::IdOutcome;
use std::collections::BTreeMap;

/// Sends `request`; returns each id's outcome and the calls made by `service.Operation`.
pub async fn send(c: &Clients, request: &Request) -> (Vec<IdOutcome>, BTreeMap<String, u64>) {
    let mut calls = BTreeMap::new();
    let notification = matches!(request.operation.service(), Service::Sns | Service::Sqs | Service::Slack);
    let outcomes = match call(c, &request.operation, &request.ids, &mut calls, false).await {
        Ok(()) => request.ids.iter().map(|id| IdOutcome::applied(id)).collect(),
        // One message names many resources: it is sent whole or reported failed for all.
        Err(_) if request.ids.len() > 1 && !notification => {
            let mut v = Vec::new();
            for id in &request.ids {
                v.push(
                    match call(c, &request.operation, std::slice::from_ref(id), &mut calls, false).await {
                        Ok(()) => IdOutcome::applied(id),
                        Err(f) => IdOutcome::failed(id, &f.code, &f.message),
                    },
                );
            }
            v
        }
        Err(f) => request.ids.iter().map(|id| IdOutcome::failed(id, &f.code, &f.message)).collect(),
    };
    (outcomes, calls)
}

/// Sends `request` with `DryRun=true` where EC2 supports it: AWS answers `DryRunOperation` when
/// the call would succeed, `UnauthorizedOperation` when it is denied. RDS has no dry run: `None`.
pub async fn check(c: &Clients, r: &Request) -> Option<String> {
    match r.operation.service() {
        Service::Rds | Service::Sns | Service::Sqs | Service::Slack => return None,
        Service::Ec2 => {}
    }
    let mut calls = BTreeMap::new();
    Some(match call(c, &r.operation, &r.ids, &mut calls, true).await {
        Err(f) if f.code == "DryRunOperation" => "would succeed".to_string(),
        Err(f) if f.code == "UnauthorizedOperation" || f.code == "AccessDenied" => format!("access denied ({})", f.code),
        Err(f) => format!("{}: {}", f.code, f.message),
        Ok(()) => "would succeed (the endpoint ignored DryRun)".to_string(),
    })
}

fn count(calls: &mut BTreeMap<String, u64>, api: &str) {
    *calls.entry(api.replacen(':', ".", 1)).or_default() += 1;
}

/// Which protection `force` clears.
#[derive(Clone, Copy)]
enum Protection {
    Stop,
    Termination,
}

/// Sends with `send`; when AWS refuses because of stop or termination protection and `force`
/// is set (c7n's `force`), clears the protection on `ids` and sends once more.
async fn retry_unprotected<F, Fut, O, E>(
    send: F,
    c: &Clients,
    api: &str,
    ids: &[String],
    force: Option<Protection>,
    calls: &mut BTreeMap<String, u64>,
) -> Result<(), AwsFailure>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<O, aws_sdk_ec2::error::SdkError<E>>>,
    E: aws_sdk_ec2::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match (send().await, force) {
        (Ok(_), _) => Ok(()),
        (Err(e), Some(which)) if failure(&e).code == "OperationNotPermitted" => {
            // Only the instances that have the protection lose it.
            let protected = protected(c, ids, which, calls).await?;
            set_protection(c, &protected, which, false, calls).await?;
            count(calls, api);
            match send().await.map(|_| ()).map_err(|e| failure(&e)) {
                Ok(()) => Ok(()),
                // The protection goes back on: a failed forced action leaves nothing unprotected.
                Err(f) => {
                    let restored = set_protection(c, &protected, which, true, calls).await;
                    Err(AwsFailure {
                        message: match restored {
                            Ok(()) => format!("{} (protection turned back on)", f.message),
                            Err(r) => format!(
                                "{}; and the protection could not be turned back on: {}: {}",
                                f.message, r.code, r.message
                            ),
                        },
                        ..f
                    })
                }
            }
        }
        (Err(e), _) => Err(failure(&e)),
    }
}

/// Those of `ids` that have the protection on (`DescribeInstanceAttribute`, one call each).
async fn protected(c: &Clients, ids: &[String], which: Protection, calls: &mut BTreeMap<String, u64>) -> Result<Vec<String>, AwsFailure> {
    use aws_sdk_ec2::types::InstanceAttributeName;
    let mut out = Vec::new();
    for id in ids {
        count(calls, "ec2:DescribeInstanceAttribute");
        let attribute = match which {
            Protection::Stop => InstanceAttributeName::DisableApiStop,
            Protection::Termination => InstanceAttributeName::DisableApiTermination,
        };
        let answer = c
            .ec2
            .describe_instance_attribute()
            .instance_id(id)
            .attribute(attribute)
            .send()
            .await
            .map_err(|e| failure(&e))?;
        let on = match which {
            Protection::Stop => answer.disable_api_stop().and_then(|v| v.value()),
            Protection::Termination => answer.disable_api_termination().and_then(|v| v.value()),
        };
        if on == Some(true) {
            out.push(id.clone());
        }
    }
    Ok(out)
}

/// Turns stop or termination protection on (`on`) or off for each of `ids`.
async fn set_protection(
    c: &Clients,
    ids: &[String],
    which: Protection,
    on: bool,
    calls: &mut BTreeMap<String, u64>,
) -> Result<(), AwsFailure> {
    for id in ids {
        count(calls, "ec2:ModifyInstanceAttribute");
        let value = AttributeBooleanValue::builder().value(on).build();
        let request = c.ec2.modify_instance_attribute().instance_id(id);
        let request = match which {
            Protection::Stop => request.disable_api_stop(value),
            Protection::Termination => request.disable_api_termination(value),
        };
        request.send().await.map_err(|e| failure(&e))?;
    }
    Ok(())
}

/// Polls `DescribeInstances` every few seconds until the instance is stopped (EC2 changes the
/// type of stopped instances only), for at most ten minutes.
async fn wait_until_stopped(c: &Clients, id: &str, calls: &mut BTreeMap<String, u64>) -> Result<(), AwsFailure> {
    for attempt in 0..120 {
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
        count(calls, "ec2:DescribeInstances");
        let out = c.ec2.describe_instances().instance_ids(id).send().await.map_err(|e| failure(&e))?;
        let state = out
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find_map(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str().to_string()));
        if state.as_deref() == Some("stopped") {
            return Ok(());
        }
    }
    Err(AwsFailure {
        code: "StopTimeout".into(),
        message: format!("{id} did not stop within ten minutes; its type was not changed"),
    })
}

fn ec2_tags(tags: &[(String, String)]) -> Vec<Ec2Tag> {
    tags.iter().map(|(k, v)| Ec2Tag::builder().key(k).value(v).build()).collect()
}

/// Sends one operation for `ids`; EC2 calls carry `DryRun` when `dry_run` is set.
async fn call(c: &Clients, op: &Operation, ids: &[String], calls: &mut BTreeMap<String, u64>, dry_run: bool) -> Result<(), AwsFailure> {
    let ids_vec = Some(ids.to_vec());
    let first = ids.first().cloned().unwrap_or_default();
    count(calls, op.api());
    match op {
        Operation::Ec2CreateTags { tags } => c
            .ec2
            .create_tags()
            .dry_run(dry_run)
            .set_resources(ids_vec)
            .set_tags(Some(ec2_tags(tags)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        Operation::Ec2DeleteTags { keys } => c
            .ec2
            .delete_tags()
            .dry_run(dry_run)
            .set_resources(ids_vec)
            .set_tags(Some(keys.iter().map(|k| Ec2Tag::builder().key(k).build()).collect()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        Operation::Ec2StopInstances { hibernate, force } => {
            let stop = || {
                c.ec2
                    .stop_instances()
                    .dry_run(dry_run)
                    .set_instance_ids(ids_vec.clone())
                    .set_hibernate(hibernate.then_some(true))
                    .send()
            };
            retry_unprotected(stop, c, op.api(), ids, force.then_some(Protection::Stop), calls).await
        }
        Operation::Ec2StartInstances => c
            .ec2
            .start_instances()
            .dry_run(dry_run)
            .set_instance_ids(ids_vec)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        Operation::Ec2RebootInstances => c
            .ec2
            .reboot_instances()
            .dry_run(dry_run)
            .set_instance_ids(ids_vec)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        Operation::Ec2TerminateInstances { force } => {
            let terminate = || {
                c.ec2
                    .terminate_instances()
                    .dry_run(dry_run)
                    .set_instance_ids(ids_vec.clone())
                    .send()
            };
            retry_unprotected(terminate, c, op.api(), ids, force.then_some(Protection::Termination), calls).await
        }
        Operation::Ec2ModifyNetworkInterfaceGroups { interface, groups } => c
            .ec2
            .modify_network_interface_attribute()
            .network_interface_id(interface)
            .set_groups(Some(groups.clone()))
            .dry_run(dry_run)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        Operation::Ec2CancelSpotInstanceRequests => c
            .ec2
            .cancel_spot_instance_requests()
            .dry_run(dry_run)
            .set_spot_instance_request_ids(ids_vec)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        Operation::Ec2ModifyInstanceType { instance_type, restart } => {
            let modify = || {
                c.ec2
                    .modify_instance_attribute()
                    .dry_run(dry_run)
                    .instance_id(&first)
                    .instance_type(aws_sdk_ec2::types::AttributeValue::builder().value(instance_type).build())
                    .send()
            };
            if !*restart || dry_run {
                return modify().await.map(|_| ()).map_err(|e| failure(&e));
            }
            count(calls, "ec2:StopInstances");
            c.ec2.stop_instances().instance_ids(&first).send().await.map_err(|e| failure(&e))?;
            wait_until_stopped(c, &first, calls).await?;
            // Started again whether or not the type changed: a refused resize (no capacity, an
            // incompatible type) never leaves the instance stopped.
            let modified = modify().await.map(|_| ()).map_err(|e| failure(&e));
            count(calls, "ec2:StartInstances");
            let started = c
                .ec2
                .start_instances()
                .instance_ids(&first)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| failure(&e));
            match (modified, started) {
                (Ok(()), started) => started,
                (Err(f), Ok(())) => Err(AwsFailure {
                    message: format!("{} (started again at its previous type)", f.message),
                    ..f
                }),
                (Err(f), Err(s)) => Err(AwsFailure {
                    message: format!("{}; and it could not be started again: {}: {}", f.message, s.code, s.message),
                    ..f
                }),
            }
        }
        Operation::RdsModifyDbInstance { params } => {
            let mut req = c.rds.modify_db_instance().db_instance_identifier(&first);
            for (k, v) in params {
                let (i, s, b) = (
                    v.as_i64().unwrap_or_default() as i32,
                    v.as_str().unwrap_or_default(),
                    v.as_bool().unwrap_or(false),
                );
                // Validation admits only these (`modify_db::PROPERTIES`, and ApplyImmediately).
                req = match k.as_str() {
                    "AllocatedStorage" => req.allocated_storage(i),
                    "AllowMajorVersionUpgrade" => req.allow_major_version_upgrade(b),
                    "ApplyImmediately" => req.apply_immediately(b),
                    "AutoMinorVersionUpgrade" => req.auto_minor_version_upgrade(b),
                    "BackupRetentionPeriod" => req.backup_retention_period(i),
                    "CACertificateIdentifier" => req.ca_certificate_identifier(s),
                    "CertificateRotationRestart" => req.certificate_rotation_restart(b),
                    "CopyTagsToSnapshot" => req.copy_tags_to_snapshot(b),
                    "DBInstanceClass" => req.db_instance_class(s),
                    "DBParameterGroupName" => req.db_parameter_group_name(s),
                    "DBPortNumber" => req.db_port_number(i),
                    "DBSubnetGroupName" => req.db_subnet_group_name(s),
                    "DeletionProtection" => req.deletion_protection(b),
                    "EnableIAMDatabaseAuthentication" => req.enable_iam_database_authentication(b),
                    "EnablePerformanceInsights" => req.enable_performance_insights(b),
                    "EngineVersion" => req.engine_version(s),
                    "Iops" => req.iops(i),
                    "LicenseModel" => req.license_model(s),
                    "MaxAllocatedStorage" => req.max_allocated_storage(i),
                    "MonitoringInterval" => req.monitoring_interval(i),
                    "MonitoringRoleARN" => req.monitoring_role_arn(s),
                    "MultiAZ" => req.multi_az(b),
                    "OptionGroupName" => req.option_group_name(s),
                    "PerformanceInsightsKMSKeyId" => req.performance_insights_kms_key_id(s),
                    "PerformanceInsightsRetentionPeriod" => req.performance_insights_retention_period(i),
                    "PreferredBackupWindow" => req.preferred_backup_window(s),
                    "PreferredMaintenanceWindow" => req.preferred_maintenance_window(s),
                    "PromotionTier" => req.promotion_tier(i),
                    "PubliclyAccessible" => req.publicly_accessible(b),
                    "StorageType" => req.storage_type(s),
                    "VpcSecurityGroupIds" => req.set_vpc_security_group_ids(Some(
                        v.as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|g| g.as_str().map(str::to_string))
                            .collect(),
                    )),
                    _ => {
                        return Err(AwsFailure {
                            code: "UnsupportedParameter".into(),
                            message: format!("custodian does not send the ModifyDBInstance parameter {k}"),
                        })
                    }
                };
            }
            req.send().await.map(|_| ()).map_err(|e| failure(&e))
        }
        Operation::Ec2MonitorInstances { enable: true } => c
            .ec2
            .monitor_instances()
            .dry_run(dry_run)
            .set_instance_ids(ids_vec)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        Operation::Ec2MonitorInstances { enable: false } => c
            .ec2
            .unmonitor_instances()
            .dry_run(dry_run)
            .set_instance_ids(ids_vec)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        Operation::Ec2ModifyInstanceMetadataOptions { options } => {
            use aws_sdk_ec2::types::{HttpTokensState, InstanceMetadataEndpointState, InstanceMetadataTagsState};
            let mut req = c.ec2.modify_instance_metadata_options().dry_run(dry_run).instance_id(first);
            for (k, v) in options {
                let s = v.as_str().unwrap_or_default();
                req = match k.as_str() {
                    "HttpEndpoint" => req.http_endpoint(InstanceMetadataEndpointState::from(s)),
                    "HttpTokens" => req.http_tokens(HttpTokensState::from(s)),
                    "InstanceMetadataTags" => req.instance_metadata_tags(InstanceMetadataTagsState::from(s)),
                    "HttpPutResponseHopLimit" => req.http_put_response_hop_limit(v.as_i64().unwrap_or(1) as i32),
                    _ => req,
                };
            }
            req.send().await.map(|_| ()).map_err(|e| failure(&e))
        }
        Operation::Ec2CreateSnapshots {
            description,
            exclude_boot,
            copy_volume_tags,
            tags,
        } => {
            let spec = aws_sdk_ec2::types::InstanceSpecification::builder()
                .instance_id(first)
                .exclude_boot_volume(*exclude_boot)
                .build();
            let mut req = c
                .ec2
                .create_snapshots()
                .dry_run(dry_run)
                .description(description)
                .instance_specification(spec);
            if *copy_volume_tags {
                req = req.copy_tags_from_source(aws_sdk_ec2::types::CopyTagsFromSource::Volume);
            }
            if !tags.is_empty() {
                req = req.tag_specifications(
                    aws_sdk_ec2::types::TagSpecification::builder()
                        .resource_type(aws_sdk_ec2::types::ResourceType::Snapshot)
                        .set_tags(Some(ec2_tags(tags)))
                        .build(),
                );
            }
            // Not idempotent: a retry after a lost answer is a second snapshot.
            req.customize()
                .config_override(aws_sdk_ec2::config::Builder::default().retry_config(crate::clients::few_retries()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| failure(&e))
        }
        Operation::RdsStopDbInstance => c
            .rds
            .stop_db_instance()
            .db_instance_identifier(first)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        Operation::RdsStartDbInstance => c
            .rds
            .start_db_instance()
            .db_instance_identifier(first)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        Operation::RdsAddTagsToResource { arn, tags } => c
            .rds
            .add_tags_to_resource()
            .resource_name(arn.clone().unwrap_or_default())
            .set_tags(Some(tags.iter().map(|(k, v)| RdsTag::builder().key(k).value(v).build()).collect()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        Operation::RdsRemoveTagsFromResource { arn, keys } => c
            .rds
            .remove_tags_from_resource()
            .resource_name(arn.clone().unwrap_or_default())
            .set_tag_keys(Some(keys.clone()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        // The snapshot's name is this run's: when a retry finds it already there, the attempt
        // whose answer was lost made it.
        Operation::RdsCreateDbSnapshot { snapshot } => match c
            .rds
            .create_db_snapshot()
            .db_instance_identifier(first)
            .db_snapshot_identifier(snapshot)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e))
        {
            Err(f) if f.code == "DBSnapshotAlreadyExists" => Ok(()),
            other => other,
        },
        Operation::RdsDeleteDbInstance { final_snapshot } => c
            .rds
            .delete_db_instance()
            .db_instance_identifier(first)
            .set_skip_final_snapshot(Some(final_snapshot.is_none()))
            .set_final_db_snapshot_identifier(final_snapshot.clone())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(&e)),
        Operation::SnsPublish {
            topic_arn,
            message,
            subject,
            attributes,
        } => crate::notify::publish(c, topic_arn, message, subject.as_deref(), attributes).await,
        Operation::SqsSendMessage {
            queue_url,
            body,
            attributes,
        } => crate::notify::send_message(c, queue_url, body, attributes).await,
        Operation::SlackPost { webhook, payload } => {
            let attempts = crate::notify::post_slack(c, webhook, payload).await;
            if let Ok(n) = attempts {
                for _ in 1..n {
                    count(calls, op.api());
                }
            }
            attempts.map(|_| ())
        }
    }
}
