"""The runtime layer of deadline data: what ``deadlines sync`` found, kept in the database.

The reviewed YAML in git stays the source of truth; this layer sits on top of it (see
``layered_book``) until a maintainer merges ``deadlines export`` into the catalog. Tables,
under the ``deadlines`` component (migration 2; 1 is the reminder watermark):

* ``deadline_sync_sources``: per upstream file, the validators of the last answer
  (ETag / Last-Modified), the editions it gave (so a 304 still has them), failures,
  when it is due again, and whether it was disabled after repeated failure;
* ``deadline_sync_editions``: the editions served from upstream, one row per edition;
* ``deadline_sync_audit``: every change sync made, with before and after;
* ``deadline_sync_disagreements``: a source that disagrees with the one an edition follows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from bot.deadlines.importers.common import ImportedEdition
from bot.deadlines.importers.export import dump_series
from bot.deadlines.model import Deadline, DeadlineBook, Edition
from bot.deadlines.timezones import parse_timezone
from bot.storage.database import Database, Migration

SYNC_MIGRATION = Migration(
    2,
    "deadline sync: sources, runtime editions, audit trail, disagreements",
    """
    CREATE TABLE deadline_sync_sources (
        url           TEXT PRIMARY KEY,
        etag          TEXT,
        last_modified TEXT,
        editions      TEXT NOT NULL DEFAULT '[]',
        failures      INTEGER NOT NULL DEFAULT 0,
        disabled      INTEGER NOT NULL DEFAULT 0,
        last_error    TEXT,
        checked_at    TEXT,
        due_at        TEXT
    );
    CREATE TABLE deadline_sync_editions (
        edition_id TEXT PRIMARY KEY,
        series     TEXT NOT NULL,
        source_url TEXT NOT NULL,
        data       TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE deadline_sync_audit (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        at         TEXT NOT NULL,
        edition_id TEXT NOT NULL,
        change     TEXT NOT NULL,
        before     TEXT,
        after      TEXT,
        source_url TEXT NOT NULL
    );
    CREATE TABLE deadline_sync_disagreements (
        edition_id TEXT NOT NULL,
        kind       TEXT NOT NULL,
        source     TEXT NOT NULL,
        chosen     TEXT NOT NULL,
        text       TEXT NOT NULL,
        PRIMARY KEY (edition_id, kind, source)
    );
    """,
)


@dataclass(frozen=True, slots=True)
class SourceState:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    editions: tuple[Edition, ...] = ()
    failures: int = 0
    disabled: bool = False
    last_error: str | None = None
    due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Disagreement:
    """``source`` says ``text`` for the ``kind`` deadline of an edition that follows ``chosen``."""

    edition_id: str
    kind: str
    source: str
    chosen: str
    text: str


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: str
    edition_id: str
    change: str
    before: str | None
    after: str | None
    source_url: str


@dataclass(frozen=True, slots=True)
class RuntimeLayer:
    """What the database adds to the reviewed YAML."""

    editions: tuple[Edition, ...] = ()
    disagreements: tuple[Disagreement, ...] = ()


class DeadlineSyncStore:
    def __init__(self, database: Database) -> None:
        self.db = database

    async def source(self, url: str) -> SourceState:
        row = await self.db.fetchone("SELECT * FROM deadline_sync_sources WHERE url = ?", (url,))
        if row is None:
            return SourceState(url)
        return SourceState(
            url=url,
            etag=row["etag"],
            last_modified=row["last_modified"],
            editions=tuple(edition_from_data(d) for d in json.loads(row["editions"])),
            failures=int(row["failures"]),
            disabled=bool(row["disabled"]),
            last_error=row["last_error"],
            due_at=datetime.fromisoformat(row["due_at"]) if row["due_at"] else None,
        )

    async def save_source(self, state: SourceState, checked_at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO deadline_sync_sources (url, etag, last_modified, editions, failures,"
            " disabled, last_error, checked_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
            " last_modified = excluded.last_modified, editions = excluded.editions,"
            " failures = excluded.failures, disabled = excluded.disabled,"
            " last_error = excluded.last_error, checked_at = excluded.checked_at,"
            " due_at = excluded.due_at",
            (
                state.url,
                state.etag,
                state.last_modified,
                json.dumps([edition_data(e) for e in state.editions]),
                state.failures,
                int(state.disabled),
                state.last_error,
                checked_at.isoformat(),
                state.due_at.isoformat() if state.due_at else None,
            ),
        )

    async def sources(self) -> list[SourceState]:
        rows = await self.db.fetchall("SELECT url FROM deadline_sync_sources ORDER BY url")
        return [await self.source(str(row["url"])) for row in rows]

    async def layer(self) -> RuntimeLayer:
        rows = await self.db.fetchall("SELECT data FROM deadline_sync_editions ORDER BY edition_id")
        found = await self.db.fetchall(
            "SELECT * FROM deadline_sync_disagreements ORDER BY edition_id, kind, source"
        )
        return RuntimeLayer(
            tuple(edition_from_data(json.loads(row["data"])) for row in rows),
            tuple(
                Disagreement(r["edition_id"], r["kind"], r["source"], r["chosen"], r["text"])
                for r in found
            ),
        )

    async def save_edition(self, edition: Edition, source_url: str, at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO deadline_sync_editions (edition_id, series, source_url, data, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (edition_id) DO UPDATE SET"
            " source_url = excluded.source_url, data = excluded.data,"
            " updated_at = excluded.updated_at",
            (
                edition.id,
                edition.series,
                source_url,
                json.dumps(edition_data(edition)),
                at.isoformat(),
            ),
        )

    async def audit(
        self,
        at: datetime,
        edition_id: str,
        change: str,
        before: str | None,
        after: str | None,
        url: str,
    ) -> None:
        await self.db.execute(
            "INSERT INTO deadline_sync_audit (at, edition_id, change, before, after, source_url)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (at.isoformat(), edition_id, change, before, after, url),
        )

    async def audit_trail(self) -> list[AuditRow]:
        rows = await self.db.fetchall("SELECT * FROM deadline_sync_audit ORDER BY id")
        return [
            AuditRow(
                r["at"], r["edition_id"], r["change"], r["before"], r["after"], r["source_url"]
            )
            for r in rows
        ]

    async def replace_disagreements(
        self, series: Iterable[str], found: Iterable[Disagreement]
    ) -> None:
        """The disagreements of these conferences, as found by the latest sync."""
        for series_id in series:
            await self.db.execute(
                "DELETE FROM deadline_sync_disagreements WHERE edition_id LIKE ?",
                (f"{series_id}-%",),
            )
        for one in found:
            await self.db.execute(
                "INSERT OR REPLACE INTO deadline_sync_disagreements"
                " (edition_id, kind, source, chosen, text) VALUES (?, ?, ?, ?, ?)",
                (one.edition_id, one.kind, one.source, one.chosen, one.text),
            )


def layered_book(reviewed: DeadlineBook, layer: RuntimeLayer) -> DeadlineBook:
    """The reviewed data with the runtime layer on top: a synced edition replaces the
    reviewed one of its year, or is added. Conferences without a file are not invented."""
    by_series: dict[str, list[Edition]] = {}
    for edition in layer.editions:
        by_series.setdefault(edition.series, []).append(edition)
    series = []
    for one in reviewed.series:
        synced = {e.year: e for e in by_series.get(one.id, [])}
        if not synced:
            series.append(one)
            continue
        kept = [e for e in one.editions if e.year not in synced]
        editions = sorted([*kept, *synced.values()], key=lambda e: e.year)
        series.append(replace(one, editions=tuple(editions)))
    return DeadlineBook(tuple(series))


def export_layer(layer: RuntimeLayer) -> str:
    """The synced editions as ``catalog/deadlines/<conference>.yaml`` documents, for a
    maintainer to merge into the reviewed files (like ``deadlines import`` prints)."""
    by_series: dict[str, list[ImportedEdition]] = {}
    for edition in layer.editions:
        by_series.setdefault(edition.series, []).append(_as_imported(edition))
    documents = [
        f"# catalog/deadlines/{series}.yaml (synced from upstream: replace each source URL"
        " with the shared copy it matches, owner/repo@commit:path)\n"
        + dump_series(series, group[0].name, group)
        for series, group in sorted(by_series.items())
    ]
    return "---\n".join(documents)


def _as_imported(edition: Edition) -> ImportedEdition:
    return ImportedEdition(
        name=edition.name,
        year=edition.year,
        series=edition.series,
        source=edition.source,
        file="",
        line=0,
        deadlines=list(edition.deadlines),
        start=edition.start,
        end=edition.end,
        place=edition.place,
        link=edition.link,
        note=edition.note,
    )


# ---------------------------------------------------------------------------------------
# Editions as JSON


def edition_data(edition: Edition) -> dict[str, Any]:
    return {
        "id": edition.id,
        "series": edition.series,
        "name": edition.name,
        "year": edition.year,
        "start": edition.start.isoformat() if edition.start else None,
        "end": edition.end.isoformat() if edition.end else None,
        "place": edition.place,
        "link": edition.link,
        "source": edition.source,
        "note": edition.note,
        "deadlines": [_deadline_data(d) for d in edition.deadlines],
    }


def _deadline_data(deadline: Deadline) -> dict[str, Any]:
    return {
        "kind": deadline.kind,
        "timezone": deadline.timezone.name,
        "local": deadline.local.isoformat() if deadline.local else None,
        "label": deadline.label,
        "time_stated": deadline.time_stated,
    }


def edition_from_data(data: Mapping[str, Any]) -> Edition:
    return Edition(
        id=data["id"],
        series=data["series"],
        name=data["name"],
        year=int(data["year"]),
        deadlines=tuple(
            Deadline(
                d["kind"],
                parse_timezone(d["timezone"]),
                datetime.fromisoformat(d["local"]) if d["local"] else None,
                d["label"],
                bool(d["time_stated"]),
            )
            for d in data["deadlines"]
        ),
        start=date.fromisoformat(data["start"]) if data["start"] else None,
        end=date.fromisoformat(data["end"]) if data["end"] else None,
        place=data["place"],
        link=data["link"],
        source=data["source"],
        note=data["note"],
    )
