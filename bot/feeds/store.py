"""Feed state and seen entries in SQLite (Database component ``feeds``).

``feeds`` has one row per feed: where it stands (state, validators, errors, next poll) and,
for feeds added from Discord, their settings as JSON. Feeds of ``catalog/feeds.yaml`` get a
row on start-up; their settings stay in the file.

``feed_seen`` is the set of entry keys each feed has shown us. A set rather than a
"newest date seen" mark: feeds re-date old entries, publish out of order and edit items,
and only "have we seen this key" survives all of that.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.feeds.model import FeedSpec, FeedState, FeedStatus
from bot.storage.database import Database, Migration

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
    ),
]

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


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(str(text))


def spec_to_json(spec: FeedSpec) -> str:
    return json.dumps(asdict(spec), sort_keys=True)


def spec_from_json(text: str) -> FeedSpec:
    data = json.loads(text)
    for name in ("include", "exclude"):
        data[name] = tuple(data.get(name) or ())
    known = set(FeedSpec.__dataclass_fields__)
    return FeedSpec(**{k: v for k, v in data.items() if k in known})


class FeedStore:
    """All SQL of the feeds area."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def setup(self) -> None:
        await self.db.migrate(COMPONENT, MIGRATIONS)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """One atomic write of this area (``Database`` makes other tasks wait for it)."""
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
                    "INSERT OR IGNORE INTO feeds (id, source, spec, configured_url, url, state, "
                    "next_poll, updated_at) VALUES (?, 'added', ?, ?, ?, ?, ?, ?)",
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
        async with self.transaction() as db:
            await db.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
            await db.execute("DELETE FROM feed_seen WHERE feed_id = ?", (feed_id,))

    async def statuses(self, catalog: Sequence[FeedSpec]) -> list[FeedStatus]:
        """Every known feed: catalog feeds (file order) then added ones (by id)."""
        rows = await self.db.fetchall(
            "SELECT f.*, (SELECT COUNT(*) FROM feed_seen s WHERE s.feed_id = f.id) AS seen "
            "FROM feeds f ORDER BY f.id"
        )
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
    def _status(row: Any, spec: FeedSpec) -> FeedStatus:
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
            seen_count=int(row["seen"]),
        )

    async def update(self, db: Database, feed_id: str, now: datetime, **values: Any) -> None:
        """Change state columns of one feed (inside the caller's ``transaction``)."""
        unknown = set(values) - set(_STATE_COLUMNS)
        if unknown:
            raise ValueError(f"not feed state columns: {sorted(unknown)}")
        columns = ", ".join(f"{name} = ?" for name in values)
        params = [
            _text(v) if isinstance(v, datetime) else (v.value if isinstance(v, FeedState) else v)
            for v in values.values()
        ]
        await db.execute(
            f"UPDATE feeds SET {columns}, updated_at = ? WHERE id = ?",  # noqa: S608 (checked)
            (*params, _text(now), feed_id),
        )

    async def set_state(self, feed_id: str, now: datetime, **values: Any) -> None:
        async with self.transaction() as db:
            await self.update(db, feed_id, now, **values)

    # -- seen entries ---------------------------------------------------------------------

    async def seen_among(self, feed_id: str, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` this feed has already shown us."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return set()
        rows = await self.db.fetchall(
            "SELECT entry_key FROM feed_seen WHERE feed_id = ? "
            "AND entry_key IN (SELECT value FROM json_each(?))",
            (feed_id, json.dumps(wanted)),
        )
        return {str(row["entry_key"]) for row in rows}

    async def mark_seen(
        self, db: Database, feed_id: str, keys: Iterable[str], now: datetime
    ) -> None:
        """Add ``keys`` to the seen set (inside the caller's ``transaction``)."""
        stamp = _text(now)
        await db.executemany(
            "INSERT OR IGNORE INTO feed_seen (feed_id, entry_key, seen_at) VALUES (?, ?, ?)",
            [(feed_id, key, stamp) for key in dict.fromkeys(keys)],
        )
