"""The serving bot's heartbeat: healthy while connected, gone once it stops."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import simcord

from bot.discord.client import MLAudioBot
from bot.discord.heartbeat import HeartbeatWriter
from bot.health import check_health


async def test_heartbeat_of_a_connected_bot_reads_healthy_and_vanishes_on_stop(
    simcord_env: simcord.Env, simcord_bot: MLAudioBot, tmp_path: Path
) -> None:
    path = tmp_path / "ml-audio-bot.health"
    writer = HeartbeatWriter(simcord_bot, simcord_bot.services, path, interval=3600)

    await writer.start()
    await simcord_env.settle()
    beat = await writer.beat()

    assert beat.ready
    assert beat.database_ok
    assert check_health(path).healthy

    await writer.stop()

    assert not path.exists()
    assert not check_health(path).healthy


async def test_beats_asked_for_at_once_all_land(
    simcord_env: simcord.Env, simcord_bot: MLAudioBot, tmp_path: Path
) -> None:
    path = tmp_path / "ml-audio-bot.health"
    writer = HeartbeatWriter(simcord_bot, simcord_bot.services, path, interval=3600)

    beats = await asyncio.gather(*(writer.beat() for _ in range(5)))

    assert all(beat.ready for beat in beats)
    assert check_health(path).healthy
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


async def test_a_closed_database_makes_the_bot_unhealthy(
    simcord_env: simcord.Env, simcord_bot: MLAudioBot, tmp_path: Path
) -> None:
    path = tmp_path / "ml-audio-bot.health"
    writer = HeartbeatWriter(simcord_bot, simcord_bot.services, path, interval=3600)
    await simcord_bot.services.database.close()

    beat = await writer.beat()

    assert not beat.database_ok
    assert "database" in check_health(path).message


async def test_an_unexpected_error_in_one_beat_does_not_stop_the_heartbeat(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = HeartbeatWriter(None, None, tmp_path / "health", interval=0.01)  # type: ignore[arg-type]
    beats = {"n": 0}
    third = asyncio.Event()

    async def flaky_beat() -> None:
        beats["n"] += 1
        if beats["n"] == 1:
            raise ValueError("latency was not a number")
        if beats["n"] >= 3:
            third.set()

    writer.beat = flaky_beat  # type: ignore[method-assign,assignment]
    await writer.start()
    try:
        async with asyncio.timeout(30):  # a safety stop; beats come every 10 ms
            await third.wait()
    finally:
        await writer.stop()
    assert "heartbeat: a step failed" in caplog.text
