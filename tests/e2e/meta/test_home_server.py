"""One home server: maintainer powers count only where the bot is run from.

The bot also sits in "Partner Lab", whose admin (Administrator, Manage Server) follows our
announcements. From there, every maintainer command and button is refused privately and
changes nothing: not the feeds, not a suggestion, not the blocklist, not #announcements.
Everyone keeps the reading list, the deadlines, ``/about``, ``/help`` and
``/announcements follow``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord

from bot.catalog.model import Catalog
from bot.config import Config
from bot.demo.world import DEMO_GUILD_ID, PartnerWorld, create_partner
from bot.discord.client import create_bot
from bot.discord.suggestions.controller import ui_of
from bot.feeds.service import FeedService
from bot.search import SearchIndex
from bot.services import Services
from bot.suggestions import Status
from bot.suggestions.model import Draft
from bot.suggestions.outcomes import Created
from bot.suggestions.service import SuggestionService
from tests.e2e.conftest import DemoGuild, make_config, make_demo_guild, make_services

pytestmark = [pytest.mark.e2e, pytest.mark.bot_config(suggestions_edit_delay=0.01)]

REASON = "A clear review of deep learning for audio that a student can read in an evening."
SPAM = Draft(
    "Buy cheap followers here", "https://followers.example.net/cheap", "key-papers", REASON
)
FEEDS_YAML = """feeds:
  - id: arxiv-cs-sd
    title: arXiv cs.SD
    url: http://127.0.0.1:9/rss/cs.SD
  - id: arxiv-eess-as
    title: arXiv eess.AS
    url: http://127.0.0.1:9/rss/eess.AS
"""
HOME_REFUSAL = "only in the bot's home server, **ML-Audio Study Group**"


@pytest.fixture
def bot_config(tmp_path: Path) -> Config:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(FEEDS_YAML, encoding="utf-8")
    # Feeds are never polled here (the URLs lead nowhere): only their stored state matters.
    return make_config(tmp_path, feeds_file=feeds, suggestions_edit_delay=0.01, feeds_enabled=False)


@pytest.fixture
def home(services: Services, demo: DemoGuild, partner: PartnerWorld) -> DemoGuild:
    """The demo server as the home server, with its channels and maintainer role."""
    services.config = services.config.with_overrides(
        home_guild_id=demo.guild.id,
        announcements_channel_id=demo.announcements.id,
        maintainer_role_ids=(demo.maintainers.id,),
    )
    return demo


def feeds_of(services: Services) -> FeedService:
    assert services.feeds is not None
    return services.feeds


def suggestions_of(services: Services) -> SuggestionService:
    assert services.suggestions is not None
    return services.suggestions


async def queued_announcements(services: Services) -> list[str]:
    """Keys of everything ever queued for posting (an approval queues "New resource")."""
    assert services.outbox is not None
    return [item.key for item in await services.outbox.items()]


async def feed_states(services: Services) -> dict[str, str]:
    return {s.spec.id: s.state.value for s in await feeds_of(services).statuses()}


def shown(result: simcord.InteractionResult) -> str:
    messages = [m for m in [result.response, *result.followups] if m is not None]
    parts: list[str] = []
    for message in messages:
        parts.append(message.content)
        for embed in message.embeds:
            parts += [embed.title or "", embed.description or ""]
            parts += [f"{field.name}: {field.value}" for field in embed.fields]
    return "\n".join(parts)


def assert_refused_privately(result: simcord.InteractionResult, *expected: str) -> None:
    """One private message, no form, containing each ``expected`` text."""
    assert result.modal is None, result
    simcord.assert_responded(result, ephemeral=True)
    assert not result.followups, result
    for text in expected:
        assert text in shown(result), shown(result)
    assert "Nothing was changed." in shown(result)


async def suggestion_in(
    env: simcord.Env, services: Services, guild: simcord.GuildHandle, author_id: int
) -> tuple[int, discord.Message]:
    """A pending suggestion posted in ``guild``'s #suggestions, as the bot posts it."""
    outcome = await suggestions_of(services).submit(guild.id, author_id, SPAM, confirm_similar=True)
    assert isinstance(outcome, Created), outcome
    bot_guild = env.bot.get_guild(guild.id)
    assert bot_guild is not None
    assert await ui_of(env.bot).post(bot_guild, outcome.suggestion) is None
    await env.settle()
    stored = await suggestions_of(services).get(outcome.suggestion.id)
    assert stored is not None
    assert stored.channel_id is not None
    assert stored.message_id is not None
    channel = env.bot.get_channel(stored.channel_id)
    assert isinstance(channel, discord.TextChannel)
    return stored.id, await channel.fetch_message(stored.message_id)


