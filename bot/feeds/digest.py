"""Digest feeds: one message per feed group and day instead of one per item.

arXiv lists 30 to 60 audio papers a day; one post each would flood the channel and
exceed the publish budget of an announcement channel (about 10 an hour). A digest feed's
new items wait in ``feed_digest_items``; at the group's hour (UTC) one message goes out:

    **arXiv audio, 3 December 2026: 41 new papers**
    (embed) the papers matching the group's ``highlight`` keywords first, with title,
    first authors and link; then as many others as fit
    [Show all 41]  -> a private, paged list of every paper of that digest

The outbox key ``feed-digest:<group>:<day>`` and the digest row written in the same
transaction make the message exactly-once across re-runs and restarts. The "Show all"
button carries the digest id in its custom id, so it works after a restart too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot import markup
from bot.feeds.digest_store import DigestEntry, DigestStore, digest_id
from bot.feeds.model import FeedMode, FeedSpec
from bot.feeds.store import FeedStore
from bot.markup import defuse_mentions
from bot.outbox import Outbox, OutgoingMessage

log = logging.getLogger(__name__)

#: Prefix of the "Show all" button's custom id: ``fd:all:<group>:<YYYY-MM-DD>``.
SHOW_ALL_PREFIX = "fd:all"
#: Items shown in the message itself when none matches a highlight keyword.
SHOWN_WITHOUT_HIGHLIGHTS = 5
#: Items shown at most in the message (the rest are behind "Show all").
SHOWN_AT_MOST = 15
AUTHORS_SHOWN = 3
COLOUR = 0xB31B1B
#: Characters of one digest entry line at most (title link plus authors).
_ENTRY_LIMIT = 400


def show_all_custom_id(ident: str) -> str:
    return f"{SHOW_ALL_PREFIX}:{ident}"


def long_date(day: date) -> str:
    """``3 December 2026``: the same in every locale, unlike ``strftime('%B')``."""
    months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    return f"{day.day} {months[day.month - 1]} {day.year}"


def headline(title: str, day: date, count: int, *, papers: bool) -> str:
    noun = "new paper" if papers else "new item"
    return f"{title}, {long_date(day)}: {markup.plural(count, noun)}"


def entry_line(entry: DigestEntry) -> str:
    """``**[Title](link)**`` and the first authors on the next line."""
    item = entry.item
    title = markup.truncate(defuse_mentions(markup.one_line(item.title)), 250)
    title = title.replace("[", "(").replace("]", ")")
    mark = "⭐ " if entry.highlighted else ""
    head = f"{mark}**[{title}]({item.link})**" if item.link else f"{mark}**{title}**"
    if not item.authors:
        return head
    names = ", ".join(item.authors[:AUTHORS_SHOWN])
    if len(item.authors) > AUTHORS_SHOWN:
        names += " et al."
    return markup.truncate(f"{head}\n{defuse_mentions(markup.one_line(names))}", _ENTRY_LIMIT)


def ordered(entries: Sequence[DigestEntry]) -> list[DigestEntry]:
    """Highlighted entries first, then document order (arXiv lists new, cross, replaced)."""
    return sorted(entries, key=lambda e: (not e.highlighted, e.item.position))


def digest_message(
    spec: FeedSpec,
    day: date,
    entries: Sequence[DigestEntry],
    channel_id: int,
) -> OutgoingMessage:
    """The daily message of ``spec``'s group; ``entries`` are all of its items."""
    ident = digest_id(spec.group, day)
    items = ordered(entries)
    papers = any(e.item.key.startswith("arxiv:") for e in items)
    highlighted = [e for e in items if e.highlighted]
    shown = highlighted[:SHOWN_AT_MOST] or items[:SHOWN_WITHOUT_HIGHLIGHTS]
    rest = len(items) - len(shown)
    more = f"… and {{n}} more: **Show all {len(items)}** below"
    description = markup.join_lines(
        [entry_line(e) for e in shown] + ([more.format(n=rest)] if rest else []),
        markup.EMBED_DESCRIPTION - 200,
        more=more,
    )
    if highlighted:
        embed_title = f"Matching your keywords: {len(highlighted)}"
    else:
        embed_title = "Newest first" if not papers else "Papers"
    embed = markup.fit_embed(
        {
            "type": "rich",
            "title": embed_title,
            "description": description,
            "color": COLOUR,
            "footer": {"text": markup.truncate(markup.one_line(spec.title), 200)},
        }
    )
    components: tuple[dict[str, Any], ...] = ()
    if rest:
        components = (
            {
                "type": 1,
                "components": [
                    {
                        "type": 2,
                        "style": 2,
                        "label": f"Show all {len(items)}",
                        "custom_id": show_all_custom_id(ident),
                    }
                ],
            },
        )
    return OutgoingMessage(
        key=f"feed-digest:{ident}",
        channel_id=channel_id,
        content=f"**{markup.one_line(headline(spec.title, day, len(items), papers=papers))}**",
        embeds=(embed,),
        components=components,
    )


