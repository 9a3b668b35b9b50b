"""What a poll decides, apart from fetching and storing: settings, outcomes, timing, order.

Pure functions and plain data (no I/O), used by ``bot.feeds.poller``.

One poll of one feed ends in exactly one of these documented states:

========================  ==============================================================
outcome                   what happens
========================  ==============================================================
200, first success        every entry is marked seen; nothing is announced
200                       unseen entries (none of their keys seen by the feed's group) that
                          pass the keyword filters and announce types and are not older
                          than ``max_age`` (nor than the group's cut-off) are announced,
                          the oldest first, at most ``max_posts``; the rest wait
                          (``backlog``: the next poll skips the validators so a 304 cannot
                          hide them). Digest feeds queue them all for the group's daily
                          message instead (``bot.feeds.digest``)
bozo but usable           as 200; the problem is logged and kept as ``last_error``
304                       nothing changes (validators without a new value are kept)
301/308 (every hop)       the stored URL becomes the new one
410                       ``disabled``; a notice goes to the log channel
429 / 503                 ``error``; next poll after ``Retry-After`` (at most a day)
blocked / timeout /       ``error``; exponential backoff with jitter; after failing for
too large / redirects /   ``disable_after`` the feed is ``disabled`` and the log channel
not a feed / network      is told
========================  ==============================================================
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.feeds.model import FeedItem, FeedSpec, FeedState, FeedStatus

#: Seen keys are kept at least this long, and at least this many times ``max_age``.
SEEN_RETENTION_FLOOR = timedelta(days=90)
SEEN_RETENTION_FACTOR = 4
#: How often one feed's seen keys are pruned at most.
PRUNE_EVERY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PollSettings:
    interval: timedelta = timedelta(minutes=30)
    max_age: timedelta = timedelta(days=7)
    backoff_base: timedelta = timedelta(minutes=5)
    backoff_max: timedelta = timedelta(hours=12)
    disable_after: timedelta = timedelta(days=3)
    max_floor: timedelta = timedelta(days=1)  # a ttl of a month is not obeyed beyond this
    max_retry_after: timedelta = timedelta(days=1)
    concurrency: int = 20
    max_seen_keys: int = 50_000  # per feed group; a year of arXiv audio listings is ~30 000
    # How long a claimed feed stays this poller's (bot.storage.leases): longer than one
    # poll takes at worst (a fetch may take a minute per redirect hop, plus its turn on a
    # busy host), short next to the interval: a dead poller's feeds wait this long.
    lease: timedelta = timedelta(minutes=10)

    @property
    def seen_retention(self) -> timedelta:
        """How long a seen key outlives its entry's date and its first sighting.

        A multiple of ``max_age`` with a floor, so that a forgotten entry that comes back
        is still too old to announce even if ``feeds_max_age_days`` was raised since (up to
        that multiple, or the floor).
        """
        return max(SEEN_RETENTION_FLOOR, SEEN_RETENTION_FACTOR * self.max_age)


@dataclass(slots=True)
class FeedOutcome:
    """What one poll of one feed did, for logs, ``feeds poll`` and tests."""

    feed_id: str
    state: FeedState
    status: int | None = None
    announced: list[FeedItem] = field(default_factory=list)
    digested: list[FeedItem] = field(default_factory=list)  # queued for the daily digest
    marked_seen: int = 0
    waiting: int = 0  # new items left for the next cycle (max_posts)
    error: str | None = None
    problem: str | None = None  # bozo but usable
    moved_to: str | None = None
    next_poll: datetime | None = None

    def line(self) -> str:
        parts = [f"{self.feed_id}: {self.state.value}"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.announced:
            parts.append(f"{len(self.announced)} new")
        if self.digested:
            parts.append(f"{len(self.digested)} for the digest")
        if self.waiting:
            parts.append(f"{self.waiting} waiting")
        if self.moved_to:
            parts.append(f"moved to {self.moved_to}")
        if self.error:
            parts.append(self.error)
        elif self.problem:
            parts.append(f"usable despite: {self.problem}")
        return ", ".join(parts)


def next_poll(
    settings: PollSettings, rng: random.Random, spec: FeedSpec, now: datetime, floor: float | None
) -> datetime:
    """When ``spec`` is polled next: its interval (or the default), the feed's own ttl as a
    floor (capped), and a little jitter so that feeds added together drift apart."""
    interval = (
        timedelta(minutes=spec.interval_minutes) if spec.interval_minutes else settings.interval
    )
    if floor:
        interval = max(interval, min(timedelta(seconds=floor), settings.max_floor))
    factor: float = rng.uniform(1.0, 1.1)
    return now + interval * factor


def backoff(settings: PollSettings, rng: random.Random, failures: int) -> timedelta:
    """How long a feed that failed ``failures`` times in a row waits: doubling, capped,
    with jitter."""
    base: timedelta = settings.backoff_base * (2 ** min(failures - 1, 20))
    capped = min(base, settings.backoff_max)
    factor: float = rng.uniform(0.5, 1.0)
    return capped * factor


def pollable(status: FeedStatus) -> bool:
    return status.spec.enabled and status.state not in (
        FeedState.PAUSED,
        FeedState.DISABLED,
        FeedState.REMOVED,
    )


def unseen(items: Sequence[FeedItem], seen: set[str]) -> list[FeedItem]:
    """Items none of whose keys were seen, each once (a document may repeat an entry)."""
    fresh: list[FeedItem] = []
    taken: set[str] = set(seen)
    for item in items:
        if any(key in taken for key in item.keys):
            continue
        taken.update(item.keys)
        fresh.append(item)
    return fresh


def oldest_first(item: FeedItem) -> tuple[float, int]:
    # Undated items come after dated ones, in reverse document order (feeds put the newest
    # first).
    stamp = item.published.timestamp() if item.published is not None else float("inf")
    return (stamp, -item.position)
