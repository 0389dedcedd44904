#!/usr/bin/env python3
"""Benchmark (not a test): the Lambda function as deployed, over 1,000 EC2 instances on moto.

Unpacks `bootstrap` from the zip of scripts/build-lambda.sh (built first if missing), seeds a
moto region, and runs the function against the local Runtime API (lambda/tests/runtime_api.py)
the way Lambda does, one fresh process (cold start) per scenario:
  - dry run of every periodic policy (manual payload);
  - real run of every periodic policy (a plain EventBridge scheduled event), which acts.
Prints the zip size, init time (process start to its first request for an event; and the
function's own `init_ms`), invocation time, and peak RSS (VmHWM) after the invocation.

  scripts/bench_lambda.py [INSTANCES]      (default 1000)
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_moto import PY, ROOT, TARGET, seed_instances, start_moto  # noqa: E402

ZIP = os.path.join(TARGET, "lambda", "custodian-lambda-x86_64.zip")
RUNTIME_API = os.path.join(ROOT, "lambda", "tests", "runtime_api.py")


def vm_hwm_mib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def invoke_once(bootstrap, endpoint, region, payload):
    work = tempfile.mkdtemp(prefix="custodian-bench-lambda-")
    events, record = os.path.join(work, "events.json"), os.path.join(work, "record.jsonl")
    json.dump([{"payload": payload}], open(events, "w"))
    api = subprocess.Popen([PY, RUNTIME_API, events, record], stdout=subprocess.PIPE)
    port = int(api.stdout.readline())
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % port,
        "AWS_LAMBDA_FUNCTION_NAME": "custodian", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/custodian",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench", "AWS_REGION": region, "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true",
    }
    logs = open(os.path.join(work, "logs.jsonl"), "w")
    start = time.time()
    fn = subprocess.Popen([bootstrap], env=env, stdout=logs, stderr=subprocess.STDOUT)
    try:
        while True:
            calls = [json.loads(l) for l in open(record)] if os.path.exists(record) else []
            answers = [c for c in calls if c["kind"] != "next"]
            if answers:
                break
            if fn.poll() is not None:
                sys.exit("bootstrap exited: %s" % open(logs.name).read())
            time.sleep(0.005)
        rss = vm_hwm_mib(fn.pid)
    finally:
        fn.kill()
        fn.wait()
        api.kill()
        api.wait()
    nexts = [c["t"] for c in calls if c["kind"] == "next"]
    init_ms = next(json.loads(l)["fields"]["init_ms"] for l in open(logs.name) if '"init complete"' in l)
    answer = answers[0]
    body = answer["body"] if answer["kind"] == "response" else json.loads(answer["body"]["errorMessage"].split("; summary: ", 1)[1])
    return {
        "init_s": nexts[0] - start, "init_ms": init_ms, "invoke_s": answer["t"] - nexts[0], "rss": rss,
        "kind": answer["kind"], "matched": body["totals"]["matched"], "requests": body["totals"]["requests"],
        "failures": body["totals"]["action_failures"],
    }


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    if not os.path.exists(ZIP):
        subprocess.run([os.path.join(ROOT, "scripts", "build-lambda.sh")], check=True)
    unpacked = tempfile.mkdtemp(prefix="custodian-bench-zip-")
    zipfile.ZipFile(ZIP).extract("bootstrap", unpacked)
    bootstrap = os.path.join(unpacked, "bootstrap")
    os.chmod(bootstrap, 0o755)
    print("zip %s: %.2f MiB (bootstrap %.2f MiB)" % (ZIP, os.path.getsize(ZIP) / 2**20, os.path.getsize(bootstrap) / 2**20))
    moto, endpoint = start_moto()
    try:
        region = "eu-west-2"
        seed_instances(endpoint, region, size)
        scenarios = [
            ("dry run, all 11 policies", {"dryrun": True}),
            ("real run, all 11 policies (scheduled event)", {
                "version": "0", "id": "bench", "detail-type": "Scheduled Event", "source": "aws.events",
                "account": "123456789012", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "region": region, "resources": ["arn:aws:events:%s:123456789012:rule/bench" % region], "detail": {}}),
        ]
        for name, payload in scenarios:
            r = invoke_once(bootstrap, endpoint, region, payload)
            print("%d instances, %s: init %.0f ms to first event request (function init_ms %.1f), invocation %.2f s, "
                  "peak RSS %.1f MiB; %s, %d matched, %d API requests, %d action failures"
                  % (size, name, r["init_s"] * 1000, r["init_ms"], r["invoke_s"], r["rss"], r["kind"], r["matched"],
                     r["requests"], r["failures"]))
    finally:
        moto.terminate()


if __name__ == "__main__":
    main()
