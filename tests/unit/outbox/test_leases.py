"""Several deliverers on one database: every step claimed with a lease, each item once.

Each ``Outbox`` here has a connection of its own (``storage_backend.open()``), as shard
processes sharing one PostgreSQL database have; SQLite runs the same tests on one file.
They share one fake Discord, the world they all post to.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.outbox import Outbox, OutboxStore, OutgoingMessage, RetryLater, State, marker_for
from bot.outbox.message import Payload, payload_has_marker
from bot.storage import Storage
from bot.storage.leases import DEFAULT_LEASE
from tests.storage_backends import Backend
from tests.unit.outbox.conftest import START
from tests.unit.outbox.fakes import FakeDiscord, drain

NEWS, PAPERS, EVENTS, JOBS = 111, 222, 333, 444
CHANNELS = (NEWS, PAPERS, EVENTS, JOBS)
PAST_THE_LEASE = DEFAULT_LEASE.total_seconds() + 1


@pytest.fixture
async def connections(storage_backend: Backend) -> AsyncIterator[list[Storage]]:
    """Three connections to one fresh database (three processes' views of it)."""
    opened = [await storage_backend.open() for _ in range(3)]
    try:
        yield opened
    finally:
        for db in opened:
            await db.close()


async def outboxes(
    connections: list[Storage], clock: FakeClock, **settings: object
) -> list[Outbox]:
    boxes = [
        Outbox(db, clock, holder=f"process-{n}", **settings)  # type: ignore[arg-type]
        for n, db in enumerate(connections)
    ]
    for box in boxes:
        await box.setup()
    return boxes


def note(number: int) -> OutgoingMessage:
    channel = CHANNELS[number % len(CHANNELS)]
    return OutgoingMessage(f"race:{number}", channel, content=f"message {number}")


class RacingDiscord(FakeDiscord):
    """Yields at every call, so that the deliverers interleave, and sometimes loses the reply
    to a post that Discord did create (a 502 after the fact: the next attempt must look)."""

    def __init__(self, seed: int) -> None:
        super().__init__(announcement_channels={NEWS, EVENTS})
        self.rng = random.Random(seed)
        self.replies_lost = 0
        self.crosspost_calls: Counter[int] = Counter()  # message id -> calls

    async def post(self, channel_id: int, payload: Payload, *, nonce: str) -> int:
        await asyncio.sleep(0)
        message_id = await super().post(channel_id, payload, nonce=nonce)
        await asyncio.sleep(0)
        if self.rng.random() < 0.2:
            self.replies_lost += 1
            raise RetryLater(0.0, "502 Bad Gateway (after the message was created)")
        return message_id

    async def find_posted(self, channel_id: int, marker: str, *, limit: int) -> int | None:
        await asyncio.sleep(0)
        return await super().find_posted(channel_id, marker, limit=limit)

    async def crosspost(self, channel_id: int, message_id: int) -> None:
        await asyncio.sleep(0)
        self.crosspost_calls[message_id] += 1
        await super().crosspost(channel_id, message_id)

    def visible(self, key: str) -> list[int]:
        """Ids of the messages in Discord that carry ``key``'s marker."""
        marker = marker_for(key)
        return [m.id for m in self.messages if payload_has_marker(m.payload, marker)]


async def deliver_until_settled(box: Outbox, discord: FakeDiscord) -> None:
    """One deliverer's loop: small passes until nothing is left to do (bounded in count)."""
    for _ in range(2000):
        result = await box.process_due(discord, limit=3)
        if result.actions:
            continue
        counts = await box.counts()
        if not any(counts[state] for state in (State.PENDING, State.POSTING, State.POSTED)):
            return
        await asyncio.sleep(0.001)  # another deliverer holds what is left
    raise AssertionError("the deliverers did not settle in 2000 passes each")


async def test_three_deliverers_racing_post_and_publish_every_message_once_in_order(
    connections: list[Storage],
) -> None:
    clock = FakeClock(START)
    boxes = await outboxes(connections, clock, publish_budget=1000)
    messages = [note(n) for n in range(48)]
    await boxes[0].enqueue_many(messages)
    discord = RacingDiscord(seed=15)

    await asyncio.gather(*(deliver_until_settled(box, discord) for box in boxes))

    for message in messages:
        visible = discord.visible(message.key)
        assert len(visible) == 1, f"{message.key} is in Discord {len(visible)} times"
        item = await boxes[1].get(message.key)
        assert item is not None
        assert (item.state, item.message_id) == (State.DONE, visible[0])
        assert item.lease_holder is None  # the last step released it
    # Every announcement published by exactly one call, none of the others.
    announced = [m.id for m in discord.messages if m.channel_id in (NEWS, EVENTS)]
    assert sorted(discord.crosspost_calls) == sorted(announced)
    assert set(discord.crosspost_calls.values()) == {1}
    # Per channel, in enqueue order.
    for channel in CHANNELS:
        assert discord.texts(channel) == [
            f"message {n}" for n in range(48) if CHANNELS[n % len(CHANNELS)] == channel
        ]
    assert discord.replies_lost > 0  # the adoption after a lost reply was exercised


async def test_of_two_claims_on_one_item_at_the_same_moment_exactly_one_wins(
    connections: list[Storage],
) -> None:
    clock = FakeClock(START)
    [box, *_] = await outboxes(connections, clock)
    await box.enqueue_many(note(n) for n in range(20))
    first = OutboxStore(connections[0], holder="a")
    second = OutboxStore(connections[1], holder="b")
    for item in await box.items():
        won = await asyncio.gather(
            first.claim(item.id, (State.PENDING,), clock.now()),
            second.claim(item.id, (State.PENDING,), clock.now()),
        )
        assert sum(claim is not None for claim in won) == 1, item.key
        [winner] = [claim for claim in won if claim is not None]
        stored = await box.get(item.key)
        assert stored is not None
        assert stored.lease_holder == winner.lease_holder in ("a", "b")


async def test_a_holder_that_dies_before_sending_loses_the_item_when_its_lease_ends(
    connections: list[Storage],
) -> None:
    clock = FakeClock(START)
    _, survivor, _ = await outboxes(connections, clock)
    await survivor.enqueue(note(1))
    dead = OutboxStore(connections[0], holder="dead")
    item = await survivor.get("race:1")
    assert item is not None
    assert await dead.claim(item.id, (State.PENDING,), clock.now()) is not None
    discord = FakeDiscord()

    # While the lease runs, nobody else touches the item, but they know when to look again.
    result = await survivor.process_due(discord)
    assert (result.actions, discord.messages) == (0, [])
    assert result.next_due is not None
    assert timedelta(0) < result.next_due - clock.now() <= DEFAULT_LEASE + timedelta(seconds=1)

    await drain(survivor, discord, clock)
    assert discord.texts() == ["message 1"]
    done = await survivor.get("race:1")
    assert done is not None
    assert (done.state, done.lease_holder) == (State.DONE, None)
    assert clock.now() > START + DEFAULT_LEASE


async def test_a_holder_that_posted_before_dying_is_adopted_not_posted_again(
    connections: list[Storage],
) -> None:
    clock = FakeClock(START)
    first, second, _ = await outboxes(connections, clock)
    discord = FakeDiscord(announcement_channels={NEWS})
    await first.enqueue(note(0))  # channel NEWS
    discord.post_then_crash = True
    with pytest.raises(KeyboardInterrupt):
        await first.process_due(discord)  # the request reached Discord; the process died
    discord.post_then_crash = False

    calls = len(discord.calls)
    assert (await second.process_due(discord)).actions == 0  # the lease still runs
    assert len(discord.calls) == calls
    clock.advance(PAST_THE_LEASE)
    await drain(second, discord, clock)

    assert discord.texts() == ["message 0"]
    ops = [op for op, _ in discord.calls[calls:]]
    assert ops == ["find", "crosspost"]  # looked, adopted, published: no second post
    item = await second.get("race:0")
    assert item is not None
    assert (item.state, item.message_id) == (State.DONE, discord.messages[0].id)
    assert discord.crossposts == [discord.messages[0].id]


async def test_a_holder_whose_lease_expired_cannot_overwrite_the_new_holders_result(
    connections: list[Storage],
) -> None:
    clock = FakeClock(START)
    box, *_ = await outboxes(connections, clock)
    await box.enqueue(note(0))
    item = await box.get("race:0")
    assert item is not None
    slow = OutboxStore(connections[0], holder="slow")
    fast = OutboxStore(connections[1], holder="fast")

    assert await slow.claim(item.id, (State.PENDING,), clock.now()) is not None
    clock.advance(PAST_THE_LEASE)  # slow hangs past its lease
    assert await fast.claim(item.id, (State.PENDING,), clock.now()) is not None

    # Whatever slow tries now is refused, before and after fast's own result.
    assert await slow.mark_posting(item.id, clock.now()) is False
    assert await fast.mark_posting(item.id, clock.now()) is True
    assert await slow.count_posting_attempt(item.id, clock.now()) is False
    assert await fast.mark_posted(item.id, publish=True, message_id=5001, now=clock.now())
    assert not await slow.mark_posted(item.id, publish=False, message_id=9999, now=clock.now())
    assert not await slow.schedule_retry(item.id, clock.now(), "late 502", clock.now())
    assert not await slow.mark_failed(item.id, "late failure", clock.now())
    assert not await slow.record_publication_attempt(item.id, NEWS, clock.now())

    stored = await box.get("race:0")
    assert stored is not None
    assert (stored.state, stored.message_id, stored.attempts) == (State.POSTED, 5001, 1)
    assert (stored.last_error, stored.lease_holder) == (None, None)
    assert await slow.publications_since(NEWS, START, excluding_item=0) == []


async def test_an_interrupted_pass_is_resumed_at_once_by_the_same_outbox(
    connections: list[Storage],
) -> None:
    # Its own lease does not hold it back (a stopped worker restarted in the same process).
    clock = FakeClock(START)
    box, *_ = await outboxes(connections, clock)
    discord = FakeDiscord()
    await box.enqueue(note(0))
    discord.post_then_crash = True
    with pytest.raises(KeyboardInterrupt):
        await box.process_due(discord)
    discord.post_then_crash = False
    result = await box.process_due(discord)
    assert result.actions == 1
    assert clock.now() == START
    assert len(discord.messages) == 1
    item = await box.get("race:0")
    assert item is not None
    assert item.state is State.DONE
