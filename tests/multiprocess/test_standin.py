"""The stand-in answers the real ``DiscordSender`` over discord.py's HTTP client the way the
multi-process test relies on: nonce-deduplicated posts, marker lookups, one publication."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from bot.discord.api import use_api_base
from bot.discord.sender import DiscordSender
from bot.outbox import OutgoingMessage, PermanentFailure
from bot.outbox.message import marker_for, render_payload
from tests.multiprocess.standin import DiscordStandIn

NEWS, TEXT, GONE = 11, 12, 13


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn({NEWS: True, TEXT: False}) as server:
        yield server


@pytest.fixture
async def sender(standin: DiscordStandIn) -> AsyncIterator[DiscordSender]:
    restore = use_api_base(standin.api_base)
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login("stand-in-token")
        yield DiscordSender(client)
    finally:
        await client.close()
        restore()


def _payload(key: str, channel_id: int) -> dict[str, object]:
    return render_payload(OutgoingMessage(key, channel_id, content=f"announcing {key}"))


async def test_a_resend_with_the_same_nonce_creates_no_second_message(
    standin: DiscordStandIn, sender: DiscordSender
) -> None:
    first = await sender.post(NEWS, _payload("a", NEWS), nonce="n-1")
    again = await sender.post(NEWS, _payload("a", NEWS), nonce="n-1")
    other = await sender.post(NEWS, _payload("b", NEWS), nonce="n-2")

    assert again == first
    assert other != first
    assert [call.created for call in standin.record.posts] == [True, False, True]
    assert standin.record.posts[0].payload["enforce_nonce"] is True


async def test_the_marker_finds_the_posted_message_and_nothing_else(
    standin: DiscordStandIn, sender: DiscordSender
) -> None:
    posted = await sender.post(TEXT, _payload("a", TEXT), nonce="n-1")

    assert await sender.find_posted(TEXT, marker_for("a"), limit=100) == posted
    assert await sender.find_posted(TEXT, marker_for("b"), limit=100) is None
    assert await sender.find_posted(NEWS, marker_for("a"), limit=100) is None


async def test_announcement_channels_publish_once_and_a_repeat_counts_as_done(
    standin: DiscordStandIn, sender: DiscordSender
) -> None:
    assert await sender.announces(NEWS)
    assert not await sender.announces(TEXT)
    message = await sender.post(NEWS, _payload("a", NEWS), nonce="n-1")

    await sender.crosspost(NEWS, message)
    await sender.crosspost(NEWS, message)  # "already crossposted" is success

    assert [(c.message_id, c.published) for c in standin.record.crossposts] == [
        (message, True),
        (message, False),
    ]


async def test_an_unknown_channel_is_a_permanent_failure(sender: DiscordSender) -> None:
    with pytest.raises(PermanentFailure) as failure:
        await sender.post(GONE, _payload("a", GONE), nonce="n-1")
    assert failure.value.scope == "channel"
