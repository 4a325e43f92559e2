"""Notebook hygiene: every lesson executed in order, clean, in the course's shape,
with navigation and course maps up to date and no volatile text in its outputs."""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("nbtool", ROOT / "tools" / "nb.py")
nbtool = importlib.util.module_from_spec(spec)
sys.modules["nbtool"] = nbtool
spec.loader.exec_module(nbtool)
spec = importlib.util.spec_from_file_location("fragile", ROOT / "tools" / "fragile.py")
fragile = importlib.util.module_from_spec(spec)
sys.modules["fragile"] = fragile
spec.loader.exec_module(fragile)

LESSONS = nbtool.lessons()
MACHINE_PATH = re.compile(r"(/root/|/tmp/|/work/|/home/[^/\s]+/|site-packages|\.venv/)")
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]{4,}")
RAW_WARNING = re.compile(r"\w+Warning: ")
SECTIONS = ("## What you will learn", "## What you need", "**Estimated time:**", "## Exercises",
            "### Solution", "## Summary", "## Further reading")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def outputs_text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append("".join(out["text"]))
        data = out.get("data", {})
        for key in ("text/plain", "text/html"):
            if key in data:
                parts.append("".join(data[key]))
        if out.get("output_type") == "error":
            parts.append("\n".join(out.get("traceback", [])))
    return "\n".join(parts)


def test_there_are_lessons():
    names = [p.name for p in LESSONS]
    assert "00_start_here.ipynb" in names and "01_scheduler_basics.ipynb" in names, names


#: every stored notebook nbval runs: the lessons and their appendices
NOTEBOOKS = LESSONS + sorted((ROOT / "notebooks" / "appendix").glob("*.ipynb"))


@pytest.fixture(params=NOTEBOOKS, ids=[str(p.relative_to(ROOT / "notebooks").with_suffix("")) for p in NOTEBOOKS])
def notebook(request) -> tuple[Path, dict]:
    """Any stored notebook (the checks that do not depend on the lesson shape)."""
    return request.param, load(request.param)


@pytest.fixture(params=LESSONS, ids=[p.stem for p in LESSONS])
def lesson(request) -> tuple[Path, dict]:
    return request.param, load(request.param)


def test_kernel_and_clean_metadata(notebook):
    path, nb = notebook
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"
    assert set(nb["metadata"]) <= {"kernelspec", "language_info"}, "per-user or widget metadata"
    for i, cell in enumerate(nb["cells"]):
        tags = cell.get("metadata", {}).get("tags")
        assert cell.get("metadata", {}) == nbtool.cell_metadata(tags), \
            f"cell {i} has metadata {cell['metadata']}: only tags (and the collapsed state of solutions)"


def test_stored_exactly_as_jupyterlab_saves(notebook):
    """Opening a lesson in JupyterLab and saving it must write the same bytes, so that
    reading a lesson never changes it (the browser test checks it in JupyterLab)."""
    import nbformat

    path, nb = notebook
    text = path.read_text(encoding="utf-8")
    assert text == nbtool.dumps(nbformat.reads(text, as_version=4)), \
        "not stored as JupyterLab saves it: write it with tools/nb.py"
    assert nb["metadata"]["language_info"] == nbtool.language_info(nb["metadata"]["language_info"]["version"])


