//! EC2 instances and spot instance requests, as `DescribeInstances` /
//! `DescribeSpotInstanceRequests` print them in the AWS CLI.

use crate::json::{tags, Obj};
use aws_sdk_ec2::types::{GroupIdentifier, Instance, InstanceNetworkInterface, Reservation, SpotInstanceRequest};
use serde_json::Value;

/// A security group reference.
fn group(g: &GroupIdentifier) -> Value {
    Obj::new().s("GroupName", g.group_name()).s("GroupId", g.group_id()).done()
}

/// One reservation with its instances.
pub fn reservation(r: &Reservation) -> Value {
    Obj::new()
        .list("Groups", &r.groups, group)
        .list("Instances", &r.instances, instance)
        .s("OwnerId", r.owner_id())
        .s("RequesterId", r.requester_id())
        .s("ReservationId", r.reservation_id())
        .done()
}

/// One instance.
pub fn instance(i: &Instance) -> Value {
    Obj::new()
        .i("AmiLaunchIndex", i.ami_launch_index())
        .s("ImageId", i.image_id())
        .s("InstanceId", i.instance_id())
        .s("InstanceType", i.instance_type().map(|t| t.as_str()))
        .s("KernelId", i.kernel_id())
        .s("KeyName", i.key_name())
        .t("LaunchTime", i.launch_time())
        .v(
            "Monitoring",
            i.monitoring().map(|m| Obj::new().s("State", m.state().map(|s| s.as_str())).done()),
        )
        .v(
            "Placement",
            i.placement().map(|p| {
                Obj::new()
                    .s("AvailabilityZone", p.availability_zone())
                    .s("AvailabilityZoneId", p.availability_zone_id())
                    .s("GroupName", p.group_name())
                    .s("HostId", p.host_id())
                    .i("PartitionNumber", p.partition_number())
                    .s("Tenancy", p.tenancy().map(|t| t.as_str()))
                    .done()
            }),
        )
        .s("Platform", i.platform().map(|p| p.as_str()))
        .s("PrivateDnsName", i.private_dns_name())
        .s("PrivateIpAddress", i.private_ip_address())
        .list("ProductCodes", &i.product_codes, |p| {
            Obj::new()
                .s("ProductCodeId", p.product_code_id())
                .s("ProductCodeType", p.product_code_type().map(|t| t.as_str()))
                .done()
        })
        .s("PublicDnsName", i.public_dns_name())
        .s("PublicIpAddress", i.public_ip_address())
        .s("RamdiskId", i.ramdisk_id())
        .v(
            "State",
            i.state()
                .map(|s| Obj::new().i("Code", s.code()).s("Name", s.name().map(|n| n.as_str())).done()),
        )
        .s("StateTransitionReason", i.state_transition_reason())
        .s("SubnetId", i.subnet_id())
        .s("VpcId", i.vpc_id())
        .s("Architecture", i.architecture().map(|a| a.as_str()))
        .list("BlockDeviceMappings", &i.block_device_mappings, |b| {
            Obj::new()
                .s("DeviceName", b.device_name())
                .v(
                    "Ebs",
                    b.ebs().map(|e| {
                        Obj::new()
                            .t("AttachTime", e.attach_time())
                            .b("DeleteOnTermination", e.delete_on_termination())
                            .s("Status", e.status().map(|s| s.as_str()))
                            .s("VolumeId", e.volume_id())
                            .done()
                    }),
                )
                .done()
        })
        .s("ClientToken", i.client_token())
        .b("EbsOptimized", i.ebs_optimized())
        .b("EnaSupport", i.ena_support())
        .s("Hypervisor", i.hypervisor().map(|h| h.as_str()))
        .v(
            "IamInstanceProfile",
            i.iam_instance_profile()
                .map(|p| Obj::new().s("Arn", p.arn()).s("Id", p.id()).done()),
        )
        .s("InstanceLifecycle", i.instance_lifecycle().map(|l| l.as_str()))
        .list("NetworkInterfaces", &i.network_interfaces, network_interface)
        .s("OutpostArn", i.outpost_arn())
        .s("RootDeviceName", i.root_device_name())
        .s("RootDeviceType", i.root_device_type().map(|t| t.as_str()))
        .list("SecurityGroups", &i.security_groups, group)
        .b("SourceDestCheck", i.source_dest_check())
        .s("SpotInstanceRequestId", i.spot_instance_request_id())
        .s("SriovNetSupport", i.sriov_net_support())
        .v(
            "StateReason",
            i.state_reason()
                .map(|r| Obj::new().s("Code", r.code()).s("Message", r.message()).done()),
        )
        .v("Tags", tags(&i.tags, |t| (t.key(), t.value())))
        .s("VirtualizationType", i.virtualization_type().map(|v| v.as_str()))
        .v(
            "CpuOptions",
            i.cpu_options().map(|c| {
                Obj::new()
                    .i("CoreCount", c.core_count())
                    .i("ThreadsPerCore", c.threads_per_core())
                    .done()
            }),
        )
        .v(
            "CapacityReservationSpecification",
            i.capacity_reservation_specification().map(|c| {
                Obj::new()
                    .s(
                        "CapacityReservationPreference",
                        c.capacity_reservation_preference().map(|p| p.as_str()),
                    )
                    .done()
            }),
        )
        .v(
            "HibernationOptions",
            i.hibernation_options().map(|h| Obj::new().b("Configured", h.configured()).done()),
        )
        .v(
            "MetadataOptions",
            i.metadata_options().map(|m| {
                Obj::new()
                    .s("State", m.state().map(|s| s.as_str()))
                    .s("HttpTokens", m.http_tokens().map(|s| s.as_str()))
                    .i("HttpPutResponseHopLimit", m.http_put_response_hop_limit())
                    .s("HttpEndpoint", m.http_endpoint().map(|s| s.as_str()))
                    .s("HttpProtocolIpv6", m.http_protocol_ipv6().map(|s| s.as_str()))
                    .s("InstanceMetadataTags", m.instance_metadata_tags().map(|s| s.as_str()))
                    .done()
            }),
        )
        .v(
            "EnclaveOptions",
            i.enclave_options().map(|e| Obj::new().b("Enabled", e.enabled()).done()),
        )
        .s("BootMode", i.boot_mode().map(|b| b.as_str()))
        .s("PlatformDetails", i.platform_details())
        .s("UsageOperation", i.usage_operation())
        .t("UsageOperationUpdateTime", i.usage_operation_update_time())
        .v(
            "PrivateDnsNameOptions",
            i.private_dns_name_options().map(|p| {
                Obj::new()
                    .s("HostnameType", p.hostname_type().map(|h| h.as_str()))
                    .b("EnableResourceNameDnsARecord", p.enable_resource_name_dns_a_record())
                    .b("EnableResourceNameDnsAAAARecord", p.enable_resource_name_dns_aaaa_record())
                    .done()
            }),
        )
        .s("TpmSupport", i.tpm_support())
        .v(
            "MaintenanceOptions",
            i.maintenance_options()
                .map(|m| Obj::new().s("AutoRecovery", m.auto_recovery().map(|a| a.as_str())).done()),
        )
        .s("CurrentInstanceBootMode", i.current_instance_boot_mode().map(|b| b.as_str()))
        .done()
}

