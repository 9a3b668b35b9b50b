"""A person in a browser asks the bot for WaveNet, in SimCord's Discord-like preview of the demo.

Headless Chromium comes from Debian's ``chromium`` package (``.ci/run`` installs it; developers:
``sudo apt-get install chromium``), driven by Playwright; nothing is downloaded. The test
saves the page in its own folder; with ``UPDATE_SCREENSHOTS=1`` it saves it as
``docs/screenshots/resource-wavenet.png``, the picture the README shows (a plain test run
leaves the checkout as it was).
"""

from __future__ import annotations

import asyncio
import io
import os
import re
from pathlib import Path

import pytest

from bot.config import Config
from bot.demo.session import DemoContext, DemoOptions, run_demo
from bot.paths import DEFAULT_CATALOG_DIR
from tests.discord_contract import assert_requests_within_discord_limits
from tests.shared_data import REPO_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = REPO_ROOT / "docs" / "screenshots" / "resource-wavenet.png"
WAVENET_TITLE = "WaveNet: A Generative Model for Raw Audio"
STEP_TIMEOUT_MS = 15_000
WHOLE_TEST_TIMEOUT_S = 120


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install Debian's package (apt-get install chromium)"
        if os.environ.get("REQUIRE_SHARED_DATA") == "1":
            pytest.fail(reason + " (REQUIRE_SHARED_DATA=1: CI must run the browser test)")
        pytest.skip(reason)
    return CHROMIUM


async def test_resource_wavenet_typed_and_sent_in_the_browser(
    chromium: Path, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright, expect

    seen: dict[str, str] = {}

    async def use_the_page(context: DemoContext) -> None:
        world = context.world
        async with (
            context.env.preview(
                world.general, viewers=[world.newcomer], layout="channel", width=1100, height=760
            ) as preview,
            async_playwright() as playwright,
        ):
            browser = await playwright.chromium.launch(
                executable_path=str(chromium), args=CHROMIUM_ARGS, timeout=STEP_TIMEOUT_MS
            )
            try:
                page = await browser.new_page(viewport={"width": 1100, "height": 760})
                page.set_default_timeout(STEP_TIMEOUT_MS)
                await page.goto(preview.url)

                # Type the command as a member would, and pick it from the command list.
                composer = page.locator("#channel-composer-input")
                await composer.click()
                await composer.press_sequentially("/resource", delay=20)
                await page.get_by_role("option", name="/resource").first.click()

                # Type into the query option; the bot's autocomplete answers; pick WaveNet.
                query = page.get_by_role("combobox", name=re.compile(r"^query"))
                await query.press_sequentially("wavenet", delay=20)
                # Suggestions refresh on each keystroke; wait for those of the whole word.
                await expect(page.get_by_role("listbox")).to_be_visible()
                await expect(page.locator(".command-popup-heading")).to_contain_text(
                    re.compile("matching wavenet", re.IGNORECASE)
                )
                await page.get_by_role("option", name=re.compile(r"^WaveNet: A Generative")).click()
                await page.get_by_role("button", name="Send").click()

                messages = page.locator("#channel-message-list")
                await expect(messages).to_contain_text(WAVENET_TITLE)
                # No warnings in the preview (an unsynced command tree would show one).
                await expect(page.locator("#inspector-count")).to_be_hidden()
                seen["text"] = await messages.inner_text()
                seen["links"] = " ".join(
                    await messages.locator("a").evaluate_all(
                        "links => links.map(link => link.href)"
                    )
                )
                picture = (
                    SCREENSHOT
                    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
                    else (tmp_path / SCREENSHOT.name)
                )
                picture.parent.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(picture))
                assert picture.stat().st_size > 0
            finally:
                await browser.close()
        assert_requests_within_discord_limits(context.env)

    async with asyncio.timeout(WHOLE_TEST_TIMEOUT_S):
        code = await run_demo(
            Config(catalog_path=DEFAULT_CATALOG_DIR),
            DemoOptions(scene_keys=("resource-autocomplete",)),  # nothing posted before ours
            io.StringIO(),
            after_scenes=use_the_page,
        )

    assert code == 0
    assert WAVENET_TITLE in seen["text"]
    assert "1609.03499" in seen["text"] + seen["links"]
    assert SCREENSHOT.stat().st_size > 10_000
