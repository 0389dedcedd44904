#!/usr/bin/env python3
"""Writes an account snapshot in custodian's layout: DIR/<region>/describe-instances.json,
describe-db-instances.json and describe-spot-instance-requests.json, shaped exactly like the
AWS CLI's output.

  gen_snapshot.py example DIR              the example account (stories the shipped policies find)
  gen_snapshot.py bench DIR EC2 RDS SPOT   a large, deterministic account for benchmarks
"""
import json
import random
import sys
from datetime import datetime, timedelta, timezone

RECORDED = datetime(2026, 11, 23, 15, 0, 0, tzinfo=timezone.utc)  # a Monday, 15:00 UTC
ACCOUNT = "123456789012"


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def iso_ms(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def tags(d):
    return [{"Key": k, "Value": v} for k, v in d.items()]


STATE_CODES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}


def instance(rng, iid, region, itype, state, launched, tagmap, spot_request=None, az_suffix="a"):
    az = region + az_suffix
    ip = "10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
    vol = "vol-%017x" % rng.getrandbits(68)
    eni = "eni-%017x" % rng.getrandbits(68)
    reason = ""
    if state == "stopped":
        reason = "User initiated (%s GMT)" % (launched + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    elif state == "terminated":
        reason = "User initiated (%s GMT)" % (RECORDED - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S")
    doc = {
        "AmiLaunchIndex": 0,
        "ImageId": "ami-0%016x" % rng.getrandbits(64),
        "InstanceId": iid,
        "InstanceType": itype,
        "KeyName": "ops-%s" % region,
        "LaunchTime": iso(launched),
        "Monitoring": {"State": "disabled"},
        "Placement": {"AvailabilityZone": az, "GroupName": "", "Tenancy": "default"},
        "PrivateDnsName": "ip-%s.ec2.internal" % ip.replace(".", "-"),
        "PrivateIpAddress": ip,
        "ProductCodes": [],
        "PublicDnsName": "",
        "State": {"Code": STATE_CODES[state], "Name": state},
        "StateTransitionReason": reason,
        "SubnetId": "subnet-0%s" % ("1111111111111111" if az.endswith("a") else "2222222222222222"),
        "VpcId": "vpc-0a1b2c3d4e5f60718",
        "Architecture": "x86_64",
        "BlockDeviceMappings": [] if state == "terminated" else [
            {"DeviceName": "/dev/xvda", "Ebs": {"AttachTime": iso(launched + timedelta(seconds=2)), "DeleteOnTermination": True, "Status": "attached", "VolumeId": vol}}
        ],
        "ClientToken": "",
        "EbsOptimized": itype.startswith(("m5", "c5", "r5", "p", "g")),
        "EnaSupport": True,
        "Hypervisor": "xen",
        "NetworkInterfaces": [] if state == "terminated" else [{
            "Attachment": {"AttachTime": iso(launched), "AttachmentId": "eni-attach-0%016x" % rng.getrandbits(64), "DeleteOnTermination": True, "DeviceIndex": 0, "Status": "attached", "NetworkCardIndex": 0},
            "Description": "", "Groups": [{"GroupName": "default", "GroupId": "sg-0123456789abcdef0"}], "Ipv6Addresses": [],
            "MacAddress": "0e:%02x:%02x:%02x:%02x:%02x" % tuple(rng.randint(0, 255) for _ in range(5)),
            "NetworkInterfaceId": eni, "OwnerId": ACCOUNT, "PrivateIpAddress": ip,
            "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}], "SourceDestCheck": True, "Status": "in-use",
            "SubnetId": "subnet-0123456789abcdef0", "VpcId": "vpc-0a1b2c3d4e5f60718", "InterfaceType": "interface"}],
        "RootDeviceName": "/dev/xvda",
        "RootDeviceType": "ebs",
        "SecurityGroups": [{"GroupName": "default", "GroupId": "sg-0123456789abcdef0"}],
        "SourceDestCheck": True,
        "VirtualizationType": "hvm",
        "CpuOptions": {"CoreCount": 1, "ThreadsPerCore": 2},
        "CapacityReservationSpecification": {"CapacityReservationPreference": "open"},
        "HibernationOptions": {"Configured": False},
        "MetadataOptions": {"State": "applied", "HttpTokens": "required", "HttpPutResponseHopLimit": 2, "HttpEndpoint": "enabled", "HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled"},
        "EnclaveOptions": {"Enabled": False},
        "PlatformDetails": "Linux/UNIX",
        "UsageOperation": "RunInstances",
        "UsageOperationUpdateTime": iso(launched),
        "PrivateDnsNameOptions": {"HostnameType": "ip-name", "EnableResourceNameDnsARecord": False, "EnableResourceNameDnsAAAARecord": False},
        "MaintenanceOptions": {"AutoRecovery": "default"},
        "CurrentInstanceBootMode": "legacy-bios",
    }
    if tagmap:
        doc["Tags"] = tags(tagmap)
    if spot_request:
        doc["InstanceLifecycle"] = "spot"
        doc["SpotInstanceRequestId"] = spot_request
    return doc


def reservation(rng, instances):
    return {"Groups": [], "Instances": instances, "OwnerId": ACCOUNT, "ReservationId": "r-0%016x" % rng.getrandbits(64)}


def db(rng, ident, region, engine, version, cls, status, created, tagmap, cluster=None, multi_az=False):
    arn = "arn:aws:rds:%s:%s:db:%s" % (region, ACCOUNT, ident)
    doc = {
        "DBInstanceIdentifier": ident,
        "DBInstanceClass": cls,
        "Engine": engine,
        "DBInstanceStatus": status,
        "MasterUsername": "admin",
        "DBName": ident.replace("-", "_")[:16] if not cluster else None,
        "Endpoint": {"Address": "%s.c0ffee.%s.rds.amazonaws.com" % (ident, region), "Port": 5432 if "postgres" in engine else 3306, "HostedZoneId": "Z2R2ITUGPM61AM"},
        "AllocatedStorage": 100 if not cluster else 1,
        "InstanceCreateTime": iso_ms(created),
        "PreferredBackupWindow": "03:00-04:00",
        "BackupRetentionPeriod": 7,
        "DBSecurityGroups": [],
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0123456789abcdef0", "Status": "active"}],
        "DBParameterGroups": [{"DBParameterGroupName": "default.%s" % engine, "ParameterApplyStatus": "in-sync"}],
        "AvailabilityZone": region + "a",
        "PreferredMaintenanceWindow": "sun:05:00-sun:06:00",
        "PendingModifiedValues": {},
        "MultiAZ": multi_az,
        "EngineVersion": version,
        "AutoMinorVersionUpgrade": True,
        "ReadReplicaDBInstanceIdentifiers": [],
        "LicenseModel": "postgresql-license" if "postgres" in engine else "general-public-license",
        "OptionGroupMemberships": [{"OptionGroupName": "default:%s" % engine, "Status": "in-sync"}],
        "PubliclyAccessible": False,
        "StorageType": "gp3",
        "DbInstancePort": 0,
        "StorageEncrypted": True,
        "DbiResourceId": "db-%026X" % rng.getrandbits(128),
        "CACertificateIdentifier": "rds-ca-rsa2048-g1",
        "DomainMemberships": [],
        "CopyTagsToSnapshot": True,
        "MonitoringInterval": 0,
        "DBInstanceArn": arn,
        "IAMDatabaseAuthenticationEnabled": False,
        "PerformanceInsightsEnabled": False,
        "DeletionProtection": False,
        "AssociatedRoles": [],
        "TagList": tags(tagmap),
        "CustomerOwnedIpEnabled": False,
        "BackupTarget": "region",
        "NetworkType": "IPV4",
        "StorageThroughput": 125,
        "DedicatedLogVolume": False,
        "EngineLifecycleSupport": "open-source-rds-extended-support",
    }
    if cluster:
        doc["DBClusterIdentifier"] = cluster
    return doc


def spot(rng, sid, region, itype, state, created, tagmap, instance_id=None, rtype="one-time", code=None):
    codes = {"open": ("pending-fulfillment", "Your Spot request is pending evaluation."),
             "active": ("fulfilled", "Your spot request is fulfilled."),
             "cancelled": ("request-canceled-and-instance-running", "Spot request was cancelled, but the instance remains running."),
             "closed": ("instance-terminated-by-user", "Spot Instance terminated due to user-initiated termination.")}
    status_code, message = codes[state]
    if code:
        status_code, message = code, "There is no Spot capacity available that matches your request."
    doc = {
        "CreateTime": iso(created),
        "InstanceInterruptionBehavior": "terminate",
        "LaunchSpecification": {
            "SecurityGroups": [{"GroupName": "default", "GroupId": "sg-0123456789abcdef0"}],
            "ImageId": "ami-0%016x" % rng.getrandbits(64),
            "InstanceType": itype,
            "KeyName": "ml-team",
            "Placement": {"AvailabilityZone": region + "b", "Tenancy": "default"},
            "Monitoring": {"Enabled": False},
            "SubnetId": "subnet-0123456789abcdef0",
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"DeleteOnTermination": True, "VolumeSize": 500, "VolumeType": "gp3"}}],
        },
        "ProductDescription": "Linux/UNIX",
        "SpotInstanceRequestId": sid,
        "SpotPrice": "40.000000",
        "State": state,
        "Status": {"Code": status_code, "Message": message, "UpdateTime": iso(created + timedelta(minutes=3))},
        "Type": rtype,
        "ValidUntil": iso(created + timedelta(days=7)),
    }
    if tagmap:
        doc["Tags"] = tags(tagmap)
    if instance_id:
        doc["InstanceId"] = instance_id
        doc["LaunchedAvailabilityZone"] = region + "b"
    return doc