fn network_interface(n: &InstanceNetworkInterface) -> Value {
    Obj::new()
        .v(
            "Attachment",
            n.attachment().map(|a| {
                Obj::new()
                    .t("AttachTime", a.attach_time())
                    .s("AttachmentId", a.attachment_id())
                    .b("DeleteOnTermination", a.delete_on_termination())
                    .i("DeviceIndex", a.device_index())
                    .s("Status", a.status().map(|s| s.as_str()))
                    .i("NetworkCardIndex", a.network_card_index())
                    .done()
            }),
        )
        .s("Description", n.description())
        .list("Groups", &n.groups, group)
        .s("MacAddress", n.mac_address())
        .s("NetworkInterfaceId", n.network_interface_id())
        .s("OwnerId", n.owner_id())
        .s("PrivateDnsName", n.private_dns_name())
        .s("PrivateIpAddress", n.private_ip_address())
        .list("PrivateIpAddresses", &n.private_ip_addresses, |p| {
            Obj::new()
                .b("Primary", p.primary())
                .s("PrivateDnsName", p.private_dns_name())
                .s("PrivateIpAddress", p.private_ip_address())
                .done()
        })
        .b("SourceDestCheck", n.source_dest_check())
        .s("Status", n.status().map(|s| s.as_str()))
        .s("SubnetId", n.subnet_id())
        .s("VpcId", n.vpc_id())
        .s("InterfaceType", n.interface_type())
        .done()
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
