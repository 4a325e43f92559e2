"""The learner's JupyterLab, in a real browser (Debian's Chromium driven by Playwright).

What `make lab` promises, checked the way a learner meets it:
- the lessons open from working copies (made as tools/course.py makes them), and opening one,
  letting the kernel connect and autosave run changes nothing: the tab is not marked
  unsaved and the file's bytes are the same;
- JupyterLab's log has no "not trusted" line and no warning about unencrypted TCP;
- a run of a lesson with progress bars and widgets, saved and reopened without a
  kernel, shows no "Error displaying widget";
- at 1024x768 (projector) and 1366x768 (laptop) no output is wider than the notebook
  and no figure is shrunk to unreadable size.

Set LRLESSONS_SCREENSHOT_DIR to keep the screenshots.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import labserver  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = labserver.ROOT
spec = importlib.util.spec_from_file_location("course_tool", ROOT / "tools" / "course.py")
course_tool = importlib.util.module_from_spec(spec)
sys.modules["course_tool"] = course_tool
spec.loader.exec_module(course_tool)

LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
SHOTS = os.environ.get("LRLESSONS_SCREENSHOT_DIR")
# Test-only settings: autosave every second (JupyterLab's default is 2 minutes), and
# render every cell, so the checks see outputs wherever they are in a lesson.
FAST = {"@jupyterlab/docmanager-extension:plugin": {"autosaveInterval": 1},
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
KERNEL_S = 120
STATE_JS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!w || !w.context || !w.context.isReady) return null;
  const k = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return {path: w.context.path, dirty: w.context.model.dirty, kernel: k ? k.status : 'none'};
}"""


