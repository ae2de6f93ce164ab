"""No overlapping labels: in headless Chromium, the bounding boxes of the texts of each chart (axis tick labels,
actor names, titles) do not intersect — in the HTML report and in the web app's charts."""

from __future__ import annotations

import pytest

from stakes import builtin_scenario, forecast, simulate
from stakes.io.yaml_io import scenario_from_dict
from stakes.report import write_report

from .browser import ARGS, CHROMIUM, NEEDS_CHROMIUM, chart_overlaps

pytestmark = NEEDS_CHROMIUM


def crowded_dict() -> dict:
    """30 actors bunched on two issues with long anchor labels close together."""
    long = "a long anchor label that explains what this point of the scale means in words"
    issues = [{"id": f"i{k}", "name": f"Issue {k}", "anchors": [{"value": v, "label": f"{long} ({v})"}
                                                              for v in (0, 10, 20, 45, 50, 55, 100)]}
              for k in range(2)]
    actors = [{"id": f"actor-with-a-long-id-{a}", "name": f"Actor number {a} with a long name",
               "capability": 10 + a} for a in range(30)]
    stances = [{"actor": a["id"], "issue": i["id"], "position": 40 + (k % 7) * 2.5 + j, "salience": 50 + k}
               for k, a in enumerate(actors) for j, i in enumerate(issues)]
    variants = [{"id": f"variant-with-a-long-name-{v}", "name": f"V{v}", "changes": [{"op": "scale_capability",
                                                                       "actor": actors[v]["id"], "value": 2}]}
                for v in range(5)]
    return {"title": "Crowded", "id": "crowded", "seed": 3, "issues": issues, "actors": actors,
            "stances": stances, "variants": variants,
            "uncertainty": {"default": {"position": 5, "salience": 10, "capability": 0.2}}}


@pytest.mark.parametrize("which", ["builtin", "crowded"])
def test_report_charts_have_no_overlapping_labels(tmp_path, which):
    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    sc = builtin_scenario() if which == "builtin" else scenario_from_dict(crowded_dict())
    models = ["bdm", "weighted-mean"]
    report = write_report(sc, tmp_path / "report.html", forecast_result=forecast(sc, models=models),
                          simulation=simulate(sc, runs=100, models=models, sides=False))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(report.as_uri(), wait_until="load")
            charts, texts, bad = chart_overlaps(page)
        finally:
            browser.close()
    # a forecast and a distribution chart per issue, one rounds chart for bdm
    assert charts >= 2 * len(sc.issues) + 1 and texts > 40 * charts
    assert bad == [], bad[:3]


def test_web_charts_have_no_overlapping_labels(tmp_path):
    """The built-in scenario and the crowded one uploaded to the web app, run: its charts' texts do not overlap."""
    pytest.importorskip("fastapi")
    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    import yaml

    from stakes.io.yaml_io import dump_yaml

    from .test_web_browser import _serve

    crowded = crowded_dict()
    crowded["models"] = ["bdm", "weighted-mean"]
    files = {"ukraine.yaml": dump_yaml(builtin_scenario()), "crowded.yaml": yaml.safe_dump(crowded)}
    srv, thread, url = _serve()
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.set_default_timeout(120_000)
                for name, text in files.items():
                    path = tmp_path / name
                    path.write_text(text, encoding="utf-8")
                    page.goto(url + "/")
                    page.set_input_files("#upload-file", str(path))
                    page.click("#upload-form button[type=submit]")
                    page.wait_for_url("**/s/*")
                    page.click("#run-button")
                    page.wait_for_selector("#forecast-table")
                    page.wait_for_function("document.querySelectorAll('figure.chart svg').length >= 2")
                    charts, texts, bad = chart_overlaps(page)
                    assert charts >= 2 and texts > 10, (name, charts, texts)
                    assert bad == [], (name, bad[:3])
            finally:
                browser.close()
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
