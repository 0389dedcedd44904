//! `aws.ec2-spot-request`: EC2 spot instance requests, as `DescribeSpotInstanceRequests`
//! returns them.

use super::super::{Collection, Envelope, KindSpec, MetricsSpec, ResourceKind, Tagging};
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

/// What `ec2:DescribeSpotInstanceRequests` returns.
pub static COLLECTION: Collection = Collection {
    describe_api: "ec2:DescribeSpotInstanceRequests",
    envelope: Envelope::List("SpotInstanceRequests"),
    id_field: "SpotInstanceRequestId",
    id_prefix: Some("sir-"),
    snapshot_file: "describe-spot-instance-requests.json",
    attributes: ATTRIBUTES,
};

/// The `aws.ec2-spot-request` row of the kind table.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::SpotRequest,
    name: "aws.ec2-spot-request",
    aliases: &["ec2-spot-request"],
    description: "EC2 spot instance requests (DescribeSpotInstanceRequests)",
    collection: &COLLECTION,
    date_field: "CreateTime",
    age_fields: &["CreateTime"],
    age_date,
    state_path: &["State"],
    core_fields: &["SpotInstanceRequestId", "State", "InstanceId", "LaunchSpecification"],
    tag_mirror: None,
    report_fields: &[
        "SpotInstanceRequestId",
        "State",
        "Type",
        "LaunchSpecification.InstanceType",
        "InstanceId",
        "CreateTime",
    ],
    metrics: Some(MetricsSpec {
        namespace: "AWS/EC2Spot",
        dimension: "SpotInstanceRequestId",
    }),
    schedule_state_filter: false,
    size_pointer: "/LaunchSpecification/InstanceType",
    query: None,
    tagging: Some(Tagging::Ec2Ids),
    refs: &[],
};

fn age_date(doc: &Value) -> Option<Timestamp> {
    crate::time::parse_date(doc.get("CreateTime")?.as_str()?)
}
