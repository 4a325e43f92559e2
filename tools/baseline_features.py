#!/usr/bin/env python3
"""Print the CPU features this machine's NumPy dispatches to above its baseline.

`make test` runs the notebooks a second time with these switched off
(``NPY_DISABLE_CPU_FEATURES="$(python tools/baseline_features.py)"`` and
``ATEN_CPU_CAPABILITY=default``), so every machine checks the stored outputs on
both the fast kernels it has and the baseline ones every supported CPU has.
Prints nothing on a CPU with no feature above the baseline.
"""
from __future__ import annotations


def above_baseline() -> list[str]:
    from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__

    return [f for f in __cpu_dispatch__ if __cpu_features__.get(f) and f not in __cpu_baseline__]


if __name__ == "__main__":
    print(" ".join(above_baseline()))
