//! `aws.rds`: every page of `DescribeDBInstances`, as the AWS CLI prints it.

use crate::clients::{failure, AwsFailure, Clients, RDS_PAGE};
use crate::json::{tags, CompactList, Obj};
use aws_sdk_rds::types::{DbInstance, Filter};
use custodian_core::resource::query::Query;
use serde_json::{json, Value};

/// Every page of `DescribeDBInstances` with the query's `Filters`, each page as the AWS CLI prints it,
/// handed to `each` as it arrives.
pub async fn describe<T>(c: &Clients, query: &Query, mut each: impl FnMut(String) -> T) -> Result<Vec<T>, AwsFailure> {
    let filters = super::sdk_filters(query, |name, values| {
        Filter::builder().name(name).set_values(Some(values.to_vec())).build()
    });
    let mut pages = c
        .rds
        .describe_db_instances()
        .set_filters(filters)
        .max_records(RDS_PAGE)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| failure(&e))?;
        let mut list = CompactList::new("DBInstances");
        page.db_instances().iter().for_each(|d| list.push(&db_instance(d)));
        out.push(each(list.finish()));
    }
    Ok(out)
}

/// `DescribeDBInstances` for each identifier (the API takes one); those that no longer exist
/// are left out.
pub async fn describe_ids(c: &Clients, ids: &[String]) -> Result<(Value, u64), AwsFailure> {
    let (mut dbs, mut calls) = (Vec::new(), 0u64);
    for id in ids {
        calls += 1;
        match c.rds.describe_db_instances().db_instance_identifier(id).send().await {
            Ok(page) => dbs.extend(page.db_instances().iter().map(db_instance)),
            Err(e) if failure(&e).code == "DBInstanceNotFound" => {}
            Err(e) => return Err(failure(&e)),
        }
    }
    Ok((json!({ "DBInstances": dbs }), calls))
}

