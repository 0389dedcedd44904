//! `aws.ec2`: EC2 instances, as `DescribeInstances` returns them (flattened out of their
//! reservations, with c7n's added `ReservationId` / `OwnerId`).

use super::super::related::Related;
use super::super::{Collection, Envelope, KindSpec, MetricsSpec, ResourceKind, Tagging};
use jiff::Timestamp;
use serde_json::Value;

/// The instance's top-level attributes (AWS's `Instance` shape plus c7n's added keys).
const ATTRIBUTES: &[&str] = &[
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
    "NetworkPerformanceOptions",
    "Operator",
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
    "RequesterId",
    "ReservationId",
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
];

/// What `ec2:DescribeInstances` returns.
pub static COLLECTION: Collection = Collection {
    describe_api: "ec2:DescribeInstances",
    envelope: Envelope::Reservations,
    id_field: "InstanceId",
    id_prefix: Some("i-"),
    snapshot_file: "describe-instances.json",
    attributes: ATTRIBUTES,
};

/// The `aws.ec2` row of the kind table.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::Ec2,
    name: "aws.ec2",
    aliases: &["ec2"],
    description: "EC2 instances (DescribeInstances, flattened out of Reservations)",
    collection: &COLLECTION,
    date_field: "LaunchTime",
    age_fields: &["LaunchTime", "BlockDeviceMappings"],
    age_date,
    state_path: &["State", "Name"],
    core_fields: &["InstanceId", "State", "InstanceType"],
    tag_mirror: None,
    report_fields: &["InstanceId", "tag:Name", "InstanceType", "LaunchTime", "VpcId", "PrivateIpAddress"],
    metrics: Some(MetricsSpec {
        namespace: "AWS/EC2",
        dimension: "InstanceId",
    }),
    schedule_state_filter: true,
    size_pointer: "/InstanceType",
    query: Some(&crate::resource::query::EC2_QUERY),
    tagging: Some(Tagging::Ec2Ids),
    // `c7n/resources/ec2.py`: AttachedVolume reads BlockDeviceMappings[].Ebs.VolumeId,
    // InstanceImageBase ImageId, SecurityGroupFilter NetworkInterfaces[].Groups[].GroupId,
    // SubnetFilter NetworkInterfaces[].SubnetId, VpcFilter VpcId; EC2IamRoleFilter and
    // HasSpecificManagedPolicy the instance profile's ARN (the role, and its policies, are read
    // through the profile).
    refs: &[
        (Related::Volumes, &["BlockDeviceMappings", "Ebs", "VolumeId"]),
        (Related::Images, &["ImageId"]),
        (Related::SecurityGroups, &["NetworkInterfaces", "Groups", "GroupId"]),
        (Related::Subnets, &["NetworkInterfaces", "SubnetId"]),
        (Related::Vpcs, &["VpcId"]),
        (Related::InstanceProfiles, &["IamInstanceProfile", "Arn"]),
        (Related::Roles, &["IamInstanceProfile", "Arn"]),
        (Related::AttachedRolePolicies, &["IamInstanceProfile", "Arn"]),
        (Related::SpotRequests, &["SpotInstanceRequestId"]),
    ],
};

/// c7n's `instance-age` date for EC2: the oldest EBS `AttachTime` (it survives stop and start),
/// falling back to `LaunchTime` (`c7n/resources/ec2.py`, `InstanceAgeFilter`).
fn age_date(doc: &Value) -> Option<Timestamp> {
    let oldest_attach = doc
        .get("BlockDeviceMappings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|b| b.get("Ebs")?.get("AttachTime")?.as_str())
        .filter_map(crate::time::parse_date)
        .min();
    oldest_attach.or_else(|| crate::time::parse_date(doc.get("LaunchTime")?.as_str()?))
}
