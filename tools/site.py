#!/usr/bin/env python3
"""Build the course's website from the stored notebooks (`make docs`), without re-executing.

    python tools/site.py [--out build/docs]

It writes the Sphinx sources into build/site-src (generated, ignored by git):
- index.md: the course map as the home page, the two commands, the lessons in order;
- lessons/*.ipynb: copies of the stored lessons, outputs untouched, with small changes
  for a static page: the navigation lines are dropped (the theme has previous/next
  links), solutions are collapsed behind a toggle, lesson-to-lesson anchors use the
  site's heading anchors, and a lesson with a live widget says how to run it live;
- api.md: the `lrlessons` API from its docstrings (each says which lesson uses it);
- the facilitator guide and the cheat sheet, where they exist in docs/;
then runs `sphinx-build -W` (warnings are errors) into the output folder.
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SRC = ROOT / "build" / "site-src"
OUT = ROOT / "build" / "docs"

spec = importlib.util.spec_from_file_location("nbtool", ROOT / "tools" / "nb.py")
nbtool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nbtool)

#: the modules on the API page, in the order a learner meets them
API_MODULES = [
    ("Set-up and comparisons", ["lrlessons.env", "lrlessons.tolerance"]),
    ("Tracing and plotting schedules", ["lrlessons.trace", "lrlessons.plotting"]),
    ("Data and training", ["lrlessons.data", "lrlessons.training", "lrlessons.recorder"]),
    ("Closed forms", ["lrlessons.formulas.torch_schedules", "lrlessons.formulas.timm_schedules",
                      "lrlessons.formulas.keras_schedules",
                      "lrlessons.formulas.transformers_schedules"]),
    ("Checking your own code", ["lrlessons.diagnose", "lrlessons.keras_bridge", "lrlessons.sizing",
                                "lrlessons.range_test", "lrlessons.check"]),
    ("The explorer", ["lrlessons.explorer"]),
]
LIVE_NOTE = (":::{note}\nThis page shows the stored outputs of the lesson. The explorer is a live "
             "widget: it needs a running Python kernel. To use it, run the course on your machine "
             "(`make lab`, or `python tools/course.py lab`) and open this lesson in JupyterLab.\n:::")
LINK = re.compile(r"\]\(((?:\.\./|appendix/)?\d\d[a-z]?_[a-z0-9_]+)\.ipynb(#[^)\s]*)?\)")
HERE = re.compile(r"\]\((#[^)\s]+)\)")


def slug(anchor: str) -> str:
    """JupyterLab's heading anchor ("3.-Resuming-a-run") as the site's ("3-resuming-a-run")."""
    from myst_parser.slugs import github_slugify

    return github_slugify(anchor.lstrip("#").replace("-", " "))


def relink(text: str, prefix: str) -> str:
    """Point links between lessons at the site's pages and heading anchors."""
    def fix(m: re.Match) -> str:
        anchor = f"#{slug(m.group(2))}" if m.group(2) else ""
        return f"]({prefix}{m.group(1)}.ipynb{anchor})"
    return HERE.sub(lambda m: f"](#{slug(m.group(1))})", LINK.sub(fix, text))


