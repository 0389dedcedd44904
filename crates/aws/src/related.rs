//! Related documents for filters, as the AWS CLI prints them: every page of `DescribeVolumes`,
//! `DescribeSubnets`, `DescribeSecurityGroups`, `DescribeVpcs` at the API's largest page, and
//! `DescribeImages` for the AMI ids in use (200 per call); and `DescribeInstanceAttribute`, one
//! call per instance, a bounded number at once.

use crate::clients::{failure, AwsFailure, Clients};
use crate::json::{tags, Obj};
use aws_sdk_ec2::types::{Image, InstanceAttributeName, IpPermission, SecurityGroup, Subnet, Volume, Vpc};
use custodian_core::resource::related::Related;
use futures_util::stream::{self, StreamExt};
use serde_json::Value;

/// `DescribeVolumes` page size (the API maximum).
const VOLUME_PAGE: i32 = 500;
/// `DescribeSubnets`, `DescribeSecurityGroups`, `DescribeVpcs` page size (the API maximum).
const NETWORK_PAGE: i32 = 1000;
/// `DescribeRouteTables` page size (the API maximum).
const ROUTE_TABLE_PAGE: i32 = 100;
/// Image ids per `DescribeImages` call.
const IMAGE_BATCH: usize = 200;
/// `DescribeInstanceAttribute` calls in flight at once per region.
const ATTRIBUTE_CONCURRENCY: usize = 8;

/// The documents of an EC2 related type (all, or those of `ids` for by-id types), and the
/// calls made.
pub async fn describe(c: &Clients, related: Related, ids: Option<&[String]>) -> Result<(Vec<Value>, u64), AwsFailure> {
    let mut calls = 0u64;
    let mut docs = Vec::new();
    match related {
        Related::Volumes => {
            let mut pages = c.ec2.describe_volumes().max_results(VOLUME_PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                calls += 1;
                docs.extend(page.map_err(|e| failure(&e))?.volumes().iter().map(volume));
            }
        }
        Related::Subnets => {
            let mut pages = c.ec2.describe_subnets().max_results(NETWORK_PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                calls += 1;
                docs.extend(page.map_err(|e| failure(&e))?.subnets().iter().map(subnet));
            }
        }
        Related::SecurityGroups => {
            let mut pages = c.ec2.describe_security_groups().max_results(NETWORK_PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                calls += 1;
                docs.extend(page.map_err(|e| failure(&e))?.security_groups().iter().map(security_group));
            }
        }
        Related::Vpcs => {
            let mut pages = c.ec2.describe_vpcs().max_results(NETWORK_PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                calls += 1;
                docs.extend(page.map_err(|e| failure(&e))?.vpcs().iter().map(vpc));
            }
        }
        Related::Images => {
            for chunk in ids.unwrap_or(&[]).chunks(IMAGE_BATCH) {
                let one = |ids: Vec<String>| async move {
                    let out = c
                        .ec2
                        .describe_images()
                        .set_image_ids(Some(ids))
                        .send()
                        .await
                        .map_err(|e| failure(&e))?;
                    Ok::<_, AwsFailure>((out.images().iter().map(image).collect::<Vec<_>>(), 1))
                };
                let (found, n) = crate::kinds::by_ids(chunk, "InvalidAMIID.NotFound", one).await?;
                docs.extend(found);
                calls += n;
            }
        }
        Related::RouteTables => {
            let mut pages = c.ec2.describe_route_tables().max_results(ROUTE_TABLE_PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                calls += 1;
                docs.extend(page.map_err(|e| failure(&e))?.route_tables().iter().map(route_table));
            }
        }
        Related::SpotRequests => {
            let (found, n) = crate::kinds::spot::describe_ids(c, ids.unwrap_or(&[])).await?;
            if let Some(Value::Array(requests)) = found.get("SpotInstanceRequests") {
                docs.extend(requests.iter().cloned());
            }
            calls += n;
        }
        // Not EC2 types: the provider asks the non-EC2 loader for these.
        Related::InstanceProfiles
        | Related::Roles
        | Related::AttachedRolePolicies
        | Related::KmsAliases
        | Related::OptionGroups
        | Related::DbParameters
        | Related::Alarms
        | Related::EngineVersions
        | Related::DbSnapshots => {
            return Err(AwsFailure {
                code: "Unsupported".into(),
                message: format!("{} is not an EC2 type", related.spec().name),
            })
        }
    }
    Ok((docs, calls))
}

