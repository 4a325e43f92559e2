"""Settings for every pytest run from the repository root, notebooks included.

Kernels that nbval starts inherit this environment: no progress bars in outputs
(they are for learners, not for stored notebooks) and Keras on its torch backend.
"""
import os

os.environ.setdefault("LRLESSONS_PROGRESS", "0")
os.environ.setdefault("KERAS_BACKEND", "torch")

#: Modules that take long and run on one worker: started first, so that the two
#: workers of `make test` finish together (with --dist loadfile --no-loadscope-reorder).
FIRST = ("tests/test_lab.py", "tests/test_site.py", "tests/test_browser.py")
#: The parts of `make test`, by where their items come from (tools/course.py PARTS).
PARTS = {"tests/": "unit", "notebooks/": "nbval", "build/test/student-baseline/": "nbval-baseline"}


def _rank(nodeid: str) -> int:
    path = nodeid.split("::")[0]
    if path in FIRST:
        return 0
    return 1 if path.endswith(".ipynb") else 2


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: _rank(item.nodeid))  # stable: each file keeps its order


_SECONDS: dict[str, float] = {}


def pytest_runtest_logreport(report):
    part = next((name for prefix, name in PARTS.items() if report.nodeid.startswith(prefix)), None)
    if part:
        _SECONDS[part] = _SECONDS.get(part, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    if len(_SECONDS) > 1:
        terminalreporter.write_line("time by part, summed over the workers: " + " | ".join(
            f"{name} {_SECONDS[name]:.0f} s" for name in PARTS.values() if name in _SECONDS))
