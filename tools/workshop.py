#!/usr/bin/env python3
"""The facilitator's kit, generated from the lessons (standard library only).

    python tools/workshop.py guide [--update]   # the generated parts of docs/facilitator.md
    python tools/workshop.py cheatsheet         # docs/cheatsheet.md and docs/cheatsheet.html

``guide`` writes the agenda tables and the list of common learner errors into
docs/facilitator.md, between ``<!-- NAME:start -->`` / ``<!-- NAME:end -->`` markers.
The agendas are data: docs/agenda.json names, for each agenda, the lessons and
sections in order and the marked minutes they add up to. The minutes come from the
lessons' section marks (``*Core · 10 min*``); when a lesson's marks change,
``tests/test_workshop.py`` fails and ``guide --update`` rewrites the stated minutes
from the lessons (then read the agenda again: it may no longer fit its day).

``cheatsheet`` collects every lesson's Summary bullets and the closed-form formulas
from ``lrlessons/formulas`` (their docstrings) into one page.
"""
from __future__ import annotations

import ast
import html
import json
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DOCS = ROOT / "docs"
AGENDA = DOCS / "agenda.json"
GUIDE = DOCS / "facilitator.md"
LESSON_RE = re.compile(r"^\d\d[a-z]?_[a-z0-9_]+\.ipynb$")
HEADING = re.compile(r"^## (?:(\d+)\.|(Exercises))\s*(.*)$")
MARK = re.compile(r"^\*(Core|Optional) · (\d+) min\*$")


# ----------------------------------------------------------------- reading lessons
def lessons() -> dict[str, Path]:
    """Lesson number ("00", "04a", ...) -> path, for the shipped lessons."""
    return {p.name.split("_")[0]: p for p in sorted(NOTEBOOKS.glob("*.ipynb")) if LESSON_RE.match(p.name)}


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def title(nb: dict) -> str:
    for cell in nb["cells"]:
        text = source(cell)
        if cell["cell_type"] == "markdown" and text.startswith("# "):
            return text.splitlines()[0][2:].strip()
    return "?"


def sections(nb: dict) -> list[dict]:
    """Every numbered section and the exercises: key ("3" or "Exercises"), heading,
    kind ("core", "optional" or "" when unmarked) and minutes (0 when unmarked)."""
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        lines = source(cell).splitlines()
        m = HEADING.match(lines[0]) if lines else None
        if not m:
            continue
        mark = MARK.match(lines[1].strip()) if len(lines) > 1 else None
        found.append({"key": m.group(1) or "Exercises", "heading": lines[0][3:].strip(),
                      "kind": mark.group(1).lower() if mark else "",
                      "minutes": int(mark.group(2)) if mark else 0})
    return found


# ----------------------------------------------------------------- agendas
def load_agendas() -> dict:
    return json.loads(AGENDA.read_text(encoding="utf-8"))


def block_sections(block: dict, lesson_sections: list[dict]) -> list[dict]:
    """The sections a block of an agenda covers: "core" (every core section) or a list."""
    chosen = block.get("sections", "core")
    if chosen == "core":
        return [s for s in lesson_sections if s["kind"] == "core"]
    by_key = {s["key"]: s for s in lesson_sections}
    return [by_key[str(k)] for k in chosen if str(k) in by_key]


def check_block(block: dict, all_lessons: dict[str, Path]) -> list[str]:
    """What is wrong with one block of an agenda, in words (empty when it is right)."""
    if "lesson" not in block:
        return []
    number = block["lesson"]
    if number not in all_lessons:
        return [f"lesson {number} is in the agenda but not in notebooks/"]
    secs = sections(read(all_lessons[number]))
    problems = []
    chosen = block.get("sections", "core")
    if chosen != "core":
        keys = {s["key"] for s in secs}
        problems += [f"lesson {number}: no section {k!r}" for k in chosen if str(k) not in keys]
    covered = block_sections(block, secs)
    unmarked = [s["heading"] for s in covered if not s["kind"]]
    unmarked += [s["heading"] for s in secs if not s["kind"] and chosen == "core"]
    if unmarked:
        problems.append(f"lesson {number}: sections without a core/optional mark: {sorted(set(unmarked))}")
    total = sum(s["minutes"] for s in covered)
    if total != block["minutes"]:
        problems.append(f"lesson {number}: the marked minutes of {describe(block)} add up to {total}, "
                        f"the agenda says {block['minutes']} (run `python tools/workshop.py guide --update`)")
    return problems


def describe(block: dict) -> str:
    chosen = block.get("sections", "core")
    if chosen == "core":
        return "the core sections"
    return "sections " + ", ".join(f"§{k}" if str(k)[0].isdigit() else str(k) for k in chosen)


