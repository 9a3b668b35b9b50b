"""SIGHUP reloads the catalog of a running ``ml-audio-bot run`` (``docker kill -s HUP``)."""

from __future__ import annotations

import asyncio
import shutil
import signal
from pathlib import Path

import pytest

from tests.e2e.conftest import FakeDiscordAPI
from tests.e2e.runtime.test_runtime_cli import (
    DEADLINE,
    TOKEN,
    bot_env,
    finish,
    read_until,
    start_bot,
)
from tests.shared_data import REPO_ROOT

pytestmark = pytest.mark.e2e

NEW_ENTRY = """
  - id: sighup-test-entry
    title: An Entry Added While the Bot Runs
    url: https://example.org/added-while-running
    kind: paper
    description: >-
      Exists only in this test: the running bot must pick it up on SIGHUP.
"""


@pytest.mark.slow
async def test_sighup_reloads_a_valid_catalog_and_refuses_a_broken_one(
    tmp_path: Path, fake_discord: FakeDiscordAPI
) -> None:
    catalog = tmp_path / "catalog"
    shutil.copytree(REPO_ROOT / "catalog", catalog)
    papers = catalog / "entries" / "key-papers.yaml"
    good = papers.read_text(encoding="utf-8")
    env = bot_env(
        tmp_path,
        DISCORD_TOKEN=TOKEN,
        DISCORD_API_BASE=fake_discord.base,
        ML_AUDIO_BOT_CATALOG=str(catalog),
    )
    process = await start_bot(tmp_path, env)
    try:
        log = await asyncio.wait_for(read_until(process, "ready as"), DEADLINE)

        papers.write_text(good.replace("kind: paper\n", "kind: papyrus\n", 1), encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        refused = await asyncio.wait_for(read_until(process, "catalog reload (SIGHUP)"), DEADLINE)

        papers.write_text(good + NEW_ENTRY, encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        reloaded = await asyncio.wait_for(
            read_until(process, "catalog reloaded (SIGHUP)"), DEADLINE
        )

        process.send_signal(signal.SIGTERM)
        code, after = await finish(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert code == 0, log + refused + reloaded + after
    assert "SIGHUP received: reloading the catalog" in refused
    assert "catalog/entries/key-papers.yaml:7: unknown kind 'papyrus'" in refused
    assert "refused: 1 problem; still serving version" in refused
    assert "Entries: 1 added, 0 removed, 0 changed" in reloaded
    assert "sighup-test-entry" in reloaded
    assert "Traceback" not in log + refused + reloaded + after
