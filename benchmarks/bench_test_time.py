#!/usr/bin/env python3
"""Print how long `make test` takes after set-up: the figure issue 10 asks for.

Runs `python tools/course.py test` (set-up already done, so it only checks the
environment, writes the student editions and runs the one pytest session) and
prints, per run: the wall time of the whole command, the time pytest reports, the
CPU time of every process it started (user + system, summed over both cores) and
how busy that kept the cores, and the time by part (unit, nbval, nbval-baseline,
summed over the two workers). The target is about 4 minutes on the course's
2-core machine. On Linux the CPU figure is the whole machine's (from /proc/stat), since
the lessons' kernels are forked by a server that is not a child of this run
(tests/pythonpath/forked_kernel.py); run it on an otherwise idle machine. Each run
first times a fixed Python loop (the host gauge), because a shared host's speed drifts:
compare runs only with it.

    .venv/bin/python benchmarks/bench_test_time.py [--runs N]
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine_cpu() -> float | None:
    """CPU-seconds every process on the machine has used so far (Linux), else None."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system = (int(x) for x in fields[:3])
    return (user + nice + system) / os.sysconf("SC_CLK_TCK")


def host_gauge() -> float:
    """Seconds a fixed Python loop takes: the same code runs at different speeds on a
    shared host, so compare runs only alongside this figure (about 0.9 s on the course's
    2-core machine when it is quiet)."""
    started = time.process_time()
    total = 0
    for i in range(20_000_000):
        total += i * i
    return time.process_time() - started


def one_run() -> dict[str, float | str]:
    gauge = host_gauge()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine_before = machine_cpu()
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "course.py"), "test"], cwd=ROOT,
                          capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine_after = machine_cpu()
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        sys.exit(f"make test failed (exit {proc.returncode}):\n{out[-3000:]}")
    # the whole machine's CPU when it can be read: the forked test kernels are not
    # children of this run, so its own rusage misses them
    if machine_before is not None and machine_after is not None:
        cpu = machine_after - machine_before
    else:
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    pytest_s = re.search(r"tests took (\d+) s", out)
    parts = re.search(r"time by part, summed over the workers: (.*)", out)
    summary = re.search(r"^=*\s*(\d+ passed.*?) in ", out, re.M)
    return {"gauge": gauge, "wall": wall, "pytest": float(pytest_s.group(1)) if pytest_s else float("nan"),
            "cpu": cpu, "busy": cpu / wall / (os.cpu_count() or 1),
            "parts": parts.group(1).strip() if parts else "?", "summary": summary.group(1) if summary else "?"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    runs = parser.parse_args().runs
    print(f"make test after set-up, {runs} run(s), {os.cpu_count()} cores")
    walls = []
    for k in range(runs):
        r = one_run()
        walls.append(r["wall"])
        print(f"run {k + 1} (host gauge {r['gauge']:.2f} s): {r['wall']:.0f} s in all, "
              f"pytest {r['pytest']:.0f} s; CPU {r['cpu']:.0f} s "
              f"({r['busy']:.0%} of the cores); {r['parts']}; {r['summary']}", flush=True)
    if runs > 1:
        print(f"median {statistics.median(walls):.0f} s, range {min(walls):.0f}-{max(walls):.0f} s")


if __name__ == "__main__":
    main()
