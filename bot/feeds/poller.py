"""Decide what to fetch when and what to announce; store each outcome in one transaction.

What each outcome of a poll does is documented in ``bot.feeds.polling``.

Marking entries seen, storing the validators and queueing the announcements in the outbox
happen in one transaction: a crash leaves either all of it or none of it, so nothing is
announced twice and nothing is lost. Feeds of a group fetched at about the same time share
that transaction (``bot.feeds.batching``), decided one after another as if stored apart.

Seen keys are shared by the feeds of a group (a paper in two arXiv listings is announced
once) and are not kept forever: once a day a 200 also forgets the keys of entries that
left the feed and are dated more than ``seen_retention`` ago (see ``FeedStore.prune_seen``),
and holds the group to ``max_seen_keys`` (not on a feed's first poll, which has nothing old
of its own). If such an entry ever returns it is older than
``max_age`` or the group's cut-off, so it is marked seen again instead of announced.

Several bot processes may share one database. Each feed's poll is claimed first, with a
lease on its row (``FeedStore.claim``; the convention of ``bot.storage.leases``), so a due
feed is polled by one process per interval. The transaction that stores the outcome
confirms the lease (``FeedStore.held``, which on PostgreSQL locks the row until the commit)
and releases it with the new state; a poller that lost its lease (it stalled past it and
another one took the feed) stores nothing. A poller that dies mid-poll leaves the lease
to expire (``PollSettings.lease``); then another one claims the feed and polls it again.
A poll that breaks inside the bot (a bug, a database error) gives its lease back at once.

Each new entry is announced once even so: within the storing transaction (serialised
with every other writer, across processes on PostgreSQL) the entry's keys are looked up
in the group's seen set and marked; and the announcement's outbox key is derived from
the group and the entry (``bot.feeds.announce.outbox_key``), which the outbox refuses to
store twice (a unique key; ``Outbox.enqueue`` returns False), whatever happened before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.feeds.announce import disabled_notice, item_message
from bot.feeds.batching import Batcher
from bot.feeds.digest import DigestSender
from bot.feeds.digest_store import DigestStore
from bot.feeds.fetch import Fetcher, FetchError, FetchResult
from bot.feeds.model import FeedItem, FeedMode, FeedSpec, FeedState, FeedStatus, ParsedFeed
from bot.feeds.parse import ParseError, parse_feed
from bot.feeds.polling import (
    PRUNE_EVERY,
    FeedOutcome,
    PollSettings,
    backoff,
    next_poll,
    oldest_first,
    pollable,
    unseen,
)
from bot.feeds.store import FeedStore, SeenKeys
from bot.outbox import Outbox, OutgoingMessage
from bot.storage import leases
from bot.storage.interface import Storage

log = logging.getLogger(__name__)

#: The channel id of a feed, or ``None`` when its channel is not configured.
ChannelFor = Callable[[FeedSpec], int | None]


@dataclass(frozen=True, slots=True)
class _Fetched:
    """A parsed 200 waiting for its group's turn."""

    status: FeedStatus
    result: FetchResult
    parsed: ParsedFeed
    dry_run: bool


@dataclass(slots=True)
class _Plan:
    """What storing one fetched feed writes, decided before any of it is written."""

    spec: FeedSpec
    outcome: FeedOutcome
    marked: list[FeedItem]  # every item whose keys become seen
    digested: list[FeedItem]
    messages: list[OutgoingMessage]
    state: dict[str, Any]  # the feed's new state columns
    queued_before: list[str] = field(default_factory=list)  # outbox keys already there
    pruned: int | None = None