def kernel_python_version() -> str:
    return subprocess.run([labserver.python(), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()


def lab_args() -> list[str]:
    """The flags `make lab` starts JupyterLab with, where they matter to these checks."""
    return course_tool.quiet_kernel_flags()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Working copies made as `make lab` makes them, served by a fresh JupyterLab."""
    labserver.need_browser()
    tmp = tmp_path_factory.mktemp("lab")
    work = tmp / "my-notebooks"
    env = labserver.jupyter_env(tmp)
    os.environ.update({k: env[k] for k in ("JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR")})
    copied = course_tool.sync_working_copy(ROOT / "notebooks", work, kernel_python_version())
    course_tool.trust(copied, Path(labserver.python()).parent.parent)
    with labserver.jupyterlab(work, tmp, FAST, lab_args()) as (base, token, log):
        yield base, token, log, work


#: The tab of one path: ready, its kernel idle, and in front (brought there if not).
FRONT_JS = """(p) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;  // the page is still loading
  const w = Array.from(app.shell.widgets('main')).find(w => w.context && w.context.path === p);
  if (!w || !w.context.isReady) return null;
  if (app.shell.currentWidget !== w) { app.shell.activateById(w.id); return null; }
  const k = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return {path: p, dirty: w.context.model.dirty, kernel: k ? k.status : 'none'};
}"""


def open_lesson(page, base, token, name, first=False):
    """Open ``name`` (the first time through its URL) and wait until its tab is in front, idle."""
    if first:
        # `reset`: a new browser starts from an empty workspace, not from the tabs an
        # earlier test left in the saved one (each would start a kernel again)
        page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
    else:
        page.evaluate("async (p) => { await window.jupyterapp.commands.execute('docmanager:open', "
                      "{path: p}); return null; }", name)
    # found by path, not as "the current tab": a late tab (JupyterLab re-opening the page's
    # URL, say) may take the front, and is sent back
    return labserver.wait(lambda: (lambda s: s if s and s["kernel"] == "idle" else None)(
        page.evaluate(FRONT_JS, name)), KERNEL_S, f"{name} open with an idle kernel", page=page)


def close_all(page):
    """Close every tab without a "save?" dialog, shut its kernel down, and wait until done."""
    page.evaluate("""async () => {
      // what matters was saved and checked already: close without a "save?" dialog
      for (const w of Array.from(window.jupyterapp.shell.widgets('main')))
        if (w.context && w.context.model) w.context.model.dirty = false;
      await window.jupyterapp.commands.execute('application:close-all');
      await window.jupyterapp.serviceManager.sessions.refreshRunning();
      await Promise.all(Array.from(window.jupyterapp.serviceManager.sessions.running()).map(
        s => window.jupyterapp.serviceManager.sessions.shutdown(s.id)));
      return null;
    }""")
    # closing is asynchronous: open the next lesson only once nothing is left open or running
    labserver.wait(lambda: page.evaluate("""async () => {
      await window.jupyterapp.serviceManager.sessions.refreshRunning();
      // JupyterLab shows a Launcher once the last tab is closed: count documents only
      return Array.from(window.jupyterapp.shell.widgets('main')).filter(w => w.context).length === 0 &&
             Array.from(window.jupyterapp.serviceManager.sessions.running()).length === 0;
    }"""), 60, "every tab closed and every kernel shut down", page=page)


ALL_STATES_JS = """() => Array.from(window.jupyterapp.shell.widgets('main')).filter(w => w.context).map(w => {
  const k = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return {path: w.context.path, ready: w.context.isReady, dirty: w.context.model.dirty,
          kernel: k ? k.status : 'none'};
})"""


def test_opening_a_lesson_changes_nothing(course):
    """Every lesson open at once (one kernel each), as a learner's tabs pile up."""
    base, token, log, work = course
    before = {name: (work / name).read_bytes() for name in LESSONS}
    with labserver.chromium() as (page, errors):
        open_lesson(page, base, token, LESSONS[0], first=True)
        page.evaluate("""async (names) => {
          // all at once, as fast as a learner's clicks can come
          await Promise.all(names.map(p => window.jupyterapp.commands.execute('docmanager:open', {path: p})));
          return null;
        }""", LESSONS[1:])

        def all_idle():
            states = page.evaluate(ALL_STATES_JS)
            ready = {s["path"] for s in states if s["ready"] and s["kernel"] == "idle"}
            return states if ready >= set(LESSONS) else None

        labserver.wait(all_idle, KERNEL_S, f"all {len(LESSONS)} lessons open with idle kernels", page=page)
        # stay until autosave (every second here) has had several chances to write
        for _ in range(12):
            page.wait_for_timeout(250)
            dirty = [s["path"] for s in page.evaluate(ALL_STATES_JS) if s["dirty"]]
            assert not dirty, f"marked unsaved after opening: {dirty}"
        rewritten = [name for name in LESSONS if (work / name).read_bytes() != before[name]]
        assert not rewritten, f"rewritten by opening them: {rewritten}"
        close_all(page)
    text = log.read_text(errors="replace")
    assert "not trusted" not in text, "JupyterLab says a shipped lesson is not trusted"
    assert "without encryption" not in text, "the kernel warns about unencrypted TCP"


def widget_errors(page) -> int:
    return page.evaluate("() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))"
                         ".filter(e => e.textContent.includes('Error displaying widget')).length")


@pytest.mark.parametrize("name", [n for n in LESSONS if n.startswith("01_")])
def test_a_saved_run_reopens_without_widget_errors(course, name):
    """Run All (progress bars on, as for a learner), save, close, reopen with a new kernel."""
    base, token, log, work = course
    with labserver.chromium() as (page, errors):
        open_lesson(page, base, token, name, first=True)
        # this test saves once, itself: an autosave landing beside that save (under load, Run
        # All can take as long as the autosave interval) rewrites the file behind the page's
        # back, and the next save asks "File Changed ... overwrite?"
        autosave = page.evaluate(AUTOSAVE_OFF_JS)
        page.evaluate("""async () => {
          const w = window.jupyterapp.shell.currentWidget;
          await w.sessionContext.session.kernel.requestExecute(
            {code: "import os; os.environ['LRLESSONS_PROGRESS'] = '1'"}).done;
          void window.jupyterapp.commands.execute('notebook:run-all-cells');  // polled below
          return null;
        }""")
        labserver.wait(lambda: page.evaluate("""() => {
          const w = window.jupyterapp.shell.currentWidget;
          const cells = w.content.widgets.filter(c => c.model.type === 'code' && c.model.sharedModel.getSource().trim());
          const k = w.sessionContext.session.kernel;
          return k.status === 'idle' && cells.every(c => c.model.executionCount !== null);
        }"""), 300, f"Run All of {name}")
        page.evaluate("async () => { await window.jupyterapp.commands.execute('docmanager:save'); "
                      "return null; }")
        labserver.wait(lambda: not page.evaluate(STATE_JS)["dirty"], 60, "the save")
        # the server writes the file in place: read it once the write has finished
        saved = labserver.wait(lambda: _complete_json(work / name), 30, f"{name} written to disk")
        assert all(c.get("execution_count") for c in saved["cells"]
                   if c["cell_type"] == "code" and "".join(c["source"]).strip()), "the run was not saved"
        close_all(page)
        # reopen: a fresh kernel (or none yet), so the run's widget models are gone
        page.evaluate("async (p) => { await window.jupyterapp.commands.execute('docmanager:open', "
                      "{path: p}); return null; }", name)
        labserver.wait(lambda: page.evaluate(FRONT_JS, name), KERNEL_S,
                       f"{name} to reopen", page=page)
        # the reopened outputs render; widgets come back from their saved state
        labserver.wait(lambda: page.evaluate("() => document.querySelectorAll('.jp-OutputArea-output').length"),
                       60, "outputs to render")
        page.wait_for_timeout(1500)
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"reopened-{name}.png"))
        assert widget_errors(page) == 0, f"{name}: 'Error displaying widget' after reopening a saved run"
        close_all(page)
        if autosave:  # back as it was, for the tests after this one
            page.evaluate("async () => { await window.jupyterapp.commands.execute('docmanager:toggle-autosave'); "
                          "return null; }")


