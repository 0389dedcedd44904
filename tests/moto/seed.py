#!/usr/bin/env python3
"""Seeds one moto region with the end-to-end scenario and prints the ids as JSON.

  seed.py ENDPOINT REGION [ACCOUNT_ID]

With ACCOUNT_ID, in that account (moto keeps accounts apart; its credentials come from AssumeRole).
"""
import json
import os
import sys

import boto3

endpoint, region = sys.argv[1], sys.argv[2]
kw = dict(region_name=region, endpoint_url=endpoint, aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
          aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"))
if len(sys.argv) > 3:
    sts = boto3.client("sts", **kw)
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{sys.argv[3]}:role/seed", RoleSessionName="seed")["Credentials"]
    kw.update(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
ec2 = boto3.client("ec2", **kw)
rds = boto3.client("rds", **kw)
AMI = "ami-12c6146b"
FULL = [{"Key": "Environment", "Value": "dev"}, {"Key": "Owner", "Value": "dev@example.com"}, {"Key": "CostCenter", "Value": "CC-1"}]


def run(name, itype, tags, count=1):
    spec = [{"ResourceType": "instance", "Tags": tags + [{"Key": "Name", "Value": name}]}]
    r = ec2.run_instances(ImageId=AMI, MinCount=count, MaxCount=count, InstanceType=itype, TagSpecifications=spec)
    return [i["InstanceId"] for i in r["Instances"]]


ids = {}
ids["dev_ok"] = run("dev-ok", "t3.micro", FULL, count=2)
ids["dev_stopped"] = run("dev-stopped", "t3.micro", FULL)
ec2.stop_instances(InstanceIds=ids["dev_stopped"])
ids["untagged"] = run("untagged", "m5.large", [])
ids["gpu_forbidden"] = run("train", "p3.2xlarge", FULL)
ids["gpu_approved"] = run("inference", "g5.xlarge", FULL + [{"Key": "gpu-approved", "Value": "true"}])

def spot(itype, rtype):
    r = ec2.request_spot_instances(SpotPrice="10", InstanceCount=1, Type=rtype, LaunchSpecification={"ImageId": AMI, "InstanceType": itype})
    sid = r["SpotInstanceRequests"][0]["SpotInstanceRequestId"]
    desc = ec2.describe_spot_instance_requests(SpotInstanceRequestIds=[sid])["SpotInstanceRequests"][0]
    return sid, desc.get("InstanceId")

ids["gpu_spot"], ids["gpu_spot_instance"] = spot("g5.xlarge", "persistent")
ids["cpu_spot"], ids["cpu_spot_instance"] = spot("c5.large", "one-time")

rds.create_db_instance(DBInstanceIdentifier="dev-db", DBInstanceClass="db.t3.micro", Engine="postgres", MasterUsername="u",
                       MasterUserPassword="password123", AllocatedStorage=20, Tags=FULL)
rds.create_db_instance(DBInstanceIdentifier="untagged-db", DBInstanceClass="db.t3.micro", Engine="mysql", MasterUsername="u",
                       MasterUserPassword="password123", AllocatedStorage=20)
print(json.dumps(ids))
