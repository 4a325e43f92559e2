"""lrlessons._launch: a multi-process launch on loopback that always comes back."""
from __future__ import annotations

import os
import subprocess
import time

import pytest

from lrlessons import _launch


def test_workers_talk_over_loopback_only():
    env = _launch.environment()
    assert env["OMP_NUM_THREADS"] == "1" and env["LRLESSONS_PROGRESS"] == "0"
    assert _launch.PACKAGE_ROOT in env["PYTHONPATH"].split(os.pathsep)
    if os.name == "posix" and _launch.loopback_interface():
        assert env.get("GLOO_SOCKET_IFNAME", os.environ.get("GLOO_SOCKET_IFNAME")) in ("lo", "lo0")


def test_a_hung_launch_is_stopped_with_every_worker(tmp_path):
    started = time.monotonic()
    sleep = "import os, time; print('worker', os.getpid(), flush=True); time.sleep(120)"
    with pytest.raises(RuntimeError, match=r"2-process run did not finish within 8 s and was stopped"):
        _launch.launch(["timeit", "-n", "1", sleep], 2, cwd=str(tmp_path), timeout=8)
    assert time.monotonic() - started < 60
    if os.name == "posix":  # no worker left sleeping
        pids = [int(line.split()[1]) for line in (tmp_path / "launch.log").read_text().splitlines()
                if line.startswith("worker ")]
        assert len(pids) == 2
        time.sleep(0.5)
        assert not [pid for pid in pids if running(pid)]


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit status waits for its new parent to read it)."""
    stat = f"/proc/{pid}/stat"
    if os.path.exists(stat):
        with open(stat) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    return subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode == 0


def test_a_failing_launch_names_its_exit_status(tmp_path):
    with pytest.raises(RuntimeError, match=r"^the 1-process run failed \(exit code 1\):"):
        _launch.launch(["timeit", "-n", "1", "raise SystemExit(3)"], 1, cwd=str(tmp_path), timeout=120)
