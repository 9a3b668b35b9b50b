"""Deadline sync in the running bot, through SimCord: an upstream extension is served at once
by ``/deadline``, announced and published once; a disagreeing source is shown there.

SimCord's virtual time starts on 2026-01-01, so ICASSP 2027 (paper deadline 2026-09-16 in
the real data) is ahead. The upstream files are the shared copies, served from 127.0.0.1,
with ccfddl extending the deadline and huggingface giving another date.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import discord
import pytest
import simcord

from bot.deadlines.sources import DeadlineSource
from bot.discord.client import MLAudioBot, create_bot
from bot.discord.sender import DiscordClock, DiscordSender
from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.guard import UrlGuard
from bot.outbox import Outbox, OutboxWorker
from bot.services import Services
from tests.e2e.conftest import DemoGuild
from tests.shared_data import shared_path
from tests.unit.feeds.server import FeedServer

pytestmark = pytest.mark.e2e

HF_2027 = """
- title: ICASSP
  year: 2027
  id: icassp27
  link: https://2027.ieeeicassp.org
  deadlines:
  - type: submission
    label: Paper Submission
    date: '2026-09-09 23:59:59'
    timezone: UTC-12
  city: Toronto
  country: Canada
  start: 2027-05-16
  end: 2027-05-21
"""


@pytest.fixture
async def upstream() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    ccfddl = shared_path("deadlines", "ccf-deadlines", "conference", "CG", "icassp.yml")
    hf = shared_path(
        "deadlines", "huggingface-ai-deadlines", "src", "data", "conferences", "icassp.yml"
    )
    extended = ccfddl.read_text(encoding="utf-8").replace(
        "'2026-09-16 23:59:59'", "'2026-09-23 23:59:59'"
    )
    server.document("/ccfddl/icassp.yml", extended.encode())
    server.document("/hf/icassp.yml", hf.read_bytes() + HF_2027.encode())
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def simcord_bot(services: Services, upstream: FeedServer) -> MLAudioBot:
    services.clock = DiscordClock()  # SimCord's virtual time
    bot = create_bot(services)
    outbox = Outbox(services.database, services.clock)
    await outbox.setup()
    services.outbox = outbox
    services.add_worker(OutboxWorker(outbox, DiscordSender(bot), services.clock))
    sync = services.deadline_sync
    assert sync is not None
    await sync.fetcher.close()
    sync.fetcher = Fetcher(UrlGuard(("127.0.0.1",)), FetchLimits(politeness=0.0))
    sources = [
        DeadlineSource("icassp", "ccfddl", upstream.url("/ccfddl/icassp.yml"), 1),
        DeadlineSource("icassp", "huggingface", upstream.url("/hf/icassp.yml"), 2),
    ]
    sync.sources = lambda: sources
    return bot


def page_text(result: simcord.InteractionResult) -> str:
    assert result.response is not None
    return "\n".join(e.description or "" for e in result.response.embeds)


def published(message: discord.Message) -> bool:
    # SimCord 3.2.1 marks a published message IS_CROSSPOST where Discord sets CROSSPOSTED.
    return message.flags.crossposted or message.flags.is_crossposted


async def test_an_extension_is_served_announced_once_and_a_disagreement_shown(
    simcord_env: simcord.Env, demo: DemoGuild, services: Services
) -> None:
    services.config = services.config.with_overrides(announcements_channel_id=demo.announcements.id)
    sync = services.deadline_sync
    assert sync is not None
    report = await sync.run()
    assert [c.line() for c in report.changes] == [
        "ICASSP 2027: paper deadline extended: 2026-09-23 23:59:59 UTC-12 "
        "(was 2026-09-16 23:59:59 UTC-12)"
    ]
    await simcord_env.advance_time(60)
    [message] = demo.announcements.history()
    unix = int(datetime(2026, 9, 24, 11, 59, 59, tzinfo=UTC).timestamp())
    assert message.content.startswith(f"⏰ ICASSP 2027: paper deadline extended to <t:{unix}:F>")
    assert published(message)

    listing = await demo.alice.slash(demo.general, "deadlines", filter="icassp")
    assert listing.response is not None
    # Served at once, without a restart or a reload.
    assert f"**ICASSP 2027** · Paper — <t:{unix}:F>" in page_text(listing)
    result = await demo.alice.slash(demo.general, "deadline", conference="icassp")
    simcord.assert_responded(result, ephemeral=False)
    assert (
        "⚠️ **ICASSP 2027 paper deadline:** sources disagree: ccfddl 23 Sep, huggingface 9 Sep"
        in page_text(result)
    )

    await sync.run(force=True)  # the next day's sync finds nothing new
    await simcord_env.advance_time(60)
    assert [m.id for m in demo.announcements.history()] == [message.id]
