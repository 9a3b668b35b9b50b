"""The outbox through SimCord with the real discord.py: post, publish, faults, a gone channel.

The bot runs its outbox worker like in production (started by ``setup_hook``); the
tests enqueue as a feature would and look at what members of the server see.
"""

from __future__ import annotations

import json
from typing import Any

import discord
import pytest
import simcord

from bot.discord.client import create_bot
from bot.discord.sender import DiscordClock, DiscordSender
from bot.outbox import Outbox, OutboxWorker, OutgoingMessage, State, marker_for, render_payload
from bot.services import Services
from tests.e2e.conftest import DemoGuild

pytestmark = pytest.mark.e2e


@pytest.fixture
def outbox(services: Services, demo: DemoGuild) -> Outbox:
    """The runtime's own outbox, delivered by the bot's worker; problems go to #general."""
    services.config = services.config.with_overrides(log_channel_id=demo.general.id)
    assert services.outbox is not None
    return services.outbox


def announcement(key: str, channel: simcord.ChannelHandle, text: str) -> OutgoingMessage:
    embed = discord.Embed(title=text, description="ICASSP 2027 paper deadline in 7 days")
    embed.set_footer(text="Deadline reminder")
    return OutgoingMessage(key, channel.id, embeds=(embed.to_dict(),))


def is_published(message: discord.Message) -> bool:
    # Discord marks a published message CROSSPOSTED (1 << 0); SimCord 3.2.1 sets
    # 1 << 1 (IS_CROSSPOST) instead. Either means "went to the followers" here, since
    # these channels follow nothing.
    return message.flags.crossposted or message.flags.is_crossposted


def requests(env: simcord.Env, method: str, suffix: str) -> list[Any]:
    return [r for r in env.http_requests if r.method == method and r.path.endswith(suffix)]


async def test_an_announcement_is_posted_once_and_published(
    simcord_env: simcord.Env, demo: DemoGuild, outbox: Outbox
) -> None:
    key = "deadline:icassp-2027:paper:7d"
    assert await outbox.enqueue(announcement(key, demo.announcements, "ICASSP 2027")) is True
    await simcord_env.settle()

    [message] = demo.announcements.history()
    assert message.embeds[0].title == "ICASSP 2027"
    assert message.embeds[0].footer.text == f"Deadline reminder · {marker_for(key)}"
    assert is_published(message)
    [post] = requests(simcord_env, "POST", f"/channels/{demo.announcements.id}/messages")
    assert post.json["enforce_nonce"] is True
    assert post.json["nonce"]
    assert post.json["allowed_mentions"] == {"parse": []}
    assert len(requests(simcord_env, "POST", "/crosspost")) == 1
    item = await outbox.get(key)
    assert item is not None
    assert (item.state, item.message_id) == (State.DONE, message.id)

    # Enqueued again (a restart re-planning the same reminder): nothing new appears.
    assert await outbox.enqueue(announcement(key, demo.announcements, "ICASSP 2027")) is False
    await simcord_env.settle()
    assert len(demo.announcements.history()) == 1


async def test_a_502_on_post_is_retried_without_a_duplicate(
    simcord_env: simcord.Env, demo: DemoGuild, outbox: Outbox
) -> None:
    channel = demo.announcements
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=502, times=1)
    await outbox.enqueue(announcement("feed:arxiv:1", channel, "A new paper"))
    await simcord_env.settle()  # the retry is due 2 s later, within the settle

    [message] = channel.history()
    assert is_published(message)
    item = await outbox.get("feed:arxiv:1")
    assert item is not None
    assert (item.state, item.attempts) == (State.DONE, 3)  # post, look + post, publish
    # Before sending again, the bot looked whether the first attempt had arrived after all.
    calls = [
        (r.method, r.path.rsplit("/", 1)[-1])
        for r in simcord_env.http_requests
        if r.path.startswith(f"/channels/{channel.id}/messages")
    ]
    assert calls[:3] == [("POST", "messages"), ("GET", "messages"), ("POST", "messages")]


