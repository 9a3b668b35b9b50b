"""The background task that drains the outbox (one of ``Services``' workers)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.clock import Clock
from bot.outbox.outbox import Outbox
from bot.outbox.records import PassResult
from bot.outbox.sender import Sender

log = logging.getLogger(__name__)

_ERROR_PAUSE = timedelta(seconds=30)


class OutboxWorker:
    """Drains ``outbox`` through ``sender``: woken by enqueues and by its own next due time.

    Each pass is bounded (``batch_size`` actions) so one busy channel cannot hold the
    event loop; passes follow each other while there is work. When nothing is due it
    sleeps until the earliest retry, delayed message or free publication slot, at most
    ``idle_seconds``: a safety net, and how a change made by another process (the
    ``ml-audio-bot outbox`` commands) is noticed. An hour by default, because each
    look is a database read, and tests that run months of virtual time pay for each.
    """

    name = "outbox"

    def __init__(
        self,
        outbox: Outbox,
        sender: Sender,
        clock: Clock,
        *,
        batch_size: int = 50,
        idle_seconds: float = 3600.0,
    ) -> None:
        self._outbox = outbox
        self._sender = sender
        self._clock = clock
        self._batch_size = batch_size
        self._idle_seconds = idle_seconds
        self._task: asyncio.Task[None] | None = None
        self._sleeper: asyncio.Future[None] | None = None
        self._woken = False
        outbox.add_wake_listener(self.wake)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if self.running:
            return
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self) -> None:
        """Stop between two steps; whatever was in flight is resumed safely next start."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def wake(self) -> None:
        """Look at the outbox now (new message, channel unblocked, ...)."""
        self._woken = True
        if self._sleeper is not None and not self._sleeper.done():
            self._sleeper.cancel()

    async def _run(self) -> None:
        while True:
            self._woken = False
            try:
                result = await self._outbox.process_due(self._sender, limit=self._batch_size)
            except Exception:
                # e.g. the database is locked or the disk full: nothing is lost (states
                # only move after success), so pause and try again.
                log.exception("outbox: drain pass failed; retrying in %s", _ERROR_PAUSE)
                result = PassResult(0, self._clock.now() + _ERROR_PAUSE)
            if result.actions:
                await asyncio.sleep(0)  # let the rest of the bot run between passes
                continue
            if self._woken:
                continue
            await self._sleep(self._delay_until(result))

    def _delay_until(self, result: PassResult) -> float:
        if result.next_due is None:
            return self._idle_seconds
        seconds = (result.next_due - self._clock.now()).total_seconds()
        return min(self._idle_seconds, max(0.0, seconds))

    async def _sleep(self, seconds: float) -> None:
        # A plain clock sleep in its own task: ``wake`` cancels it, and test harnesses
        # that virtualise time recognise it as a timer (an Event wait would look stuck).
        sleeper = asyncio.ensure_future(self._clock.sleep(seconds))
        self._sleeper = sleeper
        try:
            await asyncio.wait({sleeper})
        finally:
            self._sleeper = None
            sleeper.cancel()
