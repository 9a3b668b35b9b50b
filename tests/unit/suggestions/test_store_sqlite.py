"""What is about SQLite files: migrating an old file (column types and all), a read-only or
locked file gives a clear message and leaves nothing half-written.

The store's behaviour on both backends is in test_store.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Database
from bot.suggestions import StorageError, SuggestionService, SuggestionStore, Tally, Vote
from bot.suggestions.outcomes import Created
from bot.suggestions.schema import COMPONENT, MIGRATIONS
from tests.unit.suggestions.conftest import ALICE, BOB, GUILD, draft


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A SQLite file for this module's tests (and for the ``service`` built on ``db``)."""
    async with await Database.open(tmp_path / "bot.sqlite3") as database:
        yield database


async def columns(db: Database) -> dict[str, list[tuple[str, str, int]]]:
    tables = [
        r["name"]
        for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'suggestion%'"
        )
    ]
    return {
        t: [
            (c["name"], c["type"], c["notnull"])
            for c in await db.fetchall(f"PRAGMA table_info({t})")
        ]
        for t in sorted(tables)
    }


async def test_an_old_database_reaches_the_current_schema_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    old_path = tmp_path / "old.sqlite3"
    async with await Database.open(old_path) as db:
        await db.migrate(COMPONENT, MIGRATIONS[:1])
        await db.execute(
            "INSERT INTO suggestions (guild_id, author_id, title, url, normalized_url, section,"
            " reason, created_at, updated_at) VALUES (1, 2, 'Old', 'https://o.org', "
            "'https://o.org', 'books', 'kept from v1', '2025-01-01T00:00:00+00:00',"
            " '2025-01-01T00:00:00+00:00')"
        )
    async with await Database.open(old_path) as db:
        store = SuggestionStore(db)
        assert await store.setup() == len(MIGRATIONS)
        old = await store.get(1)
        assert old is not None
        assert (old.reason, old.kind, old.message_id) == ("kept from v1", "reference", None)
        upgraded = await columns(db)
    async with await Database.open(tmp_path / "fresh.sqlite3") as db:
        await SuggestionStore(db).setup()
        assert await columns(db) == upgraded
        assert await db.schema_version(COMPONENT) == len(MIGRATIONS)
    async with await Database.open(old_path) as db:
        # Foreign keys are on: a vote for a missing suggestion is refused.
        with pytest.raises(sqlite3.IntegrityError):
            await db.execute(
                "INSERT INTO suggestion_votes VALUES (999, 1, 1, '2025-01-01T00:00:00+00:00')"
            )


async def test_a_read_only_database_gives_a_clear_message_and_changes_nothing(
    db: Database, service: SuggestionService
) -> None:
    first = await service.submit(GUILD, ALICE, draft())
    assert isinstance(first, Created)
    await db.execute("PRAGMA query_only = ON")  # what a read-only file does to writes
    with pytest.raises(StorageError, match="the bot's database is read-only right now"):
        await service.vote(GUILD, first.suggestion.id, BOB, Vote.UP)
    with pytest.raises(StorageError, match="read-only"):
        await service.submit(GUILD, BOB, draft(url="https://new.org/", title="Another one here"))
    await db.execute("PRAGMA query_only = OFF")
    # Nothing half-written, and the service works again once the file is writable.
    assert (await service.store.page(GUILD))[1] == 1
    assert await service.store.tally(first.suggestion.id) == Tally(0, 0)
    await service.vote(GUILD, first.suggestion.id, BOB, Vote.UP)
    assert await service.store.tally(first.suggestion.id) == Tally(1, 0)


async def test_a_database_locked_by_another_program_is_reported_as_busy(
    db: Database, service: SuggestionService, tmp_path: Path
) -> None:
    created = await service.submit(GUILD, ALICE, draft())
    assert isinstance(created, Created)
    await db.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageError, match="busy"):
            await service.vote(GUILD, created.suggestion.id, BOB, Vote.UP)
        other.execute("ROLLBACK")
    finally:
        other.close()
    await service.vote(GUILD, created.suggestion.id, BOB, Vote.UP)
    assert (await service.store.tally(created.suggestion.id)).up == 1
