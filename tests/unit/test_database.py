"""The shared SQLite owner: migrations per component, atomic transactions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import Database, Migration

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
        with pytest.raises(RuntimeError, match="newer than this program"):
            await db.migrate("notes", [V1])


async def test_backup_is_a_readable_copy(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "db.sqlite3") as db:
        await db.migrate("notes", [V1])
        await db.insert("INSERT INTO notes (body) VALUES ('x')")
        await db.backup(tmp_path / "copy.sqlite3")
    async with await Database.open(tmp_path / "copy.sqlite3") as copy:
        assert [r["body"] for r in await copy.fetchall("SELECT body FROM notes")] == ["x"]
