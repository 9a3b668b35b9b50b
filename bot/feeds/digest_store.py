"""Items waiting for their feed group's daily digest, and the digests sent.

The tables are created by the feeds area's migrations (``bot.feeds.store``). An item of a
digest feed is stored here in the same transaction that marks it seen; the daily send
assigns every waiting item to one digest (``<group>:<YYYY-MM-DD>``) in the transaction
that queues the message, so an item is in exactly one digest. Sent digests keep their
items for ``KEEP_DIGESTS`` so that "Show all" works on recent messages.

Several bot processes may send digests on their timers at the same moment. Rather than a
lease, the database makes sending idempotent: the digest's row (primary key
``<group>:<YYYY-MM-DD>``) is checked and written in the one serialised transaction that
assigns the items and queues the message (whose outbox key is unique as well), so the
second process finds the digest sent and does nothing (``bot.feeds.digest``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.feeds.model import FeedItem, FeedSpec
from bot.storage.interface import Storage

#: How long a sent digest's items stay readable through its "Show all" button.
KEEP_DIGESTS = timedelta(days=30)
#: Summary characters kept per waiting item (the digest shows titles and authors).
_SUMMARY_KEPT = 500


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """One item of a digest, as stored."""

    item: FeedItem
    feed_id: str
    highlighted: bool


@dataclass(frozen=True, slots=True)
class Digest:
    """A sent digest: what its "Show all" button lists."""

    id: str
    group: str
    day: date
    title: str
    entries: tuple[DigestEntry, ...]


def digest_id(group: str, day: date) -> str:
    return f"{group}:{day.isoformat()}"


def item_to_json(item: FeedItem) -> str:
    return json.dumps(
        {
            "keys": list(item.keys),
            "title": item.title,
            "link": item.link,
            "authors": list(item.authors),
            "published": item.published.isoformat() if item.published else None,
            "summary": item.summary[:_SUMMARY_KEPT],
            "position": item.position,
            "announce_type": item.announce_type,
            "categories": list(item.categories),
        },
        ensure_ascii=False,
    )


def item_from_json(text: str) -> FeedItem:
    data: dict[str, Any] = json.loads(text)
    published = data.get("published")
    return FeedItem(
        keys=tuple(data["keys"]),
        title=str(data["title"]),
        link=data.get("link"),
        authors=tuple(data.get("authors") or ()),
        published=datetime.fromisoformat(published) if published else None,
        summary=str(data.get("summary") or ""),
        position=int(data.get("position") or 0),
        announce_type=data.get("announce_type"),
        categories=tuple(data.get("categories") or ()),
    )


class DigestStore:
    """All SQL of feed digests."""

    def __init__(self, db: Storage) -> None:
        self.db = db

    async def add_items(
        self, db: Storage, spec: FeedSpec, items: Iterable[FeedItem], now: datetime
    ) -> None:
        """Queue ``items`` for the next digest of ``spec``'s group (inside a transaction).

        An item another feed of the group queued already is kept once.
        """
        stamp = now.astimezone(UTC).isoformat()
        await db.executemany(
            "INSERT INTO feed_digest_items "
            "(group_id, entry_key, feed_id, found_at, highlighted, item) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [
                (
                    spec.group,
                    item.key,
                    spec.id,
                    stamp,
                    int(spec.highlights(item)),
                    item_to_json(item),
                )
                for item in items
            ],
        )

    async def waiting(self, group: str, found_before: datetime) -> list[DigestEntry]:
        """Items of ``group`` found before ``found_before`` and in no digest yet."""
        rows = await self.db.fetchall(
            "SELECT feed_id, highlighted, item FROM feed_digest_items "
            "WHERE group_id = ? AND digest_id IS NULL AND found_at < ? ORDER BY found_at, item",
            (group, found_before.astimezone(UTC).isoformat()),
        )
        return [_entry(row) for row in rows]

    async def anything_waiting(self, group: str, found_before: datetime) -> bool:
        """Whether :meth:`waiting` would list anything (one row read at most)."""
        row = await self.db.fetchone(
            "SELECT 1 FROM feed_digest_items "
            "WHERE group_id = ? AND digest_id IS NULL AND found_at < ? LIMIT 1",
            (group, found_before.astimezone(UTC).isoformat()),
        )
        return row is not None

    async def sent(self, digest: str) -> bool:
        row = await self.db.fetchone("SELECT 1 FROM feed_digests WHERE id = ?", (digest,))
        return row is not None

    async def record(
        self,
        db: Storage,
        group: str,
        day: date,
        title: str,
        found_before: datetime,
        now: datetime,
    ) -> int:
        """Assign the waiting items to the digest of ``day`` (inside the caller's transaction)."""
        ident = digest_id(group, day)
        assigned = await db.execute(
            "UPDATE feed_digest_items SET digest_id = ? "
            "WHERE group_id = ? AND digest_id IS NULL AND found_at < ?",
            (ident, group, found_before.astimezone(UTC).isoformat()),
        )
        await db.execute(
            # Never a second row: the sender checked inside this transaction (see above).
            "INSERT INTO feed_digests (id, group_id, day, title, total, sent_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (ident, group, day.isoformat(), title, assigned, now.astimezone(UTC).isoformat()),
        )
        return assigned

    async def forget_old(self, db: Storage, now: datetime) -> int:
        """Drop digests (and their items) sent more than ``KEEP_DIGESTS`` ago."""
        cutoff = (now - KEEP_DIGESTS).astimezone(UTC).isoformat()
        await db.execute(
            "DELETE FROM feed_digest_items WHERE digest_id IN "
            "(SELECT id FROM feed_digests WHERE sent_at < ?)",
            (cutoff,),
        )
        return await db.execute("DELETE FROM feed_digests WHERE sent_at < ?", (cutoff,))

    async def digest(self, ident: str) -> Digest | None:
        head = await self.db.fetchone(
            "SELECT group_id, day, title FROM feed_digests WHERE id = ?", (ident,)
        )
        if head is None:
            return None
        rows = await self.db.fetchall(
            "SELECT feed_id, highlighted, item FROM feed_digest_items WHERE digest_id = ? "
            "ORDER BY found_at, item",
            (ident,),
        )
        return Digest(
            id=ident,
            group=str(head["group_id"]),
            day=date.fromisoformat(str(head["day"])),
            title=str(head["title"]),
            entries=tuple(_entry(row) for row in rows),
        )


def _entry(row: Any) -> DigestEntry:
    return DigestEntry(
        item=item_from_json(str(row["item"])),
        feed_id=str(row["feed_id"]),
        highlighted=bool(row["highlighted"]),
    )
