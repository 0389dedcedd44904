#!/usr/bin/env python3
"""Prints an S3 object's JSON body, or null when it does not exist.

  s3_object.py ENDPOINT BUCKET KEY
"""
import json
import os
import sys

import boto3

endpoint, bucket, key = sys.argv[1], sys.argv[2], sys.argv[3]
assert endpoint.startswith("http://127.0.0.1:"), "loopback only"
s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint,
                  aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
                  aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"))
try:
    print(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())
except s3.exceptions.NoSuchKey:
    print("null")
