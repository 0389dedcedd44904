#!/usr/bin/env python3
"""Prints the manual DB snapshot of one (deleted) instance: its id and tags; with `create`,
takes one first.

  rds_snapshot.py ENDPOINT REGION DB_INSTANCE_IDENTIFIER [create]
"""
import json
import sys

import boto3

endpoint, region, db = sys.argv[1], sys.argv[2], sys.argv[3]
kw = dict(region_name=region, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
rds = boto3.client("rds", **kw)
if sys.argv[4:] == ["create"]:
    rds.create_db_snapshot(DBInstanceIdentifier=db, DBSnapshotIdentifier=f"{db}-manual")
snaps = [s for s in rds.describe_db_snapshots(DBInstanceIdentifier=db)["DBSnapshots"] if s["SnapshotType"] == "manual"]
snap = snaps[0] if snaps else {}
tags = {t["Key"]: t["Value"] for t in snap.get("TagList", [])}
print(json.dumps({"id": snap.get("DBSnapshotIdentifier"), "tags": tags}))
