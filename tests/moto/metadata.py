#!/usr/bin/env python3
"""Prints each instance's MetadataOptions in one moto region as JSON: {id: MetadataOptions}.

  metadata.py ENDPOINT REGION
"""
import json
import sys

import boto3

endpoint, region = sys.argv[1], sys.argv[2]
ec2 = boto3.client("ec2", region_name=region, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
out = {}
for r in ec2.describe_instances()["Reservations"]:
    for i in r["Instances"]:
        out[i["InstanceId"]] = i.get("MetadataOptions", {})
print(json.dumps(out))
