#!/usr/bin/env python3
"""Benchmark (not a test): the API calls of one policy with `ebs` + `image-age` + `metrics` +
`termination-protected` over N EC2 instances in moto, next to what one call per resource and
filter would need (Cloud Custodian's `GetMetricStatistics` and `DescribeInstanceAttribute` per
instance). Two orders of the same filters: every instance reaching every filter, and a cheap
tag filter first that leaves a tenth of them.

  scripts/bench_filter_calls.py [N]      (default 1000; needs a debug or release build)
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_moto import PY, ROOT, TARGET, start_moto  # noqa: E402

REGION = "us-east-2"
FILTERS = """      - type: ebs
        key: Encrypted
        value: false
      - type: image-age
        op: ge
        days: 0
      - type: metrics
        name: CPUUtilization
        days: 4
        value: 101
        missing-value: 0
      - not:
          - termination-protected
"""


def binary():
    """The most recently built custodian (release or debug)."""
    paths = [os.path.join(TARGET, p, "custodian") for p in ("release", "debug")]
    paths = [p for p in paths if os.path.exists(p)]
    if not paths:
        sys.exit("build custodian first (cargo build --release)")
    return max(paths, key=os.path.getmtime)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    moto, endpoint = start_moto()
    try:
        seed = ("import boto3\n"
                "c=boto3.client('ec2',region_name='%s',endpoint_url='%s',aws_access_key_id='t',aws_secret_access_key='t')\n"
                "left=%d; k=0\n"
                "while left>0:\n"
                "  m=min(100,left); left-=m; k+=1\n"
                "  tags=[{'ResourceType':'instance','Tags':[{'Key':'team','Value':'gpu'}]}] if k==1 else []\n"
                "  c.run_instances(ImageId='ami-12c6146b',MinCount=m,MaxCount=m,InstanceType='t3.micro',TagSpecifications=tags)\n") % (REGION, endpoint, n)
        t = time.time()
        subprocess.run([PY, "-c", seed], check=True)
        print("seeded %d instances in %.1f s" % (n, time.time() - t))
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true")
        for label, filters in (("all reach every filter", FILTERS), ("tag filter first (100 pass)", "      - tag:team: gpu\n" + FILTERS)):
            with tempfile.TemporaryDirectory() as d:
                p = os.path.join(d, "p.yml")
                open(p, "w").write("policies:\n  - name: costly\n    resource: aws.ec2\n    filters:\n" + filters)
                t = time.time()
                subprocess.run([binary(), "run", "--dryrun", "-r", REGION, "-s", os.path.join(d, "out"), p], env=env, check=True,
                               stdout=subprocess.DEVNULL)
                took = time.time() - t
                meta = json.load(open(os.path.join(d, "out", "costly", "metadata.json")))
                stats = meta["api-stats"]
                total = sum(stats.values())
                print("%-28s %5d calls in %5.1f s: %s" % (label, total, took, json.dumps(stats, sort_keys=True)))
        print("one call per resource and filter: %d (+ the describe pages)" % (4 * n))
    finally:
        moto.kill()


if __name__ == "__main__":
    main()
