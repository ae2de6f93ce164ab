"""The web app end to end in headless Chromium (Playwright): upload, edit a salience, run, see the forecast
change, download the report. Skipped only where Chromium or Playwright is missing."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
playwright_api = pytest.importorskip("playwright.sync_api")

from tests.web_fixtures import SMALL_YAML, XSS, XSS_YAML, weighted_mean  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("STAKES_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
SHOTS = Path(os.environ.get("STAKES_SCREENSHOTS", "")) if os.environ.get("STAKES_SCREENSHOTS") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(token: str | None = None):
    import uvicorn

    from stakes.web import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(token=token), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > end or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    return srv, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def server():
    srv, thread, url = _serve()
    yield url
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def token_server():
    srv, thread, url = _serve(token="browser-token-123")
    yield url
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM or not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); set STAKES_CHROMIUM to use another")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    playwright_api.expect.set_options(timeout=60_000)  # a job starts a process: allow a slow machine
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs  # type: ignore[attr-defined]
    yield pg
    context.close()


def _upload(page, server: str, tmp_path: Path, text: str, name: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    page.goto(server + "/")
    page.set_input_files("#upload-file", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/s/*")


def _cell(page, issue: str, model: str = "weighted-mean", variant: str = "baseline"):
    return page.locator(f'#forecast-table td[data-issue="{issue}"][data-model="{model}"][data-variant="{variant}"]')


def test_upload_edit_run_and_download(page, server, tmp_path: Path):
    _upload(page, server, tmp_path, SMALL_YAML, "talks.yaml")
    assert page.locator("h1").inner_text() == "Small talks"
    page.click("#run-button")
    first = f"{weighted_mean([(30, 90, 0), (50, 80, 100), (80, 40, 40)]):.1f}"
    playwright_api.expect(_cell(page, "border")).to_have_text(first)
    # edit the US salience on the border issue: saved as version 2
    box = page.locator('#editor input[data-actor="us"][data-issue="border"][data-field="salience"]')
    box.fill("100")
    box.press("Tab")
    playwright_api.expect(page.locator("#version-label")).to_have_text("version 2")
    page.click("#run-button")
    second = f"{weighted_mean([(30, 90, 0), (50, 80, 100), (80, 100, 40)]):.1f}"
    assert second != first
    playwright_api.expect(_cell(page, "border")).to_have_text(second)
    assert page.locator("figure.chart svg").count() >= 2  # one chart per issue
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "scenario.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#dl-html")
    report = Path(info.value.path()).read_text(encoding="utf-8")
    assert "<html" in report.lower() and "Small talks" in report
    with page.expect_download() as info:
        page.click("#dl-csv")
    assert Path(info.value.path()).read_text().startswith("variant,")
    # the two runs side by side: the newest (A) against the one before the edit (B)
    page.goto(server + "/compare")
    page.click("#compare-form button[type=submit]")
    row = page.locator("#compare-table tr", has_text="border").filter(has_text="weighted-mean")
    playwright_api.expect(row).to_contain_text(second)
    playwright_api.expect(row).to_contain_text(first)


def test_a_stale_edit_is_refused_on_the_page(page, server, tmp_path: Path):
    _upload(page, server, tmp_path, SMALL_YAML, "talks.yaml")
    url = page.url
    other = page.context.new_page()
    other.goto(url)
    box = other.locator('#editor input[data-actor="ru"][data-issue="aid"][data-field="position"]')
    box.fill("3")
    box.press("Tab")
    playwright_api.expect(other.locator("#version-label")).to_have_text("version 2")
    mine = page.locator('#editor input[data-actor="ru"][data-issue="aid"][data-field="position"]')
    mine.fill("7")
    mine.press("Tab")
    playwright_api.expect(page.locator("#status")).to_contain_text("changed meanwhile")
    assert "bad" in (mine.get_attribute("class") or "")


def test_script_in_actor_names_is_shown_as_text(page, server, tmp_path: Path):
    _upload(page, server, tmp_path, XSS_YAML, "xss.yaml")
    page.click("#run-button")
    playwright_api.expect(page.locator("#forecast-table")).to_be_visible()
    assert page.locator("#editor tbody th").first.inner_text() == XSS
    page.goto(server + "/")
    page.goto(server + "/compare")
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_a_token_server_works_once_opened_with_its_address(page, token_server, tmp_path: Path):
    response = page.goto(token_server + "/")
    assert response is not None and response.status == 401
    page.goto(token_server + "/?token=browser-token-123")  # the address `stakes serve` prints
    _upload(page, token_server, tmp_path, SMALL_YAML, "talks.yaml")
    page.click("#run-button")
    playwright_api.expect(_cell(page, "border")).to_have_text(
        f"{weighted_mean([(30, 90, 0), (50, 80, 100), (80, 40, 40)]):.1f}")