def test_executed_in_order_from_a_fresh_kernel(notebook):
    path, nb = notebook
    counts = [c.get("execution_count") for c in nb["cells"]
              if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert counts, "no code cells"
    assert counts == list(range(1, len(counts) + 1)), f"execution counts {counts}"


def test_errors_only_where_tagged(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        raised = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        tagged = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        assert raised == tagged, f"cell {i}: raised={raised} but tagged raises-exception={tagged}"


def test_outputs_have_no_volatile_text(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        text = outputs_text(cell)
        if "raises-exception" not in cell.get("metadata", {}).get("tags", []):
            assert not MACHINE_PATH.search(text), f"cell {i}: machine path in output"
        assert not ADDRESS.search(text), f"cell {i}: memory address in output"
        stderr = "".join("".join(o.get("text", "")) for o in cell.get("outputs", [])
                         if o.get("name") == "stderr")
        assert not RAW_WARNING.search(stderr), f"cell {i}: raw warning on stderr: {stderr[:200]}"


def test_plot_cells_end_with_show(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        has_image = any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
        source = "".join(cell["source"]).rstrip()
        if has_image and "explore" not in source and "display(" not in source:
            assert source.endswith("plt.show()"), f"cell {i} draws a figure but does not end with plt.show()"


def test_lesson_shape(lesson):
    path, nb = lesson
    cells = nb["cells"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    title_cells = [c for c in cells if c["cell_type"] == "markdown"
                   and "".join(c["source"]).startswith("# ")]
    assert title_cells, "no title cell ('# NN · Title')"
    title = "".join(title_cells[0]["source"]).splitlines()
    assert title[0].startswith(f"# {path.name[:2]}"), f"title {title[0]!r} should start with the lesson number"
    assert any(line.strip() for line in title[1:]), "no one-line promise under the title"
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "lrlessons.setup(" in code, "no setup cell calling lrlessons.setup()"
    wanted = SECTIONS if path.name != "00_start_here.ipynb" else SECTIONS[:3] + SECTIONS[5:]
    for section in wanted:
        assert section in markdown, f"missing {section!r}"


def test_exercises_have_checkers(lesson):
    path, nb = lesson
    if path.name == "00_start_here.ipynb":
        pytest.skip("lesson 00 is the map and the environment check: it has no exercises")
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert re.search(r"lrlessons\.exercises\.lesson\d\d|from lrlessons\.exercises", code), \
        "exercises must use a checker from lrlessons.exercises"
    assert "Correct: " in "\n".join(outputs_text(c) for c in nb["cells"] if c["cell_type"] == "code"), \
        "no checker output says 'Correct: ' (the solution cells should pass their checker)"


def test_navigation_and_course_map_current(lesson):
    path, nb = lesson
    expected = nbtool.expected_nav()[path]
    nav = [c for c in nb["cells"] if "nav" in c.get("metadata", {}).get("tags", [])]
    want = [c for c in expected.cells if "nav" in c.metadata.get("tags", [])]
    assert [c["cell_type"] for c in (nb["cells"][0], nb["cells"][-1])] == ["markdown", "markdown"]
    assert nb["cells"][0] in nav and nb["cells"][-1] in nav, "first and last cells must be navigation"
    assert ["".join(c["source"]) for c in nav] == [c.source for c in want], \
        "navigation is stale: run `python tools/nb.py nav`"
    for cell, exp in zip(nb["cells"], expected.cells):
        if "course-map" in cell.get("metadata", {}).get("tags", []):
            assert "".join(cell["source"]) == exp.source, "course map is stale: run `python tools/nb.py nav`"


def test_readme_course_map_current():
    readme = (ROOT / "README.md").read_text()
    assert nbtool.MAP_START in readme, "README has no generated course map"
    assert readme == nbtool.expected_readme(), "README course map is stale: run `python tools/nb.py nav`"
    for p in LESSONS:
        assert f"notebooks/{p.name}" in readme


def test_no_output_depends_on_the_machine(notebook):
    """The portability rule (CONTRIBUTING.md): nothing a stored output shows may vary
    between supported machines (tools/fragile.py says what it looks for)."""
    path, nb = notebook
    problems = fragile.scan_notebook(nb)
    assert not problems, "fragile outputs:\n" + "\n".join(problems[:20])


def test_only_the_own_machine_cell_ignores_its_output(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb["cells"]):
        tags = cell.get("metadata", {}).get("tags", [])
        source = "".join(cell["source"])
        assert "NBVAL_SKIP" not in source and "nbval-skip" not in tags, f"cell {i}: skipped by nbval"
        if "nbval-ignore-output" in tags or "NBVAL_IGNORE_OUTPUT" in source:
            assert "own-machine" in tags and path.name == "00_start_here.ipynb", \
                f"cell {i}: only lesson 00's cell about the learner's own machine may ignore its output"


SECTION_MARK = re.compile(r"^\*(Core|Optional) · (\d+) min\*$")


def sections(nb: dict) -> list[tuple[str, str, int]]:
    """(heading, core/optional, minutes) for every numbered section and the exercises."""
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        lines = "".join(cell["source"]).splitlines()
        if lines and re.match(r"^## (\d+\.|Exercises)", lines[0]):
            m = SECTION_MARK.match(lines[1].strip()) if len(lines) > 1 else None
            found.append((lines[0], m.group(1).lower() if m else "", int(m.group(2)) if m else -1))
    return found


def test_sections_are_marked_core_or_optional_with_minutes(lesson):
    path, nb = lesson
    if path.name == "00_start_here.ipynb":
        pytest.skip("lesson 00 is the map: it has no numbered sections to time")
    found = sections(nb)
    assert found, "no numbered sections"
    unmarked = [h for h, kind, _ in found if not kind]
    assert not unmarked, f"sections without '*Core · N min*' or '*Optional · N min*' under the heading: {unmarked}"
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    stated = re.search(r"\*\*Estimated time:\*\* (\d+) minutes", markdown)
    assert stated, "no '**Estimated time:** N minutes'"
    total = sum(minutes for _, _, minutes in found)
    assert int(stated.group(1)) == total, f"estimated time {stated.group(1)} != sum of sections {total}"


def test_solutions_are_tagged_and_collapsed(notebook):
    path, nb = notebook
    under_solution = False
    for i, cell in enumerate(nb["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            heading = next((l for l in source.splitlines() if l.startswith("#")), "")
            if heading:
                under_solution = heading.startswith("### Solution")
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if under_solution and source.strip():
            assert "solution" in tags, f"cell {i} is under '### Solution' but not tagged 'solution'"
        if "solution" in tags:
            assert cell["metadata"].get("jupyter") == {"outputs_hidden": True, "source_hidden": True}, \
                f"cell {i}: a solution must be stored collapsed (run tools/nb.py)"


def _png_width(b64: str) -> int:
    import base64
    import struct
    head = base64.b64decode(b64[:64])
    return struct.unpack(">I", head[16:20])[0]


def test_figures_and_lines_fit_a_projector(notebook):
    """1024x768 projector: figures at most 900 px wide, output lines at most 100 characters."""
    path, nb = notebook
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                width = _png_width(png if isinstance(png, str) else "".join(png))
                assert width <= 900, f"cell {i}: figure {width} px wide (at most 900: 8 in at 110 dpi)"
            if out.get("output_type") == "error":
                continue
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            long = [l for l in text.splitlines() if len(l) > 100]
            assert not long, f"cell {i}: output line of {len(long[0])} characters: {long[0][:60]!r}..."
