#!/usr/bin/env python3
"""Benchmark (not a test): custodian against moto with 1,000 and 5,000 EC2 instances.

For each size: seeds a fresh region, then measures
  - moto's floor: the time moto takes to answer just the describe pages (raw HTTP, no SDK);
  - `custodian run --dryrun` of the shipped policies (release build): wall time, peak RSS, API calls.
  - the same run with every describe page one reservation (500 instances), through the test
    proxy: the peak RSS beyond the largest page, per instance, is the slope between sizes.
Prints the figures and the ratio to the floor.

  scripts/bench_moto.py [SIZE...]      (default 1000 5000)
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/custodian/target"))
VENV = os.environ.get("CUSTODIAN_VENV", os.path.join(ROOT, ".venv"))
PY = os.path.join(VENV, "bin", "python")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def start_moto():
    """Starts moto on a free 127.0.0.1 port; returns (process, endpoint)."""
    endpoint = "http://127.0.0.1:%d" % free_port()
    moto = subprocess.Popen([os.path.join(VENV, "bin", "moto_server"), "-H", "127.0.0.1", "-p", endpoint.rsplit(":", 1)[1]],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/")
            break
        except OSError:
            time.sleep(0.1)
    return moto, endpoint


def seed_instances(endpoint, region, size):
    """Launches `size` instances in batches of 500: four types, every other batch tagged dev."""
    seed = ("import boto3,sys\n"
            "c=boto3.client('ec2',region_name='%s',endpoint_url='%s',aws_access_key_id='t',aws_secret_access_key='t')\n"
            "left=%d\n"
            "types=['t3.micro','m5.large','c5.xlarge','p3.2xlarge']\n"
            "n=0\n"
            "while left>0:\n"
            "  k=min(500,left); left-=k; n+=1\n"
            "  tags=[{'Key':'Environment','Value':'dev'}] if n%%2 else []\n"
            "  spec=[{'ResourceType':'instance','Tags':tags}] if tags else []\n"
            "  c.run_instances(ImageId='ami-12c6146b',MinCount=k,MaxCount=k,InstanceType=types[n%%4],TagSpecifications=spec)\n") % (region, endpoint, size)
    subprocess.run([PY, "-c", seed], check=True)


def raw_describe(endpoint, region, service, action, version, page_key, token_key, extra):
    """Fetches every page of one describe call over plain HTTP; returns the number of pages."""
    pages, token = 0, None
    while True:
        body = "Action=%s&Version=%s&%s" % (action, version, extra)
        if token:
            body += "&%s=%s" % (token_key, urllib.parse.quote(token))
        req = urllib.request.Request(endpoint + "/", data=body.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/%s/%s/aws4_request, SignedHeaders=host, Signature=x" % (region, service),
        })
        text = urllib.request.urlopen(req).read().decode()
        pages += 1
        start = text.find("<%s>" % page_key)
        if start < 0:
            return pages
        token = text[start + len(page_key) + 2:text.find("</%s>" % page_key)]
        if not token:
            return pages


def floor(endpoint, region):
    import urllib.parse  # noqa: F401
    t = time.perf_counter()
    pages = raw_describe(endpoint, region, "ec2", "DescribeInstances", "2016-11-15", "nextToken", "NextToken", "MaxResults=1000")
    pages += raw_describe(endpoint, region, "ec2", "DescribeSpotInstanceRequests", "2016-11-15", "nextToken", "NextToken", "MaxResults=1000")
    pages += raw_describe(endpoint, region, "rds", "DescribeDBInstances", "2014-10-31", "Marker", "Marker", "MaxRecords=100")
    return time.perf_counter() - t, pages


GNU_TIME = "/usr/bin/time"


def run_measured(cmd, env=None, ok=(0, 2, 3)):
    """(wall s, client CPU s, peak RSS MiB, exit code) of one process.

    The peak RSS comes from GNU time (Debian's `time`), which starts the process from its own
    small address space: Linux keeps a process's RSS high-water mark across exec, so a process
    started straight from this script would report at least this script's own peak (the describe
    pages it read for moto's floor, say) as its own. CPU is user + system time of the process and
    its children (GNU time's own share is about a millisecond)."""
    if not os.access(GNU_TIME, os.X_OK):
        sys.exit("%s is missing: install GNU time (Debian's package `time`)" % GNU_TIME)
    with tempfile.NamedTemporaryFile(mode="r") as report:
        start = time.perf_counter()
        p = subprocess.Popen([GNU_TIME, "-f", "%M", "-o", report.name] + cmd, cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            sys.exit("failed (%d): %s\n%s" % (code, " ".join(cmd), p.stderr.read().decode()[-3000:]))
        # A failing command's report starts with "Command exited with non-zero status N".
        rss_kib = int(report.read().split()[-1])
    return wall, usage.ru_utime + usage.ru_stime, rss_kib / 1024.0, code


def measure(cmd, env):
    """(wall s, client CPU s, peak RSS MiB) of one process; exit codes 0, 2 and 3 are runs."""
    return run_measured(cmd, env)[:3]


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 5000]
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=ROOT, check=True, env=dict(os.environ, CARGO_TARGET_DIR=TARGET))
    binary = os.path.join(TARGET, "release", "custodian")
    moto, endpoint = start_moto()
    pager = subprocess.Popen([PY, os.path.join(ROOT, "tests/moto/fault_proxy.py"), endpoint,
                              json.dumps({"page_size": {"DescribeInstances": 1}})], stdout=subprocess.PIPE, text=True)
    paged_endpoint = "http://127.0.0.1:%s" % pager.stdout.readline().strip()
    paged = []
    try:
        regions = ["eu-west-2", "eu-west-3", "eu-north-1", "ap-south-1"]
        for size, region in zip(sizes, regions):
            seed_instances(endpoint, region, size)
            floors = [floor(endpoint, region) for _ in range(3)]
            f = statistics.median(x[0] for x in floors)
            env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                       AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true")
            runs = []
            out = tempfile.mkdtemp(prefix="custodian-bench-moto-")
            for i in range(3):
                runs.append(measure([binary, "run", "--dryrun", "-r", region, "-s", os.path.join(out, str(i)), "policies/"], env))
            wall = statistics.median(r[0] for r in runs)
            rss = max(r[2] for r in runs)
            stats = {}
            for p in os.listdir(os.path.join(out, "0")):
                m = json.load(open(os.path.join(out, "0", p, "metadata.json")))
                for api, n in m["api-stats"].items():
                    stats[api] = n  # shared fetches: the same count in every policy of the kind
            print("%5d instances: custodian %.2f s (peak RSS %.0f MiB), moto floor %.2f s (%d pages): ratio %.2f; describe calls %s"
                  % (size, wall, rss, f, floors[0][1], wall / f, json.dumps(stats, sort_keys=True)))
            env["AWS_ENDPOINT_URL"] = paged_endpoint
            runs = sorted(measure([binary, "run", "--dryrun", "-r", region, "-s", os.path.join(out, "paged%d" % i), "policies/"], env)[2]
                          for i in range(5))
            paged.append((size, runs[-1]))
            print("%5d instances in pages of 500: peak RSS %.1f MiB (5 runs: %s)" % (size, runs[-1], " ".join("%.1f" % r for r in runs)))
        for (a, ra), (b, rb) in zip(paged, paged[1:]):
            print("peak RSS beyond the largest page, %d -> %d instances: %.2f KiB per instance" % (a, b, (rb - ra) * 1024 / (b - a)))
    finally:
        pager.terminate()
        moto.terminate()


if __name__ == "__main__":
    main()