def lesson_copy(path: Path, dest: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    live = False
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "nav" in tags or "install" in tags:
            continue  # the theme has previous/next; a site reader installs nothing
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            source = relink(source, "")
            if "course-map" in tags:
                source = source.replace("## Course map", "## Course map", 1)
        if "solution" in tags:
            cell.setdefault("metadata", {})["tags"] = [*tags, "hide-cell"]
        if cell["cell_type"] == "code" and "explore(" in source:
            live = True
        cell["source"] = source
        cells.append(cell)
    if live:
        title_at = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown")
        cells.insert(title_at + 1, {"cell_type": "markdown", "metadata": {}, "source": LIVE_NOTE,
                                    "id": "site-live-note"})
    nb["cells"] = cells
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")


def index_page(lessons: list[Path]) -> str:
    nbs = {p: json.loads(p.read_text(encoding="utf-8")) for p in lessons}

    def title(p: Path) -> str:
        return nbtool.title_of(nbtool.nbformat.reads(json.dumps(nbs[p]), as_version=4), p)

    def promise(p: Path) -> str:
        return nbtool.promise_of(nbtool.nbformat.reads(json.dumps(nbs[p]), as_version=4))

    rows = "\n".join(f"| [{title(p)}](lessons/{p.name}) | {promise(p)} |" for p in lessons)
    extra = [name for name in ("facilitator", "cheatsheet") if (SRC / f"{name}.md").exists()]
    appendices = [f"lessons/appendix/{p.stem}" for p in sorted((NOTEBOOKS / "appendix").glob("*.ipynb"))]
    toc = "\n".join([*(f"lessons/{p.stem}" for p in lessons), *appendices, *extra, "api"])
    return f"""# lrlessons: learning-rate schedulers, executed

A course on learning-rate schedulers in PyTorch, timm, Keras 3, Hugging Face
transformers, accelerate and Lightning. Every claim about a scheduler is executed,
checked against the real library and drawn. The pages here show each lesson with the
outputs that the course's tests check on every change.

## Course map

| Lesson | What it promises |
|---|---|
{rows}

## Run it yourself

The lessons are Jupyter notebooks. With Python 3.11.5 to 3.13, `pip` and `venv`:

```bash
make lab    # set up (first time: a few minutes) and open the course in JupyterLab
make test   # set up, then run every test: unit, property, browser and the notebooks
```

Without `make` (Windows, for example): `python tools/course.py lab` and
`python tools/course.py test`. The [API of the helper package](api.md) lists every
helper the lessons call.

```{{toctree}}
:hidden:
:maxdepth: 1

{toc}
```
"""


def api_page() -> str:
    parts = ["# The `lrlessons` API", "",
             "The helper package the lessons call, from its docstrings. Each helper names the "
             "lesson that uses it.", ""]
    for heading, modules in API_MODULES:
        present = [m for m in modules if importlib.util.find_spec(m) is not None]
        if not present:
            continue
        parts += [f"## {heading}", ""]
        for module in present:
            parts += ["```{eval-rst}", f".. automodule:: {module}", "```", ""]
    return "\n".join(parts)


def generate() -> None:
    if SRC.exists():
        shutil.rmtree(SRC)
    (SRC / "lessons").mkdir(parents=True)
    for name in ("conf.py", "favicon.svg"):
        shutil.copy(ROOT / "site" / name, SRC / name)
    import jupyter_server_mathjax

    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", SRC / "_static" / "mathjax")
    for name, target in (("facilitator.md", "facilitator.md"), ("cheatsheet.md", "cheatsheet.md")):
        if (ROOT / "docs" / name).exists():
            text = (ROOT / "docs" / name).read_text(encoding="utf-8")
            (SRC / target).write_text(relink(text.replace("](../notebooks/", "]("), "lessons/"),
                                      encoding="utf-8")
    lessons = nbtool.lessons()
    for p in lessons:
        lesson_copy(p, SRC / "lessons" / p.name)
    for p in sorted((NOTEBOOKS / "appendix").glob("*.ipynb")):
        (SRC / "lessons" / "appendix").mkdir(exist_ok=True)
        lesson_copy(p, SRC / "lessons" / "appendix" / p.name)
    (SRC / "index.md").write_text(index_page(lessons), encoding="utf-8")
    (SRC / "api.md").write_text(api_page(), encoding="utf-8")


def build(out: Path) -> int:
    generate()
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
           "-d", str(SRC.parent / "site-doctrees"), str(SRC), str(out)]
    return subprocess.run(cmd, cwd=ROOT).returncode


if __name__ == "__main__":
    args = sys.argv[1:]
    target = Path(args[args.index("--out") + 1]) if "--out" in args else OUT
    sys.exit(build(target))
