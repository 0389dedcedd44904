#!/usr/bin/env python3
"""Prints the security group ids of each network interface of one instance, as
DescribeNetworkInterfaces reports them (moto's DescribeInstances keeps the launch groups too).

  groups.py ENDPOINT REGION INSTANCE_ID
"""
import json
import sys

import boto3

endpoint, region, instance = sys.argv[1], sys.argv[2], sys.argv[3]
kw = dict(region_name=region, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
ec2 = boto3.client("ec2", **kw)
enis = ec2.describe_network_interfaces(Filters=[{"Name": "attachment.instance-id", "Values": [instance]}])["NetworkInterfaces"]
print(json.dumps({e["NetworkInterfaceId"]: sorted(g["GroupId"] for g in e["Groups"]) for e in enis}))