def full(env, owner, cc, name):
    return {"Name": name, "Environment": env, "Owner": owner, "CostCenter": cc}


def example(out):
    rng = random.Random(2026)
    ago = lambda **kw: RECORDED - timedelta(**kw)
    regions = {}

    # us-east-1: production web fleet, dev boxes, tag gaps, GPUs, and the forgotten spot request.
    r = "us-east-1"
    ec2 = []
    for n in range(8):
        ec2.append([instance(rng, "i-0aa%014d" % n, r, "m5.large", "running", ago(days=120 + n), full("prod", "web-team@example.com", "CC-1001", "web-%02d" % n))])
    # Dev boxes and their off-hours schedule tags (maid_offhours): none (the policy's defaults),
    # a Pacific schedule of their own, stopped overnight (started at 07:00), opted out.
    dev = [("i-0de0000000000001", "t3.medium", "running", None), ("i-0de0000000000002", "t3.medium", "running", "off=(M-F,20);on=(M-F,8);tz=pt"),
           ("i-0de0000000000003", "t3.large", "stopped", None), ("i-0de0000000000004", "t3.small", "running", "off")]
    for iid, t, s, sched in dev:
        tags_ = full("dev", "dev-team@example.com", "CC-2002", "dev-" + iid[-2:])
        if sched is not None:
            tags_["maid_offhours"] = sched
        ec2.append([instance(rng, iid, r, t, s, ago(days=30), tags_)])
    # Tag gaps: missing Owner, missing CostCenter, nothing at all, stopped without tags.
    # A stray space after ';': Cloud Custodian silently ignores its 'on'; custodian's lint reports it.
    ec2.append([instance(rng, "i-0bad000000000001", r, "t3.micro", "running", ago(days=12), {"Name": "scratch", "Environment": "dev", "CostCenter": "CC-2002", "maid_offhours": "off=(M-F,19); on=(M-F,7)"})])
    ec2.append([instance(rng, "i-0bad000000000002", r, "c5.xlarge", "running", ago(days=3), {"Name": "batch-1", "Environment": "staging", "Owner": "data@example.com"})])
    ec2.append([instance(rng, "i-0bad000000000003", r, "m5.2xlarge", "running", ago(hours=20), None)])
    ec2.append([instance(rng, "i-0bad000000000004", r, "t3.micro", "stopped", ago(days=60), {"Name": "old-test"})])
    # Marked four days ago and still missing tags: the enforce policy stops it.
    ec2.append([instance(rng, "i-0bad000000000005", r, "m5.large", "running", ago(days=9), {"Name": "legacy", "maid_status": "Resource does not meet policy: stop@2026/11/21"})])
    # Marked last week, then tagged properly by its owner: the unmark policy cleans the mark up.
    ec2.append([instance(rng, "i-0fixed0000000001", r, "t3.large", "running", ago(days=14), dict(full("dev", "qa@example.com", "CC-2002", "qa-box"), maid_status="Missing required tags (Environment, CostCenter, Owner): stop@2026/11/19"))])
    # Terminated an hour ago: AWS still lists it; state filters keep it out.
    ec2.append([instance(rng, "i-0dead00000000001", r, "t3.micro", "terminated", ago(days=2), None)])
    # GPUs: on-demand p3 without approval (forbidden), approved g5, and the spot g5 launched by the active request.
    # An unparsable schedule (no day 'x'): recorded in parse_errors.json, never matched.
    ec2.append([instance(rng, "i-0gpu000000000001", r, "p3.2xlarge", "running", ago(hours=30), {"Name": "train-exp", "Environment": "dev", "Owner": "ml@example.com", "CostCenter": "CC-3003", "maid_offhours": "off=(x,19)"})])
    ec2.append([instance(rng, "i-0gpu000000000002", r, "g5.xlarge", "running", ago(days=10), {"Name": "inference", "Environment": "prod", "Owner": "ml@example.com", "CostCenter": "CC-3003", "gpu-approved": "true"})])
    ec2.append([instance(rng, "i-0gpu000000000003", r, "p4d.24xlarge", "running", ago(hours=40), {"Name": "big-train", "Environment": "dev", "Owner": "ml@example.com", "CostCenter": "CC-3003"}, spot_request="sir-0active0000001", az_suffix="b")])
    rds = [
        db(rng, "orders-prod", r, "postgres", "16.4", "db.r6g.large", "available", ago(days=400), full("prod", "orders@example.com", "CC-1001", "orders-prod"), multi_az=True),
        db(rng, "reporting-dev", r, "mysql", "8.0.39", "db.t3.medium", "available", ago(days=45), {"Name": "reporting-dev", "Environment": "dev", "Owner": "bi@example.com"}),
        db(rng, "analytics-aurora-1", r, "aurora-postgresql", "16.4", "db.r6g.xlarge", "available", ago(days=200), {"Environment": "prod", "CostCenter": "CC-4004"}, cluster="analytics-aurora"),
        db(rng, "sandbox-db", r, "postgres", "15.8", "db.t3.micro", "stopped", ago(days=20), {}),
        # A dev database on the off-hours schedule, stopped overnight.
        db(rng, "qa-db", r, "mysql", "8.0.39", "db.t3.medium", "stopped", ago(days=60), full("dev", "qa@example.com", "CC-2002", "qa-db")),
        # Marked four days ago, still untagged, running: the enforce policy stops it.
        db(rng, "tmp-migration", r, "postgres", "16.4", "db.m6g.large", "available", ago(days=10), {"Name": "tmp-migration", "maid_status": "Missing required tags (Environment, CostCenter, Owner): stop@2026/11/22"}),
    ]
    spots = [
        # The forgotten one: open for three days, waiting for capacity, no owner. Fulfilled tomorrow at $30/hour.
        spot(rng, "sir-0forgotten00001", r, "p4d.24xlarge", "open", ago(days=3), {"Name": "try-p4d"}, code="capacity-not-available"),
        # Persistent and fulfilled: cancel first, then terminate i-0gpu000000000003.
        spot(rng, "sir-0active0000001", r, "p4d.24xlarge", "active", ago(hours=40), {"Name": "big-train"}, instance_id="i-0gpu000000000003", rtype="persistent"),
        # Fresh (one hour): not yet "forgotten".
        spot(rng, "sir-0fresh00000001", r, "g5.2xlarge", "open", ago(hours=1), {"Name": "quick-test"}),
        # Approved GPU request.
        spot(rng, "sir-0approved00001", r, "g6.xlarge", "open", ago(days=2), {"Name": "approved", "gpu-approved": "true"}),
        # CPU request and an old cancelled GPU request: not GPU / already done.
        spot(rng, "sir-0cpu0000000001", r, "c5.large", "open", ago(days=5), {"Name": "cpu-batch"}),
        spot(rng, "sir-0cancelled0001", r, "p3.8xlarge", "cancelled", ago(days=9), {"Name": "old"}, instance_id="i-0gone00000000001"),
    ]
    regions[r] = (ec2, rds, spots)

    # eu-west-1: a smaller footprint with its own gaps.
    r = "eu-west-1"
    ec2 = []
    for n in range(5):
        ec2.append([instance(rng, "i-0eu%014d" % n, r, "m6i.large", "running", ago(days=90 + n), full("prod", "eu-web@example.com", "CC-5005", "eu-web-%02d" % n))])
    ec2.append([instance(rng, "i-0eu0dev000000001", r, "t3.medium", "running", ago(days=15), dict(full("dev", "eu-dev@example.com", "CC-5005", "eu-dev-1"), maid_offhours="tz=Europe/Dublin"))])
    ec2.append([instance(rng, "i-0eubad0000000001", r, "t3.large", "running", ago(days=6), {"Name": "eu-temp", "Environment": "dev"})])
    ec2.append([instance(rng, "i-0eugpu0000000001", r, "g4dn.xlarge", "running", ago(days=4), {"Name": "eu-cv", "Environment": "dev", "Owner": "cv@example.com", "CostCenter": "CC-5005"})])
    ec2.append([instance(rng, "i-0eugpu0000000002", r, "g4dn.xlarge", "stopped", ago(days=50), {"Name": "eu-cv-old", "Environment": "dev", "Owner": "cv@example.com", "CostCenter": "CC-5005"})])
    rds = [
        db(rng, "eu-customers", r, "postgres", "16.4", "db.m6g.large", "available", ago(days=300), full("prod", "eu-web@example.com", "CC-5005", "eu-customers")),
        db(rng, "eu-legacy", r, "mariadb", "10.11.9", "db.t3.small", "available", ago(days=700), {"Name": "eu-legacy"}),
    ]
    spots = [spot(rng, "sir-0eu00000000001", r, "g6.12xlarge", "open", ago(hours=9), None)]
    regions[r] = (ec2, rds, spots)
    write(out, regions, rng)


