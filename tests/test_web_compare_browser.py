"""The compare page defaults to the previous run of the same scenario (headless Chromium)."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
playwright_api = pytest.importorskip("playwright.sync_api")

from tests.browser import CHROMIUM, NEEDS_CHROMIUM  # noqa: E402
from tests.web_fixtures import SMALL_YAML  # noqa: E402

pytestmark = NEEDS_CHROMIUM


def test_compare_defaults_to_the_previous_run_of_the_same_scenario(tmp_path):
    from .test_web_browser import ARGS, _serve

    srv, thread, url = _serve()
    try:
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.set_default_timeout(120_000)
                scenario_pages = []
                for name, title in (("one.yaml", "First talks"), ("two.yaml", "Second talks")):
                    path = tmp_path / name
                    path.write_text(SMALL_YAML.replace("Small talks", title), encoding="utf-8")
                    page.goto(url + "/")
                    page.set_input_files("#upload-file", str(path))
                    page.click("#upload-form button[type=submit]")
                    page.wait_for_url("**/s/*")
                    scenario_pages.append(page.url)
                runs = []
                for k in (0, 1, 0):  # first, second, first again: the newest run's predecessor is not its own
                    page.goto(scenario_pages[k])
                    page.click("#run-button")
                    known = [url + "/runs/" + r for r in runs]
                    page.wait_for_function("known => [...document.querySelectorAll('a')].some(a => "
                                           "a.textContent === 'permalink' && !known.includes(a.href))", arg=known)
                    hrefs = page.eval_on_selector_all("a", "els => els.filter(a => a.textContent === 'permalink')"
                                                      ".map(a => a.href)")
                    runs.append(next(h for h in hrefs if h not in known).rsplit("/", 1)[-1])
                page.goto(url + "/compare")
                assert page.locator("select[name=a]").input_value() == runs[2]
                assert page.locator("select[name=b]").input_value() == runs[0]  # not runs[1], the newer other one
                page.goto(url + f"/compare?a={runs[1]}")
                assert page.locator("select[name=a]").input_value() == runs[1]
            finally:
                browser.close()
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