async def copied_buttons(env: simcord.Env, channel: simcord.ChannelHandle, sid: int) -> Any:
    """A message in ``channel`` carrying the review buttons of suggestion ``sid``."""
    bot_channel = env.bot.get_channel(channel.id)
    assert isinstance(bot_channel, discord.TextChannel)
    view = discord.ui.View()
    for action in ("approve", "reject", "dup", "voters"):
        view.add_item(discord.ui.Button(label=action, custom_id=f"sg:{action}:{sid}"))
    message = await bot_channel.send("copied buttons", view=view)
    await env.settle()
    return message


# -- the partner's admin tries every maintainer command -------------------------------------

MAINTAINER_COMMANDS: list[tuple[str, dict[str, Any], str]] = [
    ("feeds list", {}, "manage feeds"),
    ("feeds add", {"url": "http://127.0.0.1:9/rss/new"}, "manage feeds"),
    ("feeds remove", {"feed": "arxiv-eess-as"}, "manage feeds"),
    ("feeds pause", {"feed": "arxiv-cs-sd"}, "manage feeds"),
    ("feeds resume", {"feed": "arxiv-cs-sd"}, "manage feeds"),
    ("feeds test", {"url": "http://127.0.0.1:9/rss/cs.SD"}, "manage feeds"),
    ("announcements test", {}, "post a test announcement"),
    ("suggestions voters", {"id": 1}, "review suggestions"),
    ("suggestions repost", {"id": 1}, "review suggestions"),
]


@pytest.mark.parametrize(("command", "options", "action"), MAINTAINER_COMMANDS)
async def test_partner_admin_is_refused_every_maintainer_command_and_nothing_changes(
    simcord_env: simcord.Env,
    services: Services,
    home: DemoGuild,
    partner: PartnerWorld,
    command: str,
    options: dict[str, Any],
    action: str,
) -> None:
    await suggestion_in(simcord_env, services, home.guild, home.alice.id)
    before = await feed_states(services)
    if command == "feeds add":
        options = {**options, "channel": partner.news}
    result = await partner.admin.slash(partner.general, command, **options)
    assert_refused_privately(result, f"You can {action} {HOME_REFUSAL}")
    await simcord_env.settle()
    assert await feed_states(services) == before
    assert before == {"arxiv-cs-sd": "new", "arxiv-eess-as": "new"}
    assert home.announcements.history() == []
    stored = await suggestions_of(services).get(1)
    assert stored is not None
    assert stored.status is Status.PENDING


async def test_partner_admin_cannot_block_or_unblock(
    simcord_env: simcord.Env, services: Services, home: DemoGuild, partner: PartnerWorld
) -> None:
    store = suggestions_of(services).store
    # A block made at home by a maintainer stays; the partner's attempts change nothing.
    made = await home.carol.slash(home.general, "suggestions block", member=home.alice)
    assert "can no longer make suggestions" in shown(made)
    blocked = await partner.admin.slash(
        partner.general, "suggestions block", member=partner.member, reason="spam"
    )
    assert_refused_privately(blocked, f"You can manage the suggestions blocklist {HOME_REFUSAL}")
    unblocked = await partner.admin.slash(
        partner.general, "suggestions unblock", member=partner.member
    )
    assert_refused_privately(unblocked, HOME_REFUSAL)
    assert await store.blocked(partner.guild.id, partner.member.id) is None
    assert [b.user_id for b in await store.blocklist(None)] == [home.alice.id]