/// One DB instance.
pub fn db_instance(d: &DbInstance) -> Value {
    Obj::new()
        .s("DBInstanceIdentifier", d.db_instance_identifier())
        .s("DBInstanceClass", d.db_instance_class())
        .s("Engine", d.engine())
        .s("DBInstanceStatus", d.db_instance_status())
        .t("AutomaticRestartTime", d.automatic_restart_time())
        .s("MasterUsername", d.master_username())
        .s("DBName", d.db_name())
        .v(
            "Endpoint",
            d.endpoint().map(|e| {
                Obj::new()
                    .s("Address", e.address())
                    .i("Port", e.port())
                    .s("HostedZoneId", e.hosted_zone_id())
                    .done()
            }),
        )
        .i("AllocatedStorage", d.allocated_storage())
        .t("InstanceCreateTime", d.instance_create_time())
        .s("PreferredBackupWindow", d.preferred_backup_window())
        .i("BackupRetentionPeriod", d.backup_retention_period())
        .list("DBSecurityGroups", &d.db_security_groups, |g| {
            Obj::new()
                .s("DBSecurityGroupName", g.db_security_group_name())
                .s("Status", g.status())
                .done()
        })
        .list("VpcSecurityGroups", &d.vpc_security_groups, |g| {
            Obj::new()
                .s("VpcSecurityGroupId", g.vpc_security_group_id())
                .s("Status", g.status())
                .done()
        })
        .list("DBParameterGroups", &d.db_parameter_groups, |g| {
            Obj::new()
                .s("DBParameterGroupName", g.db_parameter_group_name())
                .s("ParameterApplyStatus", g.parameter_apply_status())
                .done()
        })
        .s("AvailabilityZone", d.availability_zone())
        .v(
            "DBSubnetGroup",
            d.db_subnet_group().map(|g| {
                Obj::new()
                    .s("DBSubnetGroupName", g.db_subnet_group_name())
                    .s("DBSubnetGroupDescription", g.db_subnet_group_description())
                    .s("VpcId", g.vpc_id())
                    .s("SubnetGroupStatus", g.subnet_group_status())
                    .done()
            }),
        )
        .s("PreferredMaintenanceWindow", d.preferred_maintenance_window())
        .v("PendingModifiedValues", d.pending_modified_values().map(|_| Obj::new().done()))
        .t("LatestRestorableTime", d.latest_restorable_time())
        .b("MultiAZ", d.multi_az())
        .s("EngineVersion", d.engine_version())
        .b("AutoMinorVersionUpgrade", d.auto_minor_version_upgrade())
        .s(
            "ReadReplicaSourceDBInstanceIdentifier",
            d.read_replica_source_db_instance_identifier(),
        )
        .strs("ReadReplicaDBInstanceIdentifiers", &d.read_replica_db_instance_identifiers)
        .strs("ReadReplicaDBClusterIdentifiers", &d.read_replica_db_cluster_identifiers)
        .s(
            "ReadReplicaSourceDBClusterIdentifier",
            d.read_replica_source_db_cluster_identifier(),
        )
        .s("ReplicaMode", d.replica_mode().map(|m| m.as_str()))
        .s("LicenseModel", d.license_model())
        .i("Iops", d.iops())
        .i("StorageThroughput", d.storage_throughput())
        .list("OptionGroupMemberships", &d.option_group_memberships, |g| {
            Obj::new()
                .s("OptionGroupName", g.option_group_name())
                .s("Status", g.status())
                .done()
        })
        .s("CharacterSetName", d.character_set_name())
        .s("SecondaryAvailabilityZone", d.secondary_availability_zone())
        .b("PubliclyAccessible", d.publicly_accessible())
        .s("StorageType", d.storage_type())
        .s("TdeCredentialArn", d.tde_credential_arn())
        .i("DbInstancePort", d.db_instance_port())
        .s("DBClusterIdentifier", d.db_cluster_identifier())
        .b("StorageEncrypted", d.storage_encrypted())
        .s("KmsKeyId", d.kms_key_id())
        .s("DbiResourceId", d.dbi_resource_id())
        .s("CACertificateIdentifier", d.ca_certificate_identifier())
        .b("CopyTagsToSnapshot", d.copy_tags_to_snapshot())
        .i("MonitoringInterval", d.monitoring_interval())
        .s("EnhancedMonitoringResourceArn", d.enhanced_monitoring_resource_arn())
        .s("MonitoringRoleArn", d.monitoring_role_arn())
        .i("PromotionTier", d.promotion_tier())
        .s("DBInstanceArn", d.db_instance_arn())
        .s("Timezone", d.timezone())
        .b("IAMDatabaseAuthenticationEnabled", d.iam_database_authentication_enabled())
        .b("PerformanceInsightsEnabled", d.performance_insights_enabled())
        .s("PerformanceInsightsKMSKeyId", d.performance_insights_kms_key_id())
        .i("PerformanceInsightsRetentionPeriod", d.performance_insights_retention_period())
        .strs("EnabledCloudwatchLogsExports", &d.enabled_cloudwatch_logs_exports)
        .b("DeletionProtection", d.deletion_protection())
        .list("AssociatedRoles", &d.associated_roles, |r| {
            Obj::new()
                .s("RoleArn", r.role_arn())
                .s("FeatureName", r.feature_name())
                .s("Status", r.status())
                .done()
        })
        .i("MaxAllocatedStorage", d.max_allocated_storage())
        .v("TagList", tags(&d.tag_list, |t| (t.key(), t.value())))
        .b("CustomerOwnedIpEnabled", d.customer_owned_ip_enabled())
        .s("ActivityStreamStatus", d.activity_stream_status().map(|s| s.as_str()))
        .s("BackupTarget", d.backup_target())
        .s("NetworkType", d.network_type())
        .b("DedicatedLogVolume", d.dedicated_log_volume())
        .b("IsStorageConfigUpgradeAvailable", d.is_storage_config_upgrade_available())
        .s("EngineLifecycleSupport", d.engine_lifecycle_support())
        .done()
}
