"""``make demo`` on a fresh machine: the real bot answers in a simulated server, then exits 0."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from bot.config import Config
from bot.discord_demo import DemoContext, DemoOptions, collect_scenes, run_demo
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
