#!/usr/bin/env python3
"""moto with IAM enforced, for the tests that prove a generated role is sufficient.

  iam.py ENDPOINT admin                 an administrator user (while moto does not yet enforce
                                        IAM), then IAM enforced from the next request on;
                                        prints {"key", "secret"}
  iam.py ENDPOINT role NAME POLICIES    (as the administrator: AWS_ACCESS_KEY_ID and
                                        AWS_SECRET_ACCESS_KEY) a role with exactly the inline
                                        policies of POLICIES (a JSON list of {"PolicyName",
                                        "PolicyDocument"}), assumed; prints {"key", "secret",
                                        "token", "arn"}
  iam.py ENDPOINT bucket NAME REGION    (as the administrator) the bucket NAME in REGION
  iam.py ENDPOINT member ACCOUNT NAME POLICIES
                                        (before IAM is enforced) the role NAME in the member
                                        account ACCOUNT with exactly POLICIES

Loopback only; fake credentials only.
"""
import json
import os
import sys
import urllib.request

import boto3

endpoint, what = sys.argv[1], sys.argv[2]
assert endpoint.startswith("http://127.0.0.1:"), "loopback only"

if what == "member":
    account, name, policies = sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
    kw = dict(region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
    c = boto3.client("sts", **kw).assume_role(RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed")["Credentials"]
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=c["AccessKeyId"],
                       aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    for p in policies:
        iam.put_role_policy(RoleName=name, PolicyName=p["PolicyName"], PolicyDocument=json.dumps(p["PolicyDocument"]))
    print(json.dumps({"arn": arn}))
elif what == "admin":
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    iam.create_user(UserName="admin")
    iam.put_user_policy(UserName="admin", PolicyName="everything", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    # From now on every request is authenticated and authorised.
    # (Not form-encoded: moto reads the count from the raw body.)
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                                  headers={"Content-Type": "text/plain"}))
    print(json.dumps({"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))
elif what == "role":
    name, policies = sys.argv[3], json.loads(sys.argv[4])
    kw = dict(region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
              aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
    iam = boto3.client("iam", **kw)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/admin"}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    for p in policies:
        iam.put_role_policy(RoleName=name, PolicyName=p["PolicyName"], PolicyDocument=json.dumps(p["PolicyDocument"]))
    c = boto3.client("sts", **kw).assume_role(RoleArn=arn, RoleSessionName=name)["Credentials"]
    print(json.dumps({"key": c["AccessKeyId"], "secret": c["SecretAccessKey"], "token": c["SessionToken"], "arn": arn}))
elif what == "bucket":
    name, region = sys.argv[3], sys.argv[4]
    s3 = boto3.client("s3", region_name=region, endpoint_url=endpoint, aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                      aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    print(json.dumps({"bucket": name}))
else:
    sys.exit(f"unknown command {what}")
