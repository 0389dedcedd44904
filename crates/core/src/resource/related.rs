//! Related resources: the documents filters such as `ebs`, `image`, `subnet` read besides the
//! resource itself. Each is fetched at most once per region and run, only when a resource
//! reaches a filter that needs it, in AWS's own shape (the AWS CLI's describe output), from
//! the API or from `DIR/<region>/<snapshot_file>`. IAM is global: its types are fetched once per
//! run for every region, and read from `DIR/global/<snapshot_file>`.

use super::{Collection, Envelope, ResourceKind};
use serde_json::Value;

/// The region name global (IAM) types are fetched under, and their snapshot directory.
pub const GLOBAL_REGION: &str = "global";

/// A related resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Related {
    /// EBS volumes (`DescribeVolumes`).
    Volumes,
    /// AMIs (`DescribeImages`, for the image ids in use only).
    Images,
    /// Subnets (`DescribeSubnets`).
    Subnets,
    /// Security groups (`DescribeSecurityGroups`).
    SecurityGroups,
    /// VPCs (`DescribeVpcs`).
    Vpcs,
    /// IAM instance profiles (`ListInstanceProfiles`, global), each with its role.
    InstanceProfiles,
    /// IAM roles (`GetRole` for the role names in use, global; with tags).
    Roles,
    /// The managed policies attached to a role (`ListAttachedRolePolicies` per role name in
    /// use, global): `{"RoleName": ..., "AttachedPolicies": [{"PolicyName", "PolicyArn"}]}`.
    AttachedRolePolicies,
    /// KMS key aliases (`ListAliases`).
    KmsAliases,
    /// RDS option groups (`DescribeOptionGroups` per group in use, as c7n).
    OptionGroups,
    /// The parameters of an RDS parameter group (`DescribeDBParameters` per group in use):
    /// `{"DBParameterGroupName": ..., "Parameters": [...]}`.
    DbParameters,
    /// CloudWatch metric alarms (`DescribeAlarms`).
    Alarms,
    /// Spot instance requests, by id (`DescribeSpotInstanceRequests`; `propagate-spot-tags`).
    SpotRequests,
    /// An RDS engine's versions, by engine name in use (`DescribeDBEngineVersions` with
    /// `IncludeAll`): `{"Engine": ..., "DBEngineVersions": [...]}`.
    EngineVersions,
    /// Route tables (`DescribeRouteTables`; `subnet` with `igw` / `nat`).
    RouteTables,
    /// An RDS instance's snapshots, by instance (`DescribeDBSnapshots`, 50 instances a call):
    /// `{"DBInstanceIdentifier": ..., "DBSnapshots": [...]}`.
    DbSnapshots,
}

/// How a related type is fetched and read.
#[derive(Debug)]
pub struct RelatedSpec {
    /// The type.
    pub related: Related,
    /// What people call it in messages.
    pub name: &'static str,
    /// What its describe call returns (a kind's own when the kind reads the same collection).
    pub collection: &'static Collection,
    /// Fetched by id (only the ids the resources name), not the whole region.
    pub by_id: bool,
    /// Global (IAM): one list for every region, fetched once per run.
    pub global: bool,
}