async def test_review_buttons_on_a_partner_message_do_nothing(
    simcord_env: simcord.Env, services: Services, home: DemoGuild, partner: PartnerWorld
) -> None:
    # Posted in Partner Lab's own #suggestions (the default channel) before a home was set.
    sid, message = await suggestion_in(simcord_env, services, partner.guild, partner.member.id)
    assert message.channel.id == partner.suggestions.id
    for label in ("Approve", "Reject", "Duplicate", "Voters"):
        result = await partner.admin.click(message, label=label)
        assert_refused_privately(result, f"You can review suggestions {HOME_REFUSAL}")
    await simcord_env.advance_time(1)
    await simcord_env.settle()
    stored = await suggestions_of(services).get(sid)
    assert stored is not None
    assert stored.status is Status.PENDING
    assert home.announcements.history() == []
    assert await queued_announcements(services) == []


async def test_review_buttons_of_a_home_suggestion_do_nothing_from_the_partner(
    simcord_env: simcord.Env, services: Services, home: DemoGuild, partner: PartnerWorld
) -> None:
    sid, _ = await suggestion_in(simcord_env, services, home.guild, home.alice.id)
    message = await copied_buttons(simcord_env, partner.general, sid)
    for custom_id in (f"sg:approve:{sid}", f"sg:reject:{sid}", f"sg:dup:{sid}", f"sg:voters:{sid}"):
        result = await partner.admin.click(message, custom_id=custom_id)
        assert_refused_privately(result, HOME_REFUSAL)
    stored = await suggestions_of(services).get(sid)
    assert stored is not None
    assert stored.status is Status.PENDING
    assert home.announcements.history() == []


async def test_suggest_from_the_partner_says_where_to_suggest(
    simcord_env: simcord.Env, services: Services, home: DemoGuild, partner: PartnerWorld
) -> None:
    for member in (partner.admin, partner.member):
        result = await member.slash(partner.general, "suggest", section="key-papers")
        assert_refused_privately(result, f"You can suggest resources {HOME_REFUSAL}")
    assert partner.suggestions.history() == []
    assert await suggestions_of(services).unposted() == []
    found, total = await suggestions_of(services).page(partner.guild.id, None, 0)
    assert (found, total) == ([], 0)


async def test_partner_admin_sees_no_audit_log(
    simcord_env: simcord.Env, services: Services, home: DemoGuild, partner: PartnerWorld
) -> None:
    sid, _ = await suggestion_in(simcord_env, services, partner.guild, partner.member.id)
    result = await partner.admin.slash(partner.general, "suggestions show", id=sid)
    assert "Buy cheap followers here" in shown(result)
    assert "Audit log" not in shown(result)


async def test_maintainers_still_maintain_at_home(
    simcord_env: simcord.Env, services: Services, home: DemoGuild, partner: PartnerWorld
) -> None:
    result = await home.carol.slash(home.general, "feeds pause", feed="arxiv-cs-sd")
    assert "Paused `arxiv-cs-sd`" in shown(result)
    posted = await home.carol.slash(home.general, "announcements test")
    assert "Posted and published" in shown(posted)
    assert len(home.announcements.history()) == 1


async def test_members_of_the_home_server_still_read_who_may_maintain(
    simcord_env: simcord.Env, home: DemoGuild, partner: PartnerWorld
) -> None:
    result = await home.alice.slash(home.general, "feeds list")
    simcord.assert_responded(result, ephemeral=True)
    assert "Only maintainers can manage feeds" in shown(result)
    assert f"<@&{home.maintainers.id}>" in shown(result)


# -- what everyone keeps everywhere ---------------------------------------------------------

EVERYONE: list[tuple[str, dict[str, Any], str]] = [
    ("resource", {"query": "wavenet"}, "WaveNet"),
    ("sections", {}, "Sections"),
    ("section", {"name": "key-papers"}, "Key"),
    ("deadlines", {}, "Upcoming deadlines"),
    ("deadline", {"conference": "ICML"}, "ICML"),
    ("about", {}, "ML-Audio reading list bot"),
    ("help", {}, "/resource"),
]


