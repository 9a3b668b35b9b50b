"""``ml-audio-bot run`` as a maintainer runs it: real process, a stand-in Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.client import create_bot
from bot.config import Config
from bot.discord_api import use_api_base, use_gateway_from_api
from bot.services import build_services
from tests.e2e.conftest import APPLICATION_ID, FakeDiscordAPI
from tests.shared_data import REPO_ROOT

pytestmark = pytest.mark.e2e

TOKEN = (
    base64.b64encode(str(APPLICATION_ID).encode()).decode().rstrip("=")
    + ".GfAkEt.not-a-real-signature-but-long-enough"
)
DEADLINE = 30.0  # seconds; a bound on a hang, not a speed expectation


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ML_AUDIO_BOT_"))}
    env.update(
        ML_AUDIO_BOT_DATABASE=str(tmp_path / "bot.sqlite3"),
        ML_AUDIO_BOT_CATALOG=str(REPO_ROOT / "catalog"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


async def start_bot(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,  # no ml-audio-bot.toml there
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str]:
    _out, err = await asyncio.wait_for(process.communicate(), DEADLINE)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def read_until(process: asyncio.subprocess.Process, marker: str) -> str:
    """stderr lines up to and including the first one containing ``marker``."""
    assert process.stderr is not None
    seen = []
    while True:
        line = (await process.stderr.readline()).decode()
        if not line:
            raise AssertionError(
                "the bot ended before logging " + repr(marker) + ":\n" + "".join(seen)
            )
        seen.append(line)
        if marker in line:
            return "".join(seen)


async def test_run_without_a_token_says_what_to_set(tmp_path: Path) -> None:
    process = await start_bot(tmp_path, bot_env(tmp_path))

    code, err = await finish(process)

    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "DISCORD_TOKEN is not set" in lines[0]
    assert "Traceback" not in err


async def test_run_with_a_bad_setting_names_the_key(tmp_path: Path) -> None:
    env = bot_env(tmp_path, DISCORD_TOKEN=TOKEN, ML_AUDIO_BOT_GUILD_IDS="general")
    process = await start_bot(tmp_path, env)

    code, err = await finish(process)

    assert code == 2
    assert err.strip().splitlines() == [
        "ml-audio-bot: ML_AUDIO_BOT_GUILD_IDS: expected a list of Discord ids (in the "
        "environment: comma-separated numbers); a Discord id (a positive whole "
        "number, e.g. 123456789012345678), got 'general'"
    ]


async def test_run_with_a_token_discord_rejects(
    tmp_path: Path, fake_discord: FakeDiscordAPI
) -> None:
    fake_discord.reject_token = True
    env = bot_env(tmp_path, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=fake_discord.base)
    process = await start_bot(tmp_path, env)

    code, err = await finish(process)

    assert code == 2
    assert fake_discord.seen("GET", "/api/v10/users/@me"), "login went elsewhere"
    problems = [line for line in err.splitlines() if line.startswith("ml-audio-bot:")]
    assert problems == [
        "ml-audio-bot: Discord rejected DISCORD_TOKEN (401 Unauthorized): copy a fresh token "
        "from https://discord.com/developers/applications (Bot → Reset Token)"
    ]
    assert "Traceback" not in err
    assert TOKEN not in err


@pytest.mark.slow
async def test_run_connects_through_the_api_base_and_stops_on_sigterm(
    tmp_path: Path, fake_discord: FakeDiscordAPI
) -> None:
    env = bot_env(tmp_path, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=fake_discord.base)
    process = await start_bot(tmp_path, env)
    try:
        before_signal = await asyncio.wait_for(read_until(process, "ready as"), DEADLINE)
        process.send_signal(signal.SIGTERM)
        code, after_signal = await finish(process)
        err = before_signal + after_signal
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert code == 0, err
    # REST and the gateway both went to the configured server, with the token.
    assert fake_discord.seen("GET", "/api/v10/users/@me")[0].authorization == f"Bot {TOKEN}"
    assert fake_discord.seen("GET", "/api/v10/gateway/bot")
    assert len(fake_discord.seen("PUT", f"/api/v10/applications/{APPLICATION_ID}/commands")) == 1
    assert fake_discord.identify_payload is not None
    assert fake_discord.identify_payload["intents"] == 1  # guilds only: nothing privileged
    assert "ready as ml-audio-bot" in err
    assert "stop signal received" in err
    assert err.rstrip().endswith("stopped")
    assert TOKEN not in err
    assert "Traceback" not in err


async def test_api_base_reroutes_rest_and_gateway(
    tmp_path: Path, fake_discord: FakeDiscordAPI
) -> None:
    config = Config(
        token=TOKEN,
        database_path=tmp_path / "bot.sqlite3",
        catalog_path=REPO_ROOT / "catalog",
        api_base=fake_discord.base,
    )
    services = await build_services(config)
    bot = create_bot(services, run_workers=False)
    restore = use_api_base(fake_discord.base)
    try:
        await bot.login(TOKEN)
        gateway = await use_gateway_from_api(bot.http)
    finally:
        restore()
        await bot.close()
        await services.close()

    assert gateway == f"ws://127.0.0.1:{fake_discord.port}/gateway"
    paths = [r.path for r in fake_discord.requests]
    assert paths[:2] == ["/api/v10/users/@me", "/api/v10/oauth2/applications/@me"]
    assert "/api/v10/gateway/bot" in paths
