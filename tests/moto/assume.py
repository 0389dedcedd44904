#!/usr/bin/env python3
"""Prints moto credentials for ACCOUNT_ID (from its STS AssumeRole) as JSON.

  assume.py ENDPOINT ACCOUNT_ID
"""
import json
import sys

import boto3

endpoint, account = sys.argv[1], sys.argv[2]
sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/custodian", RoleSessionName="tests")["Credentials"]
print(json.dumps({k: c[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}))
