"""The shared SQLite owner: migrations per component, atomic transactions."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.storage import Database, DatabaseError, Migration

V1 = Migration(1, "notes table", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);")
V2 = Migration(
    2,
    "notes get a title",
    "-- a comment line is ignored\nALTER TABLE notes ADD COLUMN title TEXT;\n"
    "CREATE INDEX notes_title ON notes (title);",
)


async def test_fresh_and_old_databases_reach_the_same_schema(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    async with await Database.open(old) as db:
        assert await db.migrate("notes", [V1]) == 1
        await db.insert("INSERT INTO notes (body) VALUES (?)", ("kept",))
    async with await Database.open(old) as db:
        assert await db.migrate("notes", [V1, V2]) == 2
        row = await db.fetchone("SELECT body, title FROM notes")
        assert row is not None
        assert (row["body"], row["title"]) == ("kept", None)
    async with await Database.open(tmp_path / "fresh.sqlite3") as db:
        assert await db.migrate("notes", [V1, V2]) == 2
        assert await db.schema_version("notes") == 2
        assert await db.schema_version("other") == 0


async def test_failed_transaction_changes_nothing(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "db.sqlite3") as db:
        await db.migrate("notes", [V1])
        with pytest.raises(RuntimeError, match="boom"):
            async with db.transaction():
                await db.insert("INSERT INTO notes (body) VALUES ('a')")
                raise RuntimeError("boom")
        assert await db.fetchall("SELECT * FROM notes") == []


async def test_newer_file_than_program_is_refused(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "db.sqlite3") as db:
        await db.migrate("notes", [V1, V2])
        with pytest.raises(DatabaseError, match="newer than this ml-audio-bot knows"):
            await db.migrate("notes", [V1])


async def test_backup_is_a_readable_copy(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "db.sqlite3") as db:
        await db.migrate("notes", [V1])
        await db.insert("INSERT INTO notes (body) VALUES ('x')")
        await db.backup(tmp_path / "copy.sqlite3")
    async with await Database.open(tmp_path / "copy.sqlite3") as copy:
        assert [r["body"] for r in await copy.fetchall("SELECT body FROM notes")] == ["x"]


async def test_other_tasks_wait_for_an_open_transaction(tmp_path: Path) -> None:
    """A write from another task is never swept into (and rolled back with) a transaction."""
    async with await Database.open(tmp_path / "db.sqlite3") as db:
        await db.migrate("notes", [V1])
        inside = asyncio.Event()

        async def failing_transaction() -> None:
            with pytest.raises(RuntimeError, match="rolled back"):
                async with db.transaction():
                    await db.insert("INSERT INTO notes (body) VALUES ('lost')")
                    inside.set()
                    await asyncio.sleep(0.01)
                    raise RuntimeError("rolled back")

        async def independent_write() -> None:
            await inside.wait()
            await db.insert("INSERT INTO notes (body) VALUES ('kept')")

        await asyncio.gather(failing_transaction(), independent_write())
        assert [r["body"] for r in await db.fetchall("SELECT body FROM notes")] == ["kept"]


async def test_concurrent_transactions_from_many_tasks_all_commit(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "db.sqlite3") as db:
        await db.migrate("notes", [V1])

        async def add(n: int) -> None:
            async with db.transaction():
                assert db.in_transaction
                await db.insert("INSERT INTO notes (body) VALUES (?)", (f"n{n}",))
                await asyncio.sleep(0)
                await db.insert("INSERT INTO notes (body) VALUES (?)", (f"m{n}",))

        await asyncio.gather(*(add(n) for n in range(20)))
        assert not db.in_transaction
        row = await db.fetchone("SELECT COUNT(*) AS c FROM notes")
        assert row is not None
        assert row["c"] == 40


async def test_nested_transaction_in_one_task_is_refused(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "db.sqlite3") as db:
        await db.migrate("notes", [V1])
        async with db.transaction():
            with pytest.raises(RuntimeError, match="nested transaction"):
                async with db.transaction():
                    pass


async def test_a_task_started_inside_a_transaction_is_not_part_of_it(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "db.sqlite3") as db:
        await db.migrate("notes", [V1])
        with pytest.raises(RuntimeError, match="rolled back"):
            async with db.transaction():
                child = asyncio.create_task(db.insert("INSERT INTO notes (body) VALUES ('c')"))
                await asyncio.sleep(0)
                assert not child.done()  # it waits for the transaction to end
                raise RuntimeError("rolled back")
        await child
        assert [r["body"] for r in await db.fetchall("SELECT body FROM notes")] == ["c"]