class FeedPoller:
    """Polls the feeds of ``store`` with ``fetcher`` and queues announcements in the outbox.

    ``outbox`` and ``channel_for`` are looked up at every announcement (the runtime may add
    the outbox after the poller is built). ``dry_run`` polls change nothing stored.
    """

    def __init__(
        self,
        store: FeedStore,
        fetcher: Fetcher,
        clock: Clock,
        catalog: Callable[[], Sequence[FeedSpec]],
        *,
        outbox: Callable[[], Outbox | None],
        channel_for: ChannelFor,
        log_channel: Callable[[], int | None] = lambda: None,
        settings: PollSettings | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.clock = clock
        self.catalog = catalog
        self.outbox = outbox
        self.channel_for = channel_for
        self.log_channel = log_channel
        self.settings = settings or PollSettings()
        self._rng = rng or random.Random()
        self._in_flight: set[str] = set()
        # Feeds whose last poll broke inside the bot (not the feed's fault), kept out of
        # ``due`` for a while in memory: the stored next poll may be what failed to write.
        self._retry_at: dict[str, datetime] = {}
        # Who this poller is in ``lease_holder`` (one name per process).
        self.holder = leases.holder_name()
        # Claims made while one is being written are made together (``_claim_together``);
        # one lane for due feeds, one for feeds asked for by name.
        self._claims: dict[bool, Batcher[FeedStatus, FeedStatus | None]] = {}
        # Fetched feeds are stored a group at a time (see ``_store_fetched``), dry runs apart;
        # unchanged feeds' new state is written in batches too.
        self._stores: dict[tuple[str, bool], Batcher[_Fetched, FeedOutcome | None]] = {}
        self._state_writes: Batcher[tuple[str, dict[str, Any]], None] = Batcher(self._write_states)
        self.digests = DigestStore(store.db)
        self._digest_sender = DigestSender(
            store, self.digests, catalog, outbox=outbox, channel_for=channel_for
        )

    async def send_due_digests(self, now: datetime | None = None) -> datetime | None:
        """Queue the digests due now; when the next one is due (None: no digest feeds).

        The background worker calls it after each poll cycle and sleeps no longer than
        until the moment it returns.
        """
        return await self._digest_sender.send_due(now or self.clock.now())

    async def statuses(self) -> list[FeedStatus]:
        return await self.store.statuses(self.catalog())

    def _next_for(self, status: FeedStatus) -> datetime:
        now = self.clock.now()
        moment = status.next_poll or now
        held = self._retry_at.get(status.spec.id)
        if held is not None:
            moment = max(moment, held)
        # Polled by someone now (or by one that died): not before the lease ends.
        if status.lease_until is not None and status.lease_until > now:
            moment = max(moment, status.lease_until)
        return moment

    async def due(self) -> list[FeedStatus]:
        now = self.clock.now()
        return [
            status
            for status in await self.statuses()
            if pollable(status) and self._next_for(status) <= now
        ]

    async def next_due(self) -> datetime | None:
        moments = [self._next_for(s) for s in await self.statuses() if pollable(s)]
        return min(moments) if moments else None

    async def poll_due(self, *, dry_run: bool = False) -> list[FeedOutcome]:
        """Every due feed that no other poller has claimed."""
        return await self._poll_each(await self.due(), dry_run=dry_run, due_only=True)

    async def poll_all(self, *, dry_run: bool = False) -> list[FeedOutcome]:
        """Every enabled feed now, due or not (``ml-audio-bot feeds poll --once``)."""
        return await self.poll_many(
            [s for s in await self.statuses() if pollable(s)], dry_run=dry_run
        )

    async def poll_many(
        self, statuses: Sequence[FeedStatus], *, dry_run: bool = False
    ) -> list[FeedOutcome]:
        """``statuses`` now, due or not; feeds another poller holds are left to it."""
        return await self._poll_each(statuses, dry_run=dry_run, due_only=False)

    async def poll(self, status: FeedStatus, *, dry_run: bool = False) -> FeedOutcome | None:
        """Poll one feed; ``None`` if it is being polled already (here or by another
        poller). Never raises for feed trouble."""
        outcomes = await self._poll_each([status], dry_run=dry_run, due_only=False)
        return outcomes[0] if outcomes else None

    async def _poll_each(
        self, statuses: Sequence[FeedStatus], *, dry_run: bool, due_only: bool
    ) -> list[FeedOutcome]:
        limit = asyncio.Semaphore(self.settings.concurrency)

        async def one(status: FeedStatus) -> FeedOutcome | None:
            async with limit:
                return await self._poll_one(status, dry_run=dry_run, due_only=due_only)

        results = await asyncio.gather(*(one(s) for s in statuses))
        return [r for r in results if r is not None]

    async def _claim(self, status: FeedStatus, due_only: bool) -> FeedStatus | None:
        """Lease the feed to this poller; its status as stored now, or None if not ours.

        Claimed just before its fetch (inside the concurrency limit), so the lease runs
        from when the work starts, not from when the cycle began.
        """
        lane = self._claims.get(due_only)
        if lane is None:

            async def claim_together(batch: Sequence[FeedStatus]) -> list[FeedStatus | None]:
                return await self._claim_together(batch, due_only)

            lane = self._claims[due_only] = Batcher(claim_together)
        return await lane.submit(status)

    async def _claim_together(
        self, batch: Sequence[FeedStatus], due_only: bool
    ) -> list[FeedStatus | None]:
        # As stored when claimed: another poller may have polled it since our read.
        claimed = await self.store.claim(
            batch, self.holder, self.clock.now(), self.settings.lease, due_only=due_only
        )
        fresh = {status.spec.id: status for status in claimed}
        return [fresh.get(status.spec.id) for status in batch]

    async def _poll_one(
        self, status: FeedStatus, *, dry_run: bool, due_only: bool
    ) -> FeedOutcome | None:
        feed_id = status.spec.id
        if feed_id in self._in_flight:
            return None
        self._in_flight.add(feed_id)
        try:
            # A dry run writes nothing, so it claims nothing either.
            if not dry_run:
                claimed = await self._claim(status, due_only)
                if claimed is None:
                    return None
                status = claimed
            outcome = await self._poll(status, dry_run)
        except Exception as error:
            # A bug or a database problem must not stop the other feeds or the bot, nor
            # make the worker retry this feed in a tight loop (the in-memory backoff below).
            # The lease is given back, as deadline sync does: held until it expired, it
            # would keep every poller off the feed longer than that backoff. If the
            # database is what failed, the release may fail too; then the lease expires.
            log.exception("feed %s: poll failed unexpectedly", feed_id)
            if not dry_run:
                with contextlib.suppress(Exception):
                    await self.store.release(feed_id, self.holder)
            retry_at = self.clock.now() + self.settings.backoff_base
            self._retry_at[feed_id] = retry_at
            return FeedOutcome(
                feed_id, status.state, error=f"internal error: {error}", next_poll=retry_at
            )
        else:
            self._retry_at.pop(feed_id, None)
            if outcome is None:
                log.info("feed %s: another poller took it over; this poll is dropped", feed_id)
            return outcome
        finally:
            self._in_flight.discard(feed_id)

    async def _poll(self, status: FeedStatus, dry_run: bool) -> FeedOutcome | None:
        use_validators = not status.backlog
        try:
            result = await self.fetcher.fetch(
                status.url,
                etag=status.etag if use_validators else None,
                last_modified=status.last_modified if use_validators else None,
            )
        except FetchError as error:
            return await self._failed(status, error, dry_run)
        if result.not_modified:
            return await self._not_modified(status, result, dry_run)
        try:
            parsed = await asyncio.to_thread(parse_feed, result.body, result.parser_headers())
        except ParseError as error:
            failure = FetchError("not-a-feed", f"not a feed: {error}", status=result.status)
            return await self._failed(status, failure, dry_run, moved_to=result.moved_to)
        if parsed.problem:
            log.warning("feed %s is not well-formed but usable: %s", status.spec.id, parsed.problem)
        return await self._store_fetched(_Fetched(status, result, parsed, dry_run))

    # -- outcomes -------------------------------------------------------------------------

    async def _store_fetched(self, fetched: _Fetched) -> FeedOutcome | None:
        """Decide what one fetched feed announces and store it, with its group's others.

        Feeds of one group decide "seen or new" one at a time: two listings of the same
        paper polled together must not both find it new. The feeds that finish parsing
        while others of their group are being stored wait, and are then stored together
        in one transaction (``bot.feeds.batching``): a thousand new feeds make a few dozen
        commits rather than a thousand.
        """
        lane = (fetched.status.spec.group, fetched.dry_run)
        batcher = self._stores.get(lane)
        if batcher is None:
            batcher = self._stores[lane] = Batcher(self._store_together)
        return await batcher.submit(fetched)

    async def _store_together(self, batch: Sequence[_Fetched]) -> list[FeedOutcome | None]:
        """Decide for each feed in order, as if one after another, and store it all at once.

        Each feed sees the keys the ones before it marked. A feed whose daily prune is due
        has what came before it written first (pruning counts the group's keys), and what
        the prune forgot is looked up again for the ones after it. Feeds whose lease this
        poller lost are left out (``None``): their new poller stores them.
        """
        now = self.clock.now()
        if batch[0].dry_run:
            return [plan.outcome for plan in await self._plans(batch, now, None)]
        async with self.store.transaction() as db:
            held = await self.store.held(db, [f.status.spec.id for f in batch], self.holder)
            plans = await self._plans([f for f in batch if f.status.spec.id in held], now, db)
        for plan in plans:
            for key in plan.queued_before:
                log.info("feed %s: %s was queued before; not again", plan.spec.id, key)
            if plan.pruned:
                log.info("feed %s: forgot %d old seen entry keys", plan.spec.id, plan.pruned)
            if plan.outcome.moved_to:
                log.info("feed %s moved permanently to %s", plan.spec.id, plan.outcome.moved_to)
        outcomes = {plan.spec.id: plan.outcome for plan in plans}
        return [outcomes.get(f.status.spec.id) for f in batch]

    async def _plans(
        self, batch: Sequence[_Fetched], now: datetime, db: Storage | None
    ) -> list[_Plan]:
        """Every feed's plan; with ``db`` (a transaction), each is also stored."""
        if not batch:
            return []
        group = batch[0].status.spec.group
        seen = await self._seen(batch)
        cutoff: datetime | None = None
        cutoff_known = False
        claimed: set[str] = set()  # keys marked by the feeds before, not stored yet
        plans: list[_Plan] = []
        unwritten: list[_Plan] = []
        for index, fetched in enumerate(batch):
            first_poll = fetched.status.last_success is None
            if not first_poll and not cutoff_known:
                cutoff = await self.store.seen_cutoff(group)
                cutoff_known = True
            plan = self._plan(fetched, seen.among(fetched.status.spec.id) | claimed, cutoff, now)
            plans.append(plan)
            if db is None:
                continue
            unwritten.append(plan)
            claimed.update(key for item in plan.marked for key in item.keys)
            # A first poll has nothing of its own to forget: its keys were all seen just
            # now. Its first prune (and the group's cap) comes with its next 200.
            if first_poll:
                continue
            await self._write(db, unwritten, now)
            unwritten = []
            plan.pruned = await self.store.prune_seen(
                db,
                plan.spec,
                fetched.parsed.items,
                now,
                retention=self.settings.seen_retention,
                every=PRUNE_EVERY,
                max_keys=self.settings.max_seen_keys,
            )
            if plan.pruned:
                seen = await self._seen(batch[index + 1 :])
                claimed = set()
                cutoff_known = False
        if db is not None:
            await self._write(db, unwritten, now)
        return plans

    async def _seen(self, batch: Sequence[_Fetched]) -> SeenKeys:
        if not batch:
            return SeenKeys(set(), {})
        keys = (key for f in batch for item in f.parsed.items for key in item.keys)
        return await self.store.seen_in_group(
            batch[0].status.spec.group, [f.status.spec.id for f in batch], keys
        )

    def _plan(
        self, fetched: _Fetched, seen: set[str], cutoff: datetime | None, now: datetime
    ) -> _Plan:
        """What one fetched feed announces, marks seen and stores (no I/O)."""
        status, result, parsed = fetched.status, fetched.result, fetched.parsed
        spec = status.spec
        outcome = FeedOutcome(
            spec.id,
            FeedState.OK,
            status=result.status,
            problem=parsed.problem,
            moved_to=result.moved_to,
        )
        first_poll = status.last_success is None
        fresh = unseen(parsed.items, seen)
        to_post: list[FeedItem] = []
        silent: list[FeedItem] = []
        if first_poll:
            silent = fresh
        else:
            oldest = now - self.settings.max_age
            # Items dated at or before the group's cut-off may be ones whose keys were dropped.
            cutoff = cutoff or oldest
            for item in fresh:
                too_old = item.published is not None and (
                    item.published < oldest or item.published <= cutoff
                )
                if too_old or not spec.announces(item):
                    silent.append(item)
                else:
                    to_post.append(item)
        to_post.sort(key=oldest_first)
        digested: list[FeedItem] = []
        if spec.mode is FeedMode.DIGEST:
            digested, to_post = to_post, []
        waiting = to_post[spec.max_posts :]
        to_post = to_post[: spec.max_posts]
        messages: list[OutgoingMessage] = []
        if to_post:
            target = self.channel_for(spec)
            box = self.outbox()
            if target is None or box is None:
                log.warning(
                    "feed %s: %d new items wait: no %s",
                    spec.id,
                    len(to_post),
                    "outbox" if box is None else f"channel for '{spec.channel}'",
                )
                waiting = to_post + waiting
                to_post = []
            else:
                messages = [
                    item_message(spec, item, target, feed_title=parsed.title) for item in to_post
                ]
        outcome.announced = to_post
        outcome.digested = digested
        outcome.waiting = len(waiting)
        outcome.marked_seen = len(silent) + len(to_post) + len(digested)
        floor = parsed.min_interval_seconds
        outcome.next_poll = next_poll(self.settings, self._rng, spec, now, floor)
        state = {
            "url": result.moved_to or status.url,
            "state": FeedState.OK,
            "etag": result.etag,
            "last_modified": result.last_modified,
            "last_success": now,
            "last_error": f"usable despite: {parsed.problem}" if parsed.problem else None,
            "error_since": None,
            "failures": 0,
            "next_poll": outcome.next_poll,
            "min_interval": floor,
            "backlog": 1 if waiting else 0,
        }
        return _Plan(spec, outcome, silent + to_post + digested, digested, messages, state)

    async def _write(self, db: Storage, plans: Sequence[_Plan], now: datetime) -> None:
        """Store ``plans`` in the caller's transaction: seen keys, digest items, messages, state."""
        if not plans:
            return
        await self.store.mark_seen_many(db, [(plan.spec, plan.marked) for plan in plans], now)
        box = self.outbox()
        for plan in plans:
            if plan.digested:
                await self.digests.add_items(db, plan.spec, plan.digested, now)
            for message in plan.messages:
                assert box is not None
                # The outbox refuses a key it has (unique, in this transaction): an entry
                # queued by an earlier poll, here or in another process, is not queued again.
                if not await box.enqueue(message):
                    plan.queued_before.append(message.key)
        await self.store.update_many(
            db, now, [(plan.spec.id, plan.state) for plan in plans], holder=self.holder
        )

    async def _not_modified(
        self, status: FeedStatus, result: FetchResult, dry_run: bool
    ) -> FeedOutcome:
        now = self.clock.now()
        upcoming = next_poll(
            self.settings, self._rng, status.spec, now, status.min_interval_seconds
        )
        outcome = FeedOutcome(
            status.spec.id, FeedState.OK, status=304, moved_to=result.moved_to, next_poll=upcoming
        )
        if dry_run:
            return outcome
        if status.last_success is None:
            # 304 to a request without validators: the server sent nothing to mark seen, so
            # the feed stays "new" and the next poll is again a first poll.
            outcome.state = status.state
            await self._state_writes.submit((status.spec.id, {"next_poll": upcoming}))
            return outcome
        state: dict[str, Any] = {
            "url": result.moved_to or status.url,
            "state": FeedState.OK,
            # A 304 that omits the validators does not erase ours.
            "etag": result.etag or status.etag,
            "last_modified": result.last_modified or status.last_modified,
            "last_success": now,
            "error_since": None,
            "failures": 0,
            "next_poll": upcoming,
        }
        await self._state_writes.submit((status.spec.id, state))
        return outcome

    async def _write_states(self, changes: Sequence[tuple[str, dict[str, Any]]]) -> list[None]:
        """New state of feeds that answered 304, in one transaction; releases their leases.

        A feed whose lease was lost keeps what its new poller writes (nothing else to undo).
        """
        await self.store.set_states(changes, self.clock.now(), holder=self.holder)
        return [None] * len(changes)

    async def _failed(
        self,
        status: FeedStatus,
        error: FetchError,
        dry_run: bool,
        *,
        moved_to: str | None = None,
    ) -> FeedOutcome | None:
        now = self.clock.now()
        spec = status.spec
        failures = status.failures + 1
        error_since = status.error_since or now
        message = str(error)
        log.warning("feed %s: %s (failure %d)", spec.id, message, failures)
        if error.kind == "gone":
            state, reason = FeedState.DISABLED, "the server says it is gone (HTTP 410)"
        elif now - error_since >= self.settings.disable_after:
            days = (now - error_since).total_seconds() / 86400
            state, reason = FeedState.DISABLED, f"failing for {days:.1f} days: {message}"
        else:
            state, reason = FeedState.ERROR, None
        if error.kind == "throttled" and error.retry_after is not None:
            wait = min(timedelta(seconds=error.retry_after), self.settings.max_retry_after)
            wait = max(wait, timedelta(seconds=60))
        else:
            wait = backoff(self.settings, self._rng, failures)
        next_poll = now + wait
        outcome = FeedOutcome(
            spec.id,
            state,
            status=error.status,
            error=message,
            next_poll=next_poll,
            moved_to=moved_to,
        )
        if dry_run:
            return outcome
        channel = self.log_channel()
        notice = (
            disabled_notice(spec, reason, now, channel) if reason and channel is not None else None
        )
        box = self.outbox()
        async with self.store.transaction() as db:
            if not await self.store.held(db, [spec.id], self.holder):
                return None
            await self.store.update(
                db,
                spec.id,
                now,
                holder=self.holder,
                url=moved_to or status.url,
                state=state,
                last_error=message,
                error_since=error_since,
                failures=failures,
                next_poll=next_poll,
            )
            if notice is not None and box is not None:
                await box.enqueue(notice)
        if reason:
            log.error("feed %s disabled: %s", spec.id, reason)
        return outcome
