"""Memory of each lesson's kernel after Run All (what a learner's open tab costs).

Runs every lesson headless in a fresh kernel (as tools/nb.py does, on copies in a temp
dir), then asks that kernel for its resident memory (VmRSS, Linux) and its peak, and
whether it imported Keras and timm. The goal: at most 700 MB for a lesson that uses
neither Keras nor timm (torch alone takes about 510 MB).

"own MB" is the kernel's private memory (what it does not share with other
processes): shared libraries such as libtorch are mapped once however many lessons
are open, so a learner's total is about one RSS plus the others' own memory.

    .venv/bin/python benchmarks/bench_memory.py [notebooks/NN_x.ipynb ...]
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
GOAL_MB = 700
PROBE = """
import resource, sys
rss = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS:')) // 1024
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
own = sum(int(l.split()[1]) for l in open('/proc/self/smaps_rollup')
          if l.startswith(('Private_Clean:', 'Private_Dirty:'))) // 1024
print(rss, peak, own, int('keras' in sys.modules), int('timm' in sys.modules))
"""


def measure(path: Path, workdir: Path) -> tuple[int, int, int, bool, bool]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, kernel_name="python3", timeout=900, allow_errors=True,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    rss, peak, own, keras, timm = (int(x) for x in text.split())
    return rss, peak, own, bool(keras), bool(timm)


FLOOR = """
import sys
def rss():
    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS:')) // 1024
steps = [("python", rss())]
import torch
steps.append(("import torch", rss()))
model = torch.nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
model(torch.ones(2, 4)).sum().backward()
opt.step()  # torch's Optimizer.step imports its compiler (torch._dynamo, SymPy) to mark a graph break
steps.append(("one optimizer step" + (" (compiler loaded)" if "torch._dynamo" in sys.modules else ""), rss()))
import matplotlib.pyplot, pandas
steps.append(("matplotlib, pandas", rss()))
import ipykernel.kernelapp
steps.append(("ipykernel", rss()))
print(";".join(f"{name}={mb}" for name, mb in steps))
"""


def floor() -> list[tuple[str, int]]:
    """RSS after each import a lesson that trains cannot avoid, in a fresh interpreter."""
    import subprocess

    out = subprocess.run([sys.executable, "-c", FLOOR], capture_output=True, text=True, check=True).stdout
    return [(name, int(mb)) for name, mb in (item.split("=") for item in out.strip().split(";"))]


def main(args: list[str]) -> int:
    os.environ.update(LRLESSONS_PROGRESS="0", KERAS_BACKEND="torch")
    print("the floor of any lesson that trains (RSS MB, cumulative):")
    for name, mb in floor():
        print(f"  {name:<40} {mb:>5}")
    paths = [Path(a) for a in args] or sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
    over = 0
    print(f"{'lesson':<40} {'RSS MB':>7} {'peak MB':>8} {'own MB':>7}  keras timm  goal")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for p in paths:
            shutil.copy(p, work / p.name)
            rss, peak, own, keras, timm = measure(work / p.name, work)
            light = not (keras or timm)
            ok = rss <= GOAL_MB if light else None
            over += ok is False
            verdict = "-" if ok is None else ("ok" if ok else f"over {GOAL_MB}")
            print(f"{p.name:<40} {rss:>7} {peak:>8} {own:>7}  {'yes' if keras else 'no':>5} "
                  f"{'yes' if timm else 'no':>4}  {verdict}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
