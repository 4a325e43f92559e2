"""Links between the lessons, the README and the docs: every file exists, every anchor
names a heading of its notebook (as JupyterLab makes anchors: the heading's text with
spaces turned into hyphens)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def notebook_markdown(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def heading_text(raw: str) -> str:
    """A heading as JupyterLab renders it: markdown markup removed."""
    text = re.sub(r"`([^`]*)`", r"\1", raw)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_]{1,2}([^*_]+)[*_]{1,2}", r"\1", text).strip()


def anchors(path: Path) -> set[str]:
    text = notebook_markdown(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
    found = set()
    for m in HEADING.finditer(text):
        title = heading_text(m.group(1))
        found.add(title.replace(" ", "-"))
        # GitHub's style too, for Markdown files read on a forge
        found.add(re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-"))
    return found


def documents() -> list[Path]:
    docs = sorted((ROOT / "notebooks").rglob("*.ipynb"))
    docs = [p for p in docs if ".ipynb_checkpoints" not in p.parts]
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *docs]


@pytest.mark.parametrize("doc", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves(doc):
    text = notebook_markdown(doc) if doc.suffix == ".ipynb" else doc.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        dest = (doc.parent / path_part).resolve() if path_part else doc
        if not dest.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and dest.suffix in (".ipynb", ".md") and anchor not in anchors(dest):
            broken.append(f"{target} (no heading with that anchor in {dest.name})")
    assert not broken, f"{doc.name}: broken links: {broken}"