def in_room(minutes: int, factor: float) -> int:
    """Marked minutes as they run in a room: times the room factor, up to a multiple of 5."""
    return int(5 * math.ceil(minutes * factor / 5))


def agenda_rows(agenda: dict, all_lessons: dict[str, Path]) -> tuple[list[list[str]], int]:
    rows, clock = [], 0
    factor = agenda["room_factor"]
    for block in agenda["blocks"]:
        if "lesson" in block:
            nb = read(all_lessons[block["lesson"]]) if block["lesson"] in all_lessons else {"cells": []}
            room = in_room(block["minutes"], factor)
            what = f"{title(nb)}: {describe(block)}"
            rows.append([_clock(agenda["start"], clock), what, str(block["minutes"]), str(room)])
        else:
            room = block["minutes"]
            rows.append([_clock(agenda["start"], clock), f"*{block['what']}*", "", str(room)])
        clock += room
    return rows, clock


def _clock(start: str, minutes: int) -> str:
    h, m = map(int, start.split(":"))
    total = h * 60 + m + minutes
    return f"{total // 60:02d}:{total % 60:02d}"


def agenda_table(name: str, agenda: dict, all_lessons: dict[str, Path]) -> str:
    rows, total = agenda_rows(agenda, all_lessons)
    marked = sum(b["minutes"] for b in agenda["blocks"] if "lesson" in b)
    out = [f"**{agenda['title']}** ({agenda['length']} minutes; marked minutes x {agenda['room_factor']} "
           "for a room, rounded up to 5)", "",
           "| Start | What | Marked min | In the room |", "|---|---|---|---|"]
    out += [f"| {' | '.join(r)} |" for r in rows]
    out += [f"| {_clock(agenda['start'], total)} | *end* | {marked} | {total} |"]
    return "\n".join(out)


def update_minutes(agendas: dict, all_lessons: dict[str, Path]) -> dict:
    for agenda in agendas.values():
        for block in agenda["blocks"]:
            if "lesson" in block and block["lesson"] in all_lessons:
                secs = sections(read(all_lessons[block["lesson"]]))
                block["minutes"] = sum(s["minutes"] for s in block_sections(block, secs))
    return agendas