/// The related-type table, in the order of [`Related`].
pub const RELATED: &[RelatedSpec] = &[
    RelatedSpec {
        related: Related::Volumes,
        name: "EBS volume",
        collection: &Collection {
            describe_api: "ec2:DescribeVolumes",
            envelope: Envelope::List("Volumes"),
            id_field: "VolumeId",
            id_prefix: None,
            snapshot_file: "describe-volumes.json",
            attributes: &[
                "Attachments",
                "AvailabilityZone",
                "CreateTime",
                "Encrypted",
                "FastRestored",
                "Iops",
                "KmsKeyId",
                "MultiAttachEnabled",
                "OutpostArn",
                "Size",
                "SnapshotId",
                "State",
                "Tags",
                "Throughput",
                "VolumeId",
                "VolumeType",
            ],
        },
        by_id: false,
        global: false,
    },
    RelatedSpec {
        related: Related::Images,
        name: "AMI",
        collection: &Collection {
            describe_api: "ec2:DescribeImages",
            envelope: Envelope::List("Images"),
            id_field: "ImageId",
            id_prefix: None,
            snapshot_file: "describe-images.json",
            attributes: &[
                "Architecture",
                "BlockDeviceMappings",
                "BootMode",
                "CreationDate",
                "DeprecationTime",
                "Description",
                "EnaSupport",
                "Hypervisor",
                "ImageId",
                "ImageLocation",
                "ImageOwnerAlias",
                "ImageType",
                "ImdsSupport",
                "KernelId",
                "Name",
                "OwnerId",
                "Platform",
                "PlatformDetails",
                "Public",
                "RamdiskId",
                "RootDeviceName",
                "RootDeviceType",
                "SriovNetSupport",
                "State",
                "Tags",
                "TpmSupport",
                "UsageOperation",
                "VirtualizationType",
            ],
        },
        by_id: true,
        global: false,
    },
    RelatedSpec {
        related: Related::Subnets,
        name: "subnet",
        collection: &Collection {
            describe_api: "ec2:DescribeSubnets",
            envelope: Envelope::List("Subnets"),
            id_field: "SubnetId",
            id_prefix: None,
            snapshot_file: "describe-subnets.json",
            attributes: &[
                "AssignIpv6AddressOnCreation",
                "AvailabilityZone",
                "AvailabilityZoneId",
                "AvailableIpAddressCount",
                "CidrBlock",
                "DefaultForAz",
                "EnableDns64",
                "Ipv6CidrBlockAssociationSet",
                "Ipv6Native",
                "MapCustomerOwnedIpOnLaunch",
                "MapPublicIpOnLaunch",
                "OwnerId",
                "State",
                "SubnetArn",
                "SubnetId",
                "Tags",
                "VpcId",
            ],
        },
        by_id: false,
        global: false,
    },
    RelatedSpec {
        related: Related::SecurityGroups,
        name: "security group",
        collection: &Collection {
            describe_api: "ec2:DescribeSecurityGroups",
            envelope: Envelope::List("SecurityGroups"),
            id_field: "GroupId",
            id_prefix: None,
            snapshot_file: "describe-security-groups.json",
            attributes: &[
                "Description",
                "GroupId",
                "GroupName",
                "IpPermissions",
                "IpPermissionsEgress",
                "OwnerId",
                "SecurityGroupArn",
                "Tags",
                "VpcId",
            ],
        },
        by_id: false,
        global: false,
    },
    RelatedSpec {
        related: Related::Vpcs,
        name: "VPC",
        collection: &Collection {
            describe_api: "ec2:DescribeVpcs",
            envelope: Envelope::List("Vpcs"),
            id_field: "VpcId",
            id_prefix: None,
            snapshot_file: "describe-vpcs.json",
            attributes: &[
                "CidrBlock",
                "CidrBlockAssociationSet",
                "DhcpOptionsId",
                "InstanceTenancy",
                "Ipv6CidrBlockAssociationSet",
                "IsDefault",
                "OwnerId",
                "State",
                "Tags",
                "VpcId",
            ],
        },
        by_id: false,
        global: false,
    },
    RelatedSpec {
        related: Related::InstanceProfiles,
        name: "IAM instance profile",
        collection: &Collection {
            describe_api: "iam:ListInstanceProfiles",
            envelope: Envelope::List("InstanceProfiles"),
            id_field: "Arn",
            id_prefix: None,
            snapshot_file: "list-instance-profiles.json",
            attributes: &[
                "Arn",
                "CreateDate",
                "InstanceProfileId",
                "InstanceProfileName",
                "Path",
                "Roles",
                "Tags",
            ],
        },
        by_id: false,
        global: true,
    },
    RelatedSpec {
        related: Related::Roles,
        name: "IAM role",
        collection: &Collection {
            describe_api: "iam:GetRole",
            envelope: Envelope::List("Roles"),
            id_field: "RoleName",
            id_prefix: None,
            snapshot_file: "list-roles.json",
            attributes: &[
                "Arn",
                "AssumeRolePolicyDocument",
                "CreateDate",
                "Description",
                "MaxSessionDuration",
                "Path",
                "PermissionsBoundary",
                "RoleId",
                "RoleLastUsed",
                "RoleName",
                "Tags",
            ],
        },
        by_id: true,
        global: true,
    },
    RelatedSpec {
        related: Related::AttachedRolePolicies,
        name: "attached IAM policy",
        // The filter tests each attached policy, not the per-role document.
        collection: &Collection {
            describe_api: "iam:ListAttachedRolePolicies",
            envelope: Envelope::List("AttachedRolePolicies"),
            id_field: "RoleName",
            id_prefix: None,
            snapshot_file: "list-attached-role-policies.json",
            attributes: &["PolicyArn", "PolicyName"],
        },
        by_id: true,
        global: true,
    },
    RelatedSpec {
        related: Related::KmsAliases,
        name: "KMS alias",
        collection: &Collection {
            describe_api: "kms:ListAliases",
            envelope: Envelope::List("Aliases"),
            id_field: "AliasName",
            id_prefix: None,
            snapshot_file: "list-aliases.json",
            attributes: &["AliasArn", "AliasName", "CreationDate", "LastUpdatedDate", "TargetKeyId"],
        },
        by_id: false,
        global: false,
    },
    RelatedSpec {
        related: Related::OptionGroups,
        name: "RDS option group",
        collection: &Collection {
            describe_api: "rds:DescribeOptionGroups",
            envelope: Envelope::List("OptionGroupsList"),
            id_field: "OptionGroupName",
            id_prefix: None,
            snapshot_file: "describe-option-groups.json",
            attributes: &[
                "AllowsVpcAndNonVpcInstanceMemberships",
                "CopyTimestamp",
                "EngineName",
                "MajorEngineVersion",
                "OptionGroupArn",
                "OptionGroupDescription",
                "OptionGroupName",
                "Options",
                "SourceAccountId",
                "SourceOptionGroup",
                "VpcId",
            ],
        },
        by_id: true,
        global: false,
    },
    RelatedSpec {
        related: Related::DbParameters,
        name: "RDS parameter group",
        // Keys are parameter names, whatever the engine defines.
        collection: &Collection {
            describe_api: "rds:DescribeDBParameters",
            envelope: Envelope::List("DBParameterGroups"),
            id_field: "DBParameterGroupName",
            id_prefix: None,
            snapshot_file: "describe-db-parameters.json",
            attributes: &[],
        },
        by_id: true,
        global: false,
    },
    RelatedSpec {
        related: Related::Alarms,
        name: "CloudWatch alarm",
        collection: &Collection {
            describe_api: "cloudwatch:DescribeAlarms",
            envelope: Envelope::List("MetricAlarms"),
            id_field: "AlarmArn",
            id_prefix: None,
            snapshot_file: "describe-alarms.json",
            attributes: &[
                "AlarmActions",
                "AlarmArn",
                "AlarmName",
                "Dimensions",
                "MetricName",
                "Namespace",
                "StateValue",
            ],
        },
        by_id: false,
        global: false,
    },
    RelatedSpec {
        related: Related::SpotRequests,
        name: "spot request",
        // The kind's own collection: a snapshot already holds every request.
        collection: &super::kinds::spot::COLLECTION,
        by_id: true,
        global: false,
    },
    RelatedSpec {
        related: Related::EngineVersions,
        name: "RDS engine version",
        // The `engine` filter tests one version's document.
        collection: &Collection {
            describe_api: "rds:DescribeDBEngineVersions",
            envelope: Envelope::List("Engines"),
            id_field: "Engine",
            id_prefix: None,
            snapshot_file: "describe-db-engine-versions.json",
            attributes: &[
                "DBEngineDescription",
                "DBEngineVersionDescription",
                "DBParameterGroupFamily",
                "Engine",
                "EngineVersion",
                "MajorEngineVersion",
                "Status",
                "SupportedEngineModes",
                "SupportsLogExportsToCloudwatchLogs",
                "ValidUpgradeTarget",
            ],
        },
        by_id: true,
        global: false,
    },
    RelatedSpec {
        related: Related::DbSnapshots,
        name: "RDS snapshot",
        collection: &Collection {
            describe_api: "rds:DescribeDBSnapshots",
            envelope: Envelope::List("DBInstanceSnapshots"),
            id_field: "DBInstanceIdentifier",
            id_prefix: None,
            snapshot_file: "describe-db-snapshots.json",
            attributes: &["DBInstanceIdentifier", "DBSnapshots"],
        },
        by_id: true,
        global: false,
    },
    RelatedSpec {
        related: Related::RouteTables,
        name: "route table",
        collection: &Collection {
            describe_api: "ec2:DescribeRouteTables",
            envelope: Envelope::List("RouteTables"),
            id_field: "RouteTableId",
            id_prefix: None,
            snapshot_file: "describe-route-tables.json",
            attributes: &[
                "Associations",
                "OwnerId",
                "PropagatingVgws",
                "RouteTableId",
                "Routes",
                "Tags",
                "VpcId",
            ],
        },
        by_id: false,
        global: false,
    },
];

