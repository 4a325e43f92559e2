#!/usr/bin/env python3
"""The course's notebook tool: write lessons as text, refresh navigation, execute.

    python tools/nb.py from-py lesson.py notebooks/NN_name.ipynb   # text -> notebook
    python tools/nb.py to-py notebooks/NN_name.ipynb               # notebook -> text (stdout)
    python tools/nb.py nav                                          # navigation, course map
    python tools/nb.py run notebooks/NN_name.ipynb [...]            # nav + execute in place
    python tools/nb.py run --all

The text form is the "percent" format: a line ``# %%`` starts a code cell,
``# %% [markdown]`` a markdown cell (its lines start with ``# ``), and
``# %% tags=["raises-exception"]`` gives a cell tags.

Navigation lines (first and last cell of every lesson, tagged ``nav``), the course
map in lesson 00 (the cell tagged ``course-map``) and the course map in README.md
are generated here from the file names and the lesson titles; never edit them by
hand. ``tests/test_notebook_hygiene.py`` fails when they are out of date.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
MAP_START, MAP_END = "<!-- course-map:start -->", "<!-- course-map:end -->"
LESSON_RE = re.compile(r"^\d\d[a-z]?_[a-z0-9_]+\.ipynb$")
CELL_RE = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")


# ---------------------------------------------------------------- text <-> notebook
def from_py(text: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cells: list[tuple[bool, list[str], list[str]]] = []
    for line in text.splitlines():
        m = CELL_RE.match(line)
        if m:
            cells.append((bool(m.group("md")), json.loads(m.group("tags") or "[]"), []))
        elif cells:
            cells[-1][2].append(line)
    for is_md, tags, lines in cells:
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if is_md:
            body = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in lines)
            cell = nbformat.v4.new_markdown_cell(body)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines))
        cell.metadata = cell_metadata(tags)
        nb.cells.append(cell)
    nb.metadata = clean_metadata(nb.metadata)
    return nb


def to_py(nb: nbformat.NotebookNode) -> str:
    out = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags")
        suffix = f" tags={json.dumps(tags)}" if tags else ""
        if cell.cell_type == "markdown":
            out.append(f"# %% [markdown]{suffix}")
            out += [("# " + l) if l else "#" for l in cell.source.splitlines()]
        else:
            out.append(f"# %%{suffix}")
            out += cell.source.splitlines()
        out.append("")
    return "\n".join(out)


def clean_metadata(meta: dict) -> dict:
    return {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }


def cell_metadata(tags: list[str] | None) -> dict:
    """A cell's whole metadata: its tags, and solutions stored collapsed.

    A cell tagged ``solution`` opens with its code and output hidden in JupyterLab
    (``jupyter.source_hidden`` / ``outputs_hidden``): a learner clicks to see it.
    """
    meta: dict = {}
    if tags:
        meta["tags"] = list(tags)
    if tags and "solution" in tags:
        meta["jupyter"] = {"outputs_hidden": True, "source_hidden": True}
    return meta


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb.metadata = clean_metadata(nb.metadata)
    for cell in nb.cells:
        cell.metadata = cell_metadata(cell.metadata.get("tags"))
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                out.get("metadata", {}).clear() if out.get("output_type") in ("display_data", "execute_result") else None
                data = out.get("data", {})
                data.pop("application/vnd.jupyter.widget-view+json", None)
    return nb


# ---------------------------------------------------------------- navigation
def lessons() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.glob("*.ipynb") if LESSON_RE.match(p.name))


def title_of(nb: nbformat.NotebookNode, path: Path) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "nav" not in cell.metadata.get("tags", []):
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            if first.startswith("# "):
                return first[2:].strip()
    raise SystemExit(f"{path.name}: no title cell (a markdown cell starting with '# ')")


def promise_of(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            lines = [l for l in cell.source.splitlines()[1:] if l.strip()]
            return lines[0].strip().strip("*_") if lines else ""
    return ""


def nav_line(paths: list[Path], titles: dict[Path, str], i: int) -> str:
    parts = []
    if i > 0:
        parts.append(f"[\u2190 {titles[paths[i - 1]]}]({paths[i - 1].name})")
    parts.append(f"[Contents]({paths[0].name}#Course-map)")
    if i + 1 < len(paths):
        parts.append(f"[{titles[paths[i + 1]]} \u2192]({paths[i + 1].name})")
    return " | ".join(parts)


def course_map(paths: list[Path], nbs: dict[Path, nbformat.NotebookNode], prefix: str) -> str:
    rows = ["| Lesson | What it promises |", "|---|---|"]
    for p in paths:
        rows.append(f"| [{title_of(nbs[p], p)}]({prefix}{p.name}) | {promise_of(nbs[p])} |")
    return "\n".join(rows)


def expected_nav() -> dict[Path, nbformat.NotebookNode]:
    """Every lesson with its navigation and course-map cells brought up to date."""
    paths = lessons()
    nbs = {p: nbformat.read(p, as_version=4) for p in paths}
    titles = {p: title_of(nbs[p], p) for p in paths}
    for i, p in enumerate(paths):
        nb = nbs[p]
        line = nav_line(paths, titles, i)
        cells = [c for c in nb.cells if "nav" not in c.metadata.get("tags", [])]
        top = nbformat.v4.new_markdown_cell(line)
        top.metadata["tags"] = ["nav"]
        bottom = nbformat.v4.new_markdown_cell(line)
        bottom.metadata["tags"] = ["nav"]
        nb.cells = [top] + cells + [bottom]
        for c in nb.cells:
            c.pop("id", None)
            if "course-map" in c.metadata.get("tags", []):
                c.source = "## Course map\n\n" + course_map(paths, nbs, "")
    return nbs


def expected_readme() -> str:
    paths = lessons()
    nbs = {p: nbformat.read(p, as_version=4) for p in paths}
    text = README.read_text()
    block = f"{MAP_START}\n{course_map(paths, nbs, 'notebooks/')}\n{MAP_END}"
    return re.sub(re.escape(MAP_START) + ".*?" + re.escape(MAP_END), lambda _: block, text, flags=re.S)


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write with stable cell ids (by position), so JupyterLab opens it unmodified."""
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i:03d}"
    nb.nbformat, nb.nbformat_minor = 4, 5
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


def refresh_nav(only: list[Path] | None = None) -> None:
    """Rewrite navigation cells (of ``only``, or of every lesson) and README's course map."""
    for path, nb in expected_nav().items():
        if only is None or path in only:
            write(nb, path)
    if README.exists() and MAP_START in README.read_text():
        README.write_text(expected_readme())


# ---------------------------------------------------------------- execution
def execute(path: Path) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    env = {"LRLESSONS_PROGRESS": "0", "KERAS_BACKEND": "torch", "PYTHONHASHSEED": "0"}
    os.environ.update(env)
    client = NotebookClient(nb, kernel_name="python3", timeout=900, record_timing=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    write(clean(nb), path)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "from-py":
        src, dst = Path(rest[0]), Path(rest[1])
        write(from_py(src.read_text()), dst)
    elif cmd == "to-py":
        print(to_py(nbformat.read(rest[0], as_version=4)))
    elif cmd == "nav":
        refresh_nav()
    elif cmd == "run":
        targets = lessons() if rest == ["--all"] else [Path(p).resolve() for p in rest]
        refresh_nav(None if rest == ["--all"] else targets)
        for p in targets:
            print(f"executing {p.name}", flush=True)
            execute(p)
    else:
        print(f"unknown command {cmd!r}; see --help", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
