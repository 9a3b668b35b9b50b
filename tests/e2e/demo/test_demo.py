"""``make demo`` on a fresh machine: the real bot answers in a simulated server, then exits 0."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import sys
import urllib.request

import discord
import pytest

from bot.cli import main
from bot.config import Config
from bot.demo.session import DemoContext, DemoOptions, collect_scenes, run_demo
from bot.paths import DEFAULT_CATALOG_DIR
from tests.discord_contract import assert_requests_within_discord_limits
from tests.shared_data import REPO_ROOT

pytestmark = pytest.mark.e2e

WAVENET_TITLE = "WaveNet: A Generative Model for Raw Audio"


def test_demo_outside_a_terminal_prints_the_session_and_exits_0() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,  # not a terminal: no preview, no waiting for Ctrl-C
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    transcript = done.stdout
    answer = transcript.split("runs  /resource query:wavenet", 1)[1]
    assert WAVENET_TITLE in answer
    assert "1609.03499" in answer
    assert "suggestions from ML-Audio Bot" in transcript
    assert "[Next ▶]" in transcript
    assert "runs  /about" in transcript
    # The approved suggestion is announced once, and published, by the bot's own outbox.
    assert "(1 approved resource in #announcements: posted and published once)" in transcript
    assert "127.0.0.1" not in transcript  # the preview is only for terminals


async def test_every_request_of_the_demo_is_one_discord_accepts() -> None:
    out = io.StringIO()
    checked: list[int] = []

    async def check(context: DemoContext) -> None:
        assert_requests_within_discord_limits(context.env)
        checked.append(len(context.env.http_requests))

    code = await run_demo(
        Config(catalog_path=DEFAULT_CATALOG_DIR), DemoOptions(), out, after_scenes=check
    )

    assert code == 0
    assert len(checked) == 1
    assert checked[0] > 0  # the check saw the bot's requests
    assert WAVENET_TITLE in out.getvalue()


def test_scenes_have_unique_keys_so_each_can_be_played_alone() -> None:
    keys = [scene.key for scene in collect_scenes()]

    assert len(keys) == len(set(keys))
    assert {"resource-wavenet", "resource-autocomplete", "section-paging", "about"} <= set(keys)


def test_an_unknown_scene_is_refused_with_the_list_of_scenes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--scene", "wavenet"]) == 2
    error = capsys.readouterr().err
    assert "no scene 'wavenet'" in error
    assert "resource-wavenet" in error


async def test_in_a_terminal_the_preview_is_served_on_loopback_until_interrupted() -> None:
    out = io.StringIO()
    demo = asyncio.create_task(
        run_demo(
            Config(catalog_path=DEFAULT_CATALOG_DIR),
            DemoOptions(interactive=True, scene_keys=("about",)),
            out,
        )
    )
    address = None
    for _ in range(300):  # up to 30 s for the script and the server to start
        found = re.search(r"http://127\.0\.0\.1:\d+/#\S+", out.getvalue())
        if found or demo.done():
            address = found.group(0) if found else None
            break
        await asyncio.sleep(0.1)

    assert address is not None, out.getvalue()
    page = await asyncio.to_thread(lambda: urllib.request.urlopen(address, timeout=10).read())
    assert b"SimCord Preview" in page

    demo.cancel()  # what Ctrl-C does to the running demo
    with pytest.raises(asyncio.CancelledError):
        await demo


async def test_the_reminder_scene_shows_the_one_reminder_the_bot_itself_posted() -> None:
    out = io.StringIO()
    reminders: list[discord.Message] = []

    async def look_at_announcements(context: DemoContext) -> None:
        await context.env.advance_time(3600)  # anything posted late would be there by now
        await context.env.settle()
        channel = context.world.announcements
        reminders.extend(m for m in channel.history() if "IJCNN 2026" in m.content)

    code = await run_demo(
        Config(catalog_path=DEFAULT_CATALOG_DIR),
        DemoOptions(scene_keys=("deadline-reminder",)),
        out,
        after_scenes=look_at_announcements,
    )

    assert code == 0
    [reminder] = reminders  # the reminder worker's, and no copy made by the demo
    assert reminder.author.bot
    assert reminder.flags.crossposted or reminder.flags.is_crossposted
    transcript = out.getvalue()
    assert transcript.count("⏰ IJCNN 2026") == 1
    assert "(1 reminder in #announcements: posted and published once)" in transcript
