"""``ml-audio-bot feeds check`` and ``feeds poll --once [--dry-run]`` as a maintainer runs them."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.storage import Database
from tests.shared_data import REPO_ROOT
from tests.unit.feeds.server import FeedServer, rss
from tests.unit.feeds.test_poller import item


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        cwd=REPO_ROOT, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def feeds_env(tmp_path: Path, feeds: str) -> dict[str, str]:
    (tmp_path / "feeds.yaml").write_text(feeds, encoding="utf-8")
    return {
        "ML_AUDIO_BOT_CONFIG": str(tmp_path / "none.toml"),
        "ML_AUDIO_BOT_FEEDS_FILE": str(tmp_path / "feeds.yaml"),
        "ML_AUDIO_BOT_DATABASE": str(tmp_path / "bot.sqlite3"),
        "ML_AUDIO_BOT_FEEDS_ALLOWED_HOSTS": "127.0.0.1",
        "ML_AUDIO_BOT_ANNOUNCEMENTS_CHANNEL_ID": "4242",
        # The test items are dated in 2025; the CLI runs on the real clock.
        "ML_AUDIO_BOT_FEEDS_MAX_AGE_DAYS": "36500",
    }


async def test_check_reports_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    env = feeds_env(tmp_path, "feeds:\n  - id: x\n    title: X\n    url: gopher://x\n")
    code, _, err = await run_cli("feeds", "check", env=env)
    assert code == 1
    assert "feeds.yaml:4:" in err


@pytest.mark.slow
async def test_poll_once_queues_new_items_and_dry_run_stores_nothing(
    server: FeedServer, tmp_path: Path
) -> None:
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    document = {"items": [item(1)]}
    url = server.document("/cli.xml", lambda: rss(document["items"]))
    env = feeds_env(tmp_path, f"feeds:\n  - id: cli\n    title: CLI\n    url: {url}\n")

    code, out, _ = await run_cli("feeds", "poll", "--once", env=env)
    assert code == 0
    assert "cli: ok" in out
    document["items"] = [item(2), item(1)]

    code, out, _ = await run_cli("feeds", "poll", "--once", "--all", "--dry-run", env=env)
    assert code == 0
    assert "would announce: Paper 2" in out
    async with await Database.open(tmp_path / "bot.sqlite3") as db:
        assert await db.fetchall("SELECT key FROM outbox_items") == []

    code, out, _ = await run_cli("feeds", "poll", "--once", "--all", env=env)
    assert "queued: Paper 2" in out
    async with await Database.open(tmp_path / "bot.sqlite3") as db:
        rows = await db.fetchall("SELECT key, channel_id FROM outbox_items")
    assert [(str(r["key"])[:9], int(r["channel_id"])) for r in rows] == [("feed:feed", 4242)]
