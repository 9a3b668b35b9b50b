"""One delivery pass over the outbox: post due items, then publish them, channel by channel.

The state machine is described in ``bot/outbox/outbox.py``; every state change is a
committed write of :class:`~bot.outbox.store.OutboxStore` made *before* the Discord call
it prepares, so a crash at any point leaves a state the next pass can resume from.

Several passes (in several processes) may run at once over one database. Each step on an
item starts with ``claim`` (a lease on the row, ``bot.storage.leases``); an item someone
else holds, or that changed since the pass read it, stops its channel's lane for this pass,
so that the lanes stay in order: whoever holds a channel's first waiting item is the only
one who can move that channel on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.clock import Clock
from bot.outbox.records import OutboxItem, OutboxProblem, PassResult, State
from bot.outbox.sender import PermanentFailure, RetryLater, Sender
from bot.outbox.store import OutboxStore

log = logging.getLogger(__name__)

# What one step did to its item: sent/published, waits for a retry, blocked its channel,
# failed alone, or found the item changed or taken over by someone else.
_Outcome = Literal["done", "retry", "blocked", "failed", "skipped"]

_POST_STATES = (State.PENDING, State.POSTING)
_PUBLISH_STATES = (State.POSTED,)

_LEASE_STEP = timedelta(milliseconds=1)

_BACKOFF_BASE = 2.0
_BACKOFF_MAX = 600.0


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """The outbox's settings one pass works with."""

    publish_budget: int
    publish_window: timedelta
    find_limit: int