impl Related {
    /// This type's row of the table.
    pub fn spec(self) -> &'static RelatedSpec {
        let i = match self {
            Related::Volumes => 0,
            Related::Images => 1,
            Related::Subnets => 2,
            Related::SecurityGroups => 3,
            Related::Vpcs => 4,
            Related::InstanceProfiles => 5,
            Related::Roles => 6,
            Related::AttachedRolePolicies => 7,
            Related::KmsAliases => 8,
            Related::OptionGroups => 9,
            Related::DbParameters => 10,
            Related::Alarms => 11,
            Related::SpotRequests => 12,
            Related::EngineVersions => 13,
            Related::DbSnapshots => 14,
            Related::RouteTables => 15,
        };
        &RELATED[i]
    }

    /// Every related type, in table order.
    pub fn all() -> impl Iterator<Item = Related> {
        RELATED.iter().map(|s| s.related)
    }

    /// Whether its snapshot file is a resource kind's own (recorded with the kind).
    pub fn is_a_kind(self) -> bool {
        super::KINDS.iter().any(|k| std::ptr::eq(k.collection, self.spec().collection))
    }

    /// Whether `kind`'s resources refer to this type (what filters over it may be used on).
    pub fn applies_to(self, kind: ResourceKind) -> bool {
        refs_path(kind, self).is_some()
    }
}

