//! `aws.ec2`: every page of `DescribeInstances`, as the AWS CLI prints it.

use crate::clients::{failure, AwsFailure, Clients, EC2_PAGE};
use crate::json::{tags, CompactList, Obj};
use aws_sdk_ec2::types::{Filter, GroupIdentifier, Instance, InstanceNetworkInterface, Reservation};
use custodian_core::resource::query::Query;
use serde_json::{json, Value};

/// Every page of `DescribeInstances` with the query's `Filters`; and the pages fetched.
pub async fn describe(c: &Clients, query: &Query) -> Result<(String, u64), AwsFailure> {
    let mut calls = 0u64;
    let filters = super::sdk_filters(query, |name, values| {
        Filter::builder().name(name).set_values(Some(values.to_vec())).build()
    });
    let mut pages = c
        .ec2
        .describe_instances()
        .set_filters(filters)
        .max_results(EC2_PAGE)
        .into_paginator()
        .send();
    let mut out = CompactList::new("Reservations");
    while let Some(page) = pages.next().await {
        calls += 1;
        let page = page.map_err(|e| failure(&e))?;
        page.reservations().iter().for_each(|r| out.push(&reservation(r)));
    }
    Ok((out.finish(), calls))
}

/// `DescribeInstances` for `ids` only; ids that no longer exist are left out.
pub async fn describe_ids(c: &Clients, ids: &[String]) -> Result<(Value, u64), AwsFailure> {
    let one = |ids: Vec<String>| async move {
        let mut calls = 0u64;
        let mut reservations = Vec::new();
        let mut pages = c.ec2.describe_instances().set_instance_ids(Some(ids)).into_paginator().send();
        while let Some(page) = pages.next().await {
            calls += 1;
            let page = page.map_err(|e| failure(&e))?;
            reservations.extend(page.reservations().iter().map(reservation));
        }
        Ok::<_, AwsFailure>((reservations, calls))
    };
    let (reservations, calls) = super::by_ids(ids, "InvalidInstanceID.NotFound", one).await?;
    Ok((json!({ "Reservations": reservations }), calls))
}

/// A security group reference.
pub(crate) fn group(g: &GroupIdentifier) -> Value {
    Obj::new().s("GroupName", g.group_name()).s("GroupId", g.group_id()).done()
}

/// One product code.
pub(crate) fn product_code(p: &aws_sdk_ec2::types::ProductCode) -> Value {
    Obj::new()
        .s("ProductCodeId", p.product_code_id())
        .s("ProductCodeType", p.product_code_type().map(|t| t.as_str()))
        .done()
}

/// One block device mapping of an instance.
pub(crate) fn block_device(b: &aws_sdk_ec2::types::InstanceBlockDeviceMapping) -> Value {
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
        .list("ProductCodes", &i.product_codes, crate::kinds::ec2::product_code)
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
        .list("BlockDeviceMappings", &i.block_device_mappings, block_device)
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