def bench(out, n_ec2, n_rds, n_spot):
    rng = random.Random(7)
    types = ["t3.micro", "t3.medium", "m5.large", "m5.2xlarge", "c5.xlarge", "r5.large"]
    gpus = ["p3.2xlarge", "g5.xlarge", "g4dn.xlarge"]
    # GPUs are rare, as in real accounts: about 1 instance in 2,000 and 1 spot request in 20.
    pick = lambda gpu_share: rng.choice(gpus) if rng.random() < gpu_share else rng.choice(types)
    states = ["running"] * 6 + ["stopped"] * 3 + ["terminated"]
    envs = ["prod", "dev", "staging"]
    regions = {}
    names = ["us-east-1", "eu-west-1"]
    for ri, r in enumerate(names):
        ec2, res = [], []
        share = n_ec2 // len(names) + (1 if ri < n_ec2 % len(names) else 0)
        for i in range(share):
            t = {"Name": "node-%d" % i, "Environment": rng.choice(envs)}
            if rng.random() < 0.85:
                t["Owner"] = "team%d@example.com" % rng.randint(1, 40)
            if rng.random() < 0.85:
                t["CostCenter"] = "CC-%04d" % rng.randint(1000, 1100)
            res.append(instance(rng, "i-%d%016x" % (ri, i), r, pick(0.0005), rng.choice(states), RECORDED - timedelta(hours=rng.randint(1, 5000)), t))
            if len(res) == rng.randint(1, 4) or len(res) >= 4:
                ec2.append(res)
                res = []
        if res:
            ec2.append(res)
        rds = []
        for i in range(n_rds // len(names)):
            t = {"Environment": rng.choice(envs)}
            if rng.random() < 0.8:
                t["Owner"] = "db%d@example.com" % rng.randint(1, 20)
            rds.append(db(rng, "db-%d-%05d" % (ri, i), r, rng.choice(["postgres", "mysql", "aurora-postgresql"]), "16.4", "db.t3.medium", rng.choice(["available", "available", "stopped"]), RECORDED - timedelta(days=rng.randint(1, 900)), t))
        spots = []
        for i in range(n_spot // len(names)):
            st = rng.choice(["open", "active", "cancelled", "closed"])
            spots.append(spot(rng, "sir-%d%016x" % (ri, i), r, pick(0.05), st, RECORDED - timedelta(hours=rng.randint(1, 200)), {"Name": "s%d" % i}, instance_id=("i-9%015x" % i) if st == "active" else None))
        regions[r] = (ec2, rds, spots)
    write(out, regions, rng)


def write(out, regions, rng):
    import os
    for r, (ec2, rds, spots) in regions.items():
        d = os.path.join(out, r)
        os.makedirs(d, exist_ok=True)
        dump(os.path.join(d, "describe-instances.json"), {"Reservations": [reservation(rng, group) for group in ec2]})
        dump(os.path.join(d, "describe-db-instances.json"), {"DBInstances": rds})
        dump(os.path.join(d, "describe-spot-instance-requests.json"), {"SpotInstanceRequests": spots})


def dump(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=4)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "example":
        example(sys.argv[2])
    elif len(sys.argv) == 6 and sys.argv[1] == "bench":
        bench(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(__doc__)
