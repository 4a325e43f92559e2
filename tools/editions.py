#!/usr/bin/env python3
"""Student and instructor editions of the lessons (standard library only).

    python tools/editions.py [DEST]       # default build/editions/

- ``DEST/student/``: every lesson with its solutions removed (the cells tagged
  ``solution`` and their ``### Solution`` headings) and the outputs of the exercise
  cells cleared; the exercise cells and their checkers stay, so a learner's empty
  answer prints the checker's "Not yet: ..." and the lesson runs on to the end.
- ``DEST/instructor/``: every lesson as shipped, with a notes cell (tagged
  ``instructor-notes``) after the title: the sections with their core/optional
  minutes, and the mistakes the checkers anticipate; plus the facilitator guide and
  the cheat sheet.

Files in notebooks/ other than lessons (appendix notebooks too) are copied as they are
into both editions, appendix notebooks into the student edition without solutions.
"""
from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workshop  # noqa: E402  (the same folder: sections and learner errors)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTION_HEADING = re.compile(r"^###\s+Solutions?\b.*$", re.M)


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def student(nb: dict, keep_outputs: bool = False) -> dict:
    """The lesson without its solutions, with the exercise cells' outputs cleared.

    ``keep_outputs=True`` keeps the shipped outputs of the exercise cells (their
    checkers' "Not yet" for the placeholder answers): the student edition as
    `make test` checks it with nbval (see ``checked``).
    """
    nb = json.loads(json.dumps(nb))
    cells, in_exercises = [], False
    for cell in nb["cells"]:
        text = workshop.source(cell)
        if cell["cell_type"] == "markdown":
            first = text.splitlines()[0] if text.strip() else ""
            if first.startswith("## "):
                in_exercises = first.startswith("## Exercises")
            if SOLUTION_HEADING.search(text):
                text = SOLUTION_HEADING.sub("", text).strip()
                if not text:
                    continue
                cell["source"] = text
        if "solution" in tags(cell):
            continue
        if cell["cell_type"] == "code" and in_exercises and not keep_outputs:
            cell["outputs"] = []
            cell["execution_count"] = None
        cells.append(cell)
    nb["cells"] = cells
    return nb


def checked(dest: Path, kernel: str, src: Path = NOTEBOOKS) -> list[Path]:
    """The student editions as `make test` runs them, into ``dest``; return the paths.

    The student edition's cells, with the shipped outputs kept, set to run on the
    kernel named ``kernel``. nbval then proves in one pass that the student edition
    runs top to bottom, that every placeholder answer prints its checker's "Not yet"
    (the output the lesson stores for it), and that every other output is the
    shipped one, on that kernel (`make test` gives it NumPy's and torch's baseline
    kernels). Only the solution cells are left out, and they run in the lessons' pass.
    """
    shutil.rmtree(dest, ignore_errors=True)
    written = []
    for path in sorted(src.rglob("*.ipynb")):
        rel = path.relative_to(src)
        if any(p.startswith(".") for p in rel.parts):
            continue
        nb = student(json.loads(path.read_text(encoding="utf-8")), keep_outputs=True)
        nb["metadata"]["kernelspec"] = dict(nb["metadata"].get("kernelspec", {}), name=kernel,
                                            display_name=f"Python 3 ({kernel})")
        dump(nb, dest / rel)
        written.append(dest / rel)
    for path in src.rglob("*"):  # data files a lesson reads beside it
        rel = path.relative_to(src)
        if path.is_file() and path.suffix != ".ipynb" and not any(
                p.startswith(".") or p == "__pycache__" for p in rel.parts):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest / rel)
    return written


def notes_cell(nb: dict, number: str, errors: dict[str, list[str]]) -> dict:
    lines = ["**Instructor notes** (this edition only)", "",
             "| Section | Kind | Minutes |", "|---|---|---|"]
    secs = workshop.sections(nb)
    for s in secs:
        lines.append(f"| {s['heading']} | {s['kind'] or 'unmarked'} | {s['minutes']} |")
    core = sum(s["minutes"] for s in secs if s["kind"] == "core")
    optional = sum(s["minutes"] for s in secs if s["kind"] == "optional")
    lines += ["", f"Core {core} min, optional {optional} min (a learner alone; allow about a "
              "third more in a room). Agendas: docs/facilitator.md."]
    mistakes = errors.get(number[:2], [])
    if mistakes:
        lines += ["", "Mistakes the checkers recognise (expect these questions):"]
        lines += [f"- {m.strip()}" for m in mistakes]
    return {"cell_type": "markdown", "id": "instructor-notes", "metadata": {"tags": ["instructor-notes"]},
            "source": "\n".join(lines)}


def instructor(nb: dict, number: str, errors: dict[str, list[str]]) -> dict:
    nb = json.loads(json.dumps(nb))
    at = next((i + 1 for i, c in enumerate(nb["cells"])
               if c["cell_type"] == "markdown" and workshop.source(c).startswith("# ")), 0)
    nb["cells"].insert(at, notes_cell(nb, number, errors))
    return nb


def dump(nb: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def build(dest: Path, src: Path = NOTEBOOKS) -> dict[str, list[Path]]:
    """Write both editions under ``dest``; return the lessons written, per edition."""
    errors = workshop.learner_errors()
    written: dict[str, list[Path]] = {"student": [], "instructor": []}
    for edition in written:
        shutil.rmtree(dest / edition, ignore_errors=True)
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if not path.is_file() or any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
            continue
        if path.suffix != ".ipynb":
            for edition in written:
                (dest / edition / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest / edition / rel)
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        number = path.name.split("_")[0]
        dump(student(nb), dest / "student" / rel)
        dump(instructor(nb, number, errors) if workshop.LESSON_RE.match(path.name) else nb,
             dest / "instructor" / rel)
        written["student"].append(dest / "student" / rel)
        written["instructor"].append(dest / "instructor" / rel)
    for doc in ("facilitator.md", "cheatsheet.md", "cheatsheet.html"):
        if (ROOT / "docs" / doc).exists():
            shutil.copy2(ROOT / "docs" / doc, dest / "instructor" / doc)
    return written


def main(argv: list[str]) -> int:
    dest = Path(argv[0]) if argv else ROOT / "build" / "editions"
    written = build(dest)
    for edition, paths in written.items():
        print(f"{edition}: {len(paths)} notebooks in {dest / edition}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
