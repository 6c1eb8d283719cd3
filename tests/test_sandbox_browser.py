"""The sandbox page in a real headless browser (Debian's chromium, driven by Playwright): the core journey."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sandbox.app import serve_in_thread
from sandbox.engine import SandboxBot

CHROMIUM = os.environ.get("SANDBOX_CHROMIUM", "/usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test: install Debian's chromium ({CHROMIUM})", pytrace=False)
    pytest.skip(f"no chromium at {CHROMIUM}", allow_module_level=True)

MENTOR = "U0SOFIA001"
MENTEE = "U0AMARA001"


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    bot = SandboxBot(tmp_path / "sandbox.db", start=datetime(2026, 12, 2, 12, 0, tzinfo=UTC), tick_seconds=0)
    server, url = serve_in_thread(bot)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        page.goto(url)
        yield page
        browser.close()
    server.shutdown()
    server.server_close()
    bot.close()


def be(page: Any, user: str) -> None:
    page.select_option("#who", user)
    page.click(f'nav a[data-channel="D{user[1:]}"]')


def command(page: Any, text: str) -> None:
    page.fill("#text", text)
    page.press("#text", "Enter")


def field(page: Any, block_id: str) -> Any:
    return page.locator(f'#modal [data-block-id="{block_id}"]').locator("input, textarea, select").first


def submit(page: Any) -> None:
    page.click("#modal-submit")


def close_modal(page: Any) -> None:
    page.locator("#modal .modal-buttons button").first.click()
    page.wait_for_selector("#modal-backdrop", state="hidden")


def test_offer_request_accept_intro_checkin_in_the_browser(page: Any, tmp_path: Path) -> None:
    be(page, MENTOR)
    command(page, "/mentor offer")
    page.wait_for_selector("#modal h3:has-text('Offer to mentor')")
    field(page, "topics").select_option(["Leadership", "Communication"])
    field(page, "capacity").select_option("2")
    field(page, "level").select_option("4")
    field(page, "department").fill("Engineering")
    field(page, "bio").fill("Staff engineer; happy to talk about leading projects.")
    submit(page)
    page.wait_for_selector('#modal h3:has-text("You\'re a mentor")')
    close_modal(page)

    be(page, MENTEE)
    command(page, "/mentor request")
    page.wait_for_selector("#modal [data-block-id='goals']")
    field(page, "goals").fill("I want to lead my first cross-team project.")
    field(page, "topics").select_option(["Leadership"])
    field(page, "level").select_option("2")
    field(page, "department").fill("Engineering")
    submit(page)
    page.wait_for_function("!document.querySelector(\"#modal [data-block-id='goals']\")")
    if page.is_visible("#modal-backdrop"):
        close_modal(page)

    be(page, MENTOR)
    page.click("#messages button:has-text('Accept')")
    page.click('nav a[data-channel^="G"]')
    page.wait_for_selector("#messages .msg")
    page.screenshot(path=str(tmp_path / "intro.png"))

    be(page, MENTEE)
    page.click("#ff-week")
    page.wait_for_selector("#now:has-text('09 Dec 2026')")
    page.click('nav a[data-channel^="G"]')
    page.click("#messages button:has-text('We met')")
    page.wait_for_selector("#modal-backdrop", state="visible")
    # Answer every question of the pulse with its first choice.
    page.evaluate(
        """() => document.querySelectorAll('#modal .input').forEach((block) => {
            const select = block.querySelector('select');
            if (select) { select.selectedIndex = select.multiple ? 0 : 1; }
            const radio = block.querySelector('input[type=radio]');
            if (radio) radio.checked = true;
            const text = block.querySelector('textarea, input[type=text]');
            if (text) text.value = 'Great chat.';
        })"""
    )
    submit(page)
    page.wait_for_function(
        "document.getElementById('modal-backdrop').hidden || !document.querySelector('#modal-submit')"
    )
    assert page.locator("#messages button:has-text('We met')").count() == 0
    page.screenshot(path=str(tmp_path / "checkin.png"))
