"""Lesson 07 in a real browser: JupyterLab + headless Chromium (Debian's) driven by Playwright.

A fresh JupyterLab server per run, on 127.0.0.1 with a random free port and a random
token, serving a temporary copy of notebooks/ (nothing is written back) with the
repository's venv (its python3 kernel has lrlessons). Chromium opens lesson 07, runs all
cells, drags a slider of the explorer, and the test checks that the plot image and the
code shown changed. Every wait polls for a stable state (kernel idle, all cells
numbered, the image unchanged over several polls); nothing sleeps a fixed time.

Set LRLESSONS_SCREENSHOT_DIR to keep a screenshot of the explorer. `make test` installs
Debian's chromium when it is missing (as root); without it the test is skipped.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
LESSON = "07_explorer.ipynb"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_S = 180
RUN_ALL_S = 300
CHANGE_S = 60


def _python() -> str:
    """The repository's venv python (its kernel spec python3 then runs in the venv too)."""
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str, interval: float = 0.25):
    """Poll ``predicate`` until it returns a truthy value; fail naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)  # a polling interval, not a wait for a fixed state
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def _stable(read, polls: int, timeout: float, what: str, differs_from=None, interval: float = 0.25):
    """Poll ``read`` until it returns the same value ``polls`` times in a row (and not ``differs_from``)."""
    state = {"value": object(), "same": 0}

    def settled():
        value = read()
        if value is not None and value == state["value"] and value != differs_from:
            state["same"] += 1
        else:
            state["value"], state["same"] = value, 0
        return state["same"] >= polls - 1 and state["value"]

    return _wait(settled, timeout, what, interval)


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on a copy of notebooks/; yields (base url, token); always stopped."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (`make browser` as root, or "
                    "`apt-get install chromium`) to run the browser test")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed in this environment")
    original = (ROOT / "notebooks" / LESSON).read_bytes()
    served = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", served)
    port, token = _free_port(), os.urandom(24).hex()
    env = dict(os.environ, KERAS_BACKEND="torch", LRLESSONS_PROGRESS="0", PYTHONHASHSEED="0",
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_DATA_DIR=str(tmp_path / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    cmd = [_python(), "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={served}", "--LabApp.expose_app_in_browser=True"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    # render every cell (JupyterLab 4 renders only the visible ones by default), so the
    # explorer's widget is in the page wherever it is in the notebook
    settings = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    log = open(tmp_path / "jupyterlab.log", "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=served,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def up():
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with {proc.returncode}: "
                        f"{(tmp_path / 'jupyterlab.log').read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        _wait(up, SERVER_START_S, "JupyterLab to answer")
        yield base, token
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()
    # nothing was written back: the repository's lesson is untouched (the served copy ran)
    assert (ROOT / "notebooks" / LESSON).read_bytes() == original


IMAGE_DIGEST = """async () => {
    const img = document.querySelector('.lrx-explorer .lrx-plot');
    if (!img || !img.src) return null;
    const buf = await (await fetch(img.src)).arrayBuffer();
    const hash = await crypto.subtle.digest('SHA-256', buf);
    return Array.from(new Uint8Array(hash)).map(b => b.toString(16).padStart(2, '0')).join('');
}"""

# The notebook's state from JupyterLab's own model (the app is exposed as window.jupyterapp):
# code cells, how many have an execution count, error outputs, and the kernel's status.
CELL_STATE = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    if (!panel || !panel.content || !panel.content.model) return null;
    const cells = panel.content.model.cells;
    let code = 0, counted = 0, errors = 0;
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code' || !cell.sharedModel.getSource().trim()) continue;
        code += 1;
        if (cell.executionCount) counted += 1;
        errors += cell.outputs.toJSON().filter(o => o.output_type === 'error').length;
    }
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    return {code: code, counted: counted, errors: errors, kernel: kernel ? kernel.status : null};
}"""
COMMAND = "(name) => { window.jupyterapp.commands.execute(name); return true; }"


def test_explorer_slider_redraws_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    base, token = lab
    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1700})
            page.goto(f"{base}/lab/tree/{LESSON}?token={token}")
            page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')",
                                   timeout=SERVER_START_S * 1000)
            _wait(lambda: (page.evaluate(CELL_STATE) or {}).get("kernel") == "idle", SERVER_START_S,
                  "the kernel to be idle")
            # clear the stored outputs, then Run All (the commands of the Edit and Run menus),
            # so that every execution count seen afterwards comes from this run
            page.evaluate(COMMAND, "notebook:clear-all-cell-outputs")
            _wait(lambda: page.evaluate(CELL_STATE)["counted"] == 0, CHANGE_S, "the outputs to be cleared")
            page.evaluate(COMMAND, "notebook:run-all-cells")
            state = _stable(lambda: (lambda s: s if s["counted"] == s["code"] and s["kernel"] == "idle"
                                     else None)(page.evaluate(CELL_STATE)),
                            3, RUN_ALL_S, "all cells to run and the kernel to be idle", interval=0.5)
            print(f"all {state['code']} code cells ran in the browser", flush=True)
            assert state["errors"] == 0, "a cell raised in the browser"
            assert state["code"] >= 10

            explorer = page.locator(".lrx-explorer").first
            explorer.scroll_into_view_if_needed()
            image_before = _stable(lambda: page.evaluate(IMAGE_DIGEST), 3, CHANGE_S, "the plot to settle")
            code = page.locator(".lrx-explorer .lrx-code textarea").first
            code_before = code.input_value()
            assert "CosineLRScheduler(" in code_before and "t_initial=10" in code_before

            # drag the t_initial slider's handle to the right, as a learner would
            handle = page.locator(".lrx-explorer .lrx-param-t_initial .noUi-handle").first
            handle.scroll_into_view_if_needed()
            box = handle.bounding_box()
            assert box is not None, "the t_initial slider is not visible"
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(x, y)
            page.mouse.down()
            for dx in range(2, 8, 2):  # a few pixels: t_initial moves by some tens
                page.mouse.move(x + dx, y)
            page.mouse.up()

            image_after = _stable(lambda: page.evaluate(IMAGE_DIGEST), 4, CHANGE_S,
                                  "the plot to change and settle", differs_from=image_before)
            code_after = _stable(code.input_value, 3, CHANGE_S, "the code to change", differs_from=code_before)
            assert image_after != image_before
            assert code_after != code_before and "t_initial=10," not in code_after
            readout = page.locator(".lrx-explorer .lrx-param-t_initial .widget-readout").first.inner_text()
            assert f"t_initial={int(readout)}" in code_after, (readout, code_after)

            shot = tmp_path / "explorer.png"
            page.screenshot(path=str(shot), full_page=False)
            if os.environ.get("LRLESSONS_SCREENSHOT_DIR"):
                target = Path(os.environ["LRLESSONS_SCREENSHOT_DIR"])
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, target / "explorer_jupyterlab.png")
                explorer.screenshot(path=str(target / "explorer_widget.png"))
        finally:
            browser.close()
    print(f"browser test: {time.monotonic() - started:.1f} s from page load to a verified redraw")
