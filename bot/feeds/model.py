"""The values the feed modules pass around: a configured feed and one of its items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

#: The feed group of a feed that names none: every such feed shares one memory of seen items.
DEFAULT_GROUP = "feeds"
#: arXiv's announce types (``arxiv:announce_type``), and the ones announced unless a feed
#: chooses: replacements are revised versions of old papers, not new papers.
ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
DEFAULT_ANNOUNCE = ("new", "cross")
#: Hour of the day (UTC) at which a digest feed group's daily message goes out by default:
#: arXiv dates its listings at midnight US Eastern (04:00 or 05:00 UTC).
DEFAULT_DIGEST_HOUR = 6


class FeedMode(StrEnum):
    """How a feed's new items reach the channel."""

    ITEMS = "items"  # one message per item (low-volume feeds: library releases)
    DIGEST = "digest"  # one message per feed group and day (high-volume feeds: arXiv)


class FeedState(StrEnum):
    """Where a feed stands, as ``/feeds list`` shows it."""

    NEW = "new"  # never polled successfully: the first poll marks everything as seen
    OK = "ok"
    ERROR = "error"  # the last poll failed; retried with backoff
    PAUSED = "paused"  # a maintainer paused it
    DISABLED = "disabled"  # 410 Gone, or failing for too long; /feeds resume re-enables
    REMOVED = "removed"  # /feeds remove of a feed from catalog/feeds.yaml (kept as a tombstone)


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed as configured (``catalog/feeds.yaml`` or ``/feeds add``).

    ``channel`` is a channel key of the config (``announcements`` means
    ``announcements_channel_id``); ``channel_id`` is set instead for feeds added from
    Discord. Items posted in an announcement channel are published there, like every
    post of the bot (the outbox's one rule).
    """

    id: str
    url: str
    title: str
    channel: str | None = "announcements"
    channel_id: int | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_posts: int = 5
    enabled: bool = True
    interval_minutes: int | None = None
    resource: str | None = None  # catalog entry id this feed belongs to
    # Feeds of one group share their seen items (an item is announced once across them)
    # and, in digest mode, their daily message.
    group: str = DEFAULT_GROUP
    mode: FeedMode = FeedMode.ITEMS
    digest_hour: int = DEFAULT_DIGEST_HOUR
    highlight: tuple[str, ...] = ()  # keywords that put an item first in the digest
    announce: tuple[str, ...] = DEFAULT_ANNOUNCE  # arXiv announce types to announce

    @property
    def channel_key(self) -> str:
        """The config key naming the target channel when no ``channel_id`` is set."""
        return self.channel or "announcements"

    def wants(self, text: str) -> bool:
        """The keyword filters: any ``include`` word must appear, no ``exclude`` word may."""
        folded = text.casefold()
        if self.include and not any(word.casefold() in folded for word in self.include):
            return False
        return not any(word.casefold() in folded for word in self.exclude)

    def announces(self, item: FeedItem) -> bool:
        """Whether ``item`` passes the keyword filters and the announce types of this feed.

        Items without an announce type (every feed but arXiv) pass the type check.
        """
        if item.announce_type is not None and item.announce_type not in self.announce:
            return False
        return self.wants(item.filter_text)

    def highlights(self, item: FeedItem) -> bool:
        folded = item.filter_text.casefold()
        return any(word.casefold() in folded for word in self.highlight)


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a parsed feed, reduced to what is needed to dedupe and announce it.

    ``keys`` are every identity the entry answers to, the primary one first: its id/guid
    (else link, else a hash of title and date), plus a fingerprint of title and link, so
    a feed that changes ids on every poll does not announce the same article again.
    """

    keys: tuple[str, ...]
    title: str
    link: str | None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    summary: str = ""  # plain text, already converted from HTML, as the feed has it
    position: int = 0  # index in the document (feeds list newest first, usually)
    announce_type: str | None = None  # arXiv: new, cross, replace or replace-cross
    categories: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.keys[0]

    @property
    def filter_text(self) -> str:
        """The raw fields the keyword filters read (arXiv's "Announce Type" line included)."""
        parts = [self.title, self.summary, *self.categories]
        if self.announce_type:
            parts.append(self.announce_type)
        return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What feedparser made of a document."""

    title: str
    items: tuple[FeedItem, ...]
    problem: str | None = None  # a bozo message for a feed that was still usable
    min_interval_seconds: float | None = None  # ttl / sy:updatePeriod, a floor for polling
    version: str = ""


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """The stored state of one feed, for ``/feeds list`` and the poller."""

    spec: FeedSpec
    url: str  # the current URL (a 301 replaces the configured one)
    state: FeedState
    source: str  # "catalog" or "added"
    etag: str | None = None
    last_modified: str | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    error_since: datetime | None = None
    failures: int = 0
    next_poll: datetime | None = None
    min_interval_seconds: float | None = None
    backlog: bool = False
    seen_count: int = 0
    # Who polls it now and until when (bot.storage.leases); None when nobody does.
    lease_holder: str | None = None
    lease_until: datetime | None = None
