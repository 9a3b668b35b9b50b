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
