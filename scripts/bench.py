#!/usr/bin/env python3
"""Benchmark (not a test): a full dry run over a generated account of 50,000 EC2 instances,
5,000 RDS instances and 1,000 spot requests with the shipped policies plus ten more, and
`custodian validate policies/`. Prints wall time and peak memory (release build).

  scripts/bench.py [EC2 RDS SPOT]
"""
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_moto import run_measured  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/custodian/target"))


def measure(cmd):
    """Runs cmd; returns (wall seconds, peak RSS in MiB, exit code)."""
    wall, _, rss, code = run_measured(cmd, ok=(0, 3))
    return wall, rss, code


def main():
    ec2, rds, spot = (int(a) for a in sys.argv[1:4]) if len(sys.argv) == 4 else (50_000, 5_000, 1_000)
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=ROOT, check=True, env=dict(os.environ, CARGO_TARGET_DIR=TARGET))
    binary = os.path.join(TARGET, "release", "custodian")
    work = tempfile.mkdtemp(prefix="custodian-bench-")
    snap = os.path.join(work, "snapshot")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_snapshot.py"), "bench", snap, str(ec2), str(rds), str(spot)], check=True)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(snap) for f in fs)
    print("snapshot: %d EC2, %d RDS, %d spot requests over 2 regions, %.1f MiB of JSON" % (ec2, rds, spot, size / 2**20))
    policies = ["policies/", "scripts/bench-policies/"]
    runs = []
    for i in range(5):
        out = os.path.join(work, "out%d" % i)
        runs.append(measure([binary, "run", "--dryrun", "--snapshot", snap, "--now", "2026-11-23T15:00:00Z", "-s", out] + policies))
    walls = [r[0] for r in runs]
    rss = max(r[1] for r in runs)
    n_policies = sum(open(os.path.join(ROOT, d, f)).read().count("\n  - name:") for d in ("policies", "scripts/bench-policies") for f in os.listdir(os.path.join(ROOT, d)) if f.endswith(".yml"))
    print("full dry run, %d policies: wall median %.3f s (min %.3f, max %.3f), peak RSS %.0f MiB" % (n_policies, statistics.median(walls), min(walls), max(walls), rss))
    vals = [measure([binary, "validate", "policies/"]) for _ in range(30)]
    vwalls = [v[0] * 1000 for v in vals]
    print("validate policies/: wall median %.1f ms (min %.1f, max %.1f), peak RSS %.1f MiB" % (statistics.median(vwalls), min(vwalls), max(vwalls), max(v[1] for v in vals)))


if __name__ == "__main__":
    main()
