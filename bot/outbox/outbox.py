"""The durable outbox: store the intent first, send it exactly once, publish it in budget.

Delivery of one item, and why it cannot post twice:

1. ``enqueue`` stores the message (``pending``) with a random nonce and a marker
   derived from its key. Nothing has been sent.
2. Before the HTTP call the item is moved to ``posting`` in a committed write.
3. ``posting`` is the "maybe sent" state. Any later attempt (a retry after a 5xx, or a
   restart after a crash) first looks for the marker among the channel's latest
   messages and adopts the message it finds; only if there is none does it send again,
   with the *same* nonce, so that Discord itself drops a copy of a send that is still
   in flight (``enforce_nonce``).
4. The item becomes ``posted``/``done`` only with the message id Discord returned.

Every message posted in an announcement channel is published, whatever feature sent it:
the sender says whether the channel is one (``Sender.announces``), just before posting,
and the answer is stored in the item's ``publish`` column.

Publishing (crosspost) is a separate step from ``posted`` to ``done``, retried until
Discord accepts it; "already crossposted" counts as success, so a crash between the
crosspost and its bookkeeping only costs one harmless extra call. Discord allows about
ten publications per channel and hour: each attempt is recorded in
``outbox_publications`` *before* the call, and the budget counts that table over a
sliding window, so restarts cannot overspend it. Over budget, publications wait, in
order; none is dropped.

Per channel, messages are posted in enqueue order and published in the same order: a
message waiting for a retry holds back the later ones of its channel, never those of
other channels. A channel that is gone or lost its permissions is *blocked*: its messages
stay stored, one log line and the ``on_problem`` hook tell the maintainers, and
``unblock`` resumes it.

Several processes may deliver from one database (shard processes sharing PostgreSQL).
Each step on an item is *claimed* first: a lease on its row (``bot.storage.leases``), taken
by one process only; the writes that follow are guarded by it, so a process whose lease
ran out (it hung, or died) cannot overwrite what the process that took over recorded. A
process that dies mid-send leaves the item ``posting`` under an expiring lease; whoever
claims it next looks for the marker before sending (step 3), which is what makes the
takeover safe. Per channel, only the holder of the first waiting item moves the channel
on, so the order holds across processes too.

All writes that must precede an HTTP call are committed on their own, never inside
someone else's open transaction on the shared connection (see
``OutboxStore._committed``). All SQL is in ``bot/outbox/store.py``; one delivery pass is
``bot/outbox/delivery.py``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import timedelta

from bot.clock import Clock
from bot.outbox.delivery import DeliveryPass, DeliveryPolicy
from bot.outbox.message import OutgoingMessage, marker_for, render_payload
from bot.outbox.records import BlockedChannel, OutboxItem, OutboxProblem, PassResult, State
from bot.outbox.sender import Sender
from bot.outbox.store import OutboxStore
from bot.storage.interface import Storage
from bot.storage.leases import DEFAULT_LEASE, holder_name, shared

log = logging.getLogger(__name__)

ProblemHook = Callable[[OutboxProblem], Awaitable[None]]

DEFAULT_PUBLISH_BUDGET = 10
DEFAULT_PUBLISH_WINDOW = timedelta(hours=1)
DEFAULT_FIND_LIMIT = 100


class Outbox:
    """Stored outgoing messages and the state machine that delivers them.

    The outbox never talks to Discord itself: :meth:`process_due` is handed a
    :class:`~bot.outbox.sender.Sender`. :class:`~bot.outbox.worker.OutboxWorker` calls it.
    Any number of processes (and ``Outbox`` objects) may deliver from one database at
    once: every step on an item is claimed with a lease first, so each item is delivered
    once (see the module docstring). The CLI only reads and resets states.

    ``holder`` names this object in the leases; by default the process's name and a part
    of its own, because two objects in one process do not share the pass lock below.
    ``lease`` is how long a claimed step may take before another holder may take it over.
    """

    def __init__(
        self,
        db: Storage,
        clock: Clock,
        *,
        publish_budget: int = DEFAULT_PUBLISH_BUDGET,
        publish_window: timedelta = DEFAULT_PUBLISH_WINDOW,
        find_limit: int = DEFAULT_FIND_LIMIT,
        on_problem: ProblemHook | None = None,
        holder: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        if publish_budget < 1:
            raise ValueError("publish_budget must be at least 1 per window")
        if publish_window <= timedelta(0):
            raise ValueError("publish_window must be positive")
        if lease <= timedelta(0):
            raise ValueError("lease must be positive")
        self._store = OutboxStore(
            db, holder=holder or f"{holder_name()}:{secrets.token_hex(2)}", lease=lease
        )
        self.shared = shared(db)
        self._clock = clock
        self.publish_budget = publish_budget
        self.publish_window = publish_window
        self.find_limit = find_limit
        self.on_problem = on_problem
        self._wake_listeners: list[Callable[[], None]] = []
        # One pass at a time in this object; other objects and processes are kept apart by
        # the leases, not by this lock.
        self._pass_lock = asyncio.Lock()

    @property
    def holder(self) -> str:
        """This object's name in ``lease_holder``."""
        return self._store.holder

    async def setup(self) -> None:
        """Create or upgrade the outbox tables."""
        await self._store.setup()

    def add_wake_listener(self, listener: Callable[[], None]) -> None:
        """Called after every enqueue (the worker wakes up)."""
        self._wake_listeners.append(listener)

    # -- features: storing intents -------------------------------------------------------

    async def enqueue(self, message: OutgoingMessage) -> bool:
        """Store ``message``; False (and nothing stored) when its key is already known.

        A single statement: called inside ``async with db.transaction():`` it commits or
        rolls back together with the caller's own change (e.g. "suggestion approved" and
        its announcement).
        """
        stored = await self._insert(message)
        if stored:
            self._notify()
        return stored

    async def enqueue_many(self, messages: Iterable[OutgoingMessage]) -> int:
        """Store several messages; returns how many were new. Same atomicity as enqueue."""
        stored = 0
        for message in messages:
            stored += await self._insert(message)
        if stored:
            self._notify()
        return stored

    async def cancel(self, key: str) -> bool:
        """Withdraw a message that was never attempted (e.g. a re-planned reminder).

        A message that may already be in Discord (``posting`` or later) is not touched:
        False. Like ``enqueue``, it joins the caller's open transaction.
        """
        return await self._store.cancel(key, self._clock.now())

    # -- maintainers: looking and resetting -----------------------------------------------

    async def get(self, key: str) -> OutboxItem | None:
        return await self._store.get(key)

    async def items(
        self,
        *,
        states: Sequence[State] | None = None,
        channel_id: int | None = None,
        limit: int = 100,
    ) -> list[OutboxItem]:
        """Stored items, oldest first, optionally filtered."""
        return await self._store.items(states=states, channel_id=channel_id, limit=limit)

    async def counts(self) -> dict[State, int]:
        return await self._store.counts()

    async def blocked_channels(self) -> list[BlockedChannel]:
        return await self._store.blocked_channels()

    async def unblock(self, channel_id: int) -> bool:
        """Resume a blocked channel (after its permissions were fixed); False if not blocked."""
        if not await self._store.unblock(channel_id, self._clock.now()):
            return False
        log.info("outbox: channel %d unblocked by a maintainer", channel_id)
        self._notify()
        return True

    async def retry_failed(self, key: str) -> bool:
        """Give a failed message another chance, from where it stopped."""
        item = await self._store.get(key)
        if item is None or item.state is not State.FAILED:
            return False
        if item.message_id is not None:
            resume = State.POSTED  # it is in Discord; only the publication failed
        elif item.attempts:
            resume = State.POSTING  # it may be in Discord: look before sending
        else:
            resume = State.PENDING
        changed = await self._store.resume_failed(item.id, resume, self._clock.now())
        if changed:
            self._notify()
        return changed

    # -- delivery -----------------------------------------------------------------------

    async def process_due(self, sender: Sender, *, limit: int = 50) -> PassResult:
        """Do at most ``limit`` due actions (posts, lookups, publications).

        Returns how many were done and when something will next be due, so the caller
        can sleep until then.
        """
        policy = DeliveryPolicy(self.publish_budget, self.publish_window, self.find_limit)
        async with self._pass_lock:
            return await DeliveryPass(
                self._store, sender, self._clock, policy, self._report, limit
            ).run()

    # -- internals ------------------------------------------------------------------------

    def _notify(self) -> None:
        for listener in self._wake_listeners:
            listener()

    async def _insert(self, message: OutgoingMessage) -> bool:
        now = self._clock.now()
        return await self._store.insert(
            key=message.key,
            channel_id=message.channel_id,
            payload=render_payload(message),
            nonce=secrets.token_hex(10),  # Discord nonces are at most 25 characters
            marker=marker_for(message.key),
            not_before=message.not_before,
            expires_at=message.expires_at,
            due=message.not_before or now,
            now=now,
        )

    async def _report(self, problem: OutboxProblem) -> None:
        if self.on_problem is None:
            return
        try:
            await self.on_problem(problem)
        except Exception:  # the hook must never stop delivery to other channels
            log.exception("outbox: the on_problem hook failed for %s", problem)
