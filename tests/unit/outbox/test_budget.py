"""Publishing: about ten per channel and hour; beyond that they wait, in order, none dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.outbox import Outbox, OutgoingMessage, PermanentFailure, RetryLater, State
from bot.storage import Storage
from tests.unit.outbox.fakes import FakeDiscord, drain

NEWS, OTHER = 111, 222


def announcement(number: int, channel: int = NEWS) -> OutgoingMessage:
    return OutgoingMessage(f"deadline:{channel}:{number}", channel, f"reminder {number}")


@pytest.fixture
def discord() -> FakeDiscord:
    return FakeDiscord(announcement_channels={NEWS, OTHER})


def published_in(discord: FakeDiscord, channel_id: int) -> list[str]:
    by_id = {m.id: m for m in discord.messages}
    return [
        str(by_id[i].payload["content"]).split("\n")[0]
        for i in discord.crossposts
        if by_id[i].channel_id == channel_id
    ]


async def test_the_eleventh_publication_in_an_hour_waits_and_goes_out_in_order(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    start = clock.now()
    await outbox.enqueue_many(announcement(n) for n in range(1, 13))
    await outbox.enqueue(announcement(1, OTHER))
    await drain(outbox, discord, clock, until=start + timedelta(minutes=59))

    # All twelve are visible in the channel at once; only ten went to followers.
    assert len(discord.texts(NEWS)) == 12
    assert published_in(discord, NEWS) == [f"reminder {n}" for n in range(1, 11)]
    assert published_in(discord, OTHER) == ["reminder 1"]  # other channels have their own
    waiting = await outbox.items(states=[State.POSTED])
    assert [item.key for item in waiting] == [f"deadline:{NEWS}:11", f"deadline:{NEWS}:12"]

    await drain(outbox, discord, clock)
    assert published_in(discord, NEWS) == [f"reminder {n}" for n in range(1, 13)]
    # The 11th waited for the first slot of the window to free up, not longer.
    eleventh = await outbox.get(f"deadline:{NEWS}:11")
    first = await outbox.get(f"deadline:{NEWS}:1")
    assert eleventh is not None
    assert first is not None
    assert eleventh.published_at is not None
    assert first.published_at is not None
    assert eleventh.published_at - first.published_at == timedelta(hours=1)


async def test_the_budget_survives_a_restart(
    db: Storage, outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    await outbox.enqueue_many(announcement(n) for n in range(1, 12))
    await drain(outbox, discord, clock, until=clock.now() + timedelta(minutes=10))
    assert len(discord.crossposts) == 10

    restarted = Outbox(db, clock)
    await restarted.setup()
    await drain(restarted, discord, clock, until=clock.now() + timedelta(minutes=10))
    assert len(discord.crossposts) == 10
    await drain(restarted, discord, clock)
    assert len(discord.crossposts) == 11


async def test_a_configured_budget_is_respected(
    db: Storage, discord: FakeDiscord, clock: FakeClock
) -> None:
    box = Outbox(db, clock, publish_budget=3, publish_window=timedelta(minutes=10))
    await box.setup()
    await box.enqueue_many(announcement(n) for n in range(1, 8))
    await drain(box, discord, clock, until=clock.now() + timedelta(minutes=9))
    assert len(discord.crossposts) == 3
    await drain(box, discord, clock, until=clock.now() + timedelta(minutes=10))
    assert len(discord.crossposts) == 6
    await drain(box, discord, clock)
    assert len(discord.crossposts) == 7


async def test_a_rate_limited_publication_is_retried_after_retry_after(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    await outbox.enqueue(announcement(1))
    await outbox.enqueue(announcement(2))
    discord.fail("crosspost", RetryLater(120.0, "429"))
    await drain(outbox, discord, clock, until=clock.now() + timedelta(seconds=119))
    assert discord.crossposts == []  # the second waits behind the first
    await drain(outbox, discord, clock)
    assert discord.published_texts() == ["reminder 1", "reminder 2"]
    assert len(discord.messages) == 2


async def test_a_deleted_message_fails_alone_and_the_next_one_is_published(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    await outbox.enqueue(announcement(1))
    await outbox.enqueue(announcement(2))
    discord.fail("crosspost", PermanentFailure("Unknown Message (10008)", scope="message"))
    await drain(outbox, discord, clock)
    assert discord.published_texts() == ["reminder 2"]
    failed = await outbox.get(f"deadline:{NEWS}:1")
    assert failed is not None
    assert failed.state is State.FAILED
    assert failed.last_error == "Unknown Message (10008)"

    assert await outbox.retry_failed(f"deadline:{NEWS}:1") is True
    assert await outbox.retry_failed(f"deadline:{NEWS}:2") is False
    await drain(outbox, discord, clock)
    assert discord.published_texts() == ["reminder 2", "reminder 1"]
    assert len(discord.messages) == 2
