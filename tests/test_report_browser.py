"""The report renders in a real browser (headless Chromium) with the network off, and screenshots non-blank."""

from __future__ import annotations

from pathlib import Path

import pytest

from stakes.forecast import forecast
from stakes.io.yaml_io import scenario_from_dict
from stakes.report import write_report
from stakes.simulate import simulate

from .browser import ARGS, CHROMIUM, NEEDS_CHROMIUM
from .test_report import EVIL, rich_dict

pytestmark = NEEDS_CHROMIUM


def _non_blank(png: Path) -> None:
    import numpy as np
    from PIL import Image

    with Image.open(png) as im:
        assert im.format == "PNG"
        rgb = np.asarray(im.convert("RGB"), dtype=np.int32)
    assert rgb.shape[1] >= 800 and rgb.shape[0] >= 1500
    ink = float((rgb.sum(axis=2) < 720).mean())  # share of pixels that are not (near) white
    assert ink > 0.01, f"only {ink:.1%} of the screenshot is not white"
    colours = np.unique(rgb.reshape(-1, 3), axis=0)
    assert len(colours) > 50  # text, lines and coloured markers, not a flat page


def test_report_renders_offline_in_chromium(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    d = rich_dict()
    d["actors"][1]["name"] = f"Moscow {EVIL}"
    sc = scenario_from_dict(d)
    report = write_report(sc, tmp_path / "report.html", forecast_result=forecast(sc, models=["weighted-mean", "bdm"]),
                          simulation=simulate(sc, runs=100, models=["weighted-mean"]))
    png = tmp_path / "report.png"
    requests: list[str] = []
    dialogs: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda dlg: (dialogs.append(dlg.message), dlg.dismiss()))
            page.goto(report.as_uri(), wait_until="load")
            sizes = page.eval_on_selector_all("svg", "els => els.map(e => e.getBoundingClientRect().width)")
            title = page.title()
            headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
            page.screenshot(path=str(png), full_page=True)
        finally:
            browser.close()
    assert [u for u in requests if not u.startswith("file:")] == []  # nothing fetched from a network
    assert dialogs == []  # the <script> in an actor name did not run
    assert len(sizes) >= 2 * len(sc.issues) and min(sizes) > 100  # every figure drawn with a real size
    assert title.startswith(sc.title)
    assert headings[:2] == ["Scenario", "Forecast per issue"]
    _non_blank(png)


def test_report_screenshot_with_the_chromium_command_line(tmp_path):
    import subprocess

    sc = scenario_from_dict(rich_dict())
    report = write_report(sc, tmp_path / "report.html", forecast_result=forecast(sc, models=["weighted-mean"]))
    png = tmp_path / "shot.png"
    proc = subprocess.run([CHROMIUM, *ARGS, "--hide-scrollbars", "--window-size=1280,2000",
                           f"--screenshot={png}", report.as_uri()], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert png.exists(), proc.stderr[-2000:]
    _non_blank(png)


def test_report_shows_intervals_and_diagnostics_in_chromium(tmp_path):
    """The ensemble's 90 % interval and the diagnostics are on the page, next to the numbers they concern."""
    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    sc = scenario_from_dict(rich_dict())
    result = forecast(sc, models=["ensemble", "weighted-mean", "bdm", "nash"])
    kinds = {d.kind for d in result.diagnostics()}
    assert kinds, "the rich scenario should raise at least one diagnostic"
    report = write_report(sc, tmp_path / "report.html", forecast_result=result)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(report.as_uri(), wait_until="load")
            intervals = page.eval_on_selector_all("#forecast span.interval", "els => els.map(e => e.textContent)")
            shown = page.eval_on_selector_all("#forecast li.diagnostic",
                                              "els => els.map(e => [e.dataset.kind, e.offsetHeight])")
            marks = page.eval_on_selector_all("#forecast sup.diag-mark", "els => els.length")
        finally:
            browser.close()
    n_issues = len(sc.issues)
    n_variants = 1 + len(sc.variants)
    assert len(intervals) == n_issues * n_variants
    assert all(t.startswith("[") and "–" in t for t in intervals)
    assert {k for k, _ in shown} == kinds - {"domain"} and all(h > 0 for _, h in shown)
    assert marks > 0
