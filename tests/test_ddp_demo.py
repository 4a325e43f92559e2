"""lrlessons.ddp_demo: each process steps its own scheduler (lesson 08 runs two processes for real)."""
from __future__ import annotations

import pytest

from lrlessons import _launch, ddp_demo


def test_one_process_run_here_steps_its_schedulers(monkeypatch):
    """``run()`` with the launch replaced by one rank that runs the worker in this process
    (gloo, world size 1). Lesson 08 launches two processes for real and asserts what they
    did, in every ``make test``; this checks the worker's bookkeeping at other arguments."""

    def one_rank(module_args, processes, cwd, timeout):
        args = dict(zip(module_args[1::2], module_args[2::2]))
        assert module_args[0] == "lrlessons.ddp_demo" and processes == 1 and args["--out"] == cwd
        env = _launch.environment(RANK="0", LOCAL_RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1",
                                  MASTER_PORT=str(_launch.free_port()))
        for key in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "GLOO_SOCKET_IFNAME"):
            if key in env:
                monkeypatch.setenv(key, env[key])
        ddp_demo._worker(cwd, int(args["--epochs"]), int(args["--batch-size"]))

    monkeypatch.setattr(ddp_demo._launch, "launch", one_rank)
    (log,) = ddp_demo.run(epochs=2, batch_size=128, processes=1)
    assert (log["rank"], log["world_size"], log["loader_len"], log["samples"]) == (0, 1, 11, 1347)
    for key in ("global", "per_process"):  # one process: both sizings agree
        assert log[key]["T_max"] == log[key]["scheduler_steps"] == len(log[key]["lrs"]) == 2 * 11
        assert log[key]["final_lr"] < 1e-12
    assert log["global"]["lrs"] == log["per_process"]["lrs"]
    assert log["global"]["lrs"][0] == ddp_demo.LR and log["global"]["lrs"][11] == pytest.approx(ddp_demo.LR / 2)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="^processes=0"):
        ddp_demo.run(processes=0)
    with pytest.raises(TypeError, match="^epochs=1.5"):
        ddp_demo.run(epochs=1.5)
