//! `aws.ec2-spot-request`: every page of `DescribeSpotInstanceRequests`, as the AWS CLI prints it.

use super::ec2::group;
use crate::clients::{failure, AwsFailure, Clients, EC2_PAGE};
use crate::json::{tags, CompactList, Obj};
use aws_sdk_ec2::types::SpotInstanceRequest;
use serde_json::{json, Value};

/// Every page of `DescribeSpotInstanceRequests`, each page as the AWS CLI prints it,
/// handed to `each` as it arrives.
pub async fn describe<T>(c: &Clients, mut each: impl FnMut(String) -> T) -> Result<Vec<T>, AwsFailure> {
    let mut pages = c
        .ec2
        .describe_spot_instance_requests()
        .max_results(EC2_PAGE)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| failure(&e))?;
        let mut list = CompactList::new("SpotInstanceRequests");
        page.spot_instance_requests().iter().for_each(|r| list.push(&spot_request(r)));
        out.push(each(list.finish()));
    }
    Ok(out)
}

/// `DescribeSpotInstanceRequests` for `ids` only; unknown ids are left out.
pub async fn describe_ids(c: &Clients, ids: &[String]) -> Result<(Value, u64), AwsFailure> {
    let one = |ids: Vec<String>| async move {
        let out = c
            .ec2
            .describe_spot_instance_requests()
            .set_spot_instance_request_ids(Some(ids))
            .send()
            .await
            .map_err(|e| failure(&e))?;
        Ok::<_, AwsFailure>((out.spot_instance_requests().iter().map(spot_request).collect::<Vec<_>>(), 1))
    };
    let (requests, calls) = super::by_ids(ids, "InvalidSpotInstanceRequestID.NotFound", one).await?;
    Ok((json!({ "SpotInstanceRequests": requests }), calls))
}

/// One spot instance request.
pub fn spot_request(r: &SpotInstanceRequest) -> Value {
    Obj::new()
        .s("ActualBlockHourlyPrice", r.actual_block_hourly_price())
        .s("AvailabilityZoneGroup", r.availability_zone_group())
        .i("BlockDurationMinutes", r.block_duration_minutes())
        .t("CreateTime", r.create_time())
        .v(
            "Fault",
            r.fault().map(|f| Obj::new().s("Code", f.code()).s("Message", f.message()).done()),
        )
        .s("InstanceId", r.instance_id())
        .s("LaunchGroup", r.launch_group())
        .v(
            "LaunchSpecification",
            r.launch_specification().map(|l| {
                Obj::new()
                    .s("UserData", l.user_data())
                    .list("SecurityGroups", &l.security_groups, group)
                    .s("AddressingType", l.addressing_type())
                    .list("BlockDeviceMappings", &l.block_device_mappings, |b| {
                        Obj::new()
                            .s("DeviceName", b.device_name())
                            .v(
                                "Ebs",
                                b.ebs().map(|e| {
                                    Obj::new()
                                        .b("DeleteOnTermination", e.delete_on_termination())
                                        .i("VolumeSize", e.volume_size())
                                        .s("VolumeType", e.volume_type().map(|v| v.as_str()))
                                        .done()
                                }),
                            )
                            .done()
                    })
                    .b("EbsOptimized", l.ebs_optimized())
                    .v(
                        "IamInstanceProfile",
                        l.iam_instance_profile()
                            .map(|p| Obj::new().s("Arn", p.arn()).s("Name", p.name()).done()),
                    )
                    .s("ImageId", l.image_id())
                    .s("InstanceType", l.instance_type().map(|t| t.as_str()))
                    .s("KernelId", l.kernel_id())
                    .s("KeyName", l.key_name())
                    .v(
                        "Placement",
                        l.placement().map(|p| {
                            Obj::new()
                                .s("AvailabilityZone", p.availability_zone())
                                .s("GroupName", p.group_name())
                                .s("Tenancy", p.tenancy().map(|t| t.as_str()))
                                .done()
                        }),
                    )
                    .s("RamdiskId", l.ramdisk_id())
                    .s("SubnetId", l.subnet_id())
                    .v("Monitoring", l.monitoring().map(|m| Obj::new().b("Enabled", m.enabled()).done()))
                    .done()
            }),
        )
        .s("LaunchedAvailabilityZone", r.launched_availability_zone())
        .s("LaunchedAvailabilityZoneId", r.launched_availability_zone_id())
        .s("ProductDescription", r.product_description().map(|p| p.as_str()))
        .s("SpotInstanceRequestId", r.spot_instance_request_id())
        .s("SpotPrice", r.spot_price())
        .s("State", r.state().map(|s| s.as_str()))
        .v(
            "Status",
            r.status().map(|s| {
                Obj::new()
                    .s("Code", s.code())
                    .s("Message", s.message())
                    .t("UpdateTime", s.update_time())
                    .done()
            }),
        )
        .v("Tags", tags(&r.tags, |t| (t.key(), t.value())))
        .s("Type", r.r#type().map(|t| t.as_str()))
        .t("ValidFrom", r.valid_from())
        .t("ValidUntil", r.valid_until())
        .s(
            "InstanceInterruptionBehavior",
            r.instance_interruption_behavior().map(|b| b.as_str()),
        )
        .done()
}
