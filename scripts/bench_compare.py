#!/usr/bin/env python3
"""Benchmark (not a test): Cloud Custodian and custodian side by side, in one run, on the same
moto estate and the same policies, as dry runs.

Installs Cloud Custodian (c7n, PyPI) into its own venv ($CARGO_TARGET_DIR/../c7n-venv, or
C7N_VENV) if missing; seeds one moto region per size (N EC2 instances, N/10 RDS instances, a
few spot requests); then for each tool: wall time, client CPU time (user + system of the
process), peak RSS, the API calls it sent (counted by the logging proxy of the test tooling,
tests/moto/fault_proxy.py with no faults), and moto's floor for the describe calls (raw HTTP, no
SDK). Also `validate` start-up time of both. Asserts both selected the same resources per
policy, then prints one table with the ratios.

  scripts/bench_compare.py [SIZE...]      (default 1000 5000; a release build of custodian)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_moto import PY, ROOT, TARGET, floor, measure, seed_instances, start_moto  # noqa: E402
from bench_org import write_policies  # noqa: E402

C7N_VENV = os.environ.get("C7N_VENV", os.path.join(os.path.dirname(TARGET), "c7n-venv"))
C7N = os.path.join(C7N_VENV, "bin", "custodian")
REGIONS = ["ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ca-central-1"]


def install_c7n():
    if not os.path.exists(C7N):
        subprocess.run([sys.executable, "-m", "venv", C7N_VENV], check=True)
        subprocess.run([os.path.join(C7N_VENV, "bin", "pip"), "install", "-q", "--disable-pip-version-check", "c7n"], check=True)
    out = subprocess.run([os.path.join(C7N_VENV, "bin", "pip"), "show", "c7n"], capture_output=True, text=True).stdout
    return next((l.split()[1] for l in out.splitlines() if l.startswith("Version:")), "?")


def seed_rest(endpoint, region, dbs, spots):
    code = """
import boto3, sys
kw = dict(region_name=sys.argv[2], endpoint_url=sys.argv[1], aws_access_key_id="t", aws_secret_access_key="t")
rds = boto3.client("rds", **kw)
for i in range(int(sys.argv[3])):
    tags = [{"Key": "Environment", "Value": "dev"}] if i % 2 else []
    rds.create_db_instance(DBInstanceIdentifier="db-%05d" % i, DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="u", MasterUserPassword="password123", AllocatedStorage=20, Tags=tags)
ec2 = boto3.client("ec2", **kw)
for i in range(int(sys.argv[4])):
    ec2.request_spot_instances(SpotPrice="1", InstanceCount=1, LaunchSpecification={"ImageId": "ami-12c6146b", "InstanceType": "g5.xlarge"})
"""
    subprocess.run([PY, "-c", code, endpoint, region, str(dbs), str(spots)], check=True)


def start_proxy(endpoint):
    p = subprocess.Popen([PY, os.path.join(ROOT, "tests/moto/fault_proxy.py"), endpoint, "{}"], stdout=subprocess.PIPE, text=True)
    return p, "http://127.0.0.1:%s" % p.stdout.readline().strip()


def proxy_calls(url):
    import urllib.request
    return len(json.load(urllib.request.urlopen(url + "/_log")))


def matched(out_dir):
    """{policy: sorted ids} from an output directory (one region: DIR/<policy>/resources.json)."""
    found = {}
    for p in sorted(os.listdir(out_dir)):
        f = os.path.join(out_dir, p, "resources.json")
        if os.path.exists(f):
            docs = json.load(open(f))
            found[p] = sorted(d.get("InstanceId") or d.get("DBInstanceIdentifier") or "?" for d in docs)
    return found


def c7n_compatible(path):
    """The policies without the extension this Cloud Custodian refuses (`stay-off`, with the
    `onhour` it brings into an offhour filter)."""
    import yaml
    doc = yaml.safe_load(open(path))

    def strip(v):
        if isinstance(v, dict):
            drop = {"stay-off", "onhour"} if v.get("type") == "offhour" and "stay-off" in v else set()
            return {k: strip(x) for k, x in v.items() if k not in drop}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    out = path.replace(".yml", "-c7n.yml")
    with open(out, "w") as f:
        yaml.safe_dump(strip(doc), f)
    return out


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 5000]
    version = install_c7n()
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "--bin", "custodian"], cwd=ROOT, check=True,
                   env=dict(os.environ, CARGO_TARGET_DIR=TARGET))
    ours = os.path.join(TARGET, "release", "custodian")
    work = tempfile.mkdtemp(prefix="bench-compare-")
    policies = c7n_compatible(write_policies(work))
    base_env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_CONFIG_FILE="/dev/null",
                    AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true")
    base_env.pop("AWS_PROFILE", None)
    rows = []
    v_ours = statistics.median(measure([ours, "validate", policies], base_env)[0] for _ in range(5))
    v_c7n = statistics.median(measure([C7N, "validate", policies], base_env)[0] for _ in range(5))
    moto, endpoint = start_moto()
    try:
        for size, region in zip(sizes, REGIONS):
            t = time.time()
            seed_instances(endpoint, region, size)
            seed_rest(endpoint, region, size // 10, 5)
            print("seeded %d instances, %d DB instances, 5 spot requests in %s in %.0f s" % (size, size // 10, region, time.time() - t), flush=True)
            moto_floor = statistics.median(floor(endpoint, region)[0] for _ in range(3))
            results = {}
            for tool, cmd in (
                ("custodian", lambda out: [ours, "run", "--dryrun", "-r", region, "-s", out, policies]),
                ("Cloud Custodian %s" % version, lambda out: [C7N, "run", "--dryrun", "--cache-period", "0", "-r", region, "-s", out, policies]),
            ):
                proxy, url = start_proxy(endpoint)
                env = dict(base_env, AWS_ENDPOINT_URL=url, AWS_DEFAULT_REGION=region)
                out = os.path.join(work, "%d-%s" % (size, tool.split()[0]))
                wall, cpu, rss = measure(cmd(out), env)
                calls = proxy_calls(url)
                proxy.terminate()
                results[tool] = (wall, cpu, rss, calls, matched(out))
            (a, ra), (b, rb) = results.items()
            if ra[4] != rb[4]:
                diff = {p: (ra[4].get(p), rb[4].get(p)) for p in set(ra[4]) | set(rb[4]) if ra[4].get(p) != rb[4].get(p)}
                sys.exit("the tools selected different resources: %s" % json.dumps(diff)[:2000])
            n = sum(len(v) for v in ra[4].values())
            rows.append((size, moto_floor, a, ra, b, rb, n))
    finally:
        moto.terminate()
    print("\n| instances | tool | wall s | above moto's floor s | client CPU s | peak RSS MiB | API calls | matched |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size, f, a, ra, b, rb, n in rows:
        for tool, r in ((a, ra), (b, rb)):
            print("| %d | %s | %.2f | %+.2f | %.2f | %.0f | %d | %d |" % (size, tool, r[0], r[0] - f, r[1], r[2], r[3], n))
        print("| %d | ratio (Cloud Custodian / custodian) | %.1fx | | %.1fx | %.1fx | %.1fx | same |" % (size, rb[0] / ra[0], rb[1] / ra[1], rb[2] / ra[2], rb[3] / max(ra[3], 1)))
        print("| %d | moto's floor (describe pages, raw HTTP) | %.2f | | | | | |" % (size, f))
    print("\nvalidate start-up (median of 5): custodian %.3f s, Cloud Custodian %.3f s (%.0fx)" % (v_ours, v_c7n, v_c7n / v_ours))


if __name__ == "__main__":
    main()
