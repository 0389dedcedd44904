#!/usr/bin/env python3
"""Records one region as the AWS CLI would (`aws ec2 describe-instances --output json`, ...):
botocore's responses without ResponseMetadata, dates in ISO 8601, into custodian's layout.

  record.py ENDPOINT REGION DIR
"""
import datetime
import json
import os
import sys

import boto3

endpoint, region, out = sys.argv[1], sys.argv[2], sys.argv[3]
kw = dict(region_name=region, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
ec2 = boto3.client("ec2", **kw)
rds = boto3.client("rds", **kw)
os.makedirs(os.path.join(out, region), exist_ok=True)


def dump(name, resp):
    resp.pop("ResponseMetadata", None)
    resp.pop("NextToken", None)
    resp.pop("Marker", None)
    with open(os.path.join(out, region, name), "w") as f:
        json.dump(resp, f, indent=4, default=lambda d: d.isoformat() if isinstance(d, datetime.datetime) else str(d))


dump("describe-instances.json", ec2.describe_instances())
dump("describe-spot-instance-requests.json", ec2.describe_spot_instance_requests())
dump("describe-db-instances.json", rds.describe_db_instances())
