"""``/deadlines``, ``/deadline`` and ``/announcements`` through SimCord on the real data.

SimCord's virtual clock starts on 2026-01-01 (UTC); the bot's clock reads it, so the real
deadline data has ICML, IJCNN and Interspeech 2026 deadlines ahead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import discord
import pytest
import simcord
from icalendar import Calendar

from bot.catalog.model import Catalog
from bot.config import Config
from bot.discord.sender import DiscordClock
from bot.search import SearchIndex
from bot.services import Services
from tests.e2e.conftest import DemoGuild, make_services
from tests.e2e.rate_limits import wait_out_429s

pytestmark = pytest.mark.e2e


@pytest.fixture
async def services(
    bot_config: Config, catalog: Catalog, search_index: SearchIndex
) -> AsyncIterator[Services]:
    built = await make_services(bot_config, catalog, search_index)
    built.clock = DiscordClock()  # SimCord's virtual time
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
def bound(services: Services, demo: DemoGuild) -> DemoGuild:
    services.config = services.config.with_overrides(
        announcements_channel_id=demo.announcements.id,
        maintainer_role_ids=(demo.maintainers.id,),
    )
    return demo


def page_text(result: simcord.InteractionResult) -> str:
    assert result.response is not None
    return "\n".join(e.description or "" for e in result.response.embeds)


async def test_deadlines_audio_lists_upcoming_with_timestamps_and_estimates(
    bound: DemoGuild,
) -> None:
    result = await bound.alice.slash(bound.general, "deadlines", filter="audio")
    simcord.assert_responded(result, ephemeral=False)
    listing = page_text(result)
    interspeech = int(datetime(2026, 2, 26, 11, 59, 59, tzinfo=UTC).timestamp())
    assert f"**Interspeech 2026** · Paper submission deadline — <t:{interspeech}:F>" in listing
    assert f"<t:{interspeech}:R>) · 23:59 AoE" in listing
    assert "*estimate:*" in listing  # ISMIR, DAFx… have nothing announced in the data
    assert "ICML" not in listing  # an ml conference, filtered out
    assert "2025" not in listing.split("*estimate:*")[0]  # past editions hidden


async def test_deadlines_within_days_and_unknown_filter(bound: DemoGuild) -> None:
    result = await bound.alice.slash(bound.general, "deadlines", filter="ml 45d")
    listing = page_text(result)
    assert "**ICML 2026** · Abstract Submission" in listing
    assert "IJCNN 2026" in listing
    assert "Interspeech" not in listing
    # EUSIPCO has no deadline data (WASPAA, used here before, now has some).
    refused = await bound.alice.slash(bound.general, "deadlines", filter="eusipco")
    simcord.assert_responded(refused, ephemeral=True)
    assert refused.response is not None
    assert "no conference or tag 'eusipco'" in refused.response.content


async def test_deadline_conference_details(bound: DemoGuild) -> None:
    result = await bound.bob.slash(bound.general, "deadline", conference="interspeech")
    simcord.assert_responded(result, ephemeral=False)
    assert result.response is not None
    embed = result.response.embeds[0]
    assert embed.title == "Interspeech 2026"
    assert embed.url == "https://interspeech2026.org"
    assert "**Camera-ready paper submission:** <t:" in (embed.description or "")
    assert "Source: huggingface/ai-deadlines@" in (embed.description or "")


async def test_deadlines_ics_returns_a_calendar_file(bound: DemoGuild) -> None:
    result = await bound.alice.slash(bound.general, "deadlines", filter="ics icassp")
    assert result.response is not None
    attachment = result.response.attachments[0]
    assert attachment.filename == "deadlines-icassp.ics"
    calendar = Calendar.from_ical(await attachment.read())
    uids = [str(event["UID"]) for event in calendar.walk("VEVENT")]
    # Every edition on record, past ones too, oldest first.
    assert uids[-2:] == ["icassp-2026-paper@ml-audio-bot", "icassp-2027-paper@ml-audio-bot"]
    assert "icassp-2019-paper@ml-audio-bot" in uids
    assert "-# Data as of <t:" in result.response.content
    everything = await bound.alice.slash(bound.general, "deadlines", filter="ics")
    assert everything.response is not None
    data = await everything.response.attachments[0].read()
    events = Calendar.from_ical(data).walk("VEVENT")
    assert "icml-2026-abstract@ml-audio-bot" in [str(e["UID"]) for e in events]
    assert b"DTSTART:20260124T115959Z" in data  # 2026-01-23 23:59:59 AoE
    # MTG's files give ICASSP 2019's deadline as a date only: an all-day event on that date.
    assert b"DTSTART;VALUE=DATE:20181029" in data
    assert all("SEQUENCE" in event and "LAST-MODIFIED" in event for event in events)


class ShiftedClock:
    """SimCord's virtual time moved to another day: the bot reads "today" as ``moment``,
    while its workers still sleep on SimCord's clock."""

    def __init__(self, moment: datetime) -> None:
        self._offset = moment - DiscordClock().now()

    def now(self) -> datetime:
        return DiscordClock().now() + self._offset

    async def sleep(self, seconds: float) -> None:
        await DiscordClock().sleep(seconds)


