#!/usr/bin/env python3
"""Prints one moto region's state as JSON: instances (state, type, tags), spot requests (state,
instance), DB instances (status, storage, public access, backup retention, deletion
protection, tags).

  state.py ENDPOINT REGION [ACCOUNT_ID]
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
tags = lambda ts: {t["Key"]: t["Value"] for t in ts or []}
out = {"instances": {}, "spot": {}, "db": {}, "snapshots": []}
for r in ec2.describe_instances()["Reservations"]:
    for i in r["Instances"]:
        out["instances"][i["InstanceId"]] = {"state": i["State"]["Name"], "type": i["InstanceType"], "tags": tags(i.get("Tags"))}
for s in ec2.describe_spot_instance_requests()["SpotInstanceRequests"]:
    out["spot"][s["SpotInstanceRequestId"]] = {"state": s["State"], "instance": s.get("InstanceId"), "tags": tags(s.get("Tags"))}
for snap in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]:
    out["snapshots"].append({"description": snap.get("Description", ""), "volume": snap.get("VolumeId"), "tags": tags(snap.get("Tags"))})
out["snapshots"].sort(key=lambda s: (s["description"], s["volume"] or ""))
for d in rds.describe_db_instances()["DBInstances"]:
    out["db"][d["DBInstanceIdentifier"]] = {"status": d["DBInstanceStatus"], "storage": d.get("AllocatedStorage"),
                                              "public": d.get("PubliclyAccessible"), "retention": d.get("BackupRetentionPeriod"),
                                              "deletion_protection": d.get("DeletionProtection"), "tags": tags(d.get("TagList"))}
print(json.dumps(out, sort_keys=True))
