"""The report in a real browser: the harness (tests/python/browser.py) checked on pages
whose console errors, exceptions and network requests are known, then the report of
`sostac demo` (and the Control stage's own page) opened in headless Chromium, with no
console error, no uncaught exception and no network request, and their screenshots
saved as build/screenshots/report.png and control.png.

Chromium is Debian's package, which `make test` installs (scripts/setup.sh --browser).
Without it these tests are skipped, except under CI (CI=true), where they fail."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest

from browser import BrowserError, chromium_path, live_processes, load_in_chromium
from sostac import Plan
from test_control_status import example_daily

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def need_chromium() -> str:
    path = chromium_path()
    if path is None:
        why = ("chromium is not installed: run `make test`, which installs Debian's chromium "
               "package (scripts/setup.sh --browser)")
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(why)
        pytest.skip(why)
    return path


def open_page(tmp_path: Path, body: str, **kw):
    need_chromium()
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title></head>"
                    f"<body>{body}</body></html>", encoding="utf-8")
    r = load_in_chromium(page, tmp_path / "page.png", **kw)
    # nothing of the browser is left: no process, no profile directory
    assert live_processes(r.pid, r.workdir) == []
    assert not Path(r.workdir).exists()
    return r


def dark_pixels(png: bytes, box: tuple[int, int, int, int]) -> int:
    from PIL import Image  # matplotlib's dependency

    img = Image.open(io.BytesIO(png)).convert("L").crop(box)
    return int((np.asarray(img) < 128).sum())


# ------------------------------------------------------------------ the harness

def test_console_error_is_reported(tmp_path):
    r = open_page(tmp_path, "<p>x</p><script>console.log('fine'); console.error('boom', 42)"
                            "</script>")
    assert [(m.level, m.text) for m in r.console] == [("log", "fine"), ("error", "boom 42")]
    assert [m.text for m in r.console_errors] == ["boom 42"]
    assert r.console_errors[0].line == 1 and r.console_errors[0].url == r.url
    assert r.exceptions == [] and r.requests == []
    assert not r.ok and r.problems == [f"console [error] boom 42 ({r.url}:1)"]


def test_uncaught_exceptions_are_reported(tmp_path):
    r = open_page(tmp_path, "<script>throw new Error('x')</script>"
                            "<script>Promise.reject(new TypeError('later'))</script>")
    assert len(r.exceptions) == 2, r.exceptions
    assert r.exceptions[0].startswith("Uncaught Error: x")
    assert r.exceptions[1].startswith("Uncaught (in promise) TypeError: later")
    assert r.console_errors == [] and r.requests == [] and not r.ok


@pytest.mark.parametrize("body, url, kind", [
    ("<img src='http://example.invalid/a.png'>", "http://example.invalid/a.png", "Image"),
    ("<script>fetch('https://example.invalid/api').catch(() => {})</script>",
     "https://example.invalid/api", "Fetch"),
    # another local file is not self-contained either: the report is mailed alone
    ("<link rel='stylesheet' href='style.css'>", "style.css", "Stylesheet"),
])
def test_network_requests_are_reported(tmp_path, body, url, kind):
    (tmp_path / "style.css").write_text("p{color:red}")
    r = open_page(tmp_path, body)
    assert len(r.requests) == 1, r.requests
    req = r.requests[0]
    assert req.url.endswith(url) and req.resource_type == kind
    if url.startswith("http"):  # nothing resolves: the browser is offline
        assert req.error == "net::ERR_NAME_NOT_RESOLVED"
    assert not r.ok


def test_clean_page_with_inline_svg(tmp_path):
    r = open_page(tmp_path,
                  "<h1 style='font:48px sans-serif;margin:0'>Hello report</h1>"
                  "<svg width='200' height='100' viewBox='0 0 200 100'>"
                  "<rect x='0' y='0' width='200' height='100' fill='#1a7f37'/>"
                  "<text x='10' y='60' fill='white' font-size='30'>SVG</text></svg>"
                  "<a href='#top'>top</a><img src='data:image/gif;base64,"
                  "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'>",
                  width=800, height=600)
    assert r.ok, r.problems
    assert r.console == [] and r.title == "t"
    assert "Hello report" in r.text and "SVG" in r.text
    png = r.screenshot.read_bytes()
    assert png[:8] == PNG_SIGNATURE and len(png) > 2000
    assert int.from_bytes(png[16:20], "big") == 800  # IHDR width
    # the text was drawn (a font is installed): dark pixels where the heading is,
    # none in the empty bottom-right corner; the SVG's green box is there
    assert dark_pixels(png, (0, 0, 400, 56)) > 500
    assert dark_pixels(png, (600, 400, 800, 600)) == 0
    from PIL import Image

    assert Image.open(io.BytesIO(png)).convert("RGB").getpixel((150, 70)) == (26, 127, 55)


def test_screenshot_covers_the_whole_page(tmp_path):
    r = open_page(tmp_path, "<div style='height:3000px;background:#eee'>tall</div>",
                  width=640, height=480)
    png = r.screenshot.read_bytes()
    height = int.from_bytes(png[20:24], "big")
    assert r.ok and 3000 <= height <= 3100


def test_a_page_that_never_loads_times_out_and_leaves_nothing(tmp_path, monkeypatch):
    need_chromium()
    import browser

    closed = []
    real_close = browser._close

    def spy(proc, pipe, marker):
        closed.append((proc.pid, marker))
        return real_close(proc, pipe, marker)

    monkeypatch.setattr(browser, "_close", spy)
    page = tmp_path / "hang.html"
    page.write_text("<script>while (true) {}</script>")
    with pytest.raises(BrowserError, match=r"no answer within the timeout \(3 s\)"):
        load_in_chromium(page, tmp_path / "hang.png", timeout=3)
    assert not (tmp_path / "hang.png").exists()
    [(pid, workdir)] = closed
    assert live_processes(pid, workdir) == [] and not Path(workdir).exists()


def test_missing_browser_is_a_clear_error(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<p>x</p>")
    with pytest.raises(BrowserError, match="cannot start"):
        load_in_chromium(page, tmp_path / "p.png", chromium=str(tmp_path / "no-chromium"))


# ------------------------------------------------------------------ the report

def test_control_page_loads_cleanly_in_chromium():
    need_chromium()
    plan = Plan.load(ROOT / "examples" / "plans" / "ecommerce_race.yaml")
    result = plan.control(example_daily(seed=7))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = SCREENSHOTS / "control.html"
    part = SCREENSHOTS / f".control.html.{os.getpid()}.part"  # concurrent runs: no torn file
    part.write_text(result.to_html(), encoding="utf-8")
    os.replace(part, page)
    r = load_in_chromium(page, SCREENSHOTS / "control.png")
    assert r.ok, "\n".join(r.problems)
    assert r.title.startswith("KPI status as of")
    assert "o-convert" in r.text and "5S scoreboard" in r.text
    png = r.screenshot.read_bytes()
    assert png[:8] == PNG_SIGNATURE and len(png) > 10_000
    assert live_processes(r.pid, r.workdir) == []


def test_demo_report_loads_cleanly_in_chromium():
    from sostac import cli

    need_chromium()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = SCREENSHOTS / "report.html"
    part = SCREENSHOTS / f".report.{os.getpid()}.html"  # concurrent runs: no torn file
    out = io.StringIO()
    assert cli.demo(str(part), out=out) == 0
    os.replace(part, page)
    r = load_in_chromium(page, SCREENSHOTS / "report.png")
    assert r.ok, "\n".join(r.problems)
    assert r.title == "Northwind Gifts online growth, 2027: report"
    for needle in ("Integrated plan table", "Schedule", "KPIs against their targets",
                   "RACE funnel", "5S scoreboard", "What works", "Experiments",
                   "Recommendations", "Validation findings", "Data up to 30 Jun 2027"):
        assert needle in r.text, needle
    png = r.screenshot.read_bytes()
    assert png[:8] == PNG_SIGNATURE and len(png) > 100_000
    from PIL import Image

    width, height = Image.open(io.BytesIO(png)).size
    assert width >= 1280 and height > 5000  # the whole page, charts included
    assert live_processes(r.pid, r.workdir) == []