/// Where `kind`'s documents name `related` ids (the kind's `refs` row); `None` when the related
/// type does not apply to it.
fn refs_path(kind: ResourceKind, related: Related) -> Option<&'static [&'static str]> {
    kind.spec().refs.iter().find(|(r, _)| *r == related).map(|(_, keys)| *keys)
}

/// The top-level document key the related ids are read from.
pub fn refs_root(kind: ResourceKind, related: Related) -> Option<&'static str> {
    refs_path(kind, related).and_then(|keys| keys.first().copied())
}

/// The distinct ids of `related` that a resource document names, in document order.
pub fn refs(kind: ResourceKind, related: Related, doc: &Value) -> Vec<String> {
    let Some(keys) = refs_path(kind, related) else {
        return Vec::new();
    };
    let current = super::values_at(doc, keys);
    let mut out: Vec<String> = Vec::new();
    for id in current.into_iter().filter_map(Value::as_str) {
        if !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_names_each_related_type_once_from_a_top_level_attribute() {
        for spec in super::super::KINDS {
            for (i, (related, keys)) in spec.refs.iter().enumerate() {
                assert!(
                    !spec.refs[i + 1..].iter().any(|(r, _)| r == related),
                    "{}: {related:?} twice",
                    spec.name
                );
                let root = keys.first().copied().unwrap_or_default();
                assert!(
                    spec.collection.attributes.contains(&root),
                    "{}: {root} is not an attribute",
                    spec.name
                );
            }
        }
    }
    use serde_json::json;

    #[test]
    fn the_table_is_in_enum_order_with_sorted_attributes() {
        for (i, s) in RELATED.iter().enumerate() {
            assert_eq!(s.related.spec().name, s.name, "row {i}");
            assert!(s.collection.attributes.windows(2).all(|w| w[0] < w[1]), "{}", s.name);
            // The attached-policies document is read per policy (PolicyName, PolicyArn).
            let per_item = s.collection.attributes.is_empty() || s.related == Related::AttachedRolePolicies;
            assert!(per_item || s.collection.attributes.contains(&s.collection.id_field), "{}", s.name);
        }
    }

    #[test]
    fn refs_follow_c7ns_expressions() {
        let i = json!({
            "ImageId": "ami-1", "VpcId": "vpc-1",
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": "vol-1"}}, {"DeviceName": "/dev/sdb"}],
            "NetworkInterfaces": [{"SubnetId": "subnet-1", "Groups": [{"GroupId": "sg-1"}, {"GroupId": "sg-2"}]},
                                  {"SubnetId": "subnet-1", "Groups": [{"GroupId": "sg-1"}]}]
        });
        assert_eq!(refs(ResourceKind::Ec2, Related::Volumes, &i), vec!["vol-1"]);
        assert_eq!(refs(ResourceKind::Ec2, Related::SecurityGroups, &i), vec!["sg-1", "sg-2"]);
        assert_eq!(refs(ResourceKind::Ec2, Related::Subnets, &i), vec!["subnet-1"]);
        let db = json!({"DBSubnetGroup": {"VpcId": "vpc-2", "Subnets": [{"SubnetIdentifier": "subnet-2"}]},
                        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-3"}]});
        assert_eq!(refs(ResourceKind::Rds, Related::Vpcs, &db), vec!["vpc-2"]);
        assert_eq!(refs(ResourceKind::Rds, Related::Subnets, &db), vec!["subnet-2"]);
        assert_eq!(refs(ResourceKind::Rds, Related::SecurityGroups, &db), vec!["sg-3"]);
        assert!(!Related::Volumes.applies_to(ResourceKind::Rds));
        assert!(!Related::Vpcs.applies_to(ResourceKind::SpotRequest));
    }
}
