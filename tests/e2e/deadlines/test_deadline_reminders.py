"""Deadline reminders through the real outbox and SimCord: posted, published, once.

SimCord's virtual time starts on 2026-01-01 00:00 UTC. Advancing it runs discord.py's
heartbeats too, so these tests use a deadline a few hours ahead (3 h 15 min: its 3-hour
reminder falls due after 15 virtual minutes) instead of the real data's first one, which
is a day and a half away; months of planning run with a fake clock in tests/unit.
"""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest
import simcord

from bot.deadlines.dates import parse_local
from bot.deadlines.model import Deadline, DeadlineBook, Edition, Series
from bot.deadlines.timezones import parse_timezone
from bot.discord.client import MLAudioBot, create_bot
from bot.discord.sender import DiscordClock, DiscordSender
from bot.outbox import Outbox, OutboxWorker, State
from bot.services import Services
from tests.e2e.conftest import DemoGuild

pytestmark = pytest.mark.e2e

# 2025-12-31 15:15 AoE is 2026-01-01 03:15 UTC; its 3-hour reminder is due at 00:15 UTC.
DEADLINE = Deadline("paper", parse_timezone("AoE"), parse_local("2025-12-31 15:15").value)
KEY = "deadline:dafx-2026:paper:3h@20260101T0315Z"


@pytest.fixture
async def simcord_bot(services: Services) -> MLAudioBot:
    services.clock = DiscordClock()  # SimCord's virtual time, for the cogs and the worker
    edition = Edition("dafx-2026", "dafx", "DAFx", 2026, (DEADLINE,), link="https://dafx.de/")
    services.deadlines = DeadlineBook((Series("dafx", "DAFx", (edition,), tags=("audio",)),))
    bot = create_bot(services)
    outbox = Outbox(services.database, services.clock)
    await outbox.setup()
    services.outbox = outbox  # type: ignore[attr-defined]
    services.add_worker(OutboxWorker(outbox, DiscordSender(bot), services.clock))
    return bot


@pytest.fixture
def announcing(services: Services, demo: DemoGuild) -> DemoGuild:
    services.config = services.config.with_overrides(announcements_channel_id=demo.announcements.id)
    return demo


def published(message: discord.Message) -> bool:
    # SimCord 3.2.1 marks a published message IS_CROSSPOST where Discord sets CROSSPOSTED.
    return message.flags.crossposted or message.flags.is_crossposted


async def advance_to(env: simcord.Env, moment: datetime) -> None:
    await env.advance_time((moment - env.now()).total_seconds())


async def test_reminder_is_posted_and_published_once_at_its_time(
    simcord_env: simcord.Env, announcing: DemoGuild, services: Services
) -> None:
    await advance_to(simcord_env, datetime(2026, 1, 1, 0, 14, tzinfo=UTC))
    assert announcing.announcements.history() == []  # not before its time
    await advance_to(simcord_env, datetime(2026, 1, 1, 0, 20, tzinfo=UTC))
    [message] = announcing.announcements.history()
    unix = int(datetime(2026, 1, 1, 3, 15, tzinfo=UTC).timestamp())
    assert message.content.startswith(f"⏰ **DAFx 2026** — Paper deadline in 3 hours: <t:{unix}:F>")
    assert "Organisers' time: 2025-12-31 15:15 AoE" in message.content
    assert published(message)
    assert message.created_at >= datetime(2026, 1, 1, 0, 15, tzinfo=UTC)
    outbox: Outbox = services.outbox  # type: ignore[attr-defined]
    assert await outbox.get(KEY) is not None
    # The worker plans again and again until and after the deadline: still one message.
    await advance_to(simcord_env, datetime(2026, 1, 1, 4, 0, tzinfo=UTC))
    assert [m.id for m in announcing.announcements.history()] == [message.id]


async def test_crosspost_rate_limited_is_retried_not_duplicated(
    simcord_env: simcord.Env, announcing: DemoGuild
) -> None:
    simcord_env.inject_error("POST", "/channels/*/messages/*/crosspost", status=429, times=1)
    simcord_env.inject_error(
        "POST", f"/channels/{announcing.announcements.id}/messages", status=502, times=1
    )
    await advance_to(simcord_env, datetime(2026, 1, 1, 0, 30, tzinfo=UTC))
    [message] = announcing.announcements.history()
    assert "DAFx 2026" in message.content
    assert published(message)
    posts = [
        r
        for r in simcord_env.http_requests
        if r.method == "POST"
        and r.path.endswith(f"/channels/{announcing.announcements.id}/messages")
    ]
    crossposts = [r for r in simcord_env.http_requests if r.path.endswith("/crosspost")]
    assert len(posts) >= 2  # the 502 was answered, the post retried
    assert len(crossposts) >= 2  # the 429 was answered, the publication retried


async def restart(env: simcord.Env, services: Services) -> None:
    """A new process over the same database: new bot, outbox and outbox worker; the
    reminder worker carries on from its watermark in the database."""
    outbox = Outbox(services.database, services.clock)
    await outbox.setup()
    services.outbox = outbox  # type: ignore[attr-defined]
    new_bot = create_bot(services)
    services.workers[-1] = OutboxWorker(outbox, DiscordSender(new_bot), services.clock)
    await env.restart_bot(new_bot)


async def test_restart_in_the_reminder_minute_posts_it_once(
    simcord_env: simcord.Env, announcing: DemoGuild, services: Services
) -> None:
    await advance_to(simcord_env, datetime(2026, 1, 1, 0, 14, 50, tzinfo=UTC))
    await restart(simcord_env, services)  # just before it is due
    await advance_to(simcord_env, datetime(2026, 1, 1, 0, 15, 5, tzinfo=UTC))
    await restart(simcord_env, services)  # and right after
    await advance_to(simcord_env, datetime(2026, 1, 1, 1, 0, tzinfo=UTC))
    [message] = announcing.announcements.history()
    assert "DAFx 2026" in message.content
    assert published(message)


async def test_deleted_announcement_channel_keeps_the_reminder_waiting(
    simcord_env: simcord.Env, announcing: DemoGuild, services: Services
) -> None:
    simcord_env.backend.delete_channel(announcing.announcements.id)  # a moderator deleted it
    await advance_to(simcord_env, datetime(2026, 1, 1, 0, 30, tzinfo=UTC))
    outbox: Outbox = services.outbox  # type: ignore[attr-defined]
    [blocked] = await outbox.blocked_channels()
    assert blocked.channel_id == announcing.announcements.id
    item = await outbox.get(KEY)
    assert item is not None
    assert item.message_id is None  # kept in the outbox, not counted as sent
    assert item.state in (State.PENDING, State.POSTING)
