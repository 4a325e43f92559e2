"""The course's website (tools/site.py, `make docs`), in a real browser.

Built from the stored notebooks, served on 127.0.0.1 with a random port, and read by
Debian's Chromium (Playwright): every page loads without console errors and shows
every image, every internal link and anchor resolves, and searching for
`get_last_lr` finds lesson 03 and lands on it.

The fixture builds the site into a temp dir (inside `make test`, so the build overlaps
the other worker's tests); with LRLESSONS_SITE_BUILT=1 it reads build/docs from a
`make docs` instead.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import labserver  # noqa: E402

pytestmark = pytest.mark.browser
ROOT = labserver.ROOT
BUILT = ROOT / "build" / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    if os.environ.get("LRLESSONS_SITE_BUILT") == "1" and (BUILT / "index.html").exists():
        return BUILT
    out = tmp_path_factory.mktemp("site") / "docs"
    result = subprocess.run([labserver.python(), str(ROOT / "tools" / "site.py"), "--out", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, f"the site does not build without warnings:\n{result.stderr[-3000:]}"
    return out


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "img" and a.get("src"):
            self.images.append(a["src"])


def pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_the_site_has_every_lesson_and_the_api(site):
    names = {p.relative_to(site).as_posix() for p in pages(site)}
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb")):
        assert f"lessons/{nb.stem}.html" in names, f"no page for {nb.name}"
    assert {"index.html", "api.html", "search.html"} <= names
    home = re.sub(r"<[^>]+>", "", (site / "index.html").read_text(encoding="utf-8"))
    assert "Course map" in home and "make lab" in home and "make test" in home
    api = re.sub(r"<[^>]+>", "", (site / "api.html").read_text(encoding="utf-8"))
    assert "lrlessons.trace.trace" in api and "Lesson 01" in api.replace("lesson", "Lesson")


def test_every_internal_link_and_anchor_resolves(site):
    parsed = {p: parse(p) for p in pages(site)}
    broken = []
    for page, content in parsed.items():
        for href in content.links:
            url = urlparse(href)
            if url.scheme or url.netloc or href.startswith(("mailto:", "javascript:")):
                continue  # the site links nowhere outside itself that must resolve here
            target_path, anchor = urldefrag(urljoin(page.relative_to(site).as_posix(), href))
            target = site / unquote(target_path) if target_path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {href}")
            elif anchor and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else parse(target).ids
                if unquote(anchor) not in ids:
                    broken.append(f"{page.relative_to(site)} -> {href} (no anchor)")
    assert not broken, "broken links:\n" + "\n".join(broken[:30])


def test_every_page_loads_cleanly_with_its_images(site):
    labserver.need_browser()
    with labserver.static_site(site) as base, labserver.chromium() as (page, errors):
        for path in pages(site):
            rel = path.relative_to(site).as_posix()
            errors.clear()
            page.goto(f"{base}/{rel}", wait_until="load")
            labserver.wait(lambda: page.evaluate("() => Array.from(document.images).every(i => i.complete)"),
                           60, f"the images of {rel} to load")
            missing = page.evaluate("() => Array.from(document.images)"
                                    ".filter(i => !(i.naturalWidth > 0)).map(i => i.src)")
            assert missing == [], f"{rel}: images not shown: {missing[:5]}"
            assert errors == [], f"{rel}: console errors: {errors[:5]}"


def test_search_finds_get_last_lr_in_lesson_03(site):
    labserver.need_browser()
    shots = os.environ.get("LRLESSONS_SCREENSHOT_DIR")
    with labserver.static_site(site) as base, labserver.chromium() as (page, errors):
        page.goto(f"{base}/search.html?q=get_last_lr", wait_until="load")
        def lesson_03_listed():  # results arrive one by one
            hits = page.evaluate("() => Array.from(document.querySelectorAll('#search-results a, "
                                 "ul.search a')).map(a => a.getAttribute('href'))")
            return [h for h in hits if "03_reading_the_lr" in h]

        lesson = labserver.wait(lesson_03_listed, 60, "search for get_last_lr to list lesson 03")
        page.click(f"a[href='{lesson[0]}']")
        page.wait_for_load_state("load")
        assert "03_reading_the_lr" in page.url
        assert "get_last_lr" in page.inner_text("main")
        if shots:
            page.screenshot(path=str(Path(shots) / "site-search-landed.png"))
        assert errors == []
