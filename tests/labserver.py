"""A throwaway JupyterLab (or static web) server and headless Chromium, for browser tests.

Everything runs on 127.0.0.1 with a random free port and, for JupyterLab, a random
token; every Jupyter directory (config, data, runtime, settings, workspaces) lives
in the test's temp dir, so nothing of the user's is read or written. Waits poll for
a state; nothing sleeps a fixed time except the polling interval.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from lrlessons._launch import free_port  # a port on 127.0.0.1 that nobody listens on

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def need_browser() -> None:
    """Skip (with the reason) where Chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (`make browser` as root, or "
                    "`apt-get install chromium`) to run the browser tests")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed in this environment")


def python() -> str:
    """The repository's venv python (its python3 kernel then runs in the venv too)."""
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def wait(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.25,
         page: Any = None) -> Any:
    """Poll ``predicate`` until it returns a truthy value; fail naming ``what`` on timeout.

    Given the ``page``, a failure also says what the page shows (dialogs, the title)
    and saves a screenshot beside the test's temp files.
    """
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    shown = ""
    if page is not None:
        try:
            shown = page.evaluate("() => [document.title, ...Array.from(document.querySelectorAll("
                                  "'.jp-Dialog')).map(d => d.textContent.slice(0, 200))].join(' | ')")
            shot = Path(os.environ.get("LRLESSONS_SCREENSHOT_DIR") or "/tmp") / "timeout.png"
            page.screenshot(path=str(shot))
            shown += f" (screenshot {shot})"
        except Exception as e:  # the page itself may be what hangs
            shown = f"page not readable: {e}"
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r}) {shown}")


def lab_settings(settings_dir: Path, extra: dict[str, dict] | None = None) -> None:
    """Write the course's JupyterLab overrides plus test-only settings into ``settings_dir``."""
    overrides = json.loads((ROOT / "tools" / "jupyterlab-overrides.json").read_text())
    for plugin, values in (extra or {}).items():
        overrides.setdefault(plugin, {}).update(values)
    settings_dir.mkdir(parents=True, exist_ok=True)
    (settings_dir / "overrides.json").write_text(json.dumps(overrides))


@contextlib.contextmanager
def jupyterlab(root: Path, tmp: Path, extra_settings: dict[str, dict] | None = None,
               extra_args: list[str] | None = None) -> Iterator[tuple[str, str, Path]]:
    """Serve ``root`` with JupyterLab; yield (base url, token, log path); always stopped."""
    port, token = free_port(), os.urandom(24).hex()
    env = jupyter_env(tmp)
    # overrides.json is read from <sys.prefix>/share/jupyter/lab/settings; in a test the
    # app settings dir is pointed at the temp dir instead
    app_settings = tmp / "app-settings"
    lab_settings(app_settings, extra_settings)
    cmd = [python(), "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--LabApp.expose_app_in_browser=True", f"--LabServerApp.app_settings_dir={app_settings}",
           *(extra_args or [])]
    if os.name == "posix" and os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = tmp / "jupyterlab.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with {proc.returncode}: "
                        f"{log_path.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        wait(up, 180, "JupyterLab to answer")
        yield base, token, log_path
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def jupyter_env(tmp: Path) -> dict[str, str]:
    """An environment whose Jupyter directories are all inside ``tmp``.

    Without the test kernelspecs `make test` puts on JUPYTER_PATH (tools/course.py): in
    the browser, lessons run on the kernels a learner's JupyterLab starts.
    """
    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONHASHSEED="0",
               JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"))
    env.pop("JUPYTER_PATH", None)
    return env


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def static_site(root: Path) -> Iterator[str]:
    """Serve a folder of static files on 127.0.0.1; yield the base url; always stopped."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium(viewport: tuple[int, int] = (1366, 768)) -> Iterator[Any]:
    """A headless Debian Chromium page (Playwright); yields (page, console errors list)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
            yield page, errors
        finally:
            browser.close()
