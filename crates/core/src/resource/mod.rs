//! Resource kinds: one static [`KindSpec`] table, and resource documents in AWS's own shape.

pub mod document;

pub use document::{parse_compact, parse_describe, FieldSet, Minifier, RawDocument, Resource};

use crate::action::ActionName;
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
    /// The id attribute.
    pub id_field: &'static str,
    /// The creation-date attribute used by `instance-age` when nothing better exists.
    pub date_field: &'static str,
    /// The status attribute path, for reports.
    pub state_path: &'static [&'static str],
    /// Keys every resource view keeps: what planning and reporting read besides the filters.
    pub core_fields: &'static [&'static str],
    /// Attributes of the document (top level), for key validation and suggestions.
    pub attributes: &'static [&'static str],
    /// Actions this kind supports.
    pub actions: &'static [ActionName],
    /// Describe API, as `service:Operation` (also its IAM permission).
    pub describe_api: &'static str,
    /// The snapshot file holding this kind's describe output.
    pub snapshot_file: &'static str,
    /// c7n's default report columns (`tag:K` reads a tag).
    pub report_fields: &'static [&'static str],
}

const EC2_ATTRIBUTES: &[&str] = &[
    "AmiLaunchIndex",
    "Architecture",
    "BlockDeviceMappings",
    "BootMode",
    "CapacityReservationSpecification",
    "ClientToken",
    "CpuOptions",
    "CurrentInstanceBootMode",
    "EbsOptimized",
    "ElasticGpuAssociations",
    "EnaSupport",
    "EnclaveOptions",
    "HibernationOptions",
    "Hypervisor",
    "IamInstanceProfile",
    "ImageId",
    "InstanceId",
    "InstanceLifecycle",
    "InstanceType",
    "KernelId",
    "KeyName",
    "LaunchTime",
    "Licenses",
    "MaintenanceOptions",
    "MetadataOptions",
    "Monitoring",
    "NetworkInterfaces",
    "OwnerId",
    "Placement",
    "Platform",
    "PlatformDetails",
    "PrivateDnsName",
    "PrivateDnsNameOptions",
    "PrivateIpAddress",
    "ProductCodes",
    "PublicDnsName",
    "PublicIpAddress",
    "RamdiskId",
    "ReservationId",
    "RequesterId",
    "RootDeviceName",
    "RootDeviceType",
    "SecurityGroups",
    "SourceDestCheck",
    "SpotInstanceRequestId",
    "SriovNetSupport",
    "State",
    "StateReason",
    "StateTransitionReason",
    "SubnetId",
    "Tags",
    "TpmSupport",
    "UsageOperation",
    "UsageOperationUpdateTime",
    "VirtualizationType",
    "VpcId",
    "CurrentInstanceBootMode",
    "NetworkPerformanceOptions",
    "Operator",
];

const RDS_ATTRIBUTES: &[&str] = &[
    "ActivityStreamStatus",
    "AllocatedStorage",
    "AssociatedRoles",
    "AutoMinorVersionUpgrade",
    "AutomaticRestartTime",
    "AvailabilityZone",
    "BackupRetentionPeriod",
    "BackupTarget",
    "CACertificateIdentifier",
    "CertificateDetails",
    "CharacterSetName",
    "CopyTagsToSnapshot",
    "CustomerOwnedIpEnabled",
    "DBClusterIdentifier",
    "DBInstanceArn",
    "DBInstanceClass",
    "DBInstanceIdentifier",
    "DBInstanceStatus",
    "DBName",
    "DBParameterGroups",
    "DBSecurityGroups",
    "DBSubnetGroup",
    "DbInstancePort",
    "DbiResourceId",
    "DedicatedLogVolume",
    "DeletionProtection",
    "DomainMemberships",
    "EnabledCloudwatchLogsExports",
    "Endpoint",
    "Engine",
    "EngineLifecycleSupport",
    "EngineVersion",
    "EnhancedMonitoringResourceArn",
    "IAMDatabaseAuthenticationEnabled",
    "InstanceCreateTime",
    "Iops",
    "IsStorageConfigUpgradeAvailable",
    "KmsKeyId",
    "LatestRestorableTime",
    "LicenseModel",
    "MasterUsername",
    "MasterUserSecret",
    "MaxAllocatedStorage",
    "MonitoringInterval",
    "MonitoringRoleArn",
    "MultiAZ",
    "NetworkType",
    "OptionGroupMemberships",
    "PendingModifiedValues",
    "PerformanceInsightsEnabled",
    "PerformanceInsightsKMSKeyId",
    "PerformanceInsightsRetentionPeriod",
    "PreferredBackupWindow",
    "PreferredMaintenanceWindow",
    "PromotionTier",
    "PubliclyAccessible",
    "ReadReplicaDBClusterIdentifiers",
    "ReadReplicaDBInstanceIdentifiers",
    "ReadReplicaSourceDBClusterIdentifier",
    "ReadReplicaSourceDBInstanceIdentifier",
    "ReplicaMode",
    "SecondaryAvailabilityZone",
    "StatusInfos",
    "StorageEncrypted",
    "StorageThroughput",
    "StorageType",
    "TagList",
    "Tags",
    "TdeCredentialArn",
    "Timezone",
    "VpcSecurityGroups",
];