/// `DescribeInstanceAttribute` of `attribute` for each id, as the AWS CLI prints each answer;
/// instances that no longer exist are left out. The answers and the calls made.
pub async fn instance_attributes(c: &Clients, attribute: &str, ids: &[String]) -> Result<(Vec<Value>, u64), AwsFailure> {
    let name = InstanceAttributeName::from(attribute);
    let answers: Vec<Result<Option<Value>, AwsFailure>> = stream::iter(ids.iter().cloned())
        .map(|id| {
            let name = name.clone();
            async move {
                match c.ec2.describe_instance_attribute().instance_id(&id).attribute(name).send().await {
                    Ok(out) => Ok(Some(attribute_answer(&out))),
                    Err(e) if failure(&e).code == "InvalidInstanceID.NotFound" => Ok(None),
                    Err(e) => Err(failure(&e)),
                }
            }
        })
        .buffered(ATTRIBUTE_CONCURRENCY)
        .collect()
        .await;
    let mut docs = Vec::new();
    for a in answers {
        docs.extend(a?);
    }
    Ok((docs, ids.len() as u64))
}

fn value_of<T: Into<Value>>(v: Option<T>) -> Option<Value> {
    v.map(|v| serde_json::json!({ "Value": v.into() }))
}

/// One answer of `DescribeInstanceAttribute`.
fn attribute_answer(o: &aws_sdk_ec2::operation::describe_instance_attribute::DescribeInstanceAttributeOutput) -> Value {
    let b = |v: Option<&aws_sdk_ec2::types::AttributeBooleanValue>| value_of(v.and_then(|v| v.value()));
    let s = |v: Option<&aws_sdk_ec2::types::AttributeValue>| value_of(v.and_then(|v| v.value()).map(str::to_string));
    Obj::new()
        .s("InstanceId", o.instance_id())
        .v("DisableApiTermination", b(o.disable_api_termination()))
        .v("DisableApiStop", b(o.disable_api_stop()))
        .v("EbsOptimized", b(o.ebs_optimized()))
        .v("EnaSupport", b(o.ena_support()))
        .v("SourceDestCheck", b(o.source_dest_check()))
        .v("InstanceInitiatedShutdownBehavior", s(o.instance_initiated_shutdown_behavior()))
        .v("InstanceType", s(o.instance_type()))
        .v("KernelId", s(o.kernel_id()))
        .v("RamdiskId", s(o.ramdisk_id()))
        .v("RootDeviceName", s(o.root_device_name()))
        .v("SriovNetSupport", s(o.sriov_net_support()))
        .v("UserData", s(o.user_data()))
        .list("Groups", &o.groups, crate::kinds::ec2::group)
        .list("ProductCodes", &o.product_codes, crate::kinds::ec2::product_code)
        .list("BlockDeviceMappings", &o.block_device_mappings, crate::kinds::ec2::block_device)
        .done()
}

fn volume(v: &Volume) -> Value {
    Obj::new()
        .list("Attachments", &v.attachments, |a| {
            Obj::new()
                .t("AttachTime", a.attach_time())
                .s("Device", a.device())
                .s("InstanceId", a.instance_id())
                .s("State", a.state().map(|s| s.as_str()))
                .s("VolumeId", a.volume_id())
                .b("DeleteOnTermination", a.delete_on_termination())
                .done()
        })
        .s("AvailabilityZone", v.availability_zone())
        .t("CreateTime", v.create_time())
        .b("Encrypted", v.encrypted())
        .b("FastRestored", v.fast_restored())
        .i("Iops", v.iops())
        .s("KmsKeyId", v.kms_key_id())
        .b("MultiAttachEnabled", v.multi_attach_enabled())
        .s("OutpostArn", v.outpost_arn())
        .i("Size", v.size())
        .s("SnapshotId", v.snapshot_id())
        .s("State", v.state().map(|s| s.as_str()))
        .v("Tags", tags(&v.tags, |t| (t.key(), t.value())))
        .i("Throughput", v.throughput())
        .s("VolumeId", v.volume_id())
        .s("VolumeType", v.volume_type().map(|t| t.as_str()))
        .done()
}