@pytest.mark.parametrize(("command", "options", "expected"), EVERYONE)
async def test_partner_members_keep_the_reading_list_and_deadlines(
    simcord_env: simcord.Env,
    home: DemoGuild,
    partner: PartnerWorld,
    command: str,
    options: dict[str, Any],
    expected: str,
) -> None:
    result = await partner.member.slash(partner.general, command, **options)
    text = shown(result)
    assert expected in text
    assert "home server" not in text
    assert "Something went wrong" not in text


async def test_partner_admin_still_follows_the_announcements(
    simcord_env: simcord.Env, home: DemoGuild, partner: PartnerWorld
) -> None:
    result = await partner.admin.slash(partner.news, "announcements follow", channel=partner.news)
    assert "now receives the announcements" in shown(result)


# -- where home comes from ------------------------------------------------------------------


async def test_two_servers_and_no_home_lock_every_maintainer_out(
    simcord_env: simcord.Env, services: Services, demo: DemoGuild, partner: PartnerWorld
) -> None:
    services.config = services.config.with_overrides(
        announcements_channel_id=demo.announcements.id,
        maintainer_role_ids=(demo.maintainers.id,),
    )
    owner_role = demo.guild.create_role(
        "Owners", permissions=discord.Permissions(administrator=True, manage_guild=True)
    )
    owner = demo.guild.add_member(simcord_env.create_user("olga"), roles=[owner_role])
    await simcord_env.settle()
    for member, channel in ((demo.carol, demo.general), (owner, demo.general)):
        for command in ("feeds list", "announcements test"):
            result = await member.slash(channel, command)
            assert_refused_privately(result, "`home_guild_id`", "`ML_AUDIO_BOT_HOME_GUILD_ID`")
    refused = await partner.admin.slash(partner.general, "feeds pause", feed="arxiv-cs-sd")
    assert_refused_privately(refused, "`home_guild_id`")
    assert await feed_states(services) == {"arxiv-cs-sd": "new", "arxiv-eess-as": "new"}
    assert demo.announcements.history() == []
    about = await demo.alice.slash(demo.general, "about")
    assert "home_guild_id" in shown(about)
    assert "2 servers" in shown(about)


async def test_one_server_and_no_home_make_that_server_home(
    simcord_env: simcord.Env, services: Services, demo: DemoGuild
) -> None:
    services.config = services.config.with_overrides(announcements_channel_id=demo.announcements.id)
    owner_role = demo.guild.create_role(
        "Owners", permissions=discord.Permissions(manage_guild=True)
    )
    owner = demo.guild.add_member(simcord_env.create_user("olga"), roles=[owner_role])
    await simcord_env.settle()
    result = await owner.slash(demo.general, "announcements test")
    assert "Posted and published" in shown(result)
    about = await demo.alice.slash(demo.general, "about")
    assert "home_guild_id" not in shown(about)


async def test_start_up_warns_when_two_servers_and_no_home(
    tmp_path: Path,
    catalog: Catalog,
    search_index: SearchIndex,
    caplog: pytest.LogCaptureFixture,
) -> None:
    services = await make_services(make_config(tmp_path), catalog, search_index)
    bot = create_bot(services)
    env = simcord.Env(bot)
    make_demo_guild(env)
    create_partner(env)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.discord.client"):
            await env.start()
            await env.settle()
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any("home_guild_id is not set" in w for w in warnings), warnings
    finally:
        await env.shutdown()
        await bot.close()
        await services.close()


async def test_start_up_is_quiet_when_home_is_set(
    tmp_path: Path,
    catalog: Catalog,
    search_index: SearchIndex,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = make_config(tmp_path)
    demo_id = DEMO_GUILD_ID
    services = await make_services(
        config.with_overrides(home_guild_id=demo_id), catalog, search_index
    )
    bot = create_bot(services)
    env = simcord.Env(bot)
    make_demo_guild(env)
    create_partner(env)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.discord.client"):
            await env.start()
            await env.settle()
        assert not [r for r in caplog.records if "home_guild_id" in r.getMessage()]
        assert bot.home_guild_id() == demo_id
    finally:
        await env.shutdown()
        await bot.close()
        await services.close()
