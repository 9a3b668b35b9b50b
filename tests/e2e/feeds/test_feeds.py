"""/feeds through SimCord, and one feed item announced and crossposted exactly once.

The feed is served by a loopback server (``tests/unit/feeds/server.py``); the bot's feeds
file names it and allows 127.0.0.1. Polls are started by the test (the background worker
is off) and the real outbox worker posts through SimCord.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import discord
import pytest
import simcord

from bot.config import Config
from bot.discord.client import MLAudioBot, create_bot
from bot.discord.sender import DiscordSender
from bot.feeds.service import FeedCommandError, FeedService
from bot.outbox import Outbox, OutboxWorker
from bot.services import Services
from tests.e2e.conftest import DemoGuild, make_config
from tests.unit.feeds.server import FeedServer, rss

pytestmark = pytest.mark.e2e


def paper(n: int, hours_ago: float = 1.0) -> dict[str, str]:
    moment = datetime.now(UTC) - timedelta(hours=hours_ago)
    return {
        "guid": f"oai:arXiv.org:2511.0000{n}v1",
        "title": f"Neural audio paper {n}",
        "link": f"https://arxiv.org/abs/2511.0000{n}",
        "date": format_datetime(moment),
        "description": f"<p>Abstract of paper {n}: <b>sound</b> @everyone</p>",
        "author": f"author{n}@example.com (Author {n})",
    }


class ArxivDemoFeed:
    def __init__(self, server: FeedServer) -> None:
        self.items = [paper(1, hours_ago=20)]
        self.url = server.document("/rss/cs.SD", lambda: rss(self.items, title="cs.SD updates"))


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def arxiv(feed_server: FeedServer) -> ArxivDemoFeed:
    return ArxivDemoFeed(feed_server)


@pytest.fixture
def bot_config(tmp_path: Path, arxiv: ArxivDemoFeed) -> Config:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        f"feeds:\n  - id: arxiv-cs-sd\n    title: arXiv cs.SD\n    url: {arxiv.url}\n",
        encoding="utf-8",
    )
    return make_config(
        tmp_path, feeds_file=feeds, feeds_allowed_hosts=("127.0.0.1",), feeds_enabled=False
    )


@pytest.fixture
async def simcord_bot(services: Services) -> MLAudioBot:
    bot = create_bot(services)
    if services.outbox is None:
        services.outbox = Outbox(services.database, services.clock)
        await services.outbox.setup()
    if not hasattr(bot, "_outbox_worker"):
        # A runtime without its own outbox worker: drain it here (one worker per outbox).
        services.add_worker(OutboxWorker(services.outbox, DiscordSender(bot), services.clock))
    return bot


@pytest.fixture
def maintained(services: Services, demo: DemoGuild) -> DemoGuild:
    services.config = services.config.with_overrides(
        announcements_channel_id=demo.announcements.id,
        maintainer_role_ids=(demo.maintainers.id,),
    )
    return demo


def feeds_of(services: Services) -> FeedService:
    assert services.feeds is not None
    return services.feeds


def published(message: discord.Message) -> bool:
    # SimCord 3.2.1 marks a published message IS_CROSSPOST where Discord sets CROSSPOSTED.
    return message.flags.crossposted or message.flags.is_crossposted


def reply_text(result: simcord.InteractionResult) -> str:
    messages = ([result.response] if result.response else []) + list(result.followups)
    parts: list[str] = []
    for message in messages:
        parts.append(message.content or "")
        for embed in message.embeds:
            parts += [embed.title or "", embed.description or "", embed.footer.text or ""]
    return "\n".join(parts)


async def test_new_item_is_announced_and_crossposted_once(
    simcord_env: simcord.Env, maintained: DemoGuild, services: Services, arxiv: ArxivDemoFeed
) -> None:
    poller = feeds_of(services).poller
    await poller.poll_all()  # first poll: what is there counts as seen
    await simcord_env.advance_time(5)
    assert maintained.announcements.history() == []

    arxiv.items = [paper(2), *arxiv.items]
    await poller.poll_all()
    await poller.poll_all()  # nothing new (304), nothing twice
    await simcord_env.advance_time(5)

    [message] = maintained.announcements.history()
    [embed] = message.embeds
    assert embed.title == "Neural audio paper 2"
    assert embed.url == "https://arxiv.org/abs/2511.00002"
    assert embed.description is not None
    assert "Author 2" in embed.description
    assert "<t:" in embed.description
    assert "@everyone" not in embed.description
    assert published(message)
    crossposts = [r for r in simcord_env.http_requests if r.path.endswith("/crosspost")]
    assert len(crossposts) == 1


async def test_list_shows_state_last_success_and_next_poll(
    simcord_env: simcord.Env, maintained: DemoGuild, services: Services
) -> None:
    await feeds_of(services).poller.poll_all()

    result = await maintained.carol.slash(maintained.general, "feeds list")

    simcord.assert_responded(result, ephemeral=True)
    shown = reply_text(result)
    assert "arxiv-cs-sd" in shown
    assert "ok" in shown
    assert "last success <t:" in shown
    assert "next poll <t:" in shown


async def test_members_cannot_manage_feeds(simcord_env: simcord.Env, maintained: DemoGuild) -> None:
    admin = maintained.guild.create_role(
        "Mods", permissions=discord.Permissions(manage_messages=True)
    )
    dave = maintained.guild.add_member(simcord_env.create_user("dave"), roles=[admin])
    result = await dave.slash(maintained.general, "feeds list")
    assert "Only maintainers" in reply_text(result)


async def test_role_maintainers_without_any_permission_can_manage_feeds(
    simcord_env: simcord.Env, services: Services, demo: DemoGuild
) -> None:
    # A maintainer role with no permission bits: /feeds must not be hidden from it.
    curators = demo.guild.create_role("Curators")
    erin = demo.guild.add_member(simcord_env.create_user("erin"), roles=[curators])
    services.config = services.config.with_overrides(maintainer_role_ids=(curators.id,))
    result = await erin.slash(demo.general, "feeds list")
    simcord.assert_responded(result, ephemeral=True)
    assert "arxiv-cs-sd" in reply_text(result)


async def test_refusal_names_the_maintainer_roles(
    simcord_env: simcord.Env, maintained: DemoGuild
) -> None:
    result = await maintained.alice.slash(maintained.general, "feeds list")
    shown = reply_text(result)
    assert "Only maintainers can manage feeds" in shown
    assert f"<@&{maintained.maintainers.id}>" in shown


async def test_feed_autocomplete_answers_without_the_database(
    simcord_env: simcord.Env,
    maintained: DemoGuild,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def database_busy(*args: object, **kwargs: object) -> list[object]:
        raise AssertionError("autocomplete queried the database")

    # Each keystroke must not wait behind a transaction: break the store and type.
    monkeypatch.setattr(feeds_of(services).store, "statuses", database_busy)
    choices = await maintained.carol.autocomplete(maintained.general, "feeds pause", "feed", "cs.s")
    assert [c["value"] for c in choices] == ["arxiv-cs-sd"]
    assert choices[0]["name"] == "arXiv cs.SD (arxiv-cs-sd)"


async def test_list_names_the_target_channel_or_the_missing_setting(
    simcord_env: simcord.Env, maintained: DemoGuild, services: Services
) -> None:
    shown = reply_text(await maintained.carol.slash(maintained.general, "feeds list"))
    assert maintained.announcements.mention in shown
    services.config = services.config.with_overrides(announcements_channel_id=None)
    shown = reply_text(await maintained.carol.slash(maintained.general, "feeds list"))
    assert "announcements (not configured: set announcements_channel_id)" in shown


async def test_feed_commands_defer_before_reading_the_database(
    simcord_env: simcord.Env, maintained: DemoGuild
) -> None:
    # A read queued behind a transaction may outlast Discord's 3 s: "thinking…" comes first.
    steps = [
        ("feeds list", {}, "arxiv-cs-sd"),
        ("feeds pause", {"feed": "arxiv-cs-sd"}, "Paused `arxiv-cs-sd`"),
        ("feeds resume", {"feed": "arxiv-cs-sd"}, "Resumed `arxiv-cs-sd`"),
        ("feeds remove", {"feed": "arxiv-cs-sd"}, "Removed `arxiv-cs-sd`"),
        ("feeds pause", {"feed": "arxiv-cs-sd"}, "There is no feed `arxiv-cs-sd`"),
    ]
    for command, options, expected in steps:
        before = len(simcord_env.http_requests)
        result = await maintained.carol.slash(maintained.general, command, **options)
        first_answer = next(
            r for r in simcord_env.http_requests[before:] if r.path.endswith("/callback")
        )
        assert first_answer.json["type"] == 5, command  # deferred: "thinking…", ephemeral
        assert first_answer.json["data"]["flags"] == 64, command
        assert expected in reply_text(result), command


async def test_a_5000_character_error_reaches_the_user_cut_to_fit(
    simcord_env: simcord.Env,
    maintained: DemoGuild,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def long_failure(url: str) -> None:
        raise FeedCommandError("The server said: " + "blah " * 1000)

    monkeypatch.setattr(feeds_of(services), "preview", long_failure)
    result = await maintained.carol.slash(
        maintained.general, "feeds test", url="https://example.org/feed.xml"
    )
    shown = reply_text(result).strip()
    assert shown.startswith("The server said: blah")
    assert shown.endswith("…")
    assert 1900 < len(shown) <= 2000


async def test_test_shows_the_newest_three_items_without_posting(
    simcord_env: simcord.Env,
    maintained: DemoGuild,
    arxiv: ArxivDemoFeed,
) -> None:
    arxiv.items = [paper(n, hours_ago=n) for n in range(1, 6)]

    result = await maintained.carol.slash(maintained.general, "feeds test", url=arxiv.url)

    shown = reply_text(result)
    assert "cs.SD updates" in shown
    assert [f"Neural audio paper {n}" in shown for n in range(1, 6)] == [
        True, True, True, False, False,
    ]  # fmt: skip
    assert "nothing was posted" in shown
    await simcord_env.advance_time(5)
    assert maintained.announcements.history() == []


async def test_test_refuses_private_addresses_with_a_clear_message(
    simcord_env: simcord.Env, maintained: DemoGuild
) -> None:
    result = await maintained.carol.slash(
        maintained.general, "feeds test", url="http://169.254.169.254/latest/meta-data"
    )
    shown = reply_text(result)
    assert "cannot be used" in shown
    assert "link-local" in shown or "private" in shown


async def test_add_pause_resume_remove(
    simcord_env: simcord.Env, maintained: DemoGuild, services: Services, feed_server: FeedServer
) -> None:
    url = feed_server.document("/blog.xml", rss([paper(7)], title="A blog"))

    added = await maintained.carol.slash(
        maintained.general, "feeds add", url=url, channel=maintained.general
    )
    assert "Feed added: A blog" in reply_text(added)
    [status] = [s for s in await feeds_of(services).statuses() if s.url == url]
    feed_id = status.spec.id
    assert status.spec.channel_id == maintained.general.id

    again = await maintained.carol.slash(
        maintained.general, "feeds add", url=url, channel=maintained.general
    )
    assert "already here" in reply_text(again)

    paused = await maintained.carol.slash(maintained.general, "feeds pause", feed=feed_id)
    assert "Paused" in reply_text(paused)
    assert feed_id not in {s.spec.id for s in await feeds_of(services).poller.due()}
    resumed = await maintained.carol.slash(maintained.general, "feeds resume", feed=feed_id)
    assert "Resumed" in reply_text(resumed)
    removed = await maintained.carol.slash(maintained.general, "feeds remove", feed=feed_id)
    assert "Removed" in reply_text(removed)
    assert feed_id not in await feeds_of(services).ids()

    unknown = await maintained.carol.slash(maintained.general, "feeds pause", feed="nope")
    assert "There is no feed `nope`" in reply_text(unknown)


async def test_add_refuses_a_web_page(
    simcord_env: simcord.Env, maintained: DemoGuild, feed_server: FeedServer
) -> None:
    url = feed_server.document("/page", b"<html><body>hi</body></html>", content_type="text/html")
    result = await maintained.carol.slash(
        maintained.general, "feeds add", url=url, channel=maintained.general
    )
    assert "does not serve an RSS or Atom feed" in reply_text(result)