AUTOSAVE_OFF_JS = """async () => {
  const on = window.jupyterapp.commands.isToggled('docmanager:toggle-autosave');
  if (on) await window.jupyterapp.commands.execute('docmanager:toggle-autosave');
  if (window.jupyterapp.commands.isToggled('docmanager:toggle-autosave')) throw new Error('autosave stayed on');
  return on;
}"""


def _complete_json(path: Path) -> dict | None:
    """The notebook at ``path``, or None while it is still being written."""
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, FileNotFoundError):
        return None


SIZES = {"laptop": (1366, 768), "projector": (1024, 768)}
FIT_JS = """() => {
  const out = [];
  for (const o of document.querySelectorAll('.jp-OutputArea-output')) {
    if (o.scrollWidth > o.clientWidth + 2) out.push(['overflow', o.scrollWidth, o.clientWidth, o.textContent.slice(0, 60)]);
  }
  for (const img of document.querySelectorAll('.jp-OutputArea-output img')) {
    if (img.offsetParent === null) continue;  // inside a collapsed solution, or another tab
    const shown = img.getBoundingClientRect().width;
    if (img.naturalWidth > 0 && shown < 0.75 * img.naturalWidth) out.push(['shrunk', shown, img.naturalWidth]);
  }
  return out;
}"""


def test_outputs_fit_the_screen(course):
    """No output wider than the notebook; figures shown at a readable scale, on both screens.

    The widest lessons are opened once; the window is then a laptop's, and a projector's
    with the file browser hidden, as a presenter would have it.
    """
    base, token, log, work = course
    wide = [n for n in LESSONS if n.startswith(("01_", "05_"))]
    with labserver.chromium(SIZES["laptop"]) as (page, errors):
        for i, name in enumerate(wide):
            open_lesson(page, base, token, name, first=(i == 0))
        for screen, size in SIZES.items():
            page.set_viewport_size({"width": size[0], "height": size[1]})
            if size[0] < 1200:  # a projector user hides the file browser
                page.evaluate("async () => { await window.jupyterapp.commands.execute("
                              "'application:toggle-left-area'); return null; }")
            for name in wide:
                open_lesson(page, base, token, name)  # brings its tab to the front
                page.wait_for_timeout(500)  # the new layout
                report = page.evaluate(FIT_JS)
                if SHOTS:
                    page.screenshot(path=str(Path(SHOTS) / f"{name[:3]}-{size[0]}.png"))
                assert report == [], f"{name} on a {screen} ({size[0]}x{size[1]}): {report[:5]}"
        close_all(page)