async def test_a_429_on_crosspost_waits_and_publishes_later(
    simcord_env: simcord.Env, demo: DemoGuild, outbox: Outbox
) -> None:
    channel = demo.announcements
    simcord_env.inject_error(
        "POST",
        "/channels/*/messages/*/crosspost",
        status=429,
        message="You are being rate limited.",
    )
    await outbox.enqueue(announcement("suggestion-approved:3", channel, "Approved"))
    await outbox.enqueue(announcement("suggestion-approved:4", channel, "Approved too"))
    await simcord_env.settle()
    assert [is_published(m) for m in channel.history()] == [False, False]

    await simcord_env.advance_time(120)
    history = sorted(channel.history(), key=lambda m: m.id)
    assert [m.embeds[0].title for m in history] == ["Approved", "Approved too"]
    assert all(is_published(m) for m in history)
    assert len(requests(simcord_env, "POST", f"/channels/{channel.id}/messages")) == 2


async def test_a_deleted_channel_blocks_its_messages_keeps_them_and_tells_maintainers(
    simcord_env: simcord.Env, demo: DemoGuild, outbox: Outbox
) -> None:
    gone = demo.announcements
    # There is no public SimCord call for "a moderator deleted the channel"; the backend
    # one emits the same CHANNEL_DELETE event Discord sends.
    simcord_env.backend.delete_channel(gone.id)
    await simcord_env.settle()
    await outbox.enqueue(announcement("deadline:ismir:paper:1d", gone, "ISMIR"))
    await outbox.enqueue(OutgoingMessage("feed:general:1", demo.general.id, content="Hello"))
    await simcord_env.settle()

    [blocked] = await outbox.blocked_channels()
    assert blocked.channel_id == gone.id
    assert "10003" in blocked.reason
    assert blocked.waiting == 1
    item = await outbox.get("deadline:ismir:paper:1d")
    assert item is not None
    assert item.state is State.POSTING  # kept, not marked as sent: looked for on unblock
    assert item.message_id is None

    texts = [m.content for m in demo.general.history()]
    assert any(text.startswith("Hello") for text in texts)  # other channels keep flowing
    [warning] = [t for t in texts if "Stopped posting" in t]
    assert f"ml-audio-bot outbox unblock {gone.id}" in warning

    requests_before = len(simcord_env.http_requests)
    await simcord_env.advance_time(3600)
    assert len(simcord_env.http_requests) == requests_before  # waiting, not hammering Discord
    assert len(await outbox.items(states=[State.POSTING])) == 1


async def test_missing_permissions_block_the_channel(
    simcord_env: simcord.Env, demo: DemoGuild, outbox: Outbox
) -> None:
    channel = demo.announcements
    simcord_env.inject_error(
        "POST",
        f"/channels/{channel.id}/messages",
        status=403,
        code=50013,
        message="Missing Permissions",
        times=None,
    )
    await outbox.enqueue(announcement("deadline:dafx:paper:30d", channel, "DAFx"))
    await simcord_env.settle()
    [blocked] = await outbox.blocked_channels()
    assert "50013" in blocked.reason
    assert channel.history() == []


async def test_after_a_restart_a_message_already_in_the_channel_is_adopted(
    simcord_env: simcord.Env, demo: DemoGuild, outbox: Outbox, services: Services
) -> None:
    """The previous process sent the message and died before storing that it had."""
    channel = demo.announcements
    message = announcement("deadline:waspaa:paper:3h", channel, "WASPAA")
    await services.workers[-1].stop()
    await outbox.enqueue(message)
    payload = render_payload(message)
    sent = await simcord_env.bot.get_channel(channel.id).send(  # type: ignore[union-attr]
        embeds=[discord.Embed.from_dict(e) for e in payload["embeds"]]
    )
    await services.database.execute(
        "UPDATE outbox_items SET state = 'posting', attempts = 1 WHERE key = ?", (message.key,)
    )

    # A new process: a new bot, outbox and worker over the same database file.
    clock = DiscordClock()
    restarted = Outbox(services.database, clock)
    await restarted.setup()
    new_bot = create_bot(services)
    services.workers[-1] = OutboxWorker(restarted, DiscordSender(new_bot), clock)
    await simcord_env.restart_bot(new_bot)
    await simcord_env.settle()
    assert [m.id for m in channel.history()] == [sent.id]
    item = await outbox.get(message.key)
    assert item is not None
    assert (item.state, item.message_id) == (State.DONE, sent.id)
    assert is_published(channel.history()[0])
    assert json.dumps(payload["embeds"][0]["footer"]) in json.dumps(
        [e.to_dict()["footer"] for e in channel.history()[0].embeds]
    )
