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

All writes that must precede an HTTP call are committed on their own, never inside
someone else's open transaction on the shared connection (see ``_write``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.clock import Clock
from bot.outbox.message import OutgoingMessage, marker_for, render_payload
from bot.outbox.records import (
    BlockedChannel,
    OutboxItem,
    OutboxProblem,
    PassResult,
    State,
    from_text,
    to_text,
)
from bot.outbox.schema import COMPONENT, MIGRATIONS
from bot.outbox.sender import PermanentFailure, RetryLater, Sender
from bot.storage import Database

log = logging.getLogger(__name__)

ProblemHook = Callable[[OutboxProblem], Awaitable[None]]
# What one step did to its item: sent/published, waits for a retry, blocked its channel,
# failed alone, or found the item changed by someone else.
_Outcome = Literal["done", "retry", "blocked", "failed", "skipped"]

DEFAULT_PUBLISH_BUDGET = 10
DEFAULT_PUBLISH_WINDOW = timedelta(hours=1)
DEFAULT_FIND_LIMIT = 100
_BACKOFF_BASE = 2.0
_BACKOFF_MAX = 600.0


class Outbox:
    """Stored outgoing messages and the state machine that delivers them.

    The outbox never talks to Discord itself: :meth:`process_due` is handed a
    :class:`~bot.outbox.sender.Sender`. :class:`~bot.outbox.worker.OutboxWorker` calls it.
    Exactly one process may deliver from one database file (the bot); the CLI only reads
    and resets states.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        publish_budget: int = DEFAULT_PUBLISH_BUDGET,
        publish_window: timedelta = DEFAULT_PUBLISH_WINDOW,
        find_limit: int = DEFAULT_FIND_LIMIT,
        on_problem: ProblemHook | None = None,
    ) -> None:
        if publish_budget < 1:
            raise ValueError("publish_budget must be at least 1 per window")
        if publish_window <= timedelta(0):
            raise ValueError("publish_window must be positive")
        self._db = db
        self._clock = clock
        self.publish_budget = publish_budget
        self.publish_window = publish_window
        self.find_limit = find_limit
        self.on_problem = on_problem
        self._wake_listeners: list[Callable[[], None]] = []
        self._pass_lock = asyncio.Lock()

    async def setup(self) -> None:
        """Create or upgrade the outbox tables."""
        await self._db.migrate(COMPONENT, MIGRATIONS)

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
        stored = await self._db.execute(_INSERT_SQL, self._insert_params(message))
        if stored:
            self._notify()
        return stored > 0

    async def enqueue_many(self, messages: Iterable[OutgoingMessage]) -> int:
        """Store several messages; returns how many were new. Same atomicity as enqueue."""
        stored = 0
        for message in messages:
            stored += await self._db.execute(_INSERT_SQL, self._insert_params(message))
        if stored:
            self._notify()
        return stored

    async def cancel(self, key: str) -> bool:
        """Withdraw a message that was never attempted (e.g. a re-planned reminder).

        A message that may already be in Discord (``posting`` or later) is not touched:
        False. Like ``enqueue``, it joins the caller's open transaction.
        """
        return (
            await self._db.execute(
                "UPDATE outbox_items SET state = ?, updated_at = ? WHERE key = ? AND state = ?",
                (State.CANCELLED, self._now_text(), key, State.PENDING),
            )
            > 0
        )

    # -- maintainers: looking and resetting -----------------------------------------------

    async def get(self, key: str) -> OutboxItem | None:
        row = await self._db.fetchone("SELECT * FROM outbox_items WHERE key = ?", (key,))
        return None if row is None else OutboxItem.from_row(row)

    async def items(
        self,
        *,
        states: Sequence[State] | None = None,
        channel_id: int | None = None,
        limit: int = 100,
    ) -> list[OutboxItem]:
        """Stored items, oldest first, optionally filtered."""
        wanted = None if not states else json.dumps([state.value for state in states])
        rows = await self._db.fetchall(
            "SELECT * FROM outbox_items "
            "WHERE (? IS NULL OR state IN (SELECT value FROM json_each(?))) "
            "AND (? IS NULL OR channel_id = ?) ORDER BY id LIMIT ?",
            (wanted, wanted, channel_id, channel_id, limit),
        )
        return [OutboxItem.from_row(row) for row in rows]

    async def counts(self) -> dict[State, int]:
        rows = await self._db.fetchall(
            "SELECT state, COUNT(*) AS n FROM outbox_items GROUP BY state"
        )
        found = {State(row["state"]): int(row["n"]) for row in rows}
        return {state: found.get(state, 0) for state in State}

    async def blocked_channels(self) -> list[BlockedChannel]:
        rows = await self._db.fetchall(
            "SELECT b.channel_id, b.reason, b.blocked_at, "
            "(SELECT COUNT(*) FROM outbox_items i WHERE i.channel_id = b.channel_id "
            "AND i.state IN ('pending', 'posting', 'posted')) AS waiting "
            "FROM outbox_blocked_channels b ORDER BY b.blocked_at"
        )
        blocked: list[BlockedChannel] = []
        for row in rows:
            blocked_at = from_text(row["blocked_at"])
            assert blocked_at is not None
            blocked.append(
                BlockedChannel(
                    int(row["channel_id"]), str(row["reason"]), blocked_at, int(row["waiting"])
                )
            )
        return blocked

    async def unblock(self, channel_id: int) -> bool:
        """Resume a blocked channel (after its permissions were fixed); False if not blocked."""
        removed = await self._db.execute(
            "DELETE FROM outbox_blocked_channels WHERE channel_id = ?", (channel_id,)
        )
        if removed:
            await self._db.execute(
                "UPDATE outbox_items SET next_attempt_at = ?, updated_at = ? "
                "WHERE channel_id = ? AND state IN ('pending', 'posting', 'posted')",
                (self._now_text(), self._now_text(), channel_id),
            )
            log.info("outbox: channel %d unblocked by a maintainer", channel_id)
            self._notify()
        return removed > 0

    async def retry_failed(self, key: str) -> bool:
        """Give a failed message another chance, from where it stopped."""
        item = await self.get(key)
        if item is None or item.state is not State.FAILED:
            return False
        if item.message_id is not None:
            resume = State.POSTED  # it is in Discord; only the publication failed
        elif item.attempts:
            resume = State.POSTING  # it may be in Discord: look before sending
        else:
            resume = State.PENDING
        now = self._now_text()
        changed = await self._db.execute(
            "UPDATE outbox_items SET state = ?, next_attempt_at = ?, updated_at = ? "
            "WHERE id = ? AND state = ?",
            (resume, now, now, item.id, State.FAILED),
        )
        if changed:
            self._notify()
        return changed > 0

    # -- delivery -----------------------------------------------------------------------

    async def process_due(self, sender: Sender, *, limit: int = 50) -> PassResult:
        """Do at most ``limit`` due actions (posts, lookups, publications).

        Returns how many were done and when something will next be due, so the caller
        can sleep until then.
        """
        async with self._pass_lock:
            return await _Pass(self, sender, limit).run()

    # -- internals used by _Pass ------------------------------------------------------------

    def _now(self) -> datetime:
        return self._clock.now()

    def _now_text(self) -> str:
        return to_text(self._clock.now())

    def _notify(self) -> None:
        for listener in self._wake_listeners:
            listener()

    def _insert_params(self, message: OutgoingMessage) -> tuple[Any, ...]:
        now = self._now_text()
        payload = json.dumps(render_payload(message), ensure_ascii=False, separators=(",", ":"))
        due = message.not_before or self._clock.now()
        return (
            message.key,
            message.channel_id,
            payload,
            0,  # decided when it is posted, by the channel's type
            secrets.token_hex(10),  # Discord nonces are at most 25 characters
            marker_for(message.key),
            None if message.not_before is None else to_text(message.not_before),
            None if message.expires_at is None else to_text(message.expires_at),
            to_text(due),
            now,
            now,
        )

    async def _write(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement that must be committed before we act on it (e.g. call Discord).

        ``Database`` makes a statement from outside another task's transaction wait for it
        to end, so this commits on its own; inside our own transaction it would not be
        committed yet, which would be a bug here.
        """
        if self._db.in_transaction:
            raise RuntimeError("outbox state must be committed before talking to Discord")
        return await self._db.execute(sql, params)

    async def _active_rows(self) -> list[OutboxItem]:
        rows = await self._db.fetchall(
            "SELECT * FROM outbox_items WHERE state IN ('pending', 'posting', 'posted') ORDER BY id"
        )
        return [OutboxItem.from_row(row) for row in rows]

    async def _blocked_ids(self) -> set[int]:
        rows = await self._db.fetchall("SELECT channel_id FROM outbox_blocked_channels")
        return {int(row["channel_id"]) for row in rows}

    async def _report(self, problem: OutboxProblem) -> None:
        if self.on_problem is None:
            return
        try:
            await self.on_problem(problem)
        except Exception:  # the hook must never stop delivery to other channels
            log.exception("outbox: the on_problem hook failed for %s", problem)