fn image(i: &Image) -> Value {
    Obj::new()
        .s("Architecture", i.architecture().map(|a| a.as_str()))
        .list("BlockDeviceMappings", &i.block_device_mappings, |b| {
            Obj::new()
                .s("DeviceName", b.device_name())
                .v(
                    "Ebs",
                    b.ebs().map(|e| {
                        Obj::new()
                            .b("DeleteOnTermination", e.delete_on_termination())
                            .b("Encrypted", e.encrypted())
                            .s("SnapshotId", e.snapshot_id())
                            .i("VolumeSize", e.volume_size())
                            .s("VolumeType", e.volume_type().map(|t| t.as_str()))
                            .done()
                    }),
                )
                .s("VirtualName", b.virtual_name())
                .done()
        })
        .s("BootMode", i.boot_mode().map(|m| m.as_str()))
        .s("CreationDate", i.creation_date())
        .s("DeprecationTime", i.deprecation_time())
        .s("Description", i.description())
        .b("EnaSupport", i.ena_support())
        .s("Hypervisor", i.hypervisor().map(|h| h.as_str()))
        .s("ImageId", i.image_id())
        .s("ImageLocation", i.image_location())
        .s("ImageOwnerAlias", i.image_owner_alias())
        .s("ImageType", i.image_type().map(|t| t.as_str()))
        .s("ImdsSupport", i.imds_support().map(|t| t.as_str()))
        .s("KernelId", i.kernel_id())
        .s("Name", i.name())
        .s("OwnerId", i.owner_id())
        .s("Platform", i.platform().map(|p| p.as_str()))
        .s("PlatformDetails", i.platform_details())
        .b("Public", i.public())
        .s("RamdiskId", i.ramdisk_id())
        .s("RootDeviceName", i.root_device_name())
        .s("RootDeviceType", i.root_device_type().map(|t| t.as_str()))
        .s("SriovNetSupport", i.sriov_net_support())
        .s("State", i.state().map(|s| s.as_str()))
        .v("Tags", tags(&i.tags, |t| (t.key(), t.value())))
        .s("TpmSupport", i.tpm_support().map(|t| t.as_str()))
        .s("UsageOperation", i.usage_operation())
        .s("VirtualizationType", i.virtualization_type().map(|t| t.as_str()))
        .done()
}

fn subnet(s: &Subnet) -> Value {
    Obj::new()
        .b("AssignIpv6AddressOnCreation", s.assign_ipv6_address_on_creation())
        .s("AvailabilityZone", s.availability_zone())
        .s("AvailabilityZoneId", s.availability_zone_id())
        .i("AvailableIpAddressCount", s.available_ip_address_count())
        .s("CidrBlock", s.cidr_block())
        .b("DefaultForAz", s.default_for_az())
        .b("EnableDns64", s.enable_dns64())
        .list("Ipv6CidrBlockAssociationSet", &s.ipv6_cidr_block_association_set, |a| {
            Obj::new()
                .s("AssociationId", a.association_id())
                .s("Ipv6CidrBlock", a.ipv6_cidr_block())
                .done()
        })
        .b("Ipv6Native", s.ipv6_native())
        .b("MapCustomerOwnedIpOnLaunch", s.map_customer_owned_ip_on_launch())
        .b("MapPublicIpOnLaunch", s.map_public_ip_on_launch())
        .s("OwnerId", s.owner_id())
        .s("State", s.state().map(|s| s.as_str()))
        .s("SubnetArn", s.subnet_arn())
        .s("SubnetId", s.subnet_id())
        .v("Tags", tags(&s.tags, |t| (t.key(), t.value())))
        .s("VpcId", s.vpc_id())
        .done()
}