async def test_with_nothing_announced_ahead_deadlines_says_so_then_shows_estimates(
    services: Services, demo: DemoGuild
) -> None:
    # On 2026-12-03 the real data has no announced deadline ahead (the 2027 calls are out
    # later): the list must say so plainly, with the data's age, before any estimate.
    services.clock = ShiftedClock(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    age = services.deadlines_age
    assert age is not None
    result = await demo.alice.slash(demo.general, "deadlines")
    simcord.assert_responded(result, ephemeral=False)
    assert result.response is not None
    first = result.response.embeds[0].description or ""
    lines = first.splitlines()
    assert lines[0].startswith("**No announced deadline lies ahead.**")
    assert f"last updated {age.when()}, from catalog/deadlines" in lines[0]
    assert "*estimates*" in lines[1]
    listing = page_text(result)
    assert "*estimate:* expected around" in listing
    assert "— <t:" not in listing  # no announced time anywhere
    for embed in result.response.embeds:  # every page carries the data's age
        assert (embed.description or "").splitlines()[-1] == age.line()

    details = await demo.alice.slash(demo.general, "deadline", conference="icassp")
    assert details.response is not None
    description = details.response.embeds[0].description or ""
    assert description.splitlines()[0] == "**No ICASSP deadline announced ahead.**"
    assert "*Estimate:*" in description
    assert description.splitlines()[-1] == age.line()

    calendar = await demo.alice.slash(demo.general, "deadlines", filter="ics")
    assert calendar.response is not None
    assert age.line() in calendar.response.content
    data = await calendar.response.attachments[0].read()
    assert len(Calendar.from_ical(data).walk("VEVENT")) > 50  # never an empty calendar


async def test_follow_announcements_needs_manage_webhooks(
    bound: DemoGuild, simcord_env: simcord.Env
) -> None:
    denied = await bound.alice.slash(bound.general, "announcements follow", channel=bound.general)
    simcord.assert_responded(denied, ephemeral=True)
    assert denied.response is not None
    assert "Manage Webhooks" in denied.response.content
    admin_role = bound.guild.create_role(
        "Admins", permissions=discord.Permissions(manage_webhooks=True)
    )
    dave = bound.guild.add_member(simcord_env.create_user("dave"), roles=[admin_role])
    result = await dave.slash(bound.general, "announcements follow", channel=bound.general)
    simcord.assert_responded(result, ephemeral=True)
    assert "now receives the announcements" in shown_text(result)


async def test_follow_checks_manage_webhooks_in_the_followed_channel(
    bound: DemoGuild, simcord_env: simcord.Env
) -> None:
    # Manage Webhooks only in #lab: typing in #lab must not let dave wire up #general.
    dave = bound.guild.add_member(simcord_env.create_user("dave"))
    lab = bound.guild.create_text_channel(
        "lab", overwrites={dave: discord.PermissionOverwrite(manage_webhooks=True)}
    )
    denied = await dave.slash(lab, "announcements follow", channel=bound.general)
    simcord.assert_responded(denied, ephemeral=True)
    assert denied.response is not None
    assert f"Manage Webhooks permission in {bound.general.mention}" in denied.response.content
    assert not [r for r in simcord_env.http_requests if r.path.endswith("/followers")]

    allowed = await dave.slash(bound.general, "announcements follow", channel=lab)
    assert f"{lab.mention} now receives the announcements" in shown_text(allowed)


def shown_text(result: simcord.InteractionResult) -> str:
    """Everything the member sees, whether the bot answered at once or after deferring."""
    return "\n".join(m.content for m in [result.response, *result.followups] if m is not None)


async def test_follow_waiting_out_a_rate_limit_still_tells_the_member(
    bound: DemoGuild, simcord_env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Discord answers the follow with a 3.5 s 429: longer than the 3 s an interaction
    # may go unanswered. discord.py waits it out, and the member must hear the outcome.
    dave = bound.guild.add_member(simcord_env.create_user("dave"), roles=[webhook_admins(bound)])
    lab = bound.guild.create_text_channel("lab")
    wait_out_429s(
        simcord_env,
        monkeypatch,
        "POST",
        f"/channels/{bound.announcements.id}/followers",
        retry_after=3.5,
    )
    result = await dave.slash(bound.general, "announcements follow", channel=lab)
    assert result.acknowledged  # "thinking…" at once, within the 3 s
    await simcord_env.advance_time(5)
    await simcord_env.settle()
    follows = [
        r for r in simcord_env.http_requests if r.method == "POST" and r.path.endswith("/followers")
    ]
    assert len(follows) == 2  # the 429, then the follow made after waiting
    simcord.assert_responded(result, ephemeral=True)
    assert f"{lab.mention} now receives the announcements of {bound.announcements.mention}" in (
        shown_text(result)
    )


def webhook_admins(bound: DemoGuild) -> simcord.RoleHandle:
    return bound.guild.create_role("Admins", permissions=discord.Permissions(manage_webhooks=True))


async def test_announcements_test_is_for_maintainers_and_publishes(bound: DemoGuild) -> None:
    refused = await bound.alice.slash(bound.general, "announcements test")
    assert refused.response is not None
    assert "Only maintainers" in refused.response.content
    result = await bound.carol.slash(bound.general, "announcements test")
    assert result.response is not None
    assert "Posted and published" in result.response.content
    posted = bound.announcements.last_message
    assert posted is not None
    assert "Test announcement" in posted.content
    # Published: SimCord 3.2.1 marks it with IS_CROSSPOST (2) where Discord sets CROSSPOSTED (1).
    assert posted.flags.crossposted or posted.flags.is_crossposted


async def test_manage_server_without_the_role_counts_as_maintainer(
    bound: DemoGuild, simcord_env: simcord.Env
) -> None:
    # The same rule as /feeds and suggestion review: Manage Server, or a maintainer role.
    owners = bound.guild.create_role("Owners", permissions=discord.Permissions(manage_guild=True))
    frank = bound.guild.add_member(simcord_env.create_user("frank"), roles=[owners])
    result = await frank.slash(bound.general, "announcements test")
    assert result.response is not None
    assert "Posted and published" in result.response.content


async def test_announcements_test_names_the_channel_that_refused_the_post(
    bound: DemoGuild, simcord_env: simcord.Env
) -> None:
    simcord_env.inject_error(
        "POST",
        f"/channels/{bound.announcements.id}/messages",
        status=403,
        code=50013,
        message="Missing Permissions",
    )
    result = await bound.carol.slash(bound.general, "announcements test")
    shown = "\n".join(m.content for m in [result.response, *result.followups] if m is not None)
    assert f"I could not post in {bound.announcements.mention} (Missing Permissions)" in shown
    assert "Send Messages there" in shown
    assert "refused my reply here" not in shown
    assert bound.announcements.last_message is None


async def test_waspaa_is_estimated_only_for_the_odd_years_it_is_held(bound: DemoGuild) -> None:
    # On 2026-01-01 the last WASPAA on record is 2023 and the series is held in odd years:
    # the next one to expect is 2027's, never a 2026 edition.
    result = await bound.alice.slash(bound.general, "deadlines", filter="waspaa")
    simcord.assert_responded(result, ephemeral=False)
    listing = page_text(result)
    assert "**WASPAA 2027** · *estimate:* expected around late-April 2027" in listing
    assert "held in odd years" in listing
    assert "WASPAA 2026" not in listing


async def test_deadline_note_keeps_its_link(bound: DemoGuild) -> None:
    result = await bound.bob.slash(bound.general, "deadline", conference="iclr")
    details = page_text(result)
    assert (
        "Mandatory abstract deadline on Sep 19, 2025. "
        "More info [here](https://iclr.cc/Conferences/2026/Dates#)." in details
    )
