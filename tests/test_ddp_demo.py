"""lrlessons.ddp_demo: a real 2-process gloo run on the CPU; each process steps its own scheduler."""
from __future__ import annotations

import math

import pytest

from lrlessons import ddp_demo


def test_two_processes_step_their_own_schedulers():
    logs = ddp_demo.run(epochs=2, batch_size=128, processes=2)
    assert [log["rank"] for log in logs] == [0, 1] and all(log["world_size"] == 2 for log in logs)
    per_process = math.ceil(math.ceil(1347 / 2) / 128)  # DistributedSampler, then the loader
    for log in logs:
        assert log["loader_len"] == per_process == 6 and log["samples"] == 674
        assert log["global"]["T_max"] == 2 * math.ceil(1347 / 128) == 22
        assert log["per_process"]["T_max"] == 2 * per_process == 12
        for key in ("global", "per_process"):
            assert log[key]["scheduler_steps"] == len(log[key]["lrs"]) == 12
        assert log["per_process"]["final_lr"] < 1e-12 and log["global"]["final_lr"] > 0.04
    assert logs[0]["global"]["lrs"] == logs[1]["global"]["lrs"]
    assert logs[0]["per_process"]["weights_sum"] == logs[1]["per_process"]["weights_sum"]


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="^processes=0"):
        ddp_demo.run(processes=0)
    with pytest.raises(TypeError, match="^epochs=1.5"):
        ddp_demo.run(epochs=1.5)
