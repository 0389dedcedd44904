#!/usr/bin/env python3
"""Adds related resources to a seeded moto region: a VPC that is not the default, its subnet
(routed to an internet gateway by its own route table), a tagged security group, an instance
there with an encrypted data volume and an instance profile whose role (tagged, path /app/)
has a customer-managed policy attached; an
encrypted RDS instance (KMS key with an alias) with its own option and parameter groups.
A recover alarm covers the instance; a bucket holds owners.txt (alice, carol) for value_from.
Prints ids. IAM is global in moto's account: names carry the region.

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
# The subnet's own route table sends 0.0.0.0/0 to an internet gateway.
igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
ec2.create_tags(Resources=[sg], Tags=[{"Key": "Owner", "Value": "alice"}])
quarantine = ec2.create_security_group(GroupName="quarantine", Description="no access", VpcId=vpc)["GroupId"]
inst = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=subnet,
                         SecurityGroupIds=[sg], TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Owner", "Value": "alice"}]}])
iid = inst["Instances"][0]["InstanceId"]
vol = ec2.create_volume(Size=10, AvailabilityZone=region + "a", Encrypted=True)["VolumeId"]
ec2.attach_volume(VolumeId=vol, InstanceId=iid, Device="/dev/sdf")
ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": True})

iam = boto3.client("iam", **kw)
role = f"web-{region}"
iam.create_role(RoleName=role, Path="/app/", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
                Tags=[{"Key": "Environment", "Value": "Production"}])
policy = iam.create_policy(PolicyName=f"TeamS3FullAccess-{region}", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))["Policy"]["Arn"]
iam.attach_role_policy(RoleName=role, PolicyArn=policy)
profile = iam.create_instance_profile(InstanceProfileName=f"web-profile-{region}")["InstanceProfile"]["Arn"]
iam.add_role_to_instance_profile(InstanceProfileName=f"web-profile-{region}", RoleName=role)
ec2.associate_iam_instance_profile(IamInstanceProfile={"Arn": profile}, InstanceId=iid)

kms = boto3.client("kms", **kw)
key = kms.create_key()["KeyMetadata"]
kms.create_alias(AliasName="alias/team-db", TargetKeyId=key["KeyId"])
rds = boto3.client("rds", **kw)
rds.create_option_group(OptionGroupName="og-audit", EngineName="mysql", MajorEngineVersion="8.0", OptionGroupDescription="audit")
rds.modify_option_group(OptionGroupName="og-audit", ApplyImmediately=True, OptionsToInclude=[
    {"OptionName": "MARIADB_AUDIT_PLUGIN", "OptionSettings": [{"Name": "SERVER_AUDIT_EVENTS", "Value": "CONNECT"}]}])
rds.create_db_parameter_group(DBParameterGroupName="pg-tls", DBParameterGroupFamily="mysql8.0", Description="tls")
rds.modify_db_parameter_group(DBParameterGroupName="pg-tls", Parameters=[
    {"ParameterName": "require_secure_transport", "ParameterValue": "1", "ApplyMethod": "immediate"}])
rds.create_db_instance(DBInstanceIdentifier="encrypted-db", DBInstanceClass="db.t3.micro", Engine="mysql", MasterUsername="u",
                       MasterUserPassword="password1", AllocatedStorage=20, StorageEncrypted=True, KmsKeyId=key["Arn"],
                       OptionGroupName="og-audit", DBParameterGroupName="pg-tls")
cloudwatch = boto3.client("cloudwatch", **kw)
cloudwatch.put_metric_alarm(AlarmName=f"recover-{iid}", Namespace="AWS/EC2", MetricName="StatusCheckFailed_System",
                            Dimensions=[{"Name": "InstanceId", "Value": iid}], Statistic="Minimum", Period=60,
                            EvaluationPeriods=2, Threshold=0, ComparisonOperator="GreaterThanThreshold",
                            AlarmActions=[f"arn:aws:automate:{region}:ec2:recover"])
s3 = boto3.client("s3", **kw)
bucket = f"custodian-values-{region}"
s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
s3.put_object(Bucket=bucket, Key="owners.txt", Body=b"alice\ncarol\n")
print(json.dumps({"quarantine": quarantine, "bucket": bucket, "vpc": vpc, "subnet": subnet, "sg": sg, "instance": iid, "volume": vol, "role": role, "db": "encrypted-db"}))
