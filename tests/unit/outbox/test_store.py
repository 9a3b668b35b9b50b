"""OutboxStore on its own: what a caller of the store (not of Outbox) can now get wrong."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.outbox import Outbox, OutboxStore, OutgoingMessage, State
from bot.storage import Storage


async def test_a_delivery_write_inside_an_open_transaction_is_refused_and_changes_nothing(
    outbox: Outbox, db: Storage, clock: FakeClock
) -> None:
    # Marking "posting" is the promise made before calling Discord: it must be committed
    # on its own, never left hanging in a transaction that could still roll back.
    await outbox.enqueue(OutgoingMessage("reminder:1", 111, content="soon"))
    store = OutboxStore(db)
    item = await store.get("reminder:1")
    assert item is not None
    async with db.transaction():
        with pytest.raises(RuntimeError, match="committed before talking to Discord"):
            await store.mark_posting(item.id, clock.now())
    after = await store.get("reminder:1")
    assert after is not None
    assert after.state is State.PENDING
    assert after.attempts == 0


async def test_listing_filters_by_state_and_channel_and_keeps_snowflakes_whole(
    outbox: Outbox, db: Storage, clock: FakeClock
) -> None:
    # Real Discord ids are far beyond 32 bits (BIGINT on PostgreSQL).
    news, other = 1_100_000_000_000_000_111, 1_100_000_000_000_000_222
    for number, channel in enumerate((news, other, news)):
        await outbox.enqueue(OutgoingMessage(f"k{number}", channel, content="x"))
    assert await outbox.cancel("k2") is True
    store = OutboxStore(db, holder="me")
    first = await store.get("k0")
    assert first is not None
    assert await store.claim(first.id, (State.PENDING,), clock.now()) is not None
    assert await store.mark_posting(first.id, clock.now())
    assert await store.mark_posted(
        first.id, publish=False, message_id=1_200_000_000_000_000_001, now=clock.now()
    )

    assert [i.key for i in await outbox.items()] == ["k0", "k1", "k2"]
    assert [i.key for i in await outbox.items(channel_id=news)] == ["k0", "k2"]
    assert [i.key for i in await outbox.items(states=[State.PENDING, State.DONE])] == [
        "k0",
        "k1",
    ]
    assert [i.key for i in await outbox.items(states=[State.CANCELLED], channel_id=other)] == []
    assert [i.key for i in await outbox.items(limit=1)] == ["k0"]
    done = await outbox.get("k0")
    assert done is not None
    assert (done.channel_id, done.message_id) == (news, 1_200_000_000_000_000_001)
    counts = await outbox.counts()
    assert (counts[State.DONE], counts[State.PENDING], counts[State.CANCELLED]) == (1, 1, 1)
