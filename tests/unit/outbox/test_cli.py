"""``ml-audio-bot outbox``: what a maintainer sees, and unblocking and retrying from a shell."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import SystemClock
from bot.outbox import Outbox, OutgoingMessage, PermanentFailure
from bot.storage import Database
from tests.unit.outbox.fakes import FakeDiscord

GONE = 1_100_000_000_000_000_111
FINE = 1_100_000_000_000_000_222


async def _prepare(path: Path) -> None:
    async with await Database.open(path) as db:
        outbox = Outbox(db, SystemClock())
        await outbox.setup()
        discord = FakeDiscord(announcement_channels={FINE})
        discord.broken[("post", GONE)] = PermanentFailure("404 Unknown Channel (code 10003)")
        discord.fail("crosspost", PermanentFailure("Unknown Message (10008)", scope="message"))
        await outbox.enqueue(OutgoingMessage("deadline:ismir:paper:7d", GONE, content="ISMIR"))
        await outbox.enqueue(OutgoingMessage("feed:arxiv:9", FINE, content="paper"))
        for _ in range(3):
            await outbox.process_due(discord)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "bot.sqlite3"
    asyncio.run(_prepare(path))
    return path


def test_status_shows_blocked_channels_and_failures_with_the_command_to_run(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "status", "--database", str(database)]) == 1
    out = capsys.readouterr().out
    assert "pending 0, posting 1, posted 0, done 0, failed 1" in out
    assert f"BLOCKED channel {GONE}" in out
    assert "1 waiting: 404 Unknown Channel (code 10003)" in out
    assert f"ml-audio-bot outbox unblock {GONE}" in out
    assert "FAILED feed:arxiv:9 (channel " in out
    assert "ml-audio-bot outbox retry feed:arxiv:9" in out


def test_unblock_and_retry_reset_what_they_name(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "unblock", str(GONE), "--database", str(database)]) == 0
    assert main(["outbox", "unblock", str(GONE), "--database", str(database)]) == 1
    assert main(["outbox", "retry", "feed:arxiv:9", "--database", str(database)]) == 0
    assert main(["outbox", "retry", "nope", "--database", str(database)]) == 1
    captured = capsys.readouterr()
    assert "cannot retry nope: no message has this key" in captured.err
    assert main(["outbox", "status", "--database", str(database)]) == 0


def test_list_filters_and_prints_json_lines(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "list", "--state", "failed", "--json", "--database", str(database)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    item = json.loads(line)
    assert (item["key"], item["state"], item["publish"]) == ("feed:arxiv:9", "failed", True)
    assert item["message_id"] is not None

    assert main(["outbox", "list", "--channel", str(GONE), "--database", str(database)]) == 0
    assert "deadline:ismir:paper:7d" in capsys.readouterr().out


def test_a_missing_database_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "status", "--database", str(tmp_path / "none.sqlite3")]) == 1
    assert "no database here" in capsys.readouterr().err
