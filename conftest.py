"""Settings for every pytest run from the repository root, notebooks included.

Kernels that nbval starts inherit this environment: no progress bars in outputs
(they are for learners, not for stored notebooks) and Keras on its torch backend.
"""
import os

os.environ.setdefault("LRLESSONS_PROGRESS", "0")
os.environ.setdefault("KERAS_BACKEND", "torch")

#: The order in which the workers of `make test` take files (--dist loadfile
#: --no-loadscope-reorder), longest first so that they finish together: the browser
#: tests (each on one worker); the lessons that train or launch most, with the launch
#: tests, which mostly wait, beside them; the other lessons; the longest unit tests;
#: and the many short ones last.
FIRST = ("tests/test_lab.py", "tests/test_site.py", "tests/test_browser.py")
HEAVY_LESSONS = ("08_", "09a_", "10_", "11_")
WAITING = ("tests/test_launch.py", "tests/test_forked_kernel.py")
HEAVY_TESTS = ("tests/test_explorer.py", "tests/test_reference_torch.py", "tests/test_environment.py",
               "tests/test_range_test.py", "tests/test_check.py")
#: The parts of `make test`, by where their items come from (tools/course.py PARTS).
PARTS = {"tests/": "unit", "notebooks/": "nbval", "build/test/student-baseline/": "nbval-baseline"}


def _rank(nodeid: str) -> float:
    path = nodeid.split("::")[0]
    if path in FIRST:
        return 0
    if path.endswith(".ipynb"):
        return 1 if path.rsplit("/", 1)[-1].startswith(HEAVY_LESSONS) else 2
    if path in WAITING:
        return 1.5
    return 3 if path in HEAVY_TESTS else 4


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
