"""Find stored notebook outputs that would read differently on another machine.

Used by ``tests/test_notebook_hygiene.py`` (and runnable alone:
``python tools/fragile.py notebooks/*.ipynb``). A stored output is fragile when it
shows something that changes with the machine rather than with the lesson:

- a Python patch version (``python 3.11.7``), a device name (``device cuda``);
- a memory address, a machine path, a timing or a date;
- a number below 1e-9 printed as a measured difference (``max diff 1e-17``), or a
  float32-level gap (1e-9 to 1e-5) printed as a difference, gap or error.

A threshold is not a measurement: ``within 1e-12: yes``, ``tol=1e-9`` and
``below 1e-12`` are allowed. Tables are read column by column: the numbers under a
header that says diff, gap or error are measured differences.
"""
from __future__ import annotations

import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
PATTERNS: dict[str, re.Pattern] = {
    "python patch version": re.compile(r"\bpython\s*[:=]?\s*v?3\.\d{1,2}\.\d+", re.I),
    "device name": re.compile(
        r"\bdevice\b\W{0,3}(?:type\W{0,3})?['\"]?(?:cuda|cpu|mps|xpu|gpu)\b"
        r"|\bcuda:\d\b|\b(?:NVIDIA|GeForce|Tesla [A-Z]\d|Apple M\d)\b", re.I),
    "memory address": re.compile(r"\b0x[0-9a-fA-F]{6,}\b"),
    "machine path": re.compile(
        r"(?:/root/|/tmp/|/work/|/home/[^/\s]+/|/Users/[^/\s]+/|[A-Z]:\\\\?Users|site-packages|\.venv/)"),
    "timing": re.compile(
        r"\b(?:took|elapsed|wall time|cpu times|in)\s*:?\s*" + NUMBER + r"\s*(?:ms|µs|us|ns|s|sec|seconds)\b"
        r"|" + NUMBER + r"\s*(?:it/s|s/it)\b|\[\d\d:\d\d<\d\d:\d\d", re.I),
    "date": re.compile(r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b|\b[0-2]\d:[0-5]\d:[0-5]\d\b"),
}
MEASURED = re.compile(r"diff|gap|error|deviat|discrepan|off by|residual|\|.*-.*\|", re.I)
#: a table column whose header compares two things holds differences too
HEADER = re.compile(MEASURED.pattern + r"|\bvs\.?\b|\bminus\b", re.I)
THRESHOLD = re.compile(r"(?:within|tol|atol|rtol|tolerance|below|under|<=?|≤|<|above|threshold|floor|at most"
                       r"|eps|epsilon|than)\s*[:=(]?\s*[-+]?$", re.I)
FLOAT = re.compile(NUMBER)


def _numbers(line: str) -> Iterator[tuple[float, str]]:
    """Each number in ``line`` with the text just before it."""
    for m in FLOAT.finditer(line):
        if m.start() > 0 and (line[m.start() - 1].isalnum() or line[m.start() - 1] in "_."):
            continue  # part of a name such as float32 or x1e5
        try:
            value = float(m.group())
        except ValueError:
            continue
        yield value, line[max(0, m.start() - 24):m.start()]


def tiny_measurements(line: str, measured: bool) -> list[str]:
    """Numbers below 1e-5 in ``line`` printed as a measured difference.

    ``measured`` says the line (or the table column) speaks of a difference, gap
    or error; a number right after a threshold word (within, tol, below, <) is a
    stated tolerance, not a measurement. Below 1e-9 a measured difference is
    round-off in float64; from 1e-9 to 1e-5 it is round-off in float32.
    """
    if not measured:
        return []
    return [f"{value:g}" for value, before in _numbers(line)
            if 0 < abs(value) < 1e-5 and not THRESHOLD.search(before.rstrip())]


class _Tables(HTMLParser):
    """Collect the cells of every HTML table: (header per column, rows of cells)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag in ("tr", "p", "div", "br", "li"):
            self.text.append("\n")

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        self.text.append(data)


def _table_findings(rows: list[list[str]]) -> list[str]:
    """Measured round-off in table columns whose header names a difference."""
    found = []
    if not rows:
        return found
    header = rows[0]
    width = len(header)
    measured_cols = {i for i, h in enumerate(header) if HEADER.search(h)}
    # a row index column shifts the body one to the right of the header (pandas)
    for row in rows[1:]:
        shift = len(row) - width
        for i, cell in enumerate(row):
            col = i - shift if shift > 0 else i
            found += tiny_measurements(cell, col in measured_cols)
    return found


def _plain_table_findings(text: str) -> list[str]:
    """The same for a table printed as text: a header line, then aligned rows."""
    found = []
    lines = text.splitlines()
    for k, head in enumerate(lines):
        if not HEADER.search(head):
            continue
        for col in re.finditer(r"\S+(?: \S+)*", head):
            if not HEADER.search(col.group()):
                continue
            lo, hi = col.start(), col.end()
            for row in lines[k + 1:k + 60]:
                for m in FLOAT.finditer(row):
                    if m.start() < hi + 2 and m.end() > lo - 2:
                        found += tiny_measurements(m.group(), True)
    return found


def scan_text(text: str, *, html_text: bool = False) -> list[str]:
    """Every fragile item in one output's text, as 'kind: snippet'."""
    problems: list[str] = []
    table_problems: list[str] = []
    if html_text:
        parser = _Tables()
        parser.feed(text)
        for rows in parser.tables:
            table_problems += _table_findings(rows)
        text = html.unescape("".join(parser.text))
    else:
        table_problems += _plain_table_findings(text)
    for kind, pattern in PATTERNS.items():
        m = pattern.search(text)
        if m:
            problems.append(f"{kind}: {m.group()!r}")
    for line in text.splitlines():
        for value in tiny_measurements(line, bool(MEASURED.search(line))):
            problems.append(f"round-off printed as a measurement: {value} in {line.strip()[:80]!r}")
    problems += [f"round-off printed in a difference column: {v}" for v in table_problems]
    return problems


def output_texts(cell: dict) -> Iterator[tuple[str, bool]]:
    """(text, is_html) for every text output of a code cell (errors left out: they are tagged)."""
    for out in cell.get("outputs", []):
        if "text" in out:
            yield "".join(out["text"]), False
        data = out.get("data", {})
        if "text/plain" in data:
            yield "".join(data["text/plain"]), False
        if "text/html" in data:
            yield "".join(data["text/html"]), True


def scan_notebook(nb: dict) -> list[str]:
    """Fragile outputs of a whole notebook, as 'cell N: kind: snippet'."""
    problems = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("metadata", {}).get("tags", []).count("own-machine"):
            continue  # the one cell whose point is the learner's machine (nbval ignores it)
        for text, is_html in output_texts(cell):
            problems += [f"cell {i}: {p}" for p in scan_text(text, html_text=is_html)]
    return problems


def main(paths: list[str]) -> int:
    bad = 0
    for p in paths:
        for problem in scan_notebook(json.loads(Path(p).read_text(encoding="utf-8"))):
            print(f"{p}: {problem}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
