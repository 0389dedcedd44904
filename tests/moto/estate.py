#!/usr/bin/env python3
"""Seeds one account-region of moto with an estate for the fault and crash tests, prints the ids.

  estate.py ENDPOINT REGION ACCOUNT_ID

900 tagged t3.micro instances (nothing to do), 80 untagged m5.large (marked for stop by the
required-tags policies), 15 unapproved p3.2xlarge GPUs (tagged and stopped), 90 tagged and 10
untagged RDS instances (the untagged marked).
"""
import json
import sys

import boto3

endpoint, region, account = sys.argv[1], sys.argv[2], sys.argv[3]
kw = dict(region_name=region, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
c = boto3.client("sts", **kw).assume_role(RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed")["Credentials"]
kw.update(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
ec2 = boto3.client("ec2", **kw)
rds = boto3.client("rds", **kw)
FULL = [{"Key": "Environment", "Value": "prod"}, {"Key": "Owner", "Value": "o@example.com"}, {"Key": "CostCenter", "Value": "CC-1"}]


def run(count, itype, tags):
    ids = []
    while count > 0:
        n = min(100, count)
        spec = [{"ResourceType": "instance", "Tags": tags}] if tags else []
        r = ec2.run_instances(ImageId="ami-12c6146b", MinCount=n, MaxCount=n, InstanceType=itype, TagSpecifications=spec)
        ids += [i["InstanceId"] for i in r["Instances"]]
        count -= n
    return ids


ids = {"tagged": run(900, "t3.micro", FULL), "untagged": run(80, "m5.large", []), "gpu": run(15, "p3.2xlarge", FULL),
       "db_tagged": [], "db_untagged": []}
for i in range(100):
    name = f"db-{i:03d}"
    tagged = i < 90
    rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres", MasterUsername="u",
                           MasterUserPassword="password123", AllocatedStorage=20, Tags=FULL if tagged else [])
    ids["db_tagged" if tagged else "db_untagged"].append(name)
print(json.dumps(ids))
