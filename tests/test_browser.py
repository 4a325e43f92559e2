"""Lesson 07 in a real browser: JupyterLab + headless Chromium (Debian's) driven by Playwright.

A fresh JupyterLab server per run, on 127.0.0.1 with a random free port and a random
token, serving a temporary copy of notebooks/ (nothing is written back) with the
repository's venv (its python3 kernel has lrlessons). Chromium opens lesson 07, runs all
cells, checks that the first explorer is still at its documented starting state, drags a
slider of the explorer, and checks that the plot image and the code shown changed. Then,
at 1024x768 (projector) and 1366x768 (laptop), it scrolls the explorer to the top of the
notebook, takes a screenshot, and checks by bounding boxes that no control overlaps
another and (at 1366x768) that the plot and a slider are on screen together. Every wait polls for a stable state (kernel idle, all cells
numbered, the image unchanged over several polls); nothing sleeps a fixed time.

Set LRLESSONS_SCREENSHOT_DIR to keep the screenshots (explorer_1024x768.png, ...). `make test` installs
Debian's chromium when it is missing (as root); without it the test is skipped.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import labserver  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = labserver.ROOT
LESSON = "07_explorer.ipynb"
SERVER_START_S = 180
RUN_ALL_S = 300
CHANGE_S = 60
_wait = labserver.wait


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
    labserver.need_browser()
    original = (ROOT / "notebooks" / LESSON).read_bytes()
    served = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", served)
    # render every cell (JupyterLab 4 renders only the visible ones by default), so the
    # explorer's widget is in the page wherever it is in the notebook
    every_cell = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
    os.environ.setdefault("LRLESSONS_PROGRESS", "0")
    with labserver.jupyterlab(served, tmp_path, every_cell) as (base, token, log):
        yield base, token
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

# The first explorer's widgets (outermost matches only: a toggle group, not its buttons),
# with their boxes in the page, and the notebook's visible area.
LAYOUT = r"""() => {
    const root = document.querySelector('.lrx-explorer');
    if (!root) return null;
    const sel = '.widget-slider, .widget-dropdown, .widget-checkbox, .widget-toggle-buttons, '
              + '.widget-text, .lrx-plot, .widget-button, .lrx-code';
    const all = Array.from(root.querySelectorAll(sel));
    const outer = all.filter(el => !all.some(other => other !== el && other.contains(el)));
    const boxes = outer.map(el => {
        const r = el.getBoundingClientRect();
        return {name: (el.className.match(/lrx-[\w-]+/) || [el.className.split(' ')[0]])[0],
                kind: el.classList.contains('widget-slider') ? 'slider' : 'other',
                x: r.x, y: r.y, w: r.width, h: r.height};
    }).filter(b => b.w > 0 && b.h > 0);
    const area = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook')
                 .getBoundingClientRect();
    return {boxes: boxes, area: {x: area.x, y: Math.max(area.y, 0), w: area.width,
            h: Math.min(area.bottom, window.innerHeight) - Math.max(area.y, 0)}};
}"""
TO_TOP = """() => { document.querySelector('.lrx-explorer').scrollIntoView({block: 'start'}); return true; }"""


def _overlaps(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of boxes that share more than a pixel in both directions."""
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if dx > 1 and dy > 1:
                out.append((a["name"], b["name"]))
    return out


def _inside(box: dict, area: dict) -> bool:
    return (box["y"] >= area["y"] - 1 and box["y"] + box["h"] <= area["y"] + area["h"] + 1
            and box["x"] >= area["x"] - 1 and box["x"] + box["w"] <= area["x"] + area["w"] + 1)


def test_explorer_slider_redraws_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    base, token = lab
    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(labserver.CHROMIUM), args=labserver.CHROMIUM_ARGS, headless=True)
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
            # Run All left the first explorer where section 1 documents it: nothing pinned, cycle_mul=1
            assert "cycle_mul=1.0," in code_before and "cycle_limit=4," in code_before, code_before
            assert "pinned" not in page.locator(".lrx-explorer .lrx-label").first.inner_text()

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

            # a projector and a laptop: no overlap, and at 1366x768 the plot with a slider
            keep = os.environ.get("LRLESSONS_SCREENSHOT_DIR")
            for width, height in ((1024, 768), (1366, 768)):
                page.set_viewport_size({"width": width, "height": height})
                page.evaluate(TO_TOP)
                layout = _stable(lambda: (page.evaluate(TO_TOP) and page.evaluate(LAYOUT)), 3, CHANGE_S,
                                 f"the explorer's layout to settle at {width}x{height}")
                shot = tmp_path / f"explorer_{width}x{height}.png"
                page.screenshot(path=str(shot), full_page=False)
                if keep:
                    Path(keep).mkdir(parents=True, exist_ok=True)
                    shutil.copy(shot, Path(keep) / shot.name)
                boxes = layout["boxes"]
                assert len(boxes) >= 12, boxes
                assert not _overlaps(boxes), (width, _overlaps(boxes))
                plot = next(b for b in boxes if b["name"] == "lrx-plot")
                assert plot["w"] <= layout["area"]["w"] + 1, (width, plot, layout["area"])
                # nothing sticks out of the notebook on the right (the columns wrapped instead)
                assert all(b["x"] + b["w"] <= layout["area"]["x"] + layout["area"]["w"] + 1 for b in boxes), width
                if width == 1366:
                    sliders = [b for b in boxes if b["kind"] == "slider" and _inside(b, layout["area"])]
                    assert _inside(plot, layout["area"]) and sliders, (plot, layout["area"])
        finally:
            browser.close()
    print(f"browser test: {time.monotonic() - started:.1f} s from page load to a verified redraw")
