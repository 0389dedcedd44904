#!/usr/bin/env python3
"""Adds related resources to a seeded moto region: a VPC that is not the default, its private
subnet, a tagged security group, an instance there with an encrypted data volume. Prints ids.

  related.py ENDPOINT REGION
"""
import json
import sys

import boto3

endpoint, region = sys.argv[1], sys.argv[2]
kw = dict(region_name=region, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
ec2 = boto3.client("ec2", **kw)
vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", AvailabilityZone=region + "a")["Subnet"]["SubnetId"]
sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
ec2.create_tags(Resources=[sg], Tags=[{"Key": "Owner", "Value": "alice"}])
inst = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=subnet,
                         SecurityGroupIds=[sg], TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Owner", "Value": "alice"}]}])
iid = inst["Instances"][0]["InstanceId"]
vol = ec2.create_volume(Size=10, AvailabilityZone=region + "a", Encrypted=True)["VolumeId"]
ec2.attach_volume(VolumeId=vol, InstanceId=iid, Device="/dev/sdf")
ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": True})
print(json.dumps({"vpc": vpc, "subnet": subnet, "sg": sg, "instance": iid, "volume": vol}))