# ----------------------------------------------------------------- learner errors
def learner_errors(root: Path = ROOT) -> dict[str, list[str]]:
    """The mistakes the checkers anticipate: each ``verdict(False, "", message)`` with a
    specific message (not the "still empty" one), per lesson, placeholders as ``…``."""
    found: dict[str, list[str]] = {}
    for path in sorted((root / "lrlessons" / "exercises").glob("lesson*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        messages = []
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "verdict"
                    and len(node.args) == 3 and isinstance(node.args[0], ast.Constant)
                    and node.args[0].value is False):
                text = _flatten(node.args[2])
                if (text and "EMPTY" not in text and len(text) > 25 and "fill in" not in text
                        and "failed: …" not in text):
                    messages.append(text)
        if messages:
            found[path.stem.replace("lesson", "")] = list(dict.fromkeys(messages))
    return found


def _flatten(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            else:
                inner = getattr(v, "value", None)
                parts.append("EMPTY" if getattr(inner, "id", "") == "EMPTY" else "…")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _flatten(node.left) + _flatten(node.right)
    return ""


def errors_block(all_lessons: dict[str, Path]) -> str:
    out = []
    for number, messages in learner_errors().items():
        name = next((title(read(p)) for n, p in all_lessons.items() if n.startswith(number)), f"lesson {number}")
        out.append(f"**{name}**")
        out += [f"- {m.strip()}" for m in messages]
        out.append("")
    return "\n".join(out).rstrip()


# ----------------------------------------------------------------- the guide
def replace_block(text: str, name: str, body: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in text:
        raise SystemExit(f"{GUIDE.name}: no {start} marker")
    return re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: f"{start}\n{body}\n{end}",
                  text, flags=re.S)


def expected_guide(agendas: dict | None = None) -> str:
    all_lessons = lessons()
    agendas = agendas or load_agendas()
    text = GUIDE.read_text(encoding="utf-8")
    for name, agenda in agendas.items():
        text = replace_block(text, f"agenda-{name}", agenda_table(name, agenda, all_lessons))
    return replace_block(text, "learner-errors", errors_block(all_lessons))


# ----------------------------------------------------------------- the cheat sheet
def summary_bullets(nb: dict) -> list[str]:
    for cell in nb["cells"]:
        text = source(cell)
        if cell["cell_type"] == "markdown" and "## Summary" in text:
            part = text.split("## Summary", 1)[1].split("\n## ", 1)[0]
            return [l[2:].strip() for l in part.splitlines() if l.startswith("- ")]
    return []


def formulas(root: Path = ROOT) -> dict[str, list[str]]:
    """Library -> one line per closed form, from lrlessons/formulas' docstrings."""
    out: dict[str, list[str]] = {}
    names = {"torch_schedules": "PyTorch (t = scheduler.step() calls)",
             "timm_schedules": "timm (t = epoch or update count)",
             "keras_schedules": "Keras (t = optimizer steps)",
             "transformers_schedules": "transformers (t = scheduler steps)"}
    for stem, label in names.items():
        path = root / "lrlessons" / "formulas" / f"{stem}.py"
        if not path.exists():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lines = []
        module_doc = ast.get_docstring(tree) or ""
        bullets = re.findall(r"^- (``\w+``.*?)(?=^- |^\S|\Z)", module_doc, flags=re.M | re.S)
        if bullets:
            lines = [" ".join(b.split()) for b in bullets]
        else:
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                    doc = ast.get_docstring(node) or ""
                    first = " ".join(doc.split("\n\n")[0].split())
                    if "``" in first:
                        lines.append(first)
        out[label] = lines
    return out


def cheatsheet_markdown() -> str:
    out = ["# lrlessons cheat sheet", "",
           "The course in brief: every lesson's summary and the closed forms the course checks "
           "against the real libraries. Generated by `python tools/course.py cheatsheet`; "
           "do not edit by hand.", ""]
    for number, path in lessons().items():
        nb = read(path)
        bullets = summary_bullets(nb)
        if bullets:
            out += [f"## {title(nb)}", ""] + [f"- {b}" for b in bullets] + [""]
    out += ["## Formulas", ""]
    for label, lines in formulas().items():
        out += [f"**{label}**", ""] + [f"- {l}" for l in lines] + [""]
    return "\n".join(out).rstrip() + "\n"


def markdown_to_html(md: str) -> str:
    """Enough Markdown for the cheat sheet: headings, bullets, bold, code, links."""
    def inline(s: str) -> str:
        s = html.escape(s, quote=False)
        s = re.sub(r"``(.+?)``|`([^`]+)`", lambda m: f"<code>{m.group(1) or m.group(2)}</code>", s)
        s = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", s)
        s = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r'<a href="\2">\1</a>', s)
        return s

    body, in_list = [], False
    for line in md.splitlines():
        if line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{inline(line[2:])}</li>")
            continue
        if in_list:
            body.append("</ul>")
            in_list = False
        if line.startswith("## "):
            body.append(f"<h2>{inline(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{inline(line[2:])}</h1>")
        elif line.strip():
            body.append(f"<p>{inline(line)}</p>")
    if in_list:
        body.append("</ul>")
    style = ("body{font-family:system-ui,sans-serif;max-width:60em;margin:1em auto;font-size:11pt;"
             "line-height:1.35}h1{font-size:16pt}h2{font-size:12pt;margin:.8em 0 .2em;"
             "border-bottom:1px solid #ccc}ul{margin:.2em 0;padding-left:1.3em}"
             "code{font-size:10pt;background:#f3f3f3}@media print{body{font-size:7.5pt;columns:2;"
             "column-gap:2em;max-width:none;margin:0}code{font-size:7pt}h1,h2{break-after:avoid}}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>lrlessons cheat sheet</title><style>{style}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv[0] == "guide":
        agendas = load_agendas()
        if "--update" in argv:
            agendas = update_minutes(agendas, lessons())
            AGENDA.write_text(json.dumps(agendas, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        GUIDE.write_text(expected_guide(agendas), encoding="utf-8")
        problems = [p for a in agendas.values() for b in a["blocks"] for p in check_block(b, lessons())]
        for name, agenda in agendas.items():
            _, total = agenda_rows(agenda, lessons())
            if total > agenda["length"]:
                problems.append(f"agenda {name}: {total} minutes in the room, more than its {agenda['length']}")
        for p in problems:
            print("problem:", p)
        return 1 if problems else 0
    if argv[0] == "cheatsheet":
        md = cheatsheet_markdown()
        (DOCS / "cheatsheet.md").write_text(md, encoding="utf-8")
        (DOCS / "cheatsheet.html").write_text(markdown_to_html(md), encoding="utf-8")
        print(f"wrote {DOCS / 'cheatsheet.md'} and {DOCS / 'cheatsheet.html'}")
        return 0
    print(f"unknown command {argv[0]!r}; see --help", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
