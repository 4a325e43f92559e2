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

So are the "Colab" links of the course maps and every lesson's guarded first code
cell (tagged ``install``: it installs the course's helpers only where ``lrlessons``
is not importable, e.g. on Colab); both take the repository's address from
``[tool.lrlessons]`` in pyproject.toml. ``tests/test_workshop.py`` checks them.
"""
from __future__ import annotations

import json
import os
import platform
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


# ---------------------------------------------------------------- running without installing
def course_links() -> dict[str, str]:
    """The repository's public address and branch: ONE setting, ``[tool.lrlessons]`` in
    pyproject.toml. The Colab links and the guarded install cell are made from it."""
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text()).get("tool", {}).get("lrlessons", {})
    return {"repository": meta.get("repository", "https://github.com/lrlessons/lrlessons").rstrip("/"),
            "branch": meta.get("branch", "main")}


def colab_url(name: str, folder: str = "notebooks") -> str:
    """A lesson's "Open in Colab" address (Colab reads notebooks from public GitHub)."""
    links = course_links()
    repo = links["repository"].removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{repo}/blob/{links['branch']}/{folder}/{name}"


def binder_url() -> str:
    """Binder's address for the whole course, opening lesson 00 (built from binder/)."""
    links = course_links()
    repo = links["repository"].removeprefix("https://github.com/")
    return (f"https://mybinder.org/v2/gh/{repo}/{links['branch']}"
            "?urlpath=lab/tree/notebooks/00_start_here.ipynb")


#: Provided by the host where the guarded cell installs (Colab has torch; Jupyter runs a kernel).
NOT_REINSTALLED = {"torch", "torchvision", "jupyterlab", "ipykernel"}


def install_cell_source() -> str:
    """The guarded first code cell of every lesson (tagged ``install``, generated).

    In the course's environment ``lrlessons`` is importable and the cell does nothing,
    printing nothing. Elsewhere (Colab, a bare Jupyter) it installs the course's helper
    package from the repository and the course's pinned libraries, keeping the host's
    torch: lesson 00's check then says what differs from the pins.
    """
    req = (ROOT / "requirements.txt").read_text().splitlines()
    pins = [l.split("#")[0].strip() for l in req if "==" in l.split("#")[0]]
    pins = [p for p in pins if p.split("==")[0].lower() not in NOT_REINSTALLED]
    links = course_links()
    rows, row = [], []
    for pin in pins:
        if len(", ".join(row + [f'"{pin}"'])) > 72:
            rows.append(", ".join(row))
            row = []
        row.append(f'"{pin}"')
    rows.append(", ".join(row))
    packages = ",\n".join(f"            {r}" for r in rows)
    return (
        "# Outside the course's environment (Colab, a bare Jupyter), install the course's\n"
        "# helpers first; in the course's environment this cell does nothing.\n"
        "import importlib.util, subprocess, sys\n"
        "if importlib.util.find_spec(\"lrlessons\") is None:\n"
        "    print(\"Installing the course's helper package and libraries (a minute or two)...\")\n"
        "    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"-q\",\n"
        f"            \"lrlessons @ git+{links['repository']}@{links['branch']}\",\n"
        f"{packages}], check=True)"
    )


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


def language_info(version: str | None = None) -> dict:
    """The ``language_info`` JupyterLab writes once an ipykernel connects.

    Stored in full, so that opening a lesson in JupyterLab changes nothing and the
    tab is not marked unsaved. ``version`` is the kernel's Python: the one running
    this tool (the venv's), unless given. The learner's working copies get their own
    Python's version when they are made (``tools/course.py``).
    """
    return {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": version or platform.python_version(),
    }


def clean_metadata(meta: dict) -> dict:
    version = meta.get("language_info", {}).get("version") if isinstance(meta, dict) else None
    return {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": language_info(version),
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
    rows = ["| Lesson | What it promises | Run online |", "|---|---|---|"]
    for p in paths:
        rows.append(f"| [{title_of(nbs[p], p)}]({prefix}{p.name}) | {promise_of(nbs[p])} "
                    f"| [Colab]({colab_url(p.name)}) |")
    rows += ["", f"No install: each lesson's *Colab* link, or every lesson at once on [Binder]({binder_url()})."]
    return "\n".join(rows)


def expected_nav() -> dict[Path, nbformat.NotebookNode]:
    """Every lesson with its navigation and course-map cells brought up to date."""
    paths = lessons()
    nbs = {p: nbformat.read(p, as_version=4) for p in paths}
    titles = {p: title_of(nbs[p], p) for p in paths}
    for i, p in enumerate(paths):
        nb = nbs[p]
        line = nav_line(paths, titles, i)
        old = [c for c in nb.cells if "install" in c.metadata.get("tags", [])]
        cells = [c for c in nb.cells if not {"nav", "install"} & set(c.metadata.get("tags", []))]
        first_code = next((k for k, c in enumerate(cells) if c.cell_type == "code"), len(cells))
        source = install_cell_source()
        if old and old[0].source == source:
            install = old[0]  # current: keep it as executed
        else:
            install = nbformat.v4.new_code_cell(source)
            install.metadata["tags"] = ["install"]
        cells.insert(first_code, install)
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


def dumps(nb: nbformat.NotebookNode) -> str:
    """The notebook's text exactly as JupyterLab saves it (nbformat's own writer)."""
    return nbformat.writes(nb, version=4) + "\n"


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write as JupyterLab would, with stable cell ids (by position): opening a
    lesson in JupyterLab and saving it writes the same bytes."""
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i:03d}"
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = clean_metadata(nb.metadata)
    path.write_text(dumps(nb), encoding="utf-8")


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
