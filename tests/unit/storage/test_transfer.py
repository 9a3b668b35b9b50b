"""``copy_database``: a whole installation moved between SQLite and PostgreSQL, checked.

Toy components (tests/unit/storage/toys.py) stand in for the bot's: the copy must work for
whatever tables migrations create.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import Migration, Storage, open_storage
from bot.storage.tables import read_tables
from bot.storage.transfer import TransferError, canonical, checksum, copy_database
from tests.unit.storage.toys import MISMATCHED, SNOWFLAKE, TOYS, everything, fill, migrate


async def opened(url: str) -> Storage:
    return await open_storage(url, known_versions={"toy_people": 2, "toy_tags": 1})


async def test_sqlite_to_postgres_keeps_every_row_id_and_version(
    tmp_path: Path, pg_url: str
) -> None:
    src = await opened(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    dst = await opened(pg_url)
    try:
        await migrate(src)
        await fill(src)
        report = await copy_database(src, dst, TOYS)

        assert report.same, report
        # Referenced tables come first, whatever their names.
        order = [check.table for check in report.tables]
        assert order.index("toy_people") < order.index("toy_notes") < order.index("toy_tags")
        assert report.versions == {"toy_people": 2, "toy_tags": 1}
        assert {c.table: c.target_rows for c in report.tables} == {
            "schema_migrations": 3,
            "toy_people": 3,
            "toy_notes": 3,
            "toy_tags": 4,
        }
        assert await everything(dst) == await everything(src)  # applied_at included
        assert await dst.schema_version("toy_people") == 2
        # New rows get ids after the copied ones, and after SQLite's AUTOINCREMENT
        # high-water mark of people (7 was the last handed out; 3 was deleted).
        await src.execute("DELETE FROM toy_tags WHERE note_id = 11")
        new_person = await dst.insert(
            "INSERT INTO toy_people (discord_id, name) VALUES (?, ?)", (SNOWFLAKE, "new")
        )
        new_note = await dst.insert(
            "INSERT INTO toy_notes (person_id, at) VALUES (?, ?)", (new_person, "now")
        )
        assert (new_person, new_note) == (8, 13)
    finally:
        await src.close()
        await dst.close()


async def test_postgres_to_sqlite_and_back_loses_nothing(
    tmp_path: Path, pg_url: str, other_pg_url: str
) -> None:
    pg = await opened(pg_url)
    lite = await opened(f"sqlite:///{tmp_path / 'copy.sqlite3'}")
    back = await opened(other_pg_url)
    try:
        await migrate(pg)
        await fill(pg)
        there = await copy_database(pg, lite, TOYS)
        again = await copy_database(lite, back, TOYS)

        assert there.same
        assert again.same
        assert await everything(lite) == await everything(pg)
        assert await everything(back) == await everything(pg)
        assert [c.target_checksum for c in again.tables] == [
            c.source_checksum for c in there.tables
        ]
        new = await lite.insert(
            "INSERT INTO toy_people (discord_id, name) VALUES (?, ?)", (SNOWFLAKE, "new")
        )
        assert new == 8
    finally:
        for db in (pg, lite, back):
            await db.close()


async def test_a_target_with_rows_is_refused_and_left_alone(tmp_path: Path, pg_url: str) -> None:
    src = await opened(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    dst = await opened(pg_url)
    try:
        await migrate(src)
        await fill(src)
        await migrate(dst)
        await dst.execute("INSERT INTO toy_people (id, discord_id, name) VALUES (99, 1, 'x')")
        before = await everything(dst)

        with pytest.raises(TransferError, match=r"is not empty \(toy_people has 1 rows\)"):
            await copy_database(src, dst, TOYS)

        assert await everything(dst) == before
    finally:
        await src.close()
        await dst.close()


async def test_a_target_ahead_of_the_source_is_refused(tmp_path: Path, pg_url: str) -> None:
    src = await opened(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    dst = await opened(pg_url)
    try:
        await src.migrate("toy_people", TOYS[0][1][:1])  # people v1 only
        await migrate(dst)
        with pytest.raises(TransferError, match="has toy_people v2, the source v1"):
            await copy_database(src, dst, TOYS)
    finally:
        await src.close()
        await dst.close()


async def test_a_source_at_an_older_version_is_copied_at_that_version(
    tmp_path: Path, pg_url: str
) -> None:
    src = await opened(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    dst = await opened(pg_url)
    try:
        await src.migrate("toy_people", TOYS[0][1][:1])
        await src.execute("INSERT INTO toy_people (discord_id, name) VALUES (?, 'a')", (5,))
        report = await copy_database(src, dst, TOYS)
        assert report.same
        assert report.versions == {"toy_people": 1}
        assert set(await read_tables(dst)) == {"schema_migrations", "toy_people"}
    finally:
        await src.close()
        await dst.close()


async def test_a_changed_value_is_reported_for_its_table(tmp_path: Path, pg_url: str) -> None:
    """An SQLite column declared TEXT turns the number 5 into the text "5": same row count,
    different data, and only that table is reported."""
    src = await opened(pg_url)
    dst = await opened(f"sqlite:///{tmp_path / 'copy.sqlite3'}")
    try:
        await migrate(src, MISMATCHED)
        await fill(src)
        report = await copy_database(src, dst, MISMATCHED)

        assert not report.same
        different = [c for c in report.tables if not c.same]
        assert [c.table for c in different] == ["toy_people"]
        assert different[0].source_rows == different[0].target_rows == 3
        assert different[0].source_checksum != different[0].target_checksum
    finally:
        await src.close()
        await dst.close()


async def test_a_source_component_this_program_does_not_know_is_refused(
    tmp_path: Path, pg_url: str
) -> None:
    src = await opened(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    dst = await opened(pg_url)
    try:
        await migrate(src)
        await src.migrate("future", [Migration(1, "x", "CREATE TABLE future (a TEXT);", "")])
        with pytest.raises(TransferError, match=r"components .* not know \(future\)"):
            await copy_database(src, dst, TOYS)
        assert await read_tables(dst) == {
            "schema_migrations": (await read_tables(dst))["schema_migrations"]
        }
    finally:
        await src.close()
        await dst.close()


async def test_the_postgres_source_is_read_as_one_snapshot(
    pg_url: str,
) -> None:
    """What another connection commits while the snapshot is open is not seen by it."""
    reader = await opened(pg_url)
    writer = await opened(pg_url)
    try:
        await migrate(writer)
        await fill(writer)
        snapshot = reader.snapshot  # type: ignore[attr-defined]
        async with snapshot():
            first = await reader.fetchall("SELECT id FROM toy_people")
            await writer.execute(
                "INSERT INTO toy_people (id, discord_id, name) VALUES (50, 1, 'late')"
            )
            second = await reader.fetchall("SELECT id FROM toy_people")
        assert len(first) == len(second) == 3
        assert len(await reader.fetchall("SELECT id FROM toy_people")) == 4
    finally:
        await reader.close()
        await writer.close()


def test_the_canonical_rendering_tells_types_and_values_apart() -> None:
    assert canonical(5) != canonical("5")
    assert canonical(None) != canonical("null") != canonical("")
    assert canonical(0.1) != canonical(0.1000000000000001)
    assert canonical(True) == canonical(1)  # booleans are stored as 0/1 on both backends
    assert canonical("a\tb") != canonical("a") + "\t" + canonical("b")


def test_the_checksum_follows_the_primary_key_not_the_reading_order() -> None:
    from bot.storage.tables import Table

    table = Table("t", ("id", "name"), ("id",), frozenset())
    rows = [(2, "b"), (1, "a"), (10, "c")]
    assert checksum(table, rows) == checksum(table, list(reversed(rows)))
    assert checksum(table, rows) != checksum(table, [(2, "b"), (1, "a"), (10, "C")])
