"""The background task that drains the outbox (one of ``Services``' workers)."""

from __future__ import annotations

import logging

from bot.clock import Clock
from bot.outbox.outbox import Outbox
from bot.outbox.records import PassResult
from bot.outbox.sender import Sender
from bot.worker import Worker

log = logging.getLogger(__name__)

# After a failed pass (the database locked, the disk full) nothing is lost: states only
# move after success. So pause briefly and try again.
_ERROR_PAUSE = 30.0
IDLE_SECONDS = 3600.0
SHARED_IDLE_SECONDS = 60.0


class OutboxWorker(Worker):
    """Drains ``outbox`` through ``sender``: woken by enqueues and by its own next due time.

    Each pass is bounded (``batch_size`` actions) so one busy channel cannot hold the
    event loop; passes follow each other while there is work. When nothing is due it
    sleeps until the earliest retry, delayed message or free publication slot, at most
    ``idle_seconds``: a safety net, and how a change made by another process (the
    ``ml-audio-bot outbox`` commands) is noticed. An hour by default, because each
    look is a database read, and tests that run months of virtual time pay for each.
    On a database shared by several processes it is :data:`SHARED_IDLE_SECONDS`: what
    another process queued and then could not deliver (it stopped before claiming it)
    is found within that time, not within the hour.
    """

    name = "outbox"

    def __init__(
        self,
        outbox: Outbox,
        sender: Sender,
        clock: Clock,
        *,
        batch_size: int = 50,
        idle_seconds: float | None = None,
    ) -> None:
        super().__init__(clock, error_pause=_ERROR_PAUSE)
        self._outbox = outbox
        self._sender = sender
        self._batch_size = batch_size
        if idle_seconds is None:
            idle_seconds = SHARED_IDLE_SECONDS if outbox.shared else IDLE_SECONDS
        self._idle_seconds = idle_seconds
        outbox.add_wake_listener(self.wake)

    async def run_once(self) -> float:
        result = await self._outbox.process_due(self._sender, limit=self._batch_size)
        if result.actions:
            return 0.0  # more may be due: the next pass follows after a yield
        return self._delay_until(result)

    def _delay_until(self, result: PassResult) -> float:
        if result.next_due is None:
            return self._idle_seconds
        seconds = (result.next_due - self.clock.now()).total_seconds()
        return min(self._idle_seconds, max(0.0, seconds))