def digest_groups(specs: Sequence[FeedSpec]) -> dict[str, FeedSpec]:
    """Each digest group and the feed that sets its title, hour and channel (the first)."""
    groups: dict[str, FeedSpec] = {}
    for spec in specs:
        if spec.mode is FeedMode.DIGEST and spec.enabled:
            groups.setdefault(spec.group, spec)
    return groups


def due_moment(hour: int, now: datetime) -> datetime:
    """Today's send time of a group at ``hour`` UTC (it may be later than ``now``)."""
    return datetime.combine(now.astimezone(UTC).date(), time(hour), tzinfo=UTC)


class DigestSender:
    """Sends the daily digest of every digest feed group whose hour has come."""

    def __init__(
        self,
        store: FeedStore,
        digests: DigestStore,
        catalog: Callable[[], Sequence[FeedSpec]],
        *,
        outbox: Callable[[], Outbox | None],
        channel_for: Callable[[FeedSpec], int | None],
    ) -> None:
        self.store = store
        self.digests = digests
        self.catalog = catalog
        self.outbox = outbox
        self.channel_for = channel_for

    async def send_due(self, now: datetime) -> datetime | None:
        """Queue every digest due at ``now``; when the next one is due (None: no digest feeds).

        A group's digest of day D holds the items found before D at its hour. A digest that
        cannot go out (no channel or outbox configured) keeps its items for the next try.
        """
        upcoming: list[datetime] = []
        for group, spec in digest_groups(self.catalog()).items():
            due = due_moment(spec.digest_hour, now)
            if now >= due:
                await self._send(group, spec, due, now)
                due += timedelta(days=1)
            upcoming.append(due)
        return min(upcoming) if upcoming else None

    async def _send(self, group: str, spec: FeedSpec, due: datetime, now: datetime) -> None:
        day = due.date()
        ident = digest_id(group, day)
        # Cheap looks first, outside any transaction: every cycle after the hour, of every
        # process, comes here, and on PostgreSQL a transaction takes the database-wide
        # lock; a day with nothing to send (or nowhere to send it) must not take it.
        if await self.digests.sent(ident) or not await self.digests.anything_waiting(group, due):
            return
        target = self.channel_for(spec)
        box = self.outbox()
        if target is None or box is None:
            log.warning(
                "feed group %s: digest of %s waits: no %s",
                group,
                day,
                "outbox" if box is None else f"channel for '{spec.channel_key}'",
            )
            return
        # Several processes may get here at once. The decision is the database's: this
        # transaction is serialised with every other writer (on PostgreSQL across
        # processes too), so the second one finds the digest row the first wrote and does
        # nothing; the items it lists are read again inside it, so the message shows
        # exactly the items recorded. No lease needed: the outbox key would refuse a
        # second message too.
        async with self.store.transaction() as db:
            if await self.digests.sent(ident):
                return
            entries = await self.digests.waiting(group, due)
            if not entries:
                return
            message = digest_message(spec, day, entries, target)
            total = await self.digests.record(db, group, day, spec.title, due, now)
            if not await box.enqueue(message):
                log.info("feed group %s: digest %s was queued before; not again", group, ident)
            await self.digests.forget_old(db, now)
        log.info("feed group %s: digest of %s with %d items queued", group, day, total)