class DeliveryPass:
    """One bounded walk over the active items, channel by channel, in enqueue order."""

    def __init__(
        self,
        store: OutboxStore,
        sender: Sender,
        clock: Clock,
        policy: DeliveryPolicy,
        report: Callable[[OutboxProblem], Awaitable[None]],
        limit: int,
    ) -> None:
        self.store = store
        self.sender = sender
        self.clock = clock
        self.policy = policy
        self.report = report
        self.limit = max(1, limit)
        self.actions = 0
        self.now = clock.now()
        self.wake_at: list[datetime] = []

    async def run(self) -> PassResult:
        items = await self.store.active_items()
        blocked = await self.store.blocked_ids()
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

    def _held_elsewhere(self, item: OutboxItem) -> bool:
        """Whether another holder's lease on ``item`` still runs (then look again when it
        ends: if that holder died, the item is ours to finish)."""
        if item.lease_holder in (None, self.store.holder) or item.lease_until is None:
            return False
        if item.lease_until < self.now:
            return False
        # A lease is over once its end has passed (leases: ``lease_until < now``), and its
        # end is stored to the millisecond.
        self.wake_at.append(item.lease_until + _LEASE_STEP)
        return True

    async def _claim(self, item: OutboxItem, states: tuple[State, ...]) -> OutboxItem | None:
        claimed = await self.store.claim(item.id, states, self.clock.now())
        if claimed is None:
            # Taken or moved on by another process since we read it: it finishes the step
            # or its lease runs out, so look again then at the latest.
            self.wake_at.append(self.now + self.store.lease)
        return claimed

    async def _post_lane(self, queue: list[OutboxItem]) -> bool:
        """Post the channel's due items in order; False when the channel got blocked."""
        for item in queue:
            if item.state not in _POST_STATES:
                continue
            if item.not_before is not None and item.not_before > self.now:
                self.wake_at.append(item.not_before)
                continue
            if item.next_attempt_at > self.now:
                self.wake_at.append(item.next_attempt_at)
                return True  # later items of this channel wait behind it
            if self._held_elsewhere(item) or not self._budget_left():
                return True
            claimed = await self._claim(item, _POST_STATES)
            if claimed is None:
                return True
            self.actions += 1
            if (
                claimed.state is State.PENDING
                and claimed.expires_at is not None
                and claimed.expires_at <= self.now
            ):
                await self._expire(claimed)
                continue
            outcome = await self._deliver(claimed)
            if outcome == "blocked":
                return False
            if outcome in ("retry", "skipped"):
                return True
        return True

    async def _publish_lane(self, queue: list[OutboxItem]) -> None:
        for item in queue:
            if item.state is not State.POSTED:
                continue
            if item.next_attempt_at > self.now:
                self.wake_at.append(item.next_attempt_at)
                return
            if self._held_elsewhere(item):
                return
            free_at = await self._budget_free_at(item)
            if free_at is not None:
                self.wake_at.append(free_at)
                return
            if not self._budget_left():
                return
            claimed = await self._claim(item, _PUBLISH_STATES)
            if claimed is None:
                return
            self.actions += 1
            outcome = await self._publish(claimed)
            if outcome not in ("done", "failed"):
                return  # later publications of this channel wait behind it

    # -- posting ------------------------------------------------------------------------

    async def _deliver(self, item: OutboxItem) -> _Outcome:
        message_id: int | None = None
        try:
            if item.state is State.PENDING:
                if not await self.store.mark_posting(item.id, self.now):
                    return "skipped"  # cancelled, or the lease was lost, meanwhile
            else:
                # An earlier attempt (ours, or a holder's that died or was too slow) may have
                # reached Discord: adopt it if it did. This look is what makes a takeover safe.
                if not await self.store.count_posting_attempt(item.id, self.now):
                    return "skipped"
                message_id = await self.sender.find_posted(
                    item.channel_id, item.marker, limit=self.policy.find_limit
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
        if not await self.store.mark_posted(
            item.id, publish=publish, message_id=message_id, now=self.clock.now()
        ):
            # Our lease ran out during the send and another holder took the item: it looks
            # for the marker before sending, and its record is the one that counts.
            log.warning("outbox: lost the lease on %s while posting it", item.key)
            return "skipped"
        return "done"

    async def _retry(self, item: OutboxItem, retry_after: float | None, reason: str) -> None:
        attempts = max(1, item.attempts + 1)
        if retry_after is not None:
            delay = max(0.0, retry_after)
        else:
            delay = min(_BACKOFF_MAX, _BACKOFF_BASE ** min(attempts, 16))
        now = self.clock.now()
        due = now + timedelta(seconds=delay)
        await self.store.schedule_retry(item.id, due, reason, now)
        self.wake_at.append(due)
        log.warning("outbox: %s will be retried in %.1f s: %s", item.key, delay, reason)

    async def _expire(self, item: OutboxItem) -> None:
        if await self.store.mark_expired(item.id, self.clock.now()):
            log.warning("outbox: %s expired before it could be posted; not sent", item.key)
            await self.report(
                OutboxProblem(
                    "message_expired",
                    item.channel_id,
                    "it expired before it could be posted",
                    key=item.key,
                )
            )

    async def _permanent(self, item: OutboxItem, failure: PermanentFailure) -> _Outcome:
        now = self.clock.now()
        if failure.scope == "message":
            if not await self.store.mark_failed(item.id, failure.reason, now):
                return "skipped"  # taken over meanwhile: the new holder decides
            log.error(
                "outbox: gave up on %s in channel %d: %s (kept as failed; "
                "`ml-audio-bot outbox retry %s` tries again)",
                item.key,
                item.channel_id,
                failure.reason,
                item.key,
            )
            await self.report(
                OutboxProblem("message_failed", item.channel_id, failure.reason, key=item.key)
            )
            return "failed"
        # The channel is blocked whoever holds the item: the failure is about the channel.
        await self.store.record_error(item.id, failure.reason, now)
        await self.store.block_channel(item.channel_id, failure.reason, now)
        waiting = await self.store.waiting_in(item.channel_id)
        log.error(
            "outbox: stopped posting to channel %d: %s. %d message(s) are kept; fix the channel "
            "or the bot's permissions, then run `ml-audio-bot outbox unblock %d`",
            item.channel_id,
            failure.reason,
            waiting,
            item.channel_id,
        )
        await self.report(
            OutboxProblem("channel_blocked", item.channel_id, failure.reason, waiting=waiting)
        )
        return "blocked"

    # -- publishing ---------------------------------------------------------------------

    async def _budget_free_at(self, item: OutboxItem) -> datetime | None:
        """None when ``item`` may be published now, else when a slot frees up."""
        budget = self.policy.publish_budget
        window = self.policy.publish_window
        recent = await self.store.publications_since(
            item.channel_id, self.now - window, excluding_item=item.id
        )
        if len(recent) < budget:
            return None
        return recent[len(recent) - budget] + window

    async def _publish(self, item: OutboxItem) -> _Outcome:
        assert item.message_id is not None  # POSTED always has one
        # Counted before the call: if we crash right after it, the budget still knows.
        if not await self.store.record_publication_attempt(
            item.id, item.channel_id, self.clock.now()
        ):
            return "skipped"  # the lease was lost: the new holder publishes it
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
        if not await self.store.mark_published(item.id, self.clock.now()):
            # Taken over during the call: the new holder gets "already crossposted".
            return "skipped"
        # Old window rows only matter for maintainers' curiosity; keep a day of them.
        await self.store.prune_publications(
            self.now - max(self.policy.publish_window, timedelta(days=1))
        )
        return "done"

    async def _forget_publication(self, item: OutboxItem) -> None:
        # Discord refused it (rate limit, server error, permission): most likely nothing
        # was published. If it was after all, the retry gets "already crossposted" and
        # records the slot again.
        await self.store.forget_publication(item.id)