fn permission(p: &IpPermission) -> Value {
    Obj::new()
        .i("FromPort", p.from_port())
        .s("IpProtocol", p.ip_protocol())
        .list("IpRanges", &p.ip_ranges, |r| {
            Obj::new().s("CidrIp", r.cidr_ip()).s("Description", r.description()).done()
        })
        .list("Ipv6Ranges", &p.ipv6_ranges, |r| {
            Obj::new().s("CidrIpv6", r.cidr_ipv6()).s("Description", r.description()).done()
        })
        .list("PrefixListIds", &p.prefix_list_ids, |r| {
            Obj::new()
                .s("Description", r.description())
                .s("PrefixListId", r.prefix_list_id())
                .done()
        })
        .i("ToPort", p.to_port())
        .list("UserIdGroupPairs", &p.user_id_group_pairs, |g| {
            Obj::new()
                .s("Description", g.description())
                .s("GroupId", g.group_id())
                .s("GroupName", g.group_name())
                .s("PeeringStatus", g.peering_status())
                .s("UserId", g.user_id())
                .s("VpcId", g.vpc_id())
                .s("VpcPeeringConnectionId", g.vpc_peering_connection_id())
                .done()
        })
        .done()
}

fn security_group(g: &SecurityGroup) -> Value {
    Obj::new()
        .s("Description", g.description())
        .s("GroupId", g.group_id())
        .s("GroupName", g.group_name())
        .list("IpPermissions", &g.ip_permissions, permission)
        .list("IpPermissionsEgress", &g.ip_permissions_egress, permission)
        .s("OwnerId", g.owner_id())
        .s("SecurityGroupArn", g.security_group_arn())
        .v("Tags", tags(&g.tags, |t| (t.key(), t.value())))
        .s("VpcId", g.vpc_id())
        .done()
}

fn route_table(t: &aws_sdk_ec2::types::RouteTable) -> Value {
    Obj::new()
        .list("Associations", &t.associations, |a| {
            Obj::new()
                .s("GatewayId", a.gateway_id())
                .b("Main", a.main())
                .s("RouteTableAssociationId", a.route_table_association_id())
                .s("RouteTableId", a.route_table_id())
                .s("SubnetId", a.subnet_id())
                .done()
        })
        .s("OwnerId", t.owner_id())
        .s("RouteTableId", t.route_table_id())
        .list("Routes", &t.routes, |r| {
            Obj::new()
                .s("DestinationCidrBlock", r.destination_cidr_block())
                .s("DestinationIpv6CidrBlock", r.destination_ipv6_cidr_block())
                .s("GatewayId", r.gateway_id())
                .s("NatGatewayId", r.nat_gateway_id())
                .s("Origin", r.origin().map(|o| o.as_str()))
                .s("State", r.state().map(|s| s.as_str()))
                .s("TransitGatewayId", r.transit_gateway_id())
                .s("VpcPeeringConnectionId", r.vpc_peering_connection_id())
                .done()
        })
        .v("Tags", tags(&t.tags, |t| (t.key(), t.value())))
        .s("VpcId", t.vpc_id())
        .done()
}

fn vpc(v: &Vpc) -> Value {
    Obj::new()
        .s("CidrBlock", v.cidr_block())
        .list("CidrBlockAssociationSet", &v.cidr_block_association_set, |a| {
            Obj::new()
                .s("AssociationId", a.association_id())
                .s("CidrBlock", a.cidr_block())
                .v(
                    "CidrBlockState",
                    a.cidr_block_state()
                        .map(|s| Obj::new().s("State", s.state().map(|s| s.as_str())).done()),
                )
                .done()
        })
        .s("DhcpOptionsId", v.dhcp_options_id())
        .s("InstanceTenancy", v.instance_tenancy().map(|t| t.as_str()))
        .b("IsDefault", v.is_default())
        .s("OwnerId", v.owner_id())
        .s("State", v.state().map(|s| s.as_str()))
        .v("Tags", tags(&v.tags, |t| (t.key(), t.value())))
        .s("VpcId", v.vpc_id())
        .done()
}
