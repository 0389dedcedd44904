//! `aws.ec2`: every page of `DescribeInstances`, as the AWS CLI prints it.

use crate::cli_xml::{field, next_child, write_value, Field, Shape};
use crate::clients::{failure, AwsFailure, Clients, EC2_PAGE};
use crate::json::{tags, CompactList, Obj};
use crate::page_capture::{CapturePages, PageMapper};
use crate::xml_reader::Reader;
use aws_sdk_ec2::operation::describe_instances::{DescribeInstances, DescribeInstancesOutput};
use aws_sdk_ec2::types::{Filter, GroupIdentifier, Instance, InstanceNetworkInterface, Reservation};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::Output;
use custodian_core::resource::query::Query;
use serde_json::{json, Value};

/// Every page of `DescribeInstances` with the query's `Filters`, each as the AWS CLI prints it,
/// handed to `each` as it arrives.
/// Each page's body is mapped straight into the CLI's JSON ([`RESERVATION`], [`ReservationPages`]):
/// the SDK's structs for the page are never built.
pub async fn describe<T>(c: &Clients, query: &Query, mut each: impl FnMut(String) -> T) -> Result<Vec<T>, AwsFailure> {
    let filters = super::sdk_filters(query, |name, values| {
        Filter::builder().name(name).set_values(Some(values.to_vec())).build()
    });
    let capture = CapturePages::new(ReservationPages, DescribeInstances::new());
    let (mut pages, mut token) = (Vec::new(), None::<String>);
    loop {
        let page = c
            .ec2
            .describe_instances()
            .set_filters(filters.clone())
            .max_results(EC2_PAGE)
            .set_next_token(token.clone())
            .customize()
            .interceptor(capture.clone())
            .send()
            .await
            .map_err(|e| failure(&e))?;
        pages.push(each(capture.take_page().unwrap_or_else(|| {
            let mut out = CompactList::new("Reservations");
            page.reservations().iter().for_each(|r| out.push(&reservation(r)));
            out.finish()
        })));
        // As the SDK's paginator: the last page has no token (or an empty one, or the same again).
        match page.next_token {
            Some(next) if !next.is_empty() && token.as_ref() != Some(&next) => token = Some(next),
            _ => break,
        }
    }
    Ok(pages)
}

/// Maps a `DescribeInstances` page's XML: its reservations, and its next token.
#[derive(Debug)]
pub struct ReservationPages;

