"""The fragile-output scanner (tools/fragile.py) on small made-up notebooks."""
from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("fragile_tool", ROOT / "tools" / "fragile.py")
fragile = importlib.util.module_from_spec(spec)
sys.modules["fragile_tool"] = fragile
spec.loader.exec_module(fragile)


def notebook(*outputs: dict, tags: list[str] | None = None) -> dict:
    cell = {"cell_type": "code", "source": "x", "metadata": {"tags": tags or []},
            "execution_count": 1, "outputs": list(outputs)}
    return {"cells": [cell], "metadata": {}}


def stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def plain(text: str) -> dict:
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {},
            "data": {"text/plain": text}}


def html(text: str) -> dict:
    return {"output_type": "display_data", "metadata": {}, "data": {"text/html": text}}


@pytest.mark.parametrize("text, kind", [
    ("torch 2.14.1 | python 3.11.7 | numpy 2.4.6", "python patch version"),
    ("Python 3.13.0", "python patch version"),
    ("device cuda", "device name"),
    ("device: cpu", "device name"),
    ("tensor([1.], device='cuda:0')", "device name"),
    ("<function f at 0x7f8458380cc0>", "memory address"),
    ("saved to /home/alice/lrlessons/run.pt", "machine path"),
    ("File site-packages/torch/optim/lr_scheduler.py", "machine path"),
    ("training took 3.2 s", "timing"),
    ("100%|##########| 50/50 [00:01<00:00, 41.2it/s]", "timing"),
    ("run of 2026-11-28", "date"),
    ("closed form (no noise) vs timm, outside the noise range: max diff 1e-17", "round-off"),
    ("largest relative difference: 3.4e-07", "round-off"),
    ("error 4.2e-17 at step 3", "round-off"),
])
def test_fragile_text_is_found(text, kind):
    for make in (stream, plain):
        problems = fragile.scan_notebook(notebook(make(text)))
        assert any(kind in p for p in problems), (make.__name__, text, problems)


@pytest.mark.parametrize("text", [
    "torch 2.14.1 | timm 1.0.31 | keras 3.15.1 | numpy 2.4.6 | keras backend torch",
    "closed form vs timm within 1e-12: yes",
    "Keras vs torch within 1e-06 relative: yes",
    "agree below 1e-12, tol=1e-9, atol 1e-15",
    "lr in epoch 10: 1.0e-11",
    "lr used in epochs 1 to 10: 1e-02 1e-03 1e-04 1e-05 1e-06 1e-07 1e-08 1e-09 1e-10 1e-11",
    "largest gap 0.031",
    "as pinned: yes",
    "test accuracy 0.973 after 8 epochs",
    "max diff 0.05 between the two schedules",
])
def test_stable_text_passes(text):
    assert fragile.scan_notebook(notebook(stream(text), plain(text))) == []


def test_difference_columns_of_tables_are_read():
    text_table = ("schedule      naive vs timm   with cycle index vs timm\n"
                  "cosine, k=2             0.1                        0\n"
                  "tanh               4.2e-17                  2.8e-17\n")
    assert any("difference column" in p for p in fragile.scan_notebook(notebook(plain(text_table))))
    html_table = ("<table><tr><th></th><th>lr</th><th>max |diff|</th></tr>"
                  "<tr><th>cosine</th><td>1e-11</td><td>6.9e-18</td></tr></table>")
    problems = fragile.scan_notebook(notebook(html(html_table)))
    assert problems and all("6.9e-18" in p for p in problems), problems
    ok_table = ("<table><tr><th></th><th>lr</th><th>max |diff|</th></tr>"
                "<tr><th>cosine</th><td>1e-11</td><td>0.031</td></tr></table>")
    assert fragile.scan_notebook(notebook(html(ok_table))) == []


def test_the_own_machine_cell_is_exempt():
    nb = notebook(stream("python 3.11.7 | device cpu"), tags=["own-machine", "nbval-ignore-output"])
    assert fragile.scan_notebook(nb) == []


def test_markdown_thresholds_are_not_outputs():
    nb = {"cells": [{"cell_type": "markdown", "source": "max diff 1e-17 here", "metadata": {}}]}
    assert fragile.scan_notebook(nb) == []


def test_cli_exit_status(tmp_path):
    bad, good = tmp_path / "bad.ipynb", tmp_path / "good.ipynb"
    bad.write_text(json.dumps(notebook(stream("device cuda"))))
    good.write_text(json.dumps(notebook(stream("within 1e-12: yes"))))
    assert fragile.main([str(good)]) == 0
    assert fragile.main([str(bad)]) == 1


def test_scanning_every_lesson_takes_well_under_a_second():
    paths = sorted((ROOT / "notebooks").rglob("*.ipynb"))
    nbs = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    start = time.perf_counter()
    for nb in nbs:
        fragile.scan_notebook(nb)
    assert time.perf_counter() - start < 0.5
