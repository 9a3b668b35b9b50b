"""The storage contract, run against both backends: SQLite (a file per test) and PostgreSQL
(a database per test on the session's throw-away server, tests/postgres.py).

What a feature relies on: migrations recorded once and a newer database refused, atomic
transactions that other tasks never join, exact read-then-write inside transactions (also
from a second connection to the same database), ids from ``insert``, rows by column name,
and nothing left open after ``close``.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.storage import DatabaseError, Migration, Storage
from tests.storage_backends import Backend

V1 = Migration(
    1,
    "counters",
    sql="CREATE TABLE counters (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " n INTEGER NOT NULL DEFAULT 0);",
    postgres_sql="CREATE TABLE counters (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE, n INTEGER NOT NULL DEFAULT 0);",
)
V2_SQL = "-- a comment line\nALTER TABLE counters ADD COLUMN note TEXT;\n" + (
    "CREATE INDEX counters_note ON counters (note);"
)
V2 = Migration(2, "counters get a note", sql=V2_SQL, postgres_sql=V2_SQL)
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


async def counter(db: Storage, name: str = "votes") -> int:
    row = await db.fetchone("SELECT n FROM counters WHERE name = ?", (name,))
    assert row is not None
    return int(row["n"])


async def test_migrations_are_recorded_once_and_a_newer_database_is_refused(
    backend: Backend,
) -> None:
    db = await backend.open()
    try:
        assert await db.schema_version("counters") == 0
        assert await db.migrate("counters", [V1]) == 1
        await db.insert("INSERT INTO counters (name) VALUES (?)", ("kept",))
        assert await db.migrate("counters", [V1, V2]) == 2
        assert await db.migrate("counters", [V1, V2]) == 2  # nothing left to apply
        rows = await db.fetchall(
            "SELECT component, version, description, applied_at FROM schema_migrations"
            " ORDER BY version"
        )
        assert [(r["component"], r["version"], r["description"]) for r in rows] == [
            ("counters", 1, "counters"),
            ("counters", 2, "counters get a note"),
        ]
        assert all(ISO_UTC.fullmatch(r["applied_at"]) for r in rows)
        row = await db.fetchone("SELECT name, note FROM counters")
        assert row is not None
        assert (row["name"], row["note"]) == ("kept", None)
        with pytest.raises(DatabaseError, match="newer than this ml-audio-bot knows"):
            await db.migrate("counters", [V1])
    finally:
        await db.close()
    with pytest.raises(DatabaseError, match=r"counters schema v2, newer .* \(v1\)"):
        await backend.open(known_versions={"counters": 1})
    reopened = await backend.open(known_versions={"counters": 2})
    try:
        assert await reopened.schema_version("counters") == 2
    finally:
        await reopened.close()


async def test_two_programs_migrating_at_once_apply_each_step_once(backend: Backend) -> None:
    """A bot starting while ``db migrate`` runs (or two shard processes starting together):
    both read version 0, and each step must still run once."""
    first, second = await backend.open(), await backend.open()
    try:
        versions = await asyncio.gather(
            first.migrate("counters", [V1, V2]), second.migrate("counters", [V1, V2])
        )
        assert versions == [2, 2]
        rows = await first.fetchall(
            "SELECT version FROM schema_migrations WHERE component = 'counters' ORDER BY version"
        )
        assert [row["version"] for row in rows] == [1, 2]
    finally:
        await first.close()
        await second.close()


async def test_a_transaction_keeps_all_of_its_changes_or_none(backend: Backend) -> None:
    db = await backend.open()
    try:
        await db.migrate("counters", [V1])
        async with db.transaction():
            await db.insert("INSERT INTO counters (name) VALUES ('a')")
            await db.insert("INSERT INTO counters (name) VALUES ('b')")
        with pytest.raises(RuntimeError, match="boom"):
            async with db.transaction():
                await db.insert("INSERT INTO counters (name) VALUES ('lost')")
                assert await db.fetchone("SELECT 1 FROM counters WHERE name = 'lost'")
                raise RuntimeError("boom")
        names = [r["name"] for r in await db.fetchall("SELECT name FROM counters ORDER BY name")]
        assert names == ["a", "b"]
        with pytest.raises(RuntimeError, match="nested transaction"):
            async with db.transaction(), db.transaction():
                pass
    finally:
        await db.close()


async def test_another_tasks_statement_waits_and_is_never_rolled_back_with_it(
    backend: Backend,
) -> None:
    db = await backend.open()
    try:
        await db.migrate("counters", [V1])
        await db.insert("INSERT INTO counters (name) VALUES ('votes')")
        inside = asyncio.Event()
        events: list[str] = []

        async def failing_transaction() -> None:
            with pytest.raises(RuntimeError, match="rolled back"):
                async with db.transaction():
                    await db.execute("UPDATE counters SET n = n + 1 WHERE name = 'votes'")
                    inside.set()
                    await asyncio.sleep(0.05)  # the other task's UPDATE is sent meanwhile
                    # Recorded before the rollback is sent: the other write, waiting for the
                    # transaction to end, can only finish after this.
                    events.append("rolling back")
                    raise RuntimeError("rolled back")

        async def other_write() -> None:
            await inside.wait()
            changed = await db.execute("UPDATE counters SET n = n + 10 WHERE name = 'votes'")
            events.append(f"other write changed {changed}")

        await asyncio.gather(failing_transaction(), other_write())
        assert events == ["rolling back", "other write changed 1"]
        assert await counter(db) == 10
    finally:
        await db.close()


async def test_a_task_started_inside_a_transaction_is_not_part_of_it(backend: Backend) -> None:
    db = await backend.open()
    try:
        await db.migrate("counters", [V1])

        async def child_is_inside() -> bool:
            return db.in_transaction

        async with db.transaction():
            assert db.in_transaction
            assert await asyncio.create_task(child_is_inside()) is False
        assert not db.in_transaction
    finally:
        await db.close()


async def test_insert_returns_the_new_id_and_rows_are_read_by_column_name(
    backend: Backend,
) -> None:
    db = await backend.open()
    try:
        await db.migrate("counters", [V1])
        first = await db.insert("INSERT INTO counters (name, n) VALUES (?, ?)", ("a", 3))
        async with db.transaction():
            second = await db.insert("INSERT INTO counters (name, n) VALUES (?, ?)", ("b", 5))
        assert second > first > 0
        row = await db.fetchone("SELECT id, name, n FROM counters WHERE id = ?", (second,))
        assert row is not None
        assert (row["id"], row["name"], row["n"]) == (second, "b", 5)
        assert list(row.keys()) == ["id", "name", "n"]
        rows = await db.fetchall("SELECT name, n FROM counters ORDER BY id")
        assert [(r["name"], r["n"]) for r in rows] == [("a", 3), ("b", 5)]
        # A ``?`` inside a string literal is text, not a placeholder.
        await db.executemany("INSERT INTO counters (name) VALUES (? || '?')", [("c",), ("d",)])
        assert await db.fetchone("SELECT n FROM counters WHERE name = ?", ("zzz",)) is None
        changed = await db.execute("UPDATE counters SET n = n + 1 WHERE name LIKE '%?'")
        assert changed == 2
        assert await counter(db, "d?") == 1
    finally:
        await db.close()


async def test_read_then_write_increments_inside_transactions_are_exact(
    backend: Backend,
) -> None:
    """Twenty tasks on two connections each read the counter and write it plus one."""
    first, second = await backend.open(), await backend.open()
    try:
        await first.migrate("counters", [V1])
        await first.insert("INSERT INTO counters (name) VALUES ('votes')")

        async def increment(db: Storage) -> None:
            async with db.transaction():
                seen = await counter(db)
                await asyncio.sleep(0)  # let every other task try to get in between
                await db.execute("UPDATE counters SET n = ? WHERE name = 'votes'", (seen + 1,))

        await asyncio.gather(*(increment(db) for db in [first, second] * 10))
        assert await counter(first) == 20
        assert await counter(second) == 20
    finally:
        await first.close()
        await second.close()


async def test_closing_releases_everything(backend: Backend) -> None:
    db = await backend.open()
    await db.migrate("counters", [V1])
    await asyncio.gather(
        *(db.insert("INSERT INTO counters (name) VALUES (?)", (f"c{i}",)) for i in range(5))
    )
    async with db.transaction():
        await db.execute("UPDATE counters SET n = 1")
    await db.close()
    assert await backend.leftovers() == []
