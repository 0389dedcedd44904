#!/usr/bin/env python3
"""Termination protection of instances, for tests.

  protection.py ENDPOINT REGION ACCOUNT_ID set ID...   turn it on for these instances
  protection.py ENDPOINT REGION ACCOUNT_ID get ID...   {id: true|false}

In ACCOUNT_ID (moto keeps accounts apart; its credentials come from AssumeRole).
"""
import json
import sys

import boto3

endpoint, region, account, what, ids = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
assert endpoint.startswith("http://127.0.0.1:"), "loopback only"
kw = dict(region_name=region, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
c = boto3.client("sts", **kw).assume_role(RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed")["Credentials"]
kw.update(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
ec2 = boto3.client("ec2", **kw)
out = {}
for i in ids:
    if what == "set":
        ec2.modify_instance_attribute(InstanceId=i, DisableApiTermination={"Value": True})
    out[i] = ec2.describe_instance_attribute(InstanceId=i, Attribute="disableApiTermination")["DisableApiTermination"]["Value"]
print(json.dumps(out))
