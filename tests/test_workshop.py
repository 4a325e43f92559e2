"""The workshop kit: agendas that add up, the generated guide and cheat sheet, the student
and instructor editions, the guarded install cell and the Colab links, lesson 00."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import editions  # noqa: E402
import nb as nbtool  # noqa: E402
import workshop  # noqa: E402

LESSONS = workshop.lessons()


# ----------------------------------------------------------------- agendas
@pytest.mark.parametrize("name", sorted(workshop.load_agendas()))
def test_agenda_minutes_are_the_lessons_marked_minutes(name):
    agenda = workshop.load_agendas()[name]
    problems = [p for block in agenda["blocks"] for p in workshop.check_block(block, LESSONS)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(workshop.load_agendas()))
def test_agenda_fits_its_time(name):
    agenda = workshop.load_agendas()[name]
    _, total = workshop.agenda_rows(agenda, LESSONS)
    assert total <= agenda["length"], f"{name}: {total} minutes in the room, planned {agenda['length']}"
    assert any(b.get("lesson") == "00" for b in agenda["blocks"]), "every workshop starts with lesson 00"


def test_check_block_names_the_mismatch():
    secs = workshop.sections(workshop.read(LESSONS["01"]))
    core = sum(s["minutes"] for s in secs if s["kind"] == "core")
    assert workshop.check_block({"lesson": "01", "sections": "core", "minutes": core}, LESSONS) == []
    (msg,) = workshop.check_block({"lesson": "01", "sections": "core", "minutes": core + 1}, LESSONS)
    assert f"add up to {core}, the agenda says {core + 1}" in msg and "--update" in msg
    assert "no section '99'" in workshop.check_block(
        {"lesson": "01", "sections": ["99"], "minutes": 0}, LESSONS)[0]


def test_in_room_minutes_round_up_to_five():
    assert [workshop.in_room(m, 1.35) for m in (10, 45, 30, 0)] == [15, 65, 45, 0]


def test_guide_and_cheatsheet_are_current():
    assert workshop.GUIDE.read_text(encoding="utf-8") == workshop.expected_guide(), \
        "docs/facilitator.md is stale: run `python tools/course.py guide`"
    md = workshop.cheatsheet_markdown()
    assert (ROOT / "docs" / "cheatsheet.md").read_text(encoding="utf-8") == md, \
        "docs/cheatsheet.md is stale: run `python tools/course.py cheatsheet`"
    assert (ROOT / "docs" / "cheatsheet.html").read_text(encoding="utf-8") == workshop.markdown_to_html(md)


def test_guide_has_what_a_facilitator_needs():
    text = workshop.GUIDE.read_text(encoding="utf-8")
    for words in ("### 3 hours", "### A full day", "send this to attendees", "When an install fails",
                  "Common learner errors", "wheelhouse", "Colab"):
        assert words in text, words
    errors = workshop.learner_errors()
    assert errors and all(len(msgs) >= 1 for msgs in errors.values())
    assert "T_max=… counts epochs" in " ".join(errors["01"])


def test_cheatsheet_has_every_summary_and_the_formulas():
    md = (ROOT / "docs" / "cheatsheet.md").read_text(encoding="utf-8")
    for number, path in LESSONS.items():
        for bullet in workshop.summary_bullets(workshop.read(path)):
            assert bullet in md, f"lesson {number}: summary bullet missing"
    assert "StepLR: ``lr(t) = base_lr * gamma ** (t // step_size)``" in md
    assert "<h2>Formulas</h2>" in (ROOT / "docs" / "cheatsheet.html").read_text(encoding="utf-8")


# ----------------------------------------------------------------- editions
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    dest = tmp_path_factory.mktemp("editions")
    editions.build(dest)
    return dest


def solution_only_lines(nb: dict) -> set[str]:
    """Lines that appear in solution cells and nowhere else in the lesson."""
    sol = {l.strip() for c in nb["cells"] if "solution" in editions.tags(c)
           for l in workshop.source(c).splitlines() if l.strip()}
    rest = {l.strip() for c in nb["cells"] if "solution" not in editions.tags(c)
            for l in workshop.source(c).splitlines()}
    return sol - rest


@pytest.mark.parametrize("number", sorted(LESSONS))
def test_student_edition_has_no_solution_left(built, number):
    shipped = workshop.read(LESSONS[number])
    student = json.loads((built / "student" / LESSONS[number].name).read_text(encoding="utf-8"))
    assert not any("solution" in editions.tags(c) for c in student["cells"])
    text = "\n".join(workshop.source(c) for c in student["cells"])
    assert not re.search(r"^###\s+Solution", text, re.M)
    leaked = [l for l in solution_only_lines(shipped) if l in text.splitlines()]
    assert not leaked, f"solution lines left: {leaked[:3]}"
    in_ex = False
    for cell in student["cells"]:
        src = workshop.source(cell)
        if cell["cell_type"] == "markdown" and src.startswith("## "):
            in_ex = src.startswith("## Exercises")
        if in_ex and cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    kept = [c for c in shipped["cells"] if "solution" not in editions.tags(c)]
    assert len(student["cells"]) >= len(kept) - 3 * len(workshop.sections(shipped))


PLACEHOLDER = re.compile(r"(=\s*\.\.\.|^\s+\.\.\.)", re.M)  # an answer left as ..., a value or a body


@pytest.mark.parametrize("number", sorted(LESSONS))
def test_student_edition_as_make_test_runs_it(built, tmp_path, number):
    """`make test` runs the student editions under nbval (its nbval-baseline part).

    That pass proves the edition runs top to bottom and reproduces the stored outputs,
    so here: it is the student edition cell for cell, with the shipped outputs kept,
    and in the shipped lesson every placeholder answer's stored output is the
    checker's "Not yet" (which nbval then demands from the student edition too).
    """
    copies = editions.checked(tmp_path, "some-kernel", ROOT / "notebooks")
    copy = json.loads((tmp_path / LESSONS[number].name).read_text(encoding="utf-8"))
    assert tmp_path / LESSONS[number].name in copies
    student = json.loads((built / "student" / LESSONS[number].name).read_text(encoding="utf-8"))
    assert [workshop.source(c) for c in copy["cells"]] == [workshop.source(c) for c in student["cells"]]
    assert copy["metadata"]["kernelspec"]["name"] == "some-kernel"
    shipped = {c.get("id"): c for c in workshop.read(LESSONS[number])["cells"]}
    fill_ins = 0
    for cell in copy["cells"]:
        assert cell.get("outputs", []) == shipped[cell.get("id")].get("outputs", []), "shipped outputs kept"
        if cell["cell_type"] == "code" and PLACEHOLDER.search(workshop.source(cell)) and "check" in workshop.source(cell):
            fill_ins += 1
            out = "".join(workshop.source({"source": o.get("text", "")}) for o in cell["outputs"])
            assert "Not yet" in out, f"an empty answer should print the checker's 'Not yet': {workshop.source(cell)[:80]}"
            assert not any(o.get("output_type") == "error" for o in cell["outputs"])
    if number != "00":
        assert fill_ins, "no exercise cell with a placeholder found"


def test_instructor_edition_is_the_lesson_plus_notes(built):
    for number, path in LESSONS.items():
        inst = json.loads((built / "instructor" / path.name).read_text(encoding="utf-8"))
        notes = [c for c in inst["cells"] if "instructor-notes" in editions.tags(c)]
        assert len(notes) == 1 and "Instructor notes" in workshop.source(notes[0])
        assert [c for c in inst["cells"] if c not in notes] == workshop.read(path)["cells"]
    assert (built / "instructor" / "facilitator.md").exists()


# ----------------------------------------------------------------- the no-install fallback
def install_cell(nb: dict) -> dict:
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return code[0]


@pytest.mark.parametrize("number", sorted(LESSONS))
def test_every_lesson_starts_with_the_current_install_cell(number):
    nb = workshop.read(LESSONS[number])
    cell = install_cell(nb)
    assert editions.tags(cell) == ["install"], "run `python tools/nb.py nav`: the install cell is missing"
    assert workshop.source(cell) == nbtool.install_cell_source(), "install cell stale: `python tools/nb.py nav`"
    assert cell.get("outputs", []) == [], "in the course's environment the install cell prints nothing"


def _run_cell(extra_flags: list[str]) -> str:
    """Run the install cell in a fresh interpreter with pip replaced by a recorder."""
    prelude = ("import subprocess, json\n"
               "subprocess.run = lambda cmd, **kw: print('PIP', json.dumps(cmd[1:]))\n")
    code = prelude + nbtool.install_cell_source()
    return subprocess.run([sys.executable, *extra_flags, "-c", code], capture_output=True, text=True,
                          check=True, cwd="/").stdout


def test_install_cell_does_nothing_in_the_course_environment():
    assert _run_cell([]) == ""


def test_install_cell_installs_outside_the_course_environment():
    """-S hides site-packages, so lrlessons is not importable: as on Colab."""
    out = _run_cell(["-I", "-S"]).splitlines()
    assert out[0].startswith("Installing the course's helper package")
    cmd = json.loads(out[1][4:])
    assert cmd[:4] == ["-m", "pip", "install", "-q"]
    repo = nbtool.course_links()["repository"]
    assert cmd[4] == f"lrlessons @ git+{repo}@{nbtool.course_links()['branch']}"
    req = (ROOT / "requirements.txt").read_text()
    for pin in cmd[5:]:
        assert re.search(rf"^{re.escape(pin)}\s", req, re.M), pin
    assert not any(p.startswith(("torch==", "torchvision==", "jupyterlab==")) for p in cmd)
    assert "timm==1.0.31" in cmd and "ipywidgets==8.1.9" in cmd


def test_colab_and_binder_links_come_from_one_setting():
    links = nbtool.course_links()
    assert links["repository"].startswith("https://github.com/")
    readme = (ROOT / "README.md").read_text()
    lesson00 = "\n".join(workshop.source(c) for c in workshop.read(LESSONS["00"])["cells"])
    for number, path in LESSONS.items():
        url = nbtool.colab_url(path.name)
        assert url.startswith("https://colab.research.google.com/github/")
        assert f"[Colab]({url})" in readme and f"[Colab]({url})" in lesson00
    assert nbtool.binder_url() in readme and nbtool.binder_url() in lesson00
    binder = ROOT / "binder"
    assert "-r ../requirements.txt" in (binder / "requirements.txt").read_text()
    assert "-c ../requirements-lock.txt" in (binder / "requirements.txt").read_text()
    assert "pip install --no-deps -e ." in (binder / "postBuild").read_text()


# ----------------------------------------------------------------- lesson 00
def test_lesson_00_machine_cell_and_stable_check():
    nb = workshop.read(LESSONS["00"])
    tagged = [c for c in nb["cells"] if "own-machine" in editions.tags(c)]
    assert len(tagged) == 1 and "nbval-ignore-output" in editions.tags(tagged[0])
    assert "report()" in workshop.source(tagged[0])
    outputs = "\n".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                        and c not in tagged for o in c.get("outputs", []))
    assert re.search(r"libraries as pinned \.+ yes", outputs) and "verdict: READY" in outputs
    assert "as pinned: yes" in outputs
    fragile = subprocess.run([sys.executable, str(ROOT / "tools" / "fragile.py"), str(LESSONS["00"])],
                             capture_output=True, text=True)
    assert fragile.stdout == "" and fragile.returncode == 0
    text = "\n".join(workshop.source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "Shut Down Kernel" in text and "my-notebooks/" in text and "course.py reset" in text