impl PageMapper for ReservationPages {
    fn map_body(&self, body: &[u8]) -> Result<(String, Output), BoxError> {
        let mut r = Reader::new(body)?;
        let root = r.root()?;
        if root.name != "DescribeInstancesResponse" {
            return Err("not a DescribeInstancesResponse".into());
        }
        const START: &str = "{\"Reservations\":";
        let (mut page, mut token) = (String::new(), None);
        while let Some(tag) = next_child(&mut r, root)? {
            match tag.name {
                "nextToken" => token = Some(r.text(tag)?.into_owned()),
                "reservationSet" => {
                    // A second list replaces the first, as the SDK's builder keeps the last.
                    page = String::with_capacity(body.len() / 2);
                    page.push_str(START);
                    write_value(&mut r, tag, &Shape::List(&Shape::Obj(RESERVATION)), &mut page, 1)?;
                    page.push('}');
                }
                _ => r.skip(tag)?,
            }
        }
        if page.is_empty() {
            page = format!("{START}[]}}");
        }
        // The page's text is kept as long as its documents: no spare capacity.
        page.shrink_to_fit();
        let output = DescribeInstancesOutput::builder().set_next_token(token).build();
        Ok((page, Output::erase(output)))
    }
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

// The members of a reservation and its instances custodian keeps, as `reservation` maps them
// from the SDK's structs: XML name, CLI key, type; in the order EC2 sends them (the SDK's model
// order), which is the order they are looked up and written in.
const GROUP: &[Field] = &[field("groupId", "GroupId", Shape::Str), field("groupName", "GroupName", Shape::Str)];
const TAG: &[Field] = &[field("key", "Key", Shape::Str), field("value", "Value", Shape::Str)];
const EBS: &[Field] = &[
    field("attachTime", "AttachTime", Shape::Date),
    field("deleteOnTermination", "DeleteOnTermination", Shape::Bool),
    field("status", "Status", Shape::Str),
    field("volumeId", "VolumeId", Shape::Str),
];
const BLOCK_DEVICE: &[Field] = &[field("deviceName", "DeviceName", Shape::Str), field("ebs", "Ebs", Shape::Obj(EBS))];
const PRODUCT_CODE: &[Field] = &[
    field("productCode", "ProductCodeId", Shape::Str),
    field("type", "ProductCodeType", Shape::Str),
];
const PLACEMENT: &[Field] = &[
    field("availabilityZoneId", "AvailabilityZoneId", Shape::Str),
    field("groupName", "GroupName", Shape::Str),
    field("partitionNumber", "PartitionNumber", Shape::Int),
    field("hostId", "HostId", Shape::Str),
    field("tenancy", "Tenancy", Shape::Str),
    field("availabilityZone", "AvailabilityZone", Shape::Str),
];
const METADATA_OPTIONS: &[Field] = &[
    field("state", "State", Shape::Str),
    field("httpTokens", "HttpTokens", Shape::Str),
    field("httpPutResponseHopLimit", "HttpPutResponseHopLimit", Shape::Int),
    field("httpEndpoint", "HttpEndpoint", Shape::Str),
    field("httpProtocolIpv6", "HttpProtocolIpv6", Shape::Str),
    field("instanceMetadataTags", "InstanceMetadataTags", Shape::Str),
];
const PRIVATE_DNS_NAME_OPTIONS: &[Field] = &[
    field("hostnameType", "HostnameType", Shape::Str),
    field("enableResourceNameDnsARecord", "EnableResourceNameDnsARecord", Shape::Bool),
    field("enableResourceNameDnsAAAARecord", "EnableResourceNameDnsAAAARecord", Shape::Bool),
];
const ATTACHMENT: &[Field] = &[
    field("attachTime", "AttachTime", Shape::Date),
    field("attachmentId", "AttachmentId", Shape::Str),
    field("deleteOnTermination", "DeleteOnTermination", Shape::Bool),
    field("deviceIndex", "DeviceIndex", Shape::Int),
    field("status", "Status", Shape::Str),
    field("networkCardIndex", "NetworkCardIndex", Shape::Int),
];
const PRIVATE_IP: &[Field] = &[
    field("primary", "Primary", Shape::Bool),
    field("privateDnsName", "PrivateDnsName", Shape::Str),
    field("privateIpAddress", "PrivateIpAddress", Shape::Str),
];
const NETWORK_INTERFACE: &[Field] = &[
    field("attachment", "Attachment", Shape::Obj(ATTACHMENT)),
    field("description", "Description", Shape::Str),
    field("groupSet", "Groups", Shape::List(&Shape::Obj(GROUP))),
    field("macAddress", "MacAddress", Shape::Str),
    field("networkInterfaceId", "NetworkInterfaceId", Shape::Str),
    field("ownerId", "OwnerId", Shape::Str),
    field("privateDnsName", "PrivateDnsName", Shape::Str),
    field("privateIpAddress", "PrivateIpAddress", Shape::Str),
    field("privateIpAddressesSet", "PrivateIpAddresses", Shape::List(&Shape::Obj(PRIVATE_IP))),
    field("sourceDestCheck", "SourceDestCheck", Shape::Bool),
    field("status", "Status", Shape::Str),
    field("subnetId", "SubnetId", Shape::Str),
    field("vpcId", "VpcId", Shape::Str),
    field("interfaceType", "InterfaceType", Shape::Str),
];
const INSTANCE: &[Field] = &[
    field("architecture", "Architecture", Shape::Str),
    field("blockDeviceMapping", "BlockDeviceMappings", Shape::List(&Shape::Obj(BLOCK_DEVICE))),
    field("clientToken", "ClientToken", Shape::Str),
    field("ebsOptimized", "EbsOptimized", Shape::Bool),
    field("enaSupport", "EnaSupport", Shape::Bool),
    field("hypervisor", "Hypervisor", Shape::Str),
    field(
        "iamInstanceProfile",
        "IamInstanceProfile",
        Shape::Obj(&[field("arn", "Arn", Shape::Str), field("id", "Id", Shape::Str)]),
    ),
    field("instanceLifecycle", "InstanceLifecycle", Shape::Str),
    field(
        "networkInterfaceSet",
        "NetworkInterfaces",
        Shape::List(&Shape::Obj(NETWORK_INTERFACE)),
    ),
    field("outpostArn", "OutpostArn", Shape::Str),
    field("rootDeviceName", "RootDeviceName", Shape::Str),
    field("rootDeviceType", "RootDeviceType", Shape::Str),
    field("groupSet", "SecurityGroups", Shape::List(&Shape::Obj(GROUP))),
    field("sourceDestCheck", "SourceDestCheck", Shape::Bool),
    field("spotInstanceRequestId", "SpotInstanceRequestId", Shape::Str),
    field("sriovNetSupport", "SriovNetSupport", Shape::Str),
    field(
        "stateReason",
        "StateReason",
        Shape::Obj(&[field("code", "Code", Shape::Str), field("message", "Message", Shape::Str)]),
    ),
    field("tagSet", "Tags", Shape::List(&Shape::Obj(TAG))),
    field("virtualizationType", "VirtualizationType", Shape::Str),
    field(
        "cpuOptions",
        "CpuOptions",
        Shape::Obj(&[
            field("coreCount", "CoreCount", Shape::Int),
            field("threadsPerCore", "ThreadsPerCore", Shape::Int),
        ]),
    ),
    field(
        "capacityReservationSpecification",
        "CapacityReservationSpecification",
        Shape::Obj(&[field("capacityReservationPreference", "CapacityReservationPreference", Shape::Str)]),
    ),
    field(
        "hibernationOptions",
        "HibernationOptions",
        Shape::Obj(&[field("configured", "Configured", Shape::Bool)]),
    ),
    field("metadataOptions", "MetadataOptions", Shape::Obj(METADATA_OPTIONS)),
    field(
        "enclaveOptions",
        "EnclaveOptions",
        Shape::Obj(&[field("enabled", "Enabled", Shape::Bool)]),
    ),
    field("bootMode", "BootMode", Shape::Str),
    field("platformDetails", "PlatformDetails", Shape::Str),
    field("usageOperation", "UsageOperation", Shape::Str),
    field("usageOperationUpdateTime", "UsageOperationUpdateTime", Shape::Date),
    field(
        "privateDnsNameOptions",
        "PrivateDnsNameOptions",
        Shape::Obj(PRIVATE_DNS_NAME_OPTIONS),
    ),
    field("tpmSupport", "TpmSupport", Shape::Str),
    field(
        "maintenanceOptions",
        "MaintenanceOptions",
        Shape::Obj(&[field("autoRecovery", "AutoRecovery", Shape::Str)]),
    ),
    field("currentInstanceBootMode", "CurrentInstanceBootMode", Shape::Str),
    field("instanceId", "InstanceId", Shape::Str),
    field("imageId", "ImageId", Shape::Str),
    field(
        "instanceState",
        "State",
        Shape::Obj(&[field("code", "Code", Shape::Int), field("name", "Name", Shape::Str)]),
    ),
    field("privateDnsName", "PrivateDnsName", Shape::Str),
    field("dnsName", "PublicDnsName", Shape::Str),
    field("reason", "StateTransitionReason", Shape::Str),
    field("keyName", "KeyName", Shape::Str),
    field("amiLaunchIndex", "AmiLaunchIndex", Shape::Int),
    field("productCodes", "ProductCodes", Shape::List(&Shape::Obj(PRODUCT_CODE))),
    field("instanceType", "InstanceType", Shape::Str),
    field("launchTime", "LaunchTime", Shape::Date),
    field("placement", "Placement", Shape::Obj(PLACEMENT)),
    field("kernelId", "KernelId", Shape::Str),
    field("ramdiskId", "RamdiskId", Shape::Str),
    field("platform", "Platform", Shape::Str),
    field("monitoring", "Monitoring", Shape::Obj(&[field("state", "State", Shape::Str)])),
    field("subnetId", "SubnetId", Shape::Str),
    field("vpcId", "VpcId", Shape::Str),
    field("privateIpAddress", "PrivateIpAddress", Shape::Str),
    field("ipAddress", "PublicIpAddress", Shape::Str),
];
/// A reservation as [`reservation`] maps it, read from `DescribeInstances`' XML.
pub const RESERVATION: &[Field] = &[
    field("reservationId", "ReservationId", Shape::Str),
    field("ownerId", "OwnerId", Shape::Str),
    field("requesterId", "RequesterId", Shape::Str),
    field("groupSet", "Groups", Shape::List(&Shape::Obj(GROUP))),
    field("instancesSet", "Instances", Shape::List(&Shape::Obj(INSTANCE))),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli_xml::check_table;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::runtime_plugin::RuntimePlugin;
    use aws_smithy_runtime_api::client::ser_de::{DeserializeResponse, SharedResponseDeserializer};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::config_bag::ConfigBag;
    use std::fmt::Write;

    /// XML for every member of `fields` (and of what they nest), in reverse order, with an
    /// element no table lists between them; values vary with `n`.
    fn sample(fields: &[Field], n: &mut u32, out: &mut String) {
        for f in fields.iter().rev() {
            write!(out, "<{}>", f.xml).unwrap();
            value(&f.shape, n, out);
            write!(out, "</{}><notModelled><item>x</item></notModelled>", f.xml).unwrap();
        }
    }

    fn value(shape: &Shape, n: &mut u32, out: &mut String) {
        *n += 1;
        match shape {
            Shape::Str => write!(out, "v{n} &amp; &lt;b&gt; \"q\" \\ é").unwrap(),
            Shape::Int => write!(out, "{n}").unwrap(),
            Shape::Bool => out.push_str(if n.is_multiple_of(2) { "true" } else { "false" }),
            Shape::Date if n.is_multiple_of(2) => out.push_str("2026-11-23T15:00:00.000Z"),
            Shape::Date => write!(out, "2026-11-23T15:00:0{}.{:03}Z", *n % 10, *n).unwrap(),
            Shape::Obj(fields) => sample(fields, n, out),
            Shape::List(item) => {
                for _ in 0..2 {
                    out.push_str("<item>");
                    value(item, n, out);
                    out.push_str("</item>");
                }
            }
        }
    }

    fn page(reservations: usize, token: Option<&str>) -> String {
        let mut xml = String::from(
            r#"<?xml version="1.0" encoding="UTF-8"?><DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet>"#,
        );
        let mut n = 0;
        for _ in 0..reservations {
            xml.push_str("<item>");
            sample(RESERVATION, &mut n, &mut xml);
            xml.push_str("</item>");
        }
        xml.push_str("</reservationSet>");
        if let Some(t) = token {
            write!(xml, "<nextToken>{t}</nextToken>").unwrap();
        }
        xml + "</DescribeInstancesResponse>"
    }

    /// The page as the SDK's own deserializer reads it, mapped by [`reservation`]: its
    /// reservations, comma-separated, and its token.
    fn through_the_sdk(xml: &str) -> (String, Option<String>) {
        let layer = DescribeInstances::new().config().unwrap();
        let sdk = layer.load::<SharedResponseDeserializer>().unwrap();
        let response = HttpResponse::new(200.try_into().unwrap(), SdkBody::from(xml));
        let output = sdk.deserialize_nonstreaming_with_config(&response, &ConfigBag::base()).unwrap();
        let output = output.downcast_ref::<DescribeInstancesOutput>().unwrap();
        let items: Vec<String> = output
            .reservations()
            .iter()
            .map(|r| serde_json::to_string(&reservation(r)).unwrap())
            .collect();
        (items.join(","), output.next_token.clone())
    }

    #[test]
    fn the_tables_are_well_formed() {
        assert_eq!(check_table("Reservation", RESERVATION), Ok(()));
    }

    #[test]
    fn a_page_read_from_its_xml_is_the_sdk_mapping() {
        let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
        for (reservations, token) in [(0, None), (1, Some("tok-1")), (3, None)] {
            let xml = page(reservations, token);
            let (text, output) = ReservationPages.map_body(xml.as_bytes()).unwrap();
            let output = output.downcast_ref::<DescribeInstancesOutput>().unwrap();
            let (expected, expected_token) = through_the_sdk(&xml);
            assert_eq!(parse(&text), parse(&format!("{{\"Reservations\":[{expected}]}}")));
            assert_eq!(text.len(), text.capacity(), "no spare capacity is kept");
            assert_eq!(output.next_token, expected_token);
            assert_eq!(output.next_token.as_deref(), token);
        }
        // Every member of every table is in the sample, and so in the mapping.
        let doc = parse(&ReservationPages.map_body(page(1, None).as_bytes()).unwrap().0);
        let instance = &doc["Reservations"][0]["Instances"][1];
        assert_eq!(instance.as_object().unwrap().len(), INSTANCE.len());
        assert_eq!(
            instance["NetworkInterfaces"][0]["Attachment"].as_object().unwrap().len(),
            ATTACHMENT.len()
        );
    }

    #[test]
    fn a_body_the_mapper_refuses_is_left_to_the_sdk() {
        for bad in [
            "",
            "<Other/>",
            "<DescribeInstancesResponse><reservationSet><item><ownerId><x/></ownerId></item></reservationSet></DescribeInstancesResponse>",
        ] {
            assert!(ReservationPages.map_body(bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(ReservationPages.map_body(&[0xff, 0xfe]).is_err());
    }
}