_INSERT_SQL = """
INSERT INTO outbox_items (
    key, channel_id, payload, publish, nonce, marker, not_before, expires_at,
    next_attempt_at, created_at, updated_at
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO NOTHING
"""


class _Pass:
    """One bounded walk over the active items, channel by channel, in enqueue order."""

    def __init__(self, outbox: Outbox, sender: Sender, limit: int) -> None:
        self.outbox = outbox
        self.sender = sender
        self.limit = max(1, limit)
        self.actions = 0
        self.now = outbox._now()
        self.wake_at: list[datetime] = []

    async def run(self) -> PassResult:
        items = await self.outbox._active_rows()
        blocked = await self.outbox._blocked_ids()
        by_channel: dict[int, list[OutboxItem]] = {}
        for item in items:
            by_channel.setdefault(item.channel_id, []).append(item)
        for channel_id, queue in by_channel.items():
            if channel_id in blocked:
                continue
            if self.actions >= self.limit:
                self.wake_at.append(self.now)
                break
            if not await self._post_lane(queue):
                continue  # the channel got blocked
            await self._publish_lane(queue)
        return PassResult(self.actions, min(self.wake_at, default=None))

    def _budget_left(self) -> bool:
        if self.actions < self.limit:
            return True
        self.wake_at.append(self.now)
        return False

    async def _post_lane(self, queue: list[OutboxItem]) -> bool:
        """Post the channel's due items in order; False when the channel got blocked."""
        for item in queue:
            if item.state not in (State.PENDING, State.POSTING):
                continue
            if item.not_before is not None and item.not_before > self.now:
                self.wake_at.append(item.not_before)
                continue
            if item.next_attempt_at > self.now:
                self.wake_at.append(item.next_attempt_at)
                return True  # later items of this channel wait behind it
            if not self._budget_left():
                return True
            self.actions += 1
            if (
                item.state is State.PENDING
                and item.expires_at is not None
                and item.expires_at <= self.now
            ):
                await self._expire(item)
                continue
            outcome = await self._deliver(item)
            if outcome == "blocked":
                return False
            if outcome == "retry":
                return True
        return True

    async def _publish_lane(self, queue: list[OutboxItem]) -> None:
        for item in queue:
            if item.state is not State.POSTED:
                continue
            if item.next_attempt_at > self.now:
                self.wake_at.append(item.next_attempt_at)
                return
            free_at = await self._budget_free_at(item)
            if free_at is not None:
                self.wake_at.append(free_at)
                return
            if not self._budget_left():
                return
            self.actions += 1
            outcome = await self._publish(item)
            if outcome not in ("done", "failed"):
                return  # later publications of this channel wait behind it

    # -- posting ------------------------------------------------------------------------

    async def _deliver(self, item: OutboxItem) -> _Outcome:
        outbox = self.outbox
        now = to_text(self.now)
        message_id: int | None = None
        try:
            if item.state is State.PENDING:
                marked = await outbox._write(
                    "UPDATE outbox_items SET state = ?, attempts = attempts + 1, "
                    "first_attempt_at = ?, next_attempt_at = ?, updated_at = ? "
                    "WHERE id = ? AND state = ?",
                    (State.POSTING, now, now, now, item.id, State.PENDING),
                )
                if not marked:
                    return "skipped"  # cancelled or changed meanwhile
            else:
                # An earlier attempt may have reached Discord: adopt it if it did.
                await outbox._write(
                    "UPDATE outbox_items SET attempts = attempts + 1, updated_at = ? "
                    "WHERE id = ? AND state = ?",
                    (now, item.id, State.POSTING),
                )
                message_id = await self.sender.find_posted(
                    item.channel_id, item.marker, limit=outbox.find_limit
                )
                if message_id is not None:
                    log.info(
                        "outbox: adopted message %d already posted for %s", message_id, item.key
                    )
            publish = await self.sender.announces(item.channel_id)
            if message_id is None:
                message_id = await self.sender.post(item.channel_id, item.payload, nonce=item.nonce)
        except RetryLater as exc:
            await self._retry(item, exc.retry_after, str(exc))
            return "retry"
        except PermanentFailure as exc:
            return await self._permanent(item, exc)
        except Exception as exc:  # a bug or an unmapped error must not stop the worker
            log.exception("outbox: unexpected error while posting %s", item.key)
            await self._retry(item, None, f"unexpected error: {exc!r}")
            return "retry"
        final = State.POSTED if publish else State.DONE
        posted_at = outbox._now_text()
        await outbox._write(
            "UPDATE outbox_items SET state = ?, publish = ?, message_id = ?, posted_at = ?, "
            "next_attempt_at = ?, last_error = NULL, updated_at = ? WHERE id = ? AND state = ?",
            (
                final,
                int(publish),
                message_id,
                posted_at,
                posted_at,
                posted_at,
                item.id,
                State.POSTING,
            ),
        )
        return "done"

    async def _retry(self, item: OutboxItem, retry_after: float | None, reason: str) -> None:
        attempts = max(1, item.attempts + 1)
        if retry_after is not None:
            delay = max(0.0, retry_after)
        else:
            delay = min(_BACKOFF_MAX, _BACKOFF_BASE ** min(attempts, 16))
        due = self.outbox._now() + timedelta(seconds=delay)
        await self.outbox._write(
            "UPDATE outbox_items SET next_attempt_at = ?, last_error = ?, updated_at = ? "
            "WHERE id = ?",
            (to_text(due), reason[:500], self.outbox._now_text(), item.id),
        )
        self.wake_at.append(due)
        log.warning("outbox: %s will be retried in %.1f s: %s", item.key, delay, reason)

    async def _expire(self, item: OutboxItem) -> None:
        changed = await self.outbox._write(
            "UPDATE outbox_items SET state = ?, last_error = ?, updated_at = ? "
            "WHERE id = ? AND state = ?",
            (
                State.EXPIRED,
                "not posted before it expired",
                self.outbox._now_text(),
                item.id,
                State.PENDING,
            ),
        )
        if changed:
            log.warning("outbox: %s expired before it could be posted; not sent", item.key)
            await self.outbox._report(
                OutboxProblem(
                    "message_expired",
                    item.channel_id,
                    "it expired before it could be posted",
                    key=item.key,
                )
            )

    async def _permanent(self, item: OutboxItem, failure: PermanentFailure) -> _Outcome:
        outbox = self.outbox
        now = outbox._now_text()
        await outbox._write(
            "UPDATE outbox_items SET last_error = ?, updated_at = ? WHERE id = ?",
            (failure.reason[:500], now, item.id),
        )
        if failure.scope == "message":
            await outbox._write(
                "UPDATE outbox_items SET state = ?, updated_at = ? WHERE id = ?",
                (State.FAILED, now, item.id),
            )
            log.error(
                "outbox: gave up on %s in channel %d: %s (kept as failed; "
                "`ml-audio-bot outbox retry %s` tries again)",
                item.key,
                item.channel_id,
                failure.reason,
                item.key,
            )
            await outbox._report(
                OutboxProblem("message_failed", item.channel_id, failure.reason, key=item.key)
            )
            return "failed"
        await outbox._write(
            "INSERT INTO outbox_blocked_channels (channel_id, reason, blocked_at) VALUES (?, ?, ?) "
            "ON CONFLICT (channel_id) DO UPDATE SET reason = excluded.reason",
            (item.channel_id, failure.reason[:500], now),
        )
        row = await outbox._db.fetchone(
            "SELECT COUNT(*) AS n FROM outbox_items WHERE channel_id = ? "
            "AND state IN ('pending', 'posting', 'posted')",
            (item.channel_id,),
        )
        waiting = int(row["n"]) if row else 0
        log.error(
            "outbox: stopped posting to channel %d: %s. %d message(s) are kept; fix the channel "
            "or the bot's permissions, then run `ml-audio-bot outbox unblock %d`",
            item.channel_id,
            failure.reason,
            waiting,
            item.channel_id,
        )
        await outbox._report(
            OutboxProblem("channel_blocked", item.channel_id, failure.reason, waiting=waiting)
        )
        return "blocked"

    # -- publishing ---------------------------------------------------------------------

    async def _budget_free_at(self, item: OutboxItem) -> datetime | None:
        """None when ``item`` may be published now, else when a slot frees up."""
        outbox = self.outbox
        since = to_text(self.now - outbox.publish_window)
        rows = await outbox._db.fetchall(
            "SELECT at FROM outbox_publications WHERE channel_id = ? AND item_id != ? "
            "AND at > ? ORDER BY at",
            (item.channel_id, item.id, since),
        )
        if len(rows) < outbox.publish_budget:
            return None
        oldest_blocking = from_text(rows[len(rows) - outbox.publish_budget]["at"])
        assert oldest_blocking is not None
        return oldest_blocking + outbox.publish_window

    async def _publish(self, item: OutboxItem) -> _Outcome:
        outbox = self.outbox
        assert item.message_id is not None  # POSTED always has one
        now = outbox._now_text()
        await outbox._write(
            "UPDATE outbox_items SET attempts = attempts + 1, updated_at = ? WHERE id = ?",
            (now, item.id),
        )
        # Counted before the call: if we crash right after it, the budget still knows.
        await outbox._write(
            "INSERT INTO outbox_publications (item_id, channel_id, at) VALUES (?, ?, ?) "
            "ON CONFLICT (item_id) DO UPDATE SET at = excluded.at",
            (item.id, item.channel_id, now),
        )
        try:
            await self.sender.crosspost(item.channel_id, item.message_id)
        except RetryLater as exc:
            await self._forget_publication(item)
            await self._retry(item, exc.retry_after, f"publish: {exc}")
            return "retry"
        except PermanentFailure as exc:
            await self._forget_publication(item)
            return await self._permanent(item, exc)
        except Exception as exc:
            log.exception("outbox: unexpected error while publishing %s", item.key)
            await self._retry(item, None, f"publish: unexpected error: {exc!r}")
            return "retry"
        done_at = outbox._now_text()
        await outbox._write(
            "UPDATE outbox_items SET state = ?, published_at = ?, last_error = NULL, "
            "updated_at = ? WHERE id = ? AND state = ?",
            (State.DONE, done_at, done_at, item.id, State.POSTED),
        )
        # Old window rows only matter for maintainers' curiosity; keep a day of them.
        await outbox._write(
            "DELETE FROM outbox_publications WHERE at < ?",
            (to_text(self.now - max(outbox.publish_window, timedelta(days=1))),),
        )
        return "done"

    async def _forget_publication(self, item: OutboxItem) -> None:
        # Discord refused it (rate limit, server error, permission): most likely nothing
        # was published. If it was after all, the retry gets "already crossposted" and
        # records the slot again.
        await self.outbox._write("DELETE FROM outbox_publications WHERE item_id = ?", (item.id,))
