"""Feed state and seen entries (storage component ``feeds``), on SQLite or PostgreSQL.

``feeds`` has one row per feed: where it stands (state, validators, errors, next poll) and,
for feeds added from Discord, their settings as JSON. Feeds of ``catalog/feeds.yaml`` get a
row on start-up; their settings stay in the file.

``feed_seen`` is the set of entry keys each feed group has shown us (with the feed that
showed each first). A set rather than a "newest date seen" mark: feeds re-date old
entries, publish out of order and edit items, and only "have we seen this key" survives
all of that. One set per group rather than per feed: a paper in two arXiv listings is one
item.

Seen keys are pruned (:meth:`FeedStore.prune_seen`) only when forgetting one cannot
announce its entry again: see that method for the rule. A group also keeps at most
``max_keys`` keys (:meth:`FeedStore.cap_seen`); the dates of keys dropped that way become
the group's *cut-off*: an item dated before it counts as seen.

``feed_digest_items`` and ``feed_digests`` hold digest feeds' items until their daily
message and the digests sent (``bot.feeds.digest_store``).

Polling a feed is claimed with a lease on its row (``lease_holder``, ``lease_until``: the
convention of ``bot.storage.leases``), so that several bot processes sharing one database
poll each due feed once: :meth:`FeedStore.claim` takes free feeds, :meth:`FeedStore.held`
confirms (and on PostgreSQL locks) them in the transaction that stores a poll's outcome,
and the state written by that transaction releases them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.feeds.model import FeedItem, FeedMode, FeedSpec, FeedState, FeedStatus
from bot.storage import leases
from bot.storage.database import Migration
from bot.storage.interface import Storage

COMPONENT = "feeds"
MIGRATIONS = [
    Migration(
        1,
        "feed state and seen entry keys",
        """
        CREATE TABLE feeds (
            id             TEXT PRIMARY KEY,
            source         TEXT NOT NULL CHECK (source IN ('catalog', 'added')),
            spec           TEXT NOT NULL,
            configured_url TEXT NOT NULL,
            url            TEXT NOT NULL,
            state          TEXT NOT NULL,
            etag           TEXT,
            last_modified  TEXT,
            last_success   TEXT,
            last_error     TEXT,
            error_since    TEXT,
            failures       INTEGER NOT NULL DEFAULT 0,
            next_poll      TEXT,
            min_interval   REAL,
            backlog        INTEGER NOT NULL DEFAULT 0,
            updated_at     TEXT NOT NULL
        );
        CREATE TABLE feed_seen (
            feed_id   TEXT NOT NULL,
            entry_key TEXT NOT NULL,
            seen_at   TEXT NOT NULL,
            PRIMARY KEY (feed_id, entry_key)
        ) WITHOUT ROWID;
        """,
        """
        CREATE TABLE feeds (
            id             TEXT PRIMARY KEY,
            source         TEXT NOT NULL CHECK (source IN ('catalog', 'added')),
            spec           TEXT NOT NULL,
            configured_url TEXT NOT NULL,
            url            TEXT NOT NULL,
            state          TEXT NOT NULL,
            etag           TEXT,
            last_modified  TEXT,
            last_success   TEXT,
            last_error     TEXT,
            error_since    TEXT,
            failures       BIGINT NOT NULL DEFAULT 0,
            next_poll      TEXT,
            min_interval   DOUBLE PRECISION,
            backlog        INTEGER NOT NULL DEFAULT 0,
            updated_at     TEXT NOT NULL
        );
        CREATE TABLE feed_seen (
            feed_id   TEXT NOT NULL,
            entry_key TEXT NOT NULL,
            seen_at   TEXT NOT NULL,
            PRIMARY KEY (feed_id, entry_key)
        );
        """,
    ),
    Migration(
        2,
        "entry dates of seen keys and when each feed's seen keys were last pruned",
        """
        ALTER TABLE feed_seen ADD COLUMN published TEXT;
        ALTER TABLE feeds ADD COLUMN seen_pruned_at TEXT;
        """,
        """
        ALTER TABLE feed_seen ADD COLUMN published TEXT;
        ALTER TABLE feeds ADD COLUMN seen_pruned_at TEXT;
        """,
    ),
    Migration(
        3,
        "seen keys per feed group, group cut-offs, digest items and digests",
        # Existing keys go to the default group, 'feeds' (bot.feeds.model.DEFAULT_GROUP).
        """
        CREATE TABLE feed_seen_by_group (
            group_id  TEXT NOT NULL,
            entry_key TEXT NOT NULL,
            feed_id   TEXT NOT NULL,
            seen_at   TEXT NOT NULL,
            published TEXT,
            PRIMARY KEY (group_id, entry_key)
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO feed_seen_by_group (group_id, entry_key, feed_id, seen_at, published)
            SELECT 'feeds', entry_key, feed_id, seen_at, published
            FROM feed_seen ORDER BY seen_at;
        DROP TABLE feed_seen;
        ALTER TABLE feed_seen_by_group RENAME TO feed_seen;
        CREATE INDEX feed_seen_by_feed ON feed_seen (feed_id, entry_key);
        CREATE INDEX feed_seen_by_age ON feed_seen (group_id, seen_at);
        CREATE TABLE feed_groups (
            id          TEXT PRIMARY KEY,
            seen_cutoff TEXT
        );
        CREATE TABLE feed_digest_items (
            group_id    TEXT NOT NULL,
            entry_key   TEXT NOT NULL,
            feed_id     TEXT NOT NULL,
            found_at    TEXT NOT NULL,
            highlighted INTEGER NOT NULL DEFAULT 0,
            item        TEXT NOT NULL,
            digest_id   TEXT,
            PRIMARY KEY (group_id, entry_key)
        ) WITHOUT ROWID;
        CREATE INDEX feed_digest_items_by_digest ON feed_digest_items (digest_id);
        CREATE TABLE feed_digests (
            id       TEXT PRIMARY KEY,
            group_id TEXT NOT NULL,
            day      TEXT NOT NULL,
            title    TEXT NOT NULL,
            total    INTEGER NOT NULL,
            sent_at  TEXT NOT NULL
        );
        """,
        # The same steps; the primary key keeps the name PostgreSQL gives a table's own.
        """
        CREATE TABLE feed_seen_by_group (
            group_id  TEXT NOT NULL,
            entry_key TEXT NOT NULL,
            feed_id   TEXT NOT NULL,
            seen_at   TEXT NOT NULL,
            published TEXT,
            PRIMARY KEY (group_id, entry_key)
        );
        INSERT INTO feed_seen_by_group (group_id, entry_key, feed_id, seen_at, published)
            SELECT 'feeds', entry_key, feed_id, seen_at, published
            FROM feed_seen ORDER BY seen_at
            ON CONFLICT DO NOTHING;
        DROP TABLE feed_seen;
        ALTER TABLE feed_seen_by_group RENAME TO feed_seen;
        ALTER TABLE feed_seen RENAME CONSTRAINT feed_seen_by_group_pkey TO feed_seen_pkey;
        CREATE INDEX feed_seen_by_feed ON feed_seen (feed_id, entry_key);
        CREATE INDEX feed_seen_by_age ON feed_seen (group_id, seen_at);
        CREATE TABLE feed_groups (
            id          TEXT PRIMARY KEY,
            seen_cutoff TEXT
        );
        CREATE TABLE feed_digest_items (
            group_id    TEXT NOT NULL,
            entry_key   TEXT NOT NULL,
            feed_id     TEXT NOT NULL,
            found_at    TEXT NOT NULL,
            highlighted INTEGER NOT NULL DEFAULT 0,
            item        TEXT NOT NULL,
            digest_id   TEXT,
            PRIMARY KEY (group_id, entry_key)
        );
        CREATE INDEX feed_digest_items_by_digest ON feed_digest_items (digest_id);
        CREATE TABLE feed_digests (
            id       TEXT PRIMARY KEY,
            group_id TEXT NOT NULL,
            day      TEXT NOT NULL,
            title    TEXT NOT NULL,
            total    BIGINT NOT NULL,
            sent_at  TEXT NOT NULL
        );
        """,
    ),
    Migration(
        4,
        "polling leases of feeds",
        # bot.storage.leases: who polls the feed now, and until when (ISO UTC text).
        """
        ALTER TABLE feeds ADD COLUMN lease_holder TEXT;
        ALTER TABLE feeds ADD COLUMN lease_until TEXT;
        """,
        """
        ALTER TABLE feeds ADD COLUMN lease_holder TEXT;
        ALTER TABLE feeds ADD COLUMN lease_until TEXT;
        """,
    ),
]

#: Seen keys deleted per feed and prune at most, so that one prune stays a short write.
PRUNE_BATCH = 5000

# A feed's row and how many seen keys it showed first (for ``/feeds list``).
_STATUS_SELECT = (
    "SELECT f.*, (SELECT COUNT(*) FROM feed_seen s WHERE s.feed_id = f.id) AS seen FROM feeds f"
)

_STATE_COLUMNS = (
    "url",
    "state",
    "etag",
    "last_modified",
    "last_success",
    "last_error",
    "error_since",
    "failures",
    "next_poll",
    "min_interval",
    "backlog",
)


def json_values(db: Storage) -> str:
    """A subquery of the text values of a JSON array given as one ``?`` parameter.

    The one place where the dialects differ for "IN these keys": a list travels as one
    JSON text on both backends (no statement with a thousand placeholders).
    """
    if db.dialect == "postgresql":
        return "SELECT value FROM json_array_elements_text(CAST(? AS json))"
    return "SELECT value FROM json_each(?)"


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(str(text))


def _utc_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def spec_to_json(spec: FeedSpec) -> str:
    return json.dumps(asdict(spec), sort_keys=True)


def spec_from_json(text: str) -> FeedSpec:
    data = json.loads(text)
    for name in ("include", "exclude", "highlight"):
        data[name] = tuple(data.get(name) or ())
    if "announce" in data:
        data["announce"] = tuple(data["announce"])
    if "mode" in data:
        data["mode"] = FeedMode(data["mode"])
    known = set(FeedSpec.__dataclass_fields__)
    return FeedSpec(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True, slots=True)
class SeenKeys:
    """Seen keys among those asked about: the group's, and each feed's own in any group."""

    in_group: set[str]
    by_feed: dict[str, set[str]]

    def among(self, feed_id: str) -> set[str]:
        return self.in_group | self.by_feed.get(feed_id, set())


class FeedStore:
    """All SQL of the feeds area."""

    def __init__(self, db: Storage) -> None:
        self.db = db

    async def setup(self) -> None:
        await self.db.migrate(COMPONENT, MIGRATIONS)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Storage]:
        """One atomic write of this area (serialised: other writers wait for it)."""
        async with self.db.transaction() as db:
            yield db

    # -- feeds --------------------------------------------------------------------------

    async def sync_catalog(self, specs: Sequence[FeedSpec], now: datetime) -> None:
        """Give every catalog feed a row; a changed URL in the file replaces the stored one."""
        async with self.transaction() as db:
            for spec in specs:
                row = await db.fetchone(
                    "SELECT source, configured_url FROM feeds WHERE id = ?", (spec.id,)
                )
                if row is None:
                    await db.execute(
                        "INSERT INTO feeds (id, source, spec, configured_url, url, state, "
                        "next_poll, updated_at) VALUES (?, 'catalog', ?, ?, ?, ?, ?, ?)",
                        (
                            spec.id,
                            spec_to_json(spec),
                            spec.url,
                            spec.url,
                            FeedState.NEW,
                            _text(now),
                            _text(now),
                        ),
                    )
                elif row["source"] == "catalog":
                    changes = "spec = ?, updated_at = ?"
                    params: list[Any] = [spec_to_json(spec), _text(now)]
                    if row["configured_url"] != spec.url:
                        # A maintainer edited the URL: start over there (seen keys stay).
                        changes += (
                            ", configured_url = ?, url = ?, etag = NULL, last_modified = NULL, "
                            "next_poll = ?"
                        )
                        params += [spec.url, spec.url, _text(now)]
                    await db.execute(
                        f"UPDATE feeds SET {changes} WHERE id = ?",  # noqa: S608 (fixed text)
                        (*params, spec.id),
                    )

    async def add(self, spec: FeedSpec, now: datetime) -> bool:
        """Store a feed added from Discord; False when the id is taken."""
        async with self.transaction() as db:
            return (
                await db.execute(
                    "INSERT INTO feeds (id, source, spec, configured_url, url, state, "
                    "next_poll, updated_at) VALUES (?, 'added', ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    (
                        spec.id,
                        spec_to_json(spec),
                        spec.url,
                        spec.url,
                        FeedState.NEW,
                        _text(now),
                        _text(now),
                    ),
                )
                > 0
            )

    async def delete(self, feed_id: str) -> None:
        # Its seen keys stay: they are its group's, and other feeds may list the same items.
        async with self.transaction() as db:
            await db.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))

    async def statuses(self, catalog: Sequence[FeedSpec]) -> list[FeedStatus]:
        """Every known feed: catalog feeds (file order) then added ones (by id)."""
        rows = await self.db.fetchall(f"{_STATUS_SELECT} ORDER BY f.id")
        by_id = {str(row["id"]): row for row in rows}
        found: list[FeedStatus] = []
        for spec in catalog:
            row = by_id.get(spec.id)
            if row is not None and row["source"] == "catalog":
                found.append(self._status(row, spec))
        for row in rows:
            if row["source"] == "added":
                found.append(self._status(row, spec_from_json(str(row["spec"]))))
        return found

    async def status(self, feed_id: str, catalog: Sequence[FeedSpec]) -> FeedStatus | None:
        for status in await self.statuses(catalog):
            if status.spec.id == feed_id:
                return status
        return None

    @staticmethod
    def _status(row: Any, spec: FeedSpec, *, seen: int | None = None) -> FeedStatus:
        return FeedStatus(
            spec=spec,
            url=str(row["url"]),
            state=FeedState(row["state"]),
            source=str(row["source"]),
            etag=row["etag"],
            last_modified=row["last_modified"],
            last_success=_moment(row["last_success"]),
            last_error=row["last_error"],
            error_since=_moment(row["error_since"]),
            failures=int(row["failures"]),
            next_poll=_moment(row["next_poll"]),
            min_interval_seconds=row["min_interval"],
            backlog=bool(row["backlog"]),
            seen_count=int(row["seen"]) if seen is None else seen,
            lease_holder=row["lease_holder"],
            lease_until=leases.parse(row["lease_until"]),
        )

    # -- polling leases (bot.storage.leases) -----------------------------------------------

    async def claim(
        self,
        statuses: Sequence[FeedStatus],
        holder: str,
        now: datetime,
        lease: timedelta,
        *,
        due_only: bool,
    ) -> list[FeedStatus]:
        """Lease those of ``statuses``' feeds that nobody holds to ``holder``: the ones it
        got, as stored now (another poller may have polled them since ``statuses`` were
        read; their ``seen_count`` is the one given, which only ``/feeds list`` shows).

        With ``due_only``, only feeds still due at ``now`` and not paused, disabled or
        removed: a feed another process polled since the caller read its status has moved
        its ``next_poll`` on and is left alone. One statement, atomic on both backends;
        on PostgreSQL rows being claimed or stored by another process are skipped, not
        waited for.
        """
        if not statuses:
            return []
        where = f"id IN ({json_values(self.db)})"
        params: list[Any] = [json.dumps([status.spec.id for status in statuses])]
        if due_only:
            # next_poll is ISO text written from the same UTC clock: text order is time order.
            where += " AND (next_poll IS NULL OR next_poll <= ?) AND state NOT IN (?, ?, ?)"
            params += [_text(now), FeedState.PAUSED, FeedState.DISABLED, FeedState.REMOVED]
        rows = await self.db.fetchall(
            leases.claim_sql(self.db, "feeds", "id", where),
            leases.claim_params(
                holder,
                now,
                [p.value if isinstance(p, FeedState) else p for p in params],
                lease=lease,
            ),
        )
        by_id = {str(row["id"]): row for row in rows}
        return [
            self._status(by_id[status.spec.id], status.spec, seen=status.seen_count)
            for status in statuses
            if status.spec.id in by_id
        ]

    async def held(self, db: Storage, feed_ids: Sequence[str], holder: str) -> set[str]:
        """Which of ``feed_ids`` ``holder`` still holds (inside the storing transaction).

        On PostgreSQL the rows stay locked until that transaction ends, so no other process
        can claim them between this check and the write that releases them; on SQLite the
        transaction keeps every other writer out anyway. A lease past its time that nobody
        took over is still the holder's: what it stores is the feed's only poll.
        """
        if not feed_ids:
            return set()
        rows = await db.fetchall(
            f"SELECT id FROM feeds WHERE id IN ({json_values(db)}) "  # noqa: S608 (fixed text)
            f"AND {leases.HELD}{leases.for_update(db)}",
            (json.dumps(list(feed_ids)), holder),
        )
        return {str(row["id"]) for row in rows}

    async def release(self, feed_id: str, holder: str) -> None:
        """Give ``holder``'s lease on the feed back (a poll that broke): another poller may
        claim it at once. A lease taken over by another holder is left alone."""
        await self.db.execute(
            f"UPDATE feeds SET {leases.RELEASE} WHERE id = ? AND {leases.HELD}",  # noqa: S608
            (feed_id, holder),
        )

    async def update(
        self,
        db: Storage,
        feed_id: str,
        now: datetime,
        *,
        holder: str | None = None,
        **values: Any,
    ) -> None:
        """Change state columns of one feed (inside the caller's ``transaction``)."""
        await self.update_many(db, now, [(feed_id, values)], holder=holder)

    async def update_many(
        self,
        db: Storage,
        now: datetime,
        changes: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        holder: str | None = None,
    ) -> None:
        """:meth:`update` for several feeds; one statement per set of columns changed.

        With ``holder``, this is the end of that holder's poll: only feeds it still holds
        change, and their leases are released in the same statement.
        """
        by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for feed_id, values in changes:
            unknown = set(values) - set(_STATE_COLUMNS)
            if unknown:
                raise ValueError(f"not feed state columns: {sorted(unknown)}")
            params = [
                _text(v)
                if isinstance(v, datetime)
                else (v.value if isinstance(v, FeedState) else v)
                for v in values.values()
            ]
            row = (*params, _text(now), feed_id)
            by_columns.setdefault(tuple(values), []).append(
                row if holder is None else (*row, holder)
            )
        release = f", {leases.RELEASE}" if holder is not None else ""
        guard = f" AND {leases.HELD}" if holder is not None else ""
        for names, rows in by_columns.items():
            columns = ", ".join(f"{name} = ?" for name in names)
            await db.executemany(
                f"UPDATE feeds SET {columns}, updated_at = ?{release} "  # noqa: S608 (checked)
                f"WHERE id = ?{guard}",
                rows,
            )

    async def set_state(self, feed_id: str, now: datetime, **values: Any) -> None:
        async with self.transaction() as db:
            await self.update(db, feed_id, now, **values)

    async def set_states(
        self,
        changes: Sequence[tuple[str, Mapping[str, Any]]],
        now: datetime,
        *,
        holder: str | None = None,
    ) -> None:
        """:meth:`set_state` for several feeds, in one transaction (``holder``: see
        :meth:`update_many`)."""
        async with self.transaction() as db:
            await self.update_many(db, now, changes, holder=holder)

    # -- seen entries ---------------------------------------------------------------------

    async def seen_among(self, spec: FeedSpec, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` the feed's group (or the feed itself, in an earlier group) knows."""
        return (await self.seen_in_group(spec.group, [spec.id], keys)).among(spec.id)

    async def seen_in_group(
        self, group: str, feed_ids: Sequence[str], keys: Iterable[str]
    ) -> SeenKeys:
        """Which of ``keys`` ``group`` knows, and which each of ``feed_ids`` showed first.

        One query for the feeds of a group polled together, instead of one per feed.
        """
        wanted = json.dumps(list(dict.fromkeys(keys)))
        if wanted == "[]":
            return SeenKeys(set(), {})
        rows = await self.db.fetchall(
            "SELECT entry_key, NULL AS feed_id FROM feed_seen WHERE group_id = ? "  # noqa: S608
            f"AND entry_key IN ({json_values(self.db)}) "
            "UNION ALL SELECT entry_key, feed_id FROM feed_seen "
            f"WHERE feed_id IN ({json_values(self.db)}) "
            f"AND entry_key IN ({json_values(self.db)})",
            (group, wanted, json.dumps(list(feed_ids)), wanted),
        )
        in_group: set[str] = set()
        by_feed: dict[str, set[str]] = {}
        for row in rows:
            if row["feed_id"] is None:
                in_group.add(str(row["entry_key"]))
            else:
                by_feed.setdefault(str(row["feed_id"]), set()).add(str(row["entry_key"]))
        return SeenKeys(in_group, by_feed)

    async def seen_cutoff(self, group: str) -> datetime | None:
        """Items dated before this moment count as seen in ``group`` (see :meth:`cap_seen`)."""
        row = await self.db.fetchone("SELECT seen_cutoff FROM feed_groups WHERE id = ?", (group,))
        return None if row is None else _moment(row["seen_cutoff"])

    async def mark_seen(
        self, db: Storage, spec: FeedSpec, items: Iterable[FeedItem], now: datetime
    ) -> None:
        """Add every key of ``items`` to the group's seen set (inside the caller's transaction).

        The entry's date is kept with each key: pruning needs it (see :meth:`prune_seen`).
        """
        await self.mark_seen_many(db, [(spec, items)], now)

    async def mark_seen_many(
        self,
        db: Storage,
        batch: Iterable[tuple[FeedSpec, Iterable[FeedItem]]],
        now: datetime,
    ) -> None:
        """:meth:`mark_seen` for several feeds in one statement; the first to show a key owns it."""
        stamp = _utc_text(now)
        rows: dict[tuple[str, str], tuple[str, str, str, str | None, str | None]] = {}
        for spec, items in batch:
            for item in items:
                published = _utc_text(item.published)
                for key in item.keys:
                    rows.setdefault((spec.group, key), (spec.group, key, spec.id, stamp, published))
        if rows:
            await db.executemany(
                "INSERT INTO feed_seen (group_id, entry_key, feed_id, seen_at, published) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                list(rows.values()),
            )

    async def cap_seen(self, db: Storage, group: str, max_keys: int) -> int:
        """Keep the ``max_keys`` newest seen keys of ``group``; the number dropped.

        The newest date among the dropped keys (never later than when each was first seen)
        becomes the group's cut-off: an entry dated before it may be one we forgot, so it
        is marked seen instead of announced. Undated entries have no such protection; the
        cap is large enough that only a feed of thousands of undated items a day meets it.
        """
        row = await db.fetchone("SELECT COUNT(*) AS n FROM feed_seen WHERE group_id = ?", (group,))
        excess = int(row["n"]) - max_keys if row is not None else 0
        if excess <= 0:
            return 0
        # The key breaks ties: both statements must pick the same keys, on every backend.
        oldest = (
            "SELECT entry_key FROM feed_seen WHERE group_id = ? ORDER BY seen_at, entry_key LIMIT ?"
        )
        newest_dropped = await db.fetchone(
            # The earlier of the two dates (scalar MIN is SQLite's only: a CASE for both).
            "SELECT MAX(CASE WHEN published < seen_at THEN published ELSE seen_at END) "  # noqa: S608
            f"AS cutoff FROM feed_seen WHERE group_id = ? AND entry_key IN ({oldest}) "
            "AND published IS NOT NULL",
            (group, group, excess),
        )
        deleted = await db.execute(
            f"DELETE FROM feed_seen WHERE group_id = ? AND entry_key IN ({oldest})",  # noqa: S608
            (group, group, excess),
        )
        cutoff = newest_dropped["cutoff"] if newest_dropped is not None else None
        if cutoff is not None:
            await db.execute(
                "INSERT INTO feed_groups (id, seen_cutoff) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET seen_cutoff = CASE "
                "WHEN feed_groups.seen_cutoff IS NULL "
                "OR feed_groups.seen_cutoff < excluded.seen_cutoff "
                "THEN excluded.seen_cutoff ELSE feed_groups.seen_cutoff END",
                (group, cutoff),
            )
        return deleted

    async def prune_seen(
        self,
        db: Storage,
        spec: FeedSpec,
        present: Sequence[FeedItem],
        now: datetime,
        *,
        retention: timedelta,
        every: timedelta = timedelta(days=1),
        limit: int = PRUNE_BATCH,
        max_keys: int | None = None,
    ) -> int | None:
        """Forget old seen keys a feed showed first; the number deleted, or None if not due.

        Call it inside the transaction of a successful fetch whose entries are ``present``.
        A key is deleted only when all of these hold:

        - it was first seen more than ``retention`` ago;
        - its entry is dated, and that date is more than ``retention`` ago: if the entry
          ever comes back with that date, the poller finds it older than its maximum age
          and stays quiet. Undated entries (and future-dated ones, until the date is old)
          are never forgotten, since nothing else would stop them from being posted again;
        - it is not a key of any entry of this fetch: an entry still in the feed is kept
          however old.

        Runs at most once per ``every`` for a feed, deleting at most ``limit`` keys (the
        oldest first; the rest wait for the next day); then the group is held to
        ``max_keys`` (:meth:`cap_seen`).
        """
        feed_id, group = spec.id, spec.group
        row = await db.fetchone("SELECT seen_pruned_at FROM feeds WHERE id = ?", (feed_id,))
        if row is None:
            return None
        last = _moment(row["seen_pruned_at"])
        if last is not None and now - last < every:
            return None
        # Keys stored before entry dates were kept have none; fill them in while their
        # entry is still in the feed, so they can be forgotten once it is gone.
        await db.executemany(
            "UPDATE feed_seen SET published = ? "
            "WHERE group_id = ? AND entry_key = ? AND published IS NULL",
            [
                (_utc_text(item.published), group, key)
                for item in present
                if item.published is not None
                for key in item.keys
            ],
        )
        cutoff = _utc_text(now - retention)
        keep = json.dumps(list(dict.fromkeys(key for item in present for key in item.keys)))
        # Text comparison of the stamps is exact: all of them are UTC ISO 8601.
        deleted = await db.execute(
            "DELETE FROM feed_seen WHERE group_id = ? AND entry_key IN ("  # noqa: S608 (fixed)
            " SELECT entry_key FROM feed_seen"
            " WHERE feed_id = ? AND seen_at < ? AND published IS NOT NULL AND published < ?"
            f" AND entry_key NOT IN ({json_values(db)})"
            " ORDER BY seen_at, entry_key LIMIT ?)",
            (group, feed_id, cutoff, cutoff, keep, limit),
        )
        if max_keys is not None:
            deleted += await self.cap_seen(db, group, max_keys)
        await db.execute("UPDATE feeds SET seen_pruned_at = ? WHERE id = ?", (_text(now), feed_id))
        return deleted
