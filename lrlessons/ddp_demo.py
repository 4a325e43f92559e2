"""A real two-process DistributedDataParallel run on the CPU, to see how each process steps its schedule.

``run()`` starts ``python -m torch.distributed.run --nproc_per_node 2`` as a
subprocess (gloo backend, 127.0.0.1 only, a free port, one thread per process) on
this module. Each process trains the course's model on the digits with a
``DistributedSampler``, twice (each time from the same initial weights, made by
``lrlessons.training.make_model`` in the parent): once with ``CosineAnnealingLR`` sized from the
global loader length (``T_max = epochs * ceil(samples / batch_size)``) and once
sized from its own loader (``T_max = epochs * len(loader)``). It records the lr of
every update (with ``lrlessons.Recorder``) and writes a JSON log file per rank
into a temporary directory, which ``run()`` reads back. Used in lesson 08.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import tempfile
from pathlib import Path
from typing import Any

from lrlessons import _launch
from lrlessons._checks import positive_int

__all__ = ["run"]

LR = 0.1


def run(*, epochs: int = 3, batch_size: int = 64, processes: int = 2, timeout: float = 300) -> list[dict[str, Any]]:
    """Launch the run and return each rank's log, ordered by rank (lesson 08).

    Each log holds ``rank``, ``world_size``, ``loader_len`` (batches per epoch in
    that process), ``samples`` (distinct training samples it saw in epoch 0) and,
    for ``"global"`` and ``"per_process"`` sizing, ``T_max``, ``lrs`` (the lr of
    every update), ``scheduler_steps`` and ``final_lr``.
    """
    positive_int("epochs", epochs)
    positive_int("batch_size", batch_size)
    positive_int("processes", processes)
    import torch

    from lrlessons.data import load
    from lrlessons.training import make_model

    split = load("digits")
    with tempfile.TemporaryDirectory() as out:
        # the data and the model travel by file, so the processes need not import sklearn
        torch.save({"x": split.x_train, "y": split.y_train, "model": make_model(seed=0)}, Path(out, "inputs.pt"))
        _launch.launch(["lrlessons.ddp_demo", "--out", out, "--epochs", str(epochs),
                        "--batch-size", str(batch_size)], processes, cwd=out, timeout=timeout)
        logs = [json.loads(p.read_text()) for p in sorted(Path(out).glob("rank*.json"))]
    if len(logs) != processes:
        raise RuntimeError(f"expected {processes} log files, found {len(logs)}")
    return sorted(logs, key=lambda log: log["rank"])


def _worker(out: str, epochs: int, batch_size: int) -> None:
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

    from lrlessons.recorder import Recorder

    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    inputs = torch.load(Path(out, "inputs.pt"), weights_only=False)
    data = TensorDataset(inputs["x"], inputs["y"], torch.arange(len(inputs["x"])))
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=0)
    loader = DataLoader(data, batch_size=batch_size, sampler=sampler)
    log: dict[str, Any] = {"rank": rank, "world_size": world, "loader_len": len(loader)}
    sizes = {"global": epochs * math.ceil(len(data) / batch_size), "per_process": epochs * len(loader)}
    for name, t_max in sizes.items():
        model = DistributedDataParallel(copy.deepcopy(inputs["model"]))
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=t_max)
        seen: set[int] = set()
        with Recorder(opt, sched) as rec:
            for epoch in range(epochs):
                sampler.set_epoch(epoch)
                for x, y, idx in loader:
                    if epoch == 0:
                        seen.update(idx.tolist())
                    loss = torch.nn.functional.cross_entropy(model(x), y)
                    opt.zero_grad()
                    loss.backward()  # DDP averages the gradients of the processes here
                    opt.step()
                    sched.step()
        log[name] = {"T_max": t_max, "lrs": rec.lrs().tolist(), "scheduler_steps": int(sched.last_epoch),
                     "final_lr": float(opt.param_groups[0]["lr"]),
                     "weights_sum": float(sum(p.detach().double().sum() for p in model.parameters()))}
        log["samples"] = len(seen)
    Path(out, f"rank{rank}.json").write_text(json.dumps(log))
    dist.destroy_process_group()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    a = parser.parse_args()
    _worker(a.out, a.epochs, a.batch_size)
