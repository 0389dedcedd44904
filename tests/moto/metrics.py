#!/usr/bin/env python3
"""Puts CPUUtilization datapoints for instances of a seeded moto region: low for the first id,
high for the second, one an hour over the last three hours.

  metrics.py ENDPOINT REGION IDLE_ID BUSY_ID
"""
import datetime
import sys

import boto3

endpoint, region, idle, busy = sys.argv[1:5]
kw = dict(region_name=region, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
cw = boto3.client("cloudwatch", **kw)
now = datetime.datetime.now(datetime.timezone.utc)
for iid, values in ((idle, [1.0, 2.5, 4.0]), (busy, [70.0, 85.0, 95.0])):
    cw.put_metric_data(Namespace="AWS/EC2", MetricData=[
        {"MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": iid}],
         "Timestamp": now - datetime.timedelta(hours=h + 1), "Value": v}
        for h, v in enumerate(values)])
