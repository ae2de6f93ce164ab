"""The scenario page's editors and analyses end to end in headless Chromium (Playwright): edit a thesis and a
variant through the forms, run forecasts and see the verdict change; add a variant and a side thesis, run an
alignment and a sensitivity analysis and see their results; on every page with charts, no two texts of one
chart overlap (tick labels included)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

pytest.importorskip("fastapi")
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

from tests.browser import ARGS, CHROMIUM, NEEDS_CHROMIUM, chart_overlaps  # noqa: E402
from tests.test_label_overlap_browser import crowded_dict  # noqa: E402
from tests.test_web_browser import _upload, server  # noqa: E402, F401 (server: a fixture)
from tests.web_fixtures import SMALL_YAML, weighted_mean  # noqa: E402

pytestmark = NEEDS_CHROMIUM
expect = playwright_api.expect
# the border issue of SMALL_YAML: (capability, salience, position) of ua, ru, us
UA, RU = (30, 90, 0), (50, 80, 100)


@pytest.fixture
def page():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            pg = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            pg.set_default_timeout(90_000)
            expect.set_options(timeout=90_000)  # a job starts a process: allow a slow machine
            errors: list[str] = []
            pg.on("pageerror", lambda exc: errors.append(str(exc)))
            pg.errors = errors  # type: ignore[attr-defined]
            yield pg
        finally:
            browser.close()


def _no_overlaps(page, min_charts: int) -> None:
    charts, texts, bad = chart_overlaps(page)
    assert charts >= min_charts and texts > 5 * charts, (page.url, charts, texts)
    assert bad == [], (page.url, bad[:3])


NEW_RUN_SHOWN = """before => {
  const host = document.querySelector('#results'), head = host && host.querySelector('h2');
  return host.dataset.run && host.dataset.run !== before && head && head.textContent.includes(host.dataset.run);
}"""


def _job(page, button: str) -> None:
    """Click ``button`` and wait until the results of the job it starts are on the page."""
    before = page.locator("#results").get_attribute("data-run") or ""
    page.click(button)
    page.wait_for_function(NEW_RUN_SHOWN, arg=before)
    expect(page.locator("#status")).to_contain_text("finished")


def _forecast(page) -> None:
    _job(page, "#run-button")
    page.wait_for_selector("#verdicts")


def _verdict(page, thesis: str, variant: str):
    row = page.locator("#verdicts tbody tr").filter(has=page.locator("td", has_text=thesis)).filter(
        has=page.locator("td", has_text=variant))
    return row.locator("td").nth(3)


def _saved(page, version: int) -> None:
    expect(page.locator("#version-label")).to_have_text(f"version {version}")


def test_edit_a_thesis_and_a_variant_and_see_the_verdict_change(page, server, tmp_path: Path):  # noqa: F811
    _upload(page, server, tmp_path, SMALL_YAML, "talks.yaml")
    _forecast(page)
    expect(_verdict(page, "t1", "baseline")).to_have_text("yes")  # 53.3 < 60
    _no_overlaps(page, 2)
    # the thesis now claims "below 50 if the US steps back"
    page.click('button.thesis-edit[data-id="t1"]')
    form = page.locator("#thesis-form")
    form.locator("select[name=variant]").select_option("us-out")
    form.locator("input[name=value]").fill("50")
    form.locator("button[type=submit]").click()
    _saved(page, 2)
    expect(page.locator('#theses tr[data-thesis="t1"]')).to_contain_text("border < 50")
    _forecast(page)
    assert weighted_mean([UA, RU, (20, 40, 40)]) > 50  # the US at a quarter of its capability
    expect(_verdict(page, "t1", "us-out")).to_have_text("no")
    # a bad edit is refused on the page, naming the field, and changes nothing
    page.click('button.variant-edit[data-id="us-out"]')
    change = page.locator("#changes tr.change").first
    change.locator("input[name=value]").fill("")
    page.click("#variant-save")
    expect(page.locator("#status")).to_contain_text("body.variant.changes.0")
    expect(page.locator("#version-label")).to_have_text("version 2")
    # the variant now makes the US much stronger instead
    change.locator("select[name=op]").select_option("set_capability")
    change.locator("input[name=value]").fill("400")
    page.click("#variant-save")
    _saved(page, 3)
    expect(page.locator('#variants tr[data-variant="us-out"]')).to_contain_text("set_capability us = 400")
    _forecast(page)
    stronger = weighted_mean([UA, RU, (400, 40, 40)])
    cell = page.locator('#forecast-table td[data-issue="border"][data-variant="us-out"]')
    expect(cell).to_have_text(f"{stronger:.1f}")
    expect(_verdict(page, "t1", "us-out")).to_have_text("yes")
    _no_overlaps(page, 2)
    page.goto(server + page.locator("#results a", has_text="permalink").get_attribute("href"))  # the run's page
    expect(_verdict(page, "t1", "us-out")).to_have_text("yes")
    _no_overlaps(page, 2)
    assert page.errors == []  # type: ignore[attr-defined]


def test_add_a_variant_and_a_side_thesis_then_run_alignment_and_sensitivity(page, server, tmp_path: Path):  # noqa: F811
    _upload(page, server, tmp_path, SMALL_YAML, "talks.yaml")
    page.click("#variant-new")
    form = page.locator("#variant-form")
    form.locator("input[name=id]").fill("ru-out")
    form.locator("input[name=name]").fill("Russia leaves")
    change = form.locator("tr.change").first
    change.locator("select[name=op]").select_option("remove_actor")
    change.locator("select[name=actor]").select_option("ru")
    page.click("#variant-save")
    _saved(page, 2)
    page.click("#thesis-new")
    form = page.locator("#thesis-form")
    form.locator("input[name=id]").fill("t-side")
    form.locator("select[name=kind]").select_option("side")
    form.locator("input[name=claim]").fill("The US sides with Ukraine")
    form.locator("input[name=actors][value=us]").check()
    form.locator("select[name=with_actor]").select_option("ua")
    page.click("#thesis-save")
    _saved(page, 3)
    expect(page.locator('#theses tr[data-thesis="t-side"]')).to_contain_text("us with ua")
    # alignment of the baseline and the new variant
    analysis = page.locator("#analysis-form")
    analysis.locator("input[name=variant][value=ru-out]").check()
    _job(page, "#analysis-button")
    sides = page.locator("#alignment-table")
    expect(sides.locator('td[data-actor="ru"][data-variant="ru-out"]')).to_have_text("not in this variant")
    expect(sides.locator('td[data-actor="ua"][data-variant="baseline"]')).to_have_text("side 0")
    expect(page.locator("#verdicts")).to_contain_text("t-side")
    run_link = page.locator("#results a", has_text="permalink").get_attribute("href")
    page.goto(server + run_link)
    expect(page.locator("#alignment-summary")).to_contain_text("exact")
    page.go_back()
    # sensitivity of the weighted mean to positions spread by 10 % of each issue's span
    analysis = page.locator("#analysis-form")
    analysis.locator("input[name=kind][value=sensitivity]").check()
    analysis.locator("input[name=position_sd]").fill("10")
    _job(page, "#analysis-button")
    expect(page.locator("#sensitivity-table")).to_contain_text("us position")
    _no_overlaps(page, 2)  # one driver chart per issue
    page.goto(server + page.locator("#results a", has_text="permalink").get_attribute("href"))
    page.wait_for_selector("#sensitivity-table")
    _no_overlaps(page, 2)
    assert page.errors == []  # type: ignore[attr-defined]


def test_crowded_sensitivity_and_simulation_pages_have_no_overlapping_labels(page, server, tmp_path: Path):  # noqa: F811
    crowded = crowded_dict()
    crowded["models"] = ["weighted-mean"]
    _upload(page, server, tmp_path, yaml.safe_dump(crowded), "crowded.yaml")
    analysis = page.locator("#analysis-form")
    analysis.locator("input[name=kind][value=sensitivity]").check()
    analysis.locator("select[name=samples]").select_option("256")
    _job(page, "#analysis-button")
    page.wait_for_selector("#sensitivity-table")
    _no_overlaps(page, 2)
    page.locator("#run-form input[name=kind][value=simulation]").check()
    page.locator("#run-form input[name=runs]").fill("200")
    _job(page, "#run-button")
    page.goto(server + page.locator("#results a", has_text="permalink").get_attribute("href"))
    # a selector wait, not wait_for_function with an expression: polling one evaluates it with eval, which
    # the page's Content-Security-Policy refuses (a flaky failure when the charts were not there at once)
    page.locator("figure.chart svg").nth(1).wait_for()
    _no_overlaps(page, 2)
    assert page.errors == []  # type: ignore[attr-defined]