const SPOT_ATTRIBUTES: &[&str] = &[
    "ActualBlockHourlyPrice",
    "AvailabilityZoneGroup",
    "BlockDurationMinutes",
    "CreateTime",
    "Fault",
    "InstanceId",
    "InstanceInterruptionBehavior",
    "LaunchGroup",
    "LaunchSpecification",
    "LaunchedAvailabilityZone",
    "LaunchedAvailabilityZoneId",
    "ProductDescription",
    "SpotInstanceRequestId",
    "SpotPrice",
    "State",
    "Status",
    "Tags",
    "Type",
    "ValidFrom",
    "ValidUntil",
];

/// The kind table.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: ResourceKind::Ec2,
        name: "aws.ec2",
        aliases: &["ec2"],
        description: "EC2 instances (DescribeInstances, flattened out of Reservations)",
        id_field: "InstanceId",
        date_field: "LaunchTime",
        state_path: &["State", "Name"],
        core_fields: &["InstanceId", "State"],
        attributes: EC2_ATTRIBUTES,
        actions: &[
            ActionName::Tag,
            ActionName::RemoveTag,
            ActionName::MarkForOp,
            ActionName::Stop,
            ActionName::Start,
            ActionName::Terminate,
        ],
        describe_api: "ec2:DescribeInstances",
        snapshot_file: "describe-instances.json",
        report_fields: &["InstanceId", "tag:Name", "InstanceType", "LaunchTime", "VpcId", "PrivateIpAddress"],
    },
    KindSpec {
        kind: ResourceKind::Rds,
        name: "aws.rds",
        aliases: &["rds"],
        description: "RDS DB instances (DescribeDBInstances; TagList also available as Tags)",
        id_field: "DBInstanceIdentifier",
        date_field: "InstanceCreateTime",
        state_path: &["DBInstanceStatus"],
        core_fields: &[
            "DBInstanceIdentifier",
            "DBInstanceStatus",
            "DBInstanceArn",
            "Engine",
            "DBClusterIdentifier",
            "MultiAZ",
            "ReadReplicaSourceDBInstanceIdentifier",
            "ReadReplicaDBInstanceIdentifiers",
        ],
        attributes: RDS_ATTRIBUTES,
        actions: &[
            ActionName::Tag,
            ActionName::RemoveTag,
            ActionName::MarkForOp,
            ActionName::Stop,
            ActionName::Start,
            ActionName::Snapshot,
            ActionName::Delete,
        ],
        describe_api: "rds:DescribeDBInstances",
        snapshot_file: "describe-db-instances.json",
        report_fields: &[
            "DBInstanceIdentifier",
            "DBName",
            "Engine",
            "EngineVersion",
            "MultiAZ",
            "AllocatedStorage",
            "StorageEncrypted",
            "PubliclyAccessible",
            "InstanceCreateTime",
        ],
    },
    KindSpec {
        kind: ResourceKind::SpotRequest,
        name: "aws.ec2-spot-request",
        aliases: &["ec2-spot-request"],
        description: "EC2 spot instance requests (DescribeSpotInstanceRequests)",
        id_field: "SpotInstanceRequestId",
        date_field: "CreateTime",
        state_path: &["State"],
        core_fields: &["SpotInstanceRequestId", "State", "InstanceId"],
        attributes: SPOT_ATTRIBUTES,
        actions: &[ActionName::Tag, ActionName::RemoveTag, ActionName::MarkForOp, ActionName::Cancel],
        describe_api: "ec2:DescribeSpotInstanceRequests",
        snapshot_file: "describe-spot-instance-requests.json",
        report_fields: &[
            "SpotInstanceRequestId",
            "State",
            "Type",
            "LaunchSpecification.InstanceType",
            "InstanceId",
            "CreateTime",
        ],
    },
];

impl ResourceKind {
    /// This kind's row of the table.
    pub fn spec(self) -> &'static KindSpec {
        KINDS.iter().find(|k| k.kind == self).expect("every kind has a KindSpec row")
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
    doc.get(kind.spec().id_field).and_then(Value::as_str).unwrap_or("")
}

/// A resource document's state (`running`, `available`, `open`...).
pub fn resource_state(kind: ResourceKind, doc: &Value) -> Option<&str> {
    let mut v = doc;
    for p in kind.spec().state_path {
        v = v.get(p)?;
    }
    v.as_str()
}

/// Error while turning describe output into documents.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ShapeError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_row_and_names_resolve() {
        for k in [ResourceKind::Ec2, ResourceKind::Rds, ResourceKind::SpotRequest] {
            assert_eq!(KINDS.iter().filter(|s| s.kind == k).count(), 1);
            assert!(k.spec().attributes.contains(&k.spec().id_field));
            assert!(k.spec().attributes.contains(&k.spec().date_field));
            assert!(k.spec().attributes.contains(&"Tags"));
            for f in k.spec().core_fields {
                assert!(k.spec().attributes.contains(f), "{f}");
            }
        }
        assert_eq!(ResourceKind::from_name("ec2"), Some(ResourceKind::Ec2));
        assert_eq!(ResourceKind::from_name("aws.rds"), Some(ResourceKind::Rds));
        assert_eq!(ResourceKind::from_name("aws.ec2-spot-request"), Some(ResourceKind::SpotRequest));
        assert_eq!(ResourceKind::from_name("aws.s3"), None);
    }
}
