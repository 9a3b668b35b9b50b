"""Moving a whole database between backends, checked: ``db copy``, ``db backup``, ``db migrate``.

:func:`copy_database` copies every table of the components from one open ``Storage`` to
another (SQLite to PostgreSQL and back) and proves nothing was lost:

- the source is read consistently while the bot may be running it: PostgreSQL in one
  read-only REPEATABLE READ transaction (:meth:`PostgresDatabase.snapshot`), SQLite from an
  online backup taken first into a private temporary file;
- the target must be new or at most at the source's versions, and empty; it is migrated
  to exactly the source's versions, then filled in one transaction: tables in foreign-key
  order, ids as they are, ``schema_migrations`` replaced by the source's rows, and each
  PostgreSQL identity sequence moved past the copied ids (and past ids SQLite's
  AUTOINCREMENT already handed out), so new rows never collide;
- then each table's row count and checksum (every row rendered canonically, ordered by
  primary key, hashed) are compared between the source snapshot and the committed target.

A refusal is a :class:`TransferError` with one line, and no row is copied then. The source,
and the target's versions and emptiness, are checked before the target is migrated; a target
whose migrated tables differ from the source's is refused after its migrations ran, so it is
left with those tables created (and recorded in ``schema_migrations``) but empty.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.storage.database import Components, Database, newest_versions
from bot.storage.interface import Storage
from bot.storage.tables import (
    MIGRATIONS_TABLE,
    Table,
    foreign_key_order,
    missing_and_extra,
    quoted,
    read_tables,
    select_all,
    sequences,
    stored_versions,
)

# Rows sent to the target per statement batch: bounds what one executemany holds.
BATCH = 2000


class TransferError(Exception):
    """The copy cannot be made as asked; ``str()`` is one line saying why and what to do."""


@dataclass(frozen=True, slots=True)
class TableCheck:
    """One table compared after the copy."""

    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def same(self) -> bool:
        return (self.source_rows, self.source_checksum) == (self.target_rows, self.target_checksum)


@dataclass(frozen=True, slots=True)
class CopyReport:
    versions: dict[str, int]
    tables: tuple[TableCheck, ...]

    @property
    def same(self) -> bool:
        return all(check.same for check in self.tables)

    @property
    def rows(self) -> int:
        return sum(check.source_rows for check in self.tables)


async def migrate_all(db: Storage, components: Components) -> list[tuple[str, int, int]]:
    """Bring every component to its newest version: ``(component, before, after)`` each."""
    changes = []
    for component, migrations in components:
        before = await db.schema_version(component)
        after = await db.migrate(component, migrations)
        changes.append((component, before, after))
    return changes


async def copy_database(src: Storage, dst: Storage, components: Components) -> CopyReport:
    """Copy everything of ``components`` from ``src`` into the new, empty ``dst`` and compare."""
    async with consistent_source(src, components) as source:
        versions = await stored_versions(source)
        _refuse_unknown(versions, components)
        await _refuse_unusable_target(dst, versions)
        for component, migrations in components:
            if versions.get(component, 0):
                await dst.migrate(component, migrations[: versions[component]])
        tables = await read_tables(source)
        order = await _matching_target(tables, dst)
        floors = await _used_ids(source)
        copied: dict[str, tuple[int, str]] = {}
        async with dst.transaction():
            await dst.execute("DELETE FROM schema_migrations")  # replaced by the source's
            for name in order:
                copied[name] = await _copy_table(source, dst, tables[name])
            if dst.dialect == "postgresql":
                for name in order:
                    await _move_sequences(dst, tables[name], floors.get(name, 0))
    checks = []
    for name in order:
        rows, checksum = await table_checksum(dst, tables[name])
        checks.append(TableCheck(name, copied[name][0], rows, copied[name][1], checksum))
    return CopyReport(versions, tuple(checks))


@asynccontextmanager
async def consistent_source(src: Storage, components: Components) -> AsyncIterator[Storage]:
    """``src`` as one unchanging state while the bot may keep writing to it."""
    if src.dialect == "postgresql":
        snapshot = getattr(src, "snapshot", None)
        if snapshot is None:
            raise TransferError(f"{src.path}: this backend offers no consistent snapshot")
        async with snapshot():
            yield src
        return
    with tempfile.TemporaryDirectory(prefix="ml-audio-bot-copy-") as folder:
        private = Path(folder) / "source.sqlite3"
        await src.backup(private)  # SQLite's online backup: one consistent state
        async with await Database.open(private, known_versions=newest_versions(components)) as copy:
            yield copy


async def table_checksum(db: Storage, table: Table) -> tuple[int, str]:
    """``(rows, checksum)`` of ``table`` as ``db`` holds it."""
    rows = await _values(db, table)
    return len(rows), checksum(table, rows)


def checksum(table: Table, rows: Iterable[Sequence[Any]]) -> str:
    """SHA-256 of the rows rendered canonically, ordered by primary key (all columns for a
    table without one), so both backends give the same digest for the same data."""
    key_at = [table.columns.index(column) for column in table.primary_key] or list(
        range(len(table.columns))
    )
    ordered = sorted(rows, key=lambda row: [_sort_key(row[i]) for i in key_at])
    digest = hashlib.sha256()
    for row in ordered:
        digest.update(("\t".join(canonical(value) for value in row) + "\n").encode())
    return digest.hexdigest()


def canonical(value: Any) -> str:
    """One value as text that is equal on both backends exactly when the value is: typed
    (the integer 5 and the text "5" differ), exact (floats by repr), escaped (JSON)."""
    if value is None:
        return "null"
    if isinstance(value, bool | int):
        return f"i{int(value)}"
    if isinstance(value, float):
        return f"f{value!r}"
    if isinstance(value, Decimal):
        return f"n{value.normalize()}"
    if isinstance(value, str):
        return "s" + json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes | bytearray | memoryview):
        return "b" + bytes(value).hex()
    return f"?{type(value).__name__}:" + json.dumps(str(value), ensure_ascii=False)


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, int | float | Decimal):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    if isinstance(value, bytes | bytearray | memoryview):
        return (3, bytes(value))
    return (4, str(value))


def _refuse_unknown(versions: Mapping[str, int], components: Components) -> None:
    known = newest_versions(components)
    unknown = sorted(set(versions) - set(known))
    if unknown:
        raise TransferError(
            f"the source has components this ml-audio-bot does not know ({', '.join(unknown)}); "
            "copy it with the version that wrote it"
        )


async def _refuse_unusable_target(dst: Storage, versions: Mapping[str, int]) -> None:
    """The target must be new or behind the source, and hold no rows."""
    for component, version in sorted((await stored_versions(dst)).items()):
        if version > versions.get(component, 0):
            raise TransferError(
                f"{dst.path} has {component} v{version}, the source "
                f"v{versions.get(component, 0)}: copy into a new, empty database"
            )
    for name, table in sorted((await read_tables(dst)).items()):
        if name == MIGRATIONS_TABLE:
            continue
        row = await dst.fetchone(f"SELECT COUNT(*) AS n FROM {quoted(table.name)}")  # noqa: S608
        count = int(row["n"]) if row is not None else 0
        if count:
            raise TransferError(
                f"{dst.path} is not empty ({name} has {count} rows): copy into a new, "
                "empty database"
            )


async def _matching_target(tables: Mapping[str, Table], dst: Storage) -> list[str]:
    """The tables in foreign-key order of the target, refusing any difference in tables or
    columns (the copy goes column by column, by name)."""
    target = await read_tables(dst)
    missing, extra = missing_and_extra(tables, target)
    if missing or extra:
        raise TransferError(
            f"{dst.path} does not get the source's tables from the migrations "
            f"(missing: {', '.join(missing) or 'none'}; extra: {', '.join(extra) or 'none'})"
        )
    for name, table in tables.items():
        missing, extra = missing_and_extra(table.columns, target[name].columns)
        if missing or extra:
            raise TransferError(
                f"table {name} has other columns in {dst.path} than in the source "
                f"(missing: {', '.join(missing) or 'none'}; extra: {', '.join(extra) or 'none'})"
            )
    return [name for name in foreign_key_order(target) if name in tables]


async def _copy_table(source: Storage, dst: Storage, table: Table) -> tuple[int, str]:
    """Insert every row of ``table``; ``(rows, checksum)`` of what was read."""
    rows = await _values(source, table)
    columns = ", ".join(map(quoted, table.columns))
    marks = ", ".join("?" for _ in table.columns)
    # PostgreSQL: the copied ids are kept even in a GENERATED ALWAYS identity column.
    keep_ids = "OVERRIDING SYSTEM VALUE " if dst.dialect == "postgresql" else ""
    # Names from the database's own catalogue, quoted; the values travel as parameters.
    insert = f"INSERT INTO {quoted(table.name)} ({columns}) {keep_ids}VALUES ({marks})"
    for start in range(0, len(rows), BATCH):
        await dst.executemany(insert, rows[start : start + BATCH])
    return len(rows), checksum(table, rows)


async def _values(db: Storage, table: Table) -> list[tuple[Any, ...]]:
    """Every row of ``table`` as a tuple in ``table.columns`` order."""
    rows = await db.fetchall(select_all(table, table.columns))
    return [tuple(row[column] for column in table.columns) for row in rows]


async def _used_ids(source: Storage) -> dict[str, int]:
    """SQLite's AUTOINCREMENT high-water marks (ids handed out, even of rows since deleted)."""
    if source.dialect != "sqlite":
        return {}
    exists = await source.fetchone(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
    )
    if exists is None:
        return {}
    rows = await source.fetchall("SELECT name, seq FROM sqlite_sequence")
    return {str(row["name"]): int(row["seq"] or 0) for row in rows}


async def _move_sequences(dst: Storage, table: Table, floor: int) -> None:
    """Make each identity sequence of ``table`` hand out ids after the copied ones."""
    for column, sequence in (await sequences(dst, table)).items():
        # Quoted names from the database's own catalogue; the values are parameters.
        highest = f"COALESCE(MAX({quoted(column)}), 0)"
        statement = f"SELECT setval(?::regclass, GREATEST({highest}, ?) + 1, false) FROM {quoted(table.name)}"  # noqa: S608, E501
        await dst.execute(statement, (sequence, floor))
