"""The shared SQLite owner: migrations per component, atomic transactions, refusing a file
it cannot use before writing to it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage import Database, DatabaseError, Migration
from bot.storage.database import _BOOTSTRAP
from tests.sqlite_threads import connection_threads, connection_threads_left

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


async def test_a_transaction_cancelled_while_it_begins_leaves_the_database_usable(
    tmp_path: Path,
) -> None:
    # A worker stopped (cancelled) at the moment its transaction starts: BEGIN has already
    # been handed to the connection's thread and runs anyway. Left alone, the connection
    # would stay inside a transaction nobody commits, and every later write would fail or
    # be lost when the bot exits.
    path = tmp_path / "db.sqlite3"
    async with await Database.open(path) as db:
        await db.migrate("notes", [V1])
        body_ran = False

        async def write() -> None:
            nonlocal body_ran
            async with db.transaction():
                body_ran = True
                await db.insert("INSERT INTO notes (body) VALUES ('never')")

        task = asyncio.create_task(write())
        await asyncio.sleep(0)  # the task takes the lock and sends BEGIN, then waits for it
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

        async with db.transaction():
            await db.insert("INSERT INTO notes (body) VALUES ('kept')")
    assert not body_ran
    async with await Database.open(path) as reopened:
        assert [r["body"] for r in await reopened.fetchall("SELECT body FROM notes")] == ["kept"]


# -- a file the bot cannot use is refused at open, untouched ----------------------------------


def _old_style_database(path: Path, *, version: int) -> bytes:
    """A file in rollback-journal mode (opening it in WAL mode would rewrite its header)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.executescript(_BOOTSTRAP)
        conn.execute(
            "INSERT INTO schema_migrations (component, version, description) VALUES (?, ?, ?)",
            ("notes", version, "a step"),
        )
    conn.close()
    return path.read_bytes()


async def test_a_newer_schema_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    before = _old_style_database(path, version=3)
    threads = connection_threads()

    with pytest.raises(DatabaseError) as raised:
        await Database.open(path, known_versions={"notes": 2})

    assert str(raised.value) == (
        f"database {path} has notes schema v3, newer than this ml-audio-bot knows (v2); run "
        "the newer ml-audio-bot that wrote it, or restore a backup made by this version (a "
        "database is never migrated down)"
    )
    assert path.read_bytes() == before  # still in rollback-journal mode, not switched to WAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.sqlite3"]
    assert connection_threads_left(threads) == []  # its worker thread would keep us alive


async def test_components_this_program_does_not_know_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    _old_style_database(path, version=7)

    async with await Database.open(path, known_versions={"outbox": 1}) as db:
        assert await db.schema_version("notes") == 7


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"id,title\n1,WaveNet\n" * 300, "is not an SQLite database"),
        # SQLite's magic string, then rubbish where the page size and the rest should be
        (b"SQLite format 3\x00" + b"\xff" * 8000, "is not an SQLite database"),
    ],
)
async def test_a_file_that_is_not_a_usable_database_is_refused(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(content)
    threads = connection_threads()

    with pytest.raises(DatabaseError, match=problem) as raised:
        await Database.open(path)

    assert raised.value.path == str(path)
    assert "\n" not in str(raised.value)
    assert path.read_bytes() == content
    assert connection_threads_left(threads) == []


async def test_a_damaged_page_in_the_middle_is_found_at_open(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with await Database.open(path) as db:
        await db.migrate("notes", [V1])
        await db.executemany("INSERT INTO notes (body) VALUES (?)", [("x" * 300,)] * 200)
    data = bytearray(path.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle : middle + page] = b"\xa5" * page
    path.write_bytes(bytes(data))

    with pytest.raises(DatabaseError, match="is damaged") as raised:
        await Database.open(path)

    assert "restore the file from a backup" in str(raised.value)
    assert "\n" not in str(raised.value)
    assert path.read_bytes() == bytes(data)


async def test_a_file_locked_by_another_process_is_refused_after_the_busy_timeout(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    async with await Database.open(path) as db:
        await db.migrate("notes", [V1])
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    threads = connection_threads()
    try:
        with pytest.raises(DatabaseError, match="is locked by another process for more than"):
            await Database.open(path, busy_timeout=0.1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert connection_threads_left(threads) == []


async def test_a_lock_that_appears_during_a_migration_is_a_database_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    async with await Database.open(path, busy_timeout=0.1) as db:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(
                DatabaseError, match=r"locked by another process for more than 0\.1 s"
            ):
                await db.migrate("notes", [V1])
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert await db.schema_version("notes") == 0


async def test_a_folder_where_the_file_should_be_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="is a folder, not a file"):
        await Database.open(tmp_path)


async def test_check_creates_nothing_and_reports_the_stored_versions(tmp_path: Path) -> None:
    missing = tmp_path / "data" / "db.sqlite3"
    assert await Database.check(missing) is None
    assert not missing.parent.exists()

    path = tmp_path / "db.sqlite3"
    async with await Database.open(path) as db:
        await db.migrate("notes", [V1, V2])
    before = path.read_bytes()
    assert await Database.check(path, known_versions={"notes": 2}) == {"notes": 2}
    with pytest.raises(DatabaseError, match="newer than"):
        await Database.check(path, known_versions={"notes": 1})
    assert path.read_bytes() == before
