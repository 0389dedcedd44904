//! `aws.ec2-spot-request`: EC2 spot instance requests, as `DescribeSpotInstanceRequests`
//! returns them.

use super::super::{Envelope, KindSpec, ResourceKind};
use jiff::Timestamp;
use serde_json::Value;

/// The request's top-level attributes (AWS's `SpotInstanceRequest` shape).
const ATTRIBUTES: &[&str] = &[
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

/// The `aws.ec2-spot-request` row of the kind table.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::SpotRequest,
    name: "aws.ec2-spot-request",
    aliases: &["ec2-spot-request"],
    description: "EC2 spot instance requests (DescribeSpotInstanceRequests)",
    id_field: "SpotInstanceRequestId",
    id_prefix: Some("sir-"),
    date_field: "CreateTime",
    age_fields: &["CreateTime"],
    age_date,
    state_path: &["State"],
    core_fields: &["SpotInstanceRequestId", "State", "InstanceId", "LaunchSpecification"],
    attributes: ATTRIBUTES,
    envelope: Envelope::List("SpotInstanceRequests"),
    tag_mirror: None,
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
};

fn age_date(doc: &Value) -> Option<Timestamp> {
    crate::time::parse_date(doc.get("CreateTime")?.as_str()?)
}
