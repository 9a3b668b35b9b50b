"""The background worker: woken by enqueue, stopped cleanly, resumed after a restart."""

from __future__ import annotations

import asyncio

from bot.clock import SystemClock
from bot.outbox import Outbox, OutboxWorker, OutgoingMessage, State
from bot.outbox.message import Payload
from bot.storage import Storage
from tests.unit.outbox.fakes import FakeDiscord


class SignallingDiscord(FakeDiscord):
    def __init__(self) -> None:
        super().__init__()
        self.posted = asyncio.Event()

    async def post(self, channel_id: int, payload: Payload, *, nonce: str) -> int:
        message_id = await super().post(channel_id, payload, nonce=nonce)
        self.posted.set()
        return message_id


async def test_an_enqueue_wakes_an_idle_worker(db: Storage) -> None:
    clock = SystemClock()
    outbox = Outbox(db, clock)
    await outbox.setup()
    discord = SignallingDiscord()
    worker = OutboxWorker(outbox, discord, clock, idle_seconds=3600)
    await worker.start()
    try:
        await asyncio.sleep(0.05)  # let it go idle on its hour-long sleep
        assert worker.running
        await outbox.enqueue(OutgoingMessage("hello", 5, content="hi"))
        await asyncio.wait_for(discord.posted.wait(), timeout=10)
        item = await outbox.get("hello")
        assert item is not None
        # The state update follows the post on the worker's task; a stop before it would
        # cancel it (on PostgreSQL the statement is cancelled too), so wait for it first.
        for _ in range(500):
            if item.state is State.DONE:
                break
            await asyncio.sleep(0.01)
            item = await outbox.get("hello")
            assert item is not None
        assert item.state is State.DONE
    finally:
        await worker.stop()
    assert not worker.running
    assert discord.texts() == ["hi"]


async def test_a_stopped_worker_leaves_pending_work_for_the_next_start(db: Storage) -> None:
    clock = SystemClock()
    outbox = Outbox(db, clock)
    await outbox.setup()
    discord = SignallingDiscord()
    worker = OutboxWorker(outbox, discord, clock)
    await worker.stop()  # stopping a worker that never started is harmless
    await outbox.enqueue(OutgoingMessage("queued", 5, content="while stopped"))
    assert discord.messages == []

    await worker.start()
    await worker.start()  # idempotent: still one task
    try:
        await asyncio.wait_for(discord.posted.wait(), timeout=10)
    finally:
        await worker.stop()
    assert discord.texts() == ["while stopped"]
