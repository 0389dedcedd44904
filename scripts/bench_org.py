#!/usr/bin/env python3
"""Benchmark (not a test): `custodian org run --dryrun` over simulated account-regions on moto.

Seeds ACCOUNTS member accounts x 2 regions in one moto (moto keeps accounts apart; each
account's credentials come from AssumeRole), a small estate each (4 EC2 instances, one of
them an unapproved GPU, 1 RDS instance), then times the shipped scheduled EC2/RDS policies
(those Cloud Custodian also has) as a dry run at
--concurrency 1, 8 and 32, with the API calls per account-region from org-summary.json.
With c7n-org installed from PyPI (into $CARGO_TARGET_DIR/../c7n-venv, or C7N_VENV), runs it
on the same accounts file and policies (C7N_ORG_PARALLEL workers) and compares.

  scripts/bench_org.py [ACCOUNTS]      (default 100, i.e. 200 account-regions)
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_filter_calls import binary  # noqa: E402
from bench_moto import PY, ROOT, start_moto  # noqa: E402

REGIONS = ["us-east-1", "eu-west-1"]
SEED = """
import boto3, sys
endpoint, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
base = dict(endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
sts = boto3.client("sts", region_name="us-east-1", **base)
FULL = [{"Key": "Environment", "Value": "dev"}, {"Key": "Owner", "Value": "o@example.com"}, {"Key": "CostCenter", "Value": "CC-1"}]
for n in range(first, first + count):
    account = "%012d" % n
    c = sts.assume_role(RoleArn="arn:aws:iam::%s:role/seed" % account, RoleSessionName="seed")["Credentials"]
    kw = dict(base, aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
    for region in REGIONS_HERE:
        ec2 = boto3.client("ec2", region_name=region, **kw)
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=2, MaxCount=2, InstanceType="t3.micro",
                          TagSpecifications=[{"ResourceType": "instance", "Tags": FULL}])
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="m5.large")
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="p3.2xlarge",
                          TagSpecifications=[{"ResourceType": "instance", "Tags": FULL}])
        boto3.client("rds", region_name=region, **kw).create_db_instance(
            DBInstanceIdentifier="db-1", DBInstanceClass="db.t3.micro", Engine="postgres", MasterUsername="u",
            MasterUserPassword="password123", AllocatedStorage=20)
""".replace("REGIONS_HERE", repr(REGIONS))
FIRST_ACCOUNT = 300000000001


def main():
    accounts = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    exe = binary()
    moto, endpoint = start_moto()
    work = tempfile.mkdtemp(prefix="bench-org-")
    try:
        t = time.time()
        # Seed in 4 processes (moto serves them concurrently).
        per = (accounts + 3) // 4
        procs = [subprocess.Popen([PY, "-c", SEED, endpoint, str(FIRST_ACCOUNT + i * per), str(min(per, accounts - i * per))])
                 for i in range(4) if accounts - i * per > 0]
        for p in procs:
            if p.wait() != 0:
                sys.exit("seeding failed")
        jobs = accounts * len(REGIONS)
        print("seeded %d accounts x %d regions (%d account-regions, 5 resources each) in %.1f s" % (accounts, len(REGIONS), jobs, time.time() - t))
        accounts_file = os.path.join(work, "accounts.yml")
        with open(accounts_file, "w") as f:
            f.write("accounts:\n")
            for n in range(FIRST_ACCOUNT, FIRST_ACCOUNT + accounts):
                f.write("  - name: a%d\n    account_id: '%012d'\n    role: custodian\n    regions: %s\n" % (n, n, json.dumps(REGIONS)))
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true",
                   AWS_DEFAULT_REGION="us-east-1")
        env.pop("AWS_PROFILE", None)
        print("\n%-34s %9s %10s %14s %12s" % ("run", "wall s", "jobs/s", "calls/acct-rgn", "matched"))
        policies = write_policies(work)
        results = {}
        for concurrency in (1, 8, 32):
            out = os.path.join(work, "out-%d" % concurrency)
            t = time.time()
            r = subprocess.run([exe, "org", "run", "-c", accounts_file, "--dryrun", "--concurrency", str(concurrency), "--rate", "0",
                                "--now", "2026-11-23T15:00:00Z", "-s", out, policies],
                               env=env, capture_output=True, text=True)
            wall = time.time() - t
            if r.returncode != 0:
                sys.exit("custodian org run failed (%d):\n%s" % (r.returncode, r.stderr[-2000:]))
            s = json.load(open(os.path.join(out, "org-summary.json")))["totals"]
            # Fetch and action calls the engine counts, plus AssumeRole and GetCallerIdentity once per account.
            per_job = (s["api_calls"] + 2 * accounts) / s["jobs"]
            results[concurrency] = (wall, s["matched"])
            print("%-34s %9.2f %10.1f %14.2f %12d" % ("custodian --concurrency %d" % concurrency, wall, s["jobs"] / wall, per_job, s["matched"]))
        c7n(work, accounts_file, policies, env, jobs, results)
    finally:
        moto.terminate()


def write_policies(work):
    """The shipped policies both tools run, in one file (c7n-org takes one -u): those on a
    schedule, without the spot request ones (aws.ec2-spot-request is custodian's own kind)."""
    policies = os.path.join(work, "policies.yml")
    with open(policies, "w") as f:
        subprocess.run([PY, "-c", """
import sys, yaml, glob
out = {"policies": []}
for p in sorted(glob.glob(sys.argv[1] + "/*.yml")):
    d = yaml.safe_load(open(p))
    out["policies"] += [x for x in d["policies"] if x.get("mode", {}).get("type") == "periodic" and "spot" not in x["resource"]]
print(yaml.safe_dump(out))
""", os.path.join(ROOT, "policies")], stdout=f, check=True)
    return policies


def c7n(work, accounts_file, policies, env, jobs, results):
    venv = os.environ.get("C7N_VENV", os.path.join(os.path.dirname(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/custodian/target"))), "c7n-venv"))
    exe = os.path.join(venv, "bin", "c7n-org")
    if not os.path.exists(exe):
        print("\nc7n-org: not installed (python3 -m venv %s && %s/bin/pip install c7n-org)" % (venv, venv))
        return
    for workers in (1, 8, 32):
        out = os.path.join(work, "c7n-%d" % workers)
        t = time.time()
        r = subprocess.run([exe, "run", "-c", accounts_file, "-u", policies, "-s", out, "--dryrun"],
                           env=dict(env, C7N_ORG_PARALLEL=str(workers)), capture_output=True, text=True)
        wall = time.time() - t
        note = "" if r.returncode == 0 else " (exit %d: %s)" % (r.returncode, r.stderr.strip().splitlines()[-1][:80] if r.stderr.strip() else "")
        matched = 0
        for dirpath, _, files in os.walk(out):
            if "resources.json" in files:
                matched += len(json.load(open(os.path.join(dirpath, "resources.json"))))
        ours, our_matched = results.get(workers, (0, 0))
        same = "same matches" if matched == our_matched else "MATCHES DIFFER"
        print("%-34s %9.2f %10.1f %14s %12d  custodian %.1fx faster, %s%s" % ("c7n-org C7N_ORG_PARALLEL=%d" % workers, wall, jobs / wall, "-", matched, wall / ours if ours else 0, same, note))


if __name__ == "__main__":
    main()
