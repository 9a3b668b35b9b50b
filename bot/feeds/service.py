"""What the ``/feeds`` commands do, without Discord: list, add, remove, pause, resume, test.

Mistakes a maintainer can fix come back as :class:`FeedCommandError` with a message that
says what to do; the cog shows it as it is.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.clock import Clock
from bot.feeds.digest_store import Digest
from bot.feeds.fetch import Fetcher, FetchError
from bot.feeds.guard import BlockedURL
from bot.feeds.model import FeedItem, FeedSpec, FeedState, FeedStatus
from bot.feeds.parse import ParseError, parse_feed
from bot.feeds.poller import FeedPoller
from bot.feeds.store import FeedStore
from bot.markup import truncate

PREVIEW_ITEMS = 3
MAX_ADDED_FEEDS = 200
_ID_LENGTH = 48


class FeedCommandError(Exception):
    """A maintainer's request that cannot be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Preview:
    url: str
    title: str
    items: tuple[FeedItem, ...]
    problem: str | None = None
    total: int = 0


class FeedService:
    def __init__(
        self,
        store: FeedStore,
        poller: FeedPoller,
        fetcher: Fetcher,
        clock: Clock,
        catalog: Callable[[], Sequence[FeedSpec]],
    ) -> None:
        self.store = store
        self.poller = poller
        self.fetcher = fetcher
        self.clock = clock
        self.catalog = catalog
        # Set by the worker so that an added or resumed feed is polled without waiting.
        self.on_change: Callable[[], None] = lambda: None
        # (id, title) of every feed not removed, for autocomplete: it answers on each
        # keystroke and must not wait behind a database transaction.
        self._names: tuple[tuple[str, str], ...] = ()

    async def setup(self) -> None:
        await self.store.setup()
        await self.store.sync_catalog(self.catalog(), self.clock.now())
        await self.statuses()

    async def catalog_changed(self) -> None:
        """The catalog's feeds were reloaded: store new ones and poll them soon.

        Feeds gone from the file drop out of ``statuses`` (so out of polling) by
        themselves; their rows and seen items stay, should they come back.
        """
        await self.store.sync_catalog(self.catalog(), self.clock.now())
        await self.statuses()
        self.on_change()

    async def statuses(self) -> list[FeedStatus]:
        """Every stored feed (removed ones too); also refreshes the names autocomplete shows."""
        found = await self.store.statuses(self.catalog())
        self._names = tuple(
            (s.spec.id, s.spec.title) for s in found if s.state is not FeedState.REMOVED
        )
        return found

    def names(self, typed: str, limit: int) -> list[tuple[str, str]]:
        """``(id, title)`` of feeds whose id or title contains ``typed``; no database I/O."""
        wanted = typed.strip().casefold()
        return [
            (feed_id, title)
            for feed_id, title in self._names
            if wanted in feed_id or wanted in title.casefold()
        ][:limit]

    def channel_for(self, spec: FeedSpec) -> int | None:
        """The channel id where ``spec``'s items go, or None when not configured."""
        return self.poller.channel_for(spec)

    async def digest(self, ident: str) -> Digest | None:
        """A sent digest with all its items (for its "Show all" button), if still kept."""
        return await self.poller.digests.digest(ident)

    async def ids(self) -> list[str]:
        return [s.spec.id for s in await self.statuses() if s.state is not FeedState.REMOVED]

    async def get(self, feed_id: str) -> FeedStatus:
        status = await self.store.status(feed_id.strip(), self.catalog())
        if status is None or status.state is FeedState.REMOVED:
            known = ", ".join(await self.ids()) or "none"
            raise FeedCommandError(
                f"There is no feed `{feed_id[:60]}`. Known feeds: {known[:1500]}."
            )
        return status

    async def preview(self, url: str, limit: int = PREVIEW_ITEMS) -> Preview:
        """Fetch ``url`` now and show its newest items; stores and posts nothing."""
        url = url.strip()
        self._check_url(url)
        try:
            result = await self.fetcher.fetch(url)
        except FetchError as error:
            raise FeedCommandError(
                f"Could not fetch the feed: {truncate(str(error), 300)}."
            ) from None
        if result.not_modified:
            raise FeedCommandError("The server answered 304 Not Modified to a plain request.")
        try:
            parsed = await asyncio.to_thread(parse_feed, result.body, result.parser_headers())
        except ParseError as error:
            raise FeedCommandError(
                f"That URL does not serve an RSS or Atom feed ({truncate(str(error), 300)}). "
                "Use the feed's own URL (often ending in /feed, /rss, .xml or .atom), "
                "not the web page."
            ) from None
        newest = sorted(
            parsed.items,
            key=lambda i: (i.published.timestamp() if i.published else float("-inf"), -i.position),
            reverse=True,
        )
        return Preview(
            result.url, parsed.title, tuple(newest[:limit]), parsed.problem, len(parsed.items)
        )

    async def add(
        self, url: str, channel_id: int, *, title: str | None = None
    ) -> tuple[FeedStatus, Preview]:
        """Check that ``url`` is a feed, then store it; the first poll marks what is there."""
        url = url.strip()
        statuses = await self.statuses()
        for status in statuses:
            if status.url == url or status.spec.url == url:
                raise FeedCommandError(f"That feed is already here as `{status.spec.id}`.")
        if sum(1 for s in statuses if s.source == "added") >= MAX_ADDED_FEEDS:
            raise FeedCommandError(
                f"There are already {MAX_ADDED_FEEDS} added feeds; remove some first."
            )
        preview = await self.preview(url)
        name = (title or preview.title or urlsplit(url).hostname or "feed").strip()[:100]
        taken = {s.spec.id for s in statuses}
        spec = FeedSpec(
            id=_unique_id(url, taken),
            url=url,
            title=name,
            channel=None,
            channel_id=channel_id,
        )
        if not await self.store.add(spec, self.clock.now()):
            raise FeedCommandError("Someone added a feed at the same moment; try again.")
        await self.statuses()
        self.on_change()
        return await self.get(spec.id), preview

    async def remove(self, feed_id: str) -> FeedStatus:
        status = await self.get(feed_id)
        if status.source == "added":
            await self.store.delete(status.spec.id)
        else:
            # The file still lists it; a tombstone keeps it quiet until the file changes.
            await self.store.set_state(status.spec.id, self.clock.now(), state=FeedState.REMOVED)
        await self.statuses()
        return status

    async def pause(self, feed_id: str) -> FeedStatus:
        status = await self.get(feed_id)
        if status.state is FeedState.PAUSED:
            raise FeedCommandError(f"`{status.spec.id}` is already paused.")
        await self.store.set_state(status.spec.id, self.clock.now(), state=FeedState.PAUSED)
        return await self.get(status.spec.id)

    async def resume(self, feed_id: str) -> FeedStatus:
        """Poll again soon, with a clean failure count (also re-enables a disabled feed)."""
        status = await self.get(feed_id)
        if status.state not in (FeedState.PAUSED, FeedState.DISABLED, FeedState.ERROR):
            raise FeedCommandError(f"`{status.spec.id}` is not paused or disabled.")
        state = FeedState.NEW if status.last_success is None else FeedState.OK
        now = self.clock.now()
        await self.store.set_state(
            status.spec.id, now, state=state, failures=0, error_since=None, next_poll=now
        )
        self.on_change()
        return await self.get(status.spec.id)

    def _check_url(self, url: str) -> None:
        if len(url) > 2000:
            raise FeedCommandError("That URL is too long.")
        try:
            self.fetcher.guard.check_url(url)
        except BlockedURL as error:
            raise FeedCommandError(f"That URL cannot be used: {error}.") from None


def _unique_id(url: str, taken: set[str]) -> str:
    parts = urlsplit(url)
    raw = f"{parts.hostname or 'feed'}{parts.path}".lower()
    raw = re.sub(r"^www\.", "", raw)
    base = re.sub(r"[^a-z0-9]+", "-", raw).strip("-")[:_ID_LENGTH].strip("-") or "feed"
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base[: _ID_LENGTH - 4]}-{number}"
        number += 1
    return candidate
