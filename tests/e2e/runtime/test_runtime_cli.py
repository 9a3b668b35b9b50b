"""``ml-audio-bot run`` as a maintainer runs it: real process, a stand-in Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import sys
from pathlib import Path

import discord
import pytest

from bot.cli import main
from bot.config import Config
from bot.discord.api import use_api_base, use_gateway_from_api
from bot.discord.client import create_bot
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


def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **values: str) -> None:
    """The environment of ``bot_env`` for an in-process ``main([...])`` call."""
    monkeypatch.chdir(tmp_path)  # no ml-audio-bot.toml here
    for name in list(os.environ):
        if name.startswith(("DISCORD_", "ML_AUDIO_BOT_")):
            monkeypatch.delenv(name)
    for name, value in bot_env(tmp_path, **values).items():
        monkeypatch.setenv(name, value)


def test_run_without_a_token_says_what_to_set(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cli_env(monkeypatch, tmp_path)

    assert main(["run"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "DISCORD_TOKEN is not set" in lines[0]


def test_run_with_a_bad_setting_names_the_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cli_env(monkeypatch, tmp_path, DISCORD_TOKEN=TOKEN, ML_AUDIO_BOT_GUILD_IDS="general")

    assert main(["run"]) == 2

    assert capsys.readouterr().err.strip().splitlines() == [
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
    heartbeat = tmp_path / "health.json"
    env = bot_env(
        tmp_path,
        DISCORD_TOKEN=TOKEN,
        DISCORD_API_BASE=fake_discord.base,
        ML_AUDIO_BOT_HEALTH_FILE=str(heartbeat),
    )
    process = await start_bot(tmp_path, env)
    try:
        before_signal = await asyncio.wait_for(read_until(process, "ready as"), DEADLINE)
        assert heartbeat.exists()  # the container health check has something to read
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
    assert not heartbeat.exists()  # a stopped bot does not look healthy
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
        feeds_enabled=False,
        deadlines_sync_enabled=False,
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


async def run_cli(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), DEADLINE)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.slow
async def test_sync_pushes_commands_even_when_unchanged(
    tmp_path: Path, fake_discord: FakeDiscordAPI
) -> None:
    env = bot_env(tmp_path, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=fake_discord.base)
    guild_path = f"/api/v10/applications/{APPLICATION_ID}/guilds/42/commands"

    first = await run_cli(tmp_path, env, "sync", "--guild", "42")
    second = await run_cli(tmp_path, env, "sync", "--guild", "42")

    assert first[0] == second[0] == 0, first[2] + second[2]
    assert first[1].startswith("synced ")
    assert first[1].rstrip().endswith("commands to guild:42")
    assert len(fake_discord.seen("PUT", guild_path)) == 2
    assert not fake_discord.seen("GET", "/api/v10/gateway/bot")  # no gateway session
    assert fake_discord.identify_payload is None
    assert TOKEN not in first[2] + second[2]


def test_invite_url_asks_for_the_minimal_permissions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)

    assert main(["invite-url"]) == 0

    out, err = capsys.readouterr()
    url = out.strip()
    assert url.startswith(f"https://discord.com/oauth2/authorize?client_id={APPLICATION_ID}")
    assert "scope=bot+applications.commands" in url
    granted = discord.Permissions(int(url.split("permissions=")[1].split("&")[0]))
    # discord.py iterates view_channel under its older alias, read_messages.
    assert {name for name, value in granted if value} == {
        "read_messages",
        "send_messages",
        "embed_links",
        "read_message_history",
        "send_messages_in_threads",
        "create_public_threads",
        "manage_messages",
        "manage_webhooks",
    }
    assert not granted.administrator
    assert "manage_messages: publish (crosspost)" in err


def test_invite_url_without_any_id_says_what_to_set(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "DISCORD_APPLICATION_ID", "ML_AUDIO_BOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)

    assert main(["invite-url"]) == 2

    assert "set DISCORD_APPLICATION_ID" in capsys.readouterr().err


def test_config_command_shows_settings_but_not_the_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cli_env(monkeypatch, tmp_path, DISCORD_TOKEN=TOKEN, ML_AUDIO_BOT_GUILD_IDS="1, 2")

    assert main(["config"]) == 0

    out = capsys.readouterr().out
    assert TOKEN not in out
    rows = {line.split()[0]: line.split(None, 2)[2] for line in out.splitlines()}
    assert rows["token"] == "set"
    assert rows["guild_ids"] == "1, 2"
    assert rows["database_path"] == str(tmp_path / "bot.sqlite3")
