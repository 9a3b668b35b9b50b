"""The suggestions store on both backends (SQLite and PostgreSQL): one schema, every
statement, Discord-sized ids, and failures that leave nothing half-written.

What is about SQLite files only is in test_store_sqlite.py; processes racing each other
in test_races.py.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import asyncpg
import pytest

from bot.storage import Storage
from bot.storage.faults import (
    BUSY,
    DISK,
    READ_ONLY,
    UNREACHABLE,
    describe_fault,
)
from bot.suggestions import StorageError, SuggestionService, SuggestionStore, Tally, Vote
from bot.suggestions.model import Status
from bot.suggestions.outcomes import Created
from bot.suggestions.schema import COMPONENT, MIGRATIONS
from bot.suggestions.store import NewSuggestion
from tests.unit.suggestions.conftest import ALICE, BOB, GUILD, draft

# Every column in the order ``db copy`` relies on: the same on both backends.
COLUMNS = {
    "suggestion_audit": ["id", "guild_id", "suggestion_id", "actor_id", "action", "detail", "at"],
    "suggestion_blocklist": ["guild_id", "user_id", "reason", "added_by", "added_at"],
    "suggestion_votes": ["suggestion_id", "user_id", "value", "voted_at"],
    "suggestions": [
        "id", "guild_id", "author_id", "anonymous", "title", "url", "normalized_url", "section",
        "reason", "status", "decided_by", "decided_at", "decision_note", "created_at",
        "updated_at", "channel_id", "message_id", "thread_id", "kind", "edited_at",
        "message_deleted_at",
    ],
}  # fmt: skip

# A constraint the database enforces, as each backend reports it.
INTEGRITY_ERRORS = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)

# Discord ids are 64-bit snowflakes, far beyond a 32-bit INTEGER.
SNOWFLAKE = 1_234_567_890_123_456_789


async def columns(db: Storage) -> dict[str, list[str]]:
    if db.dialect == "sqlite":
        tables = [
            r["name"]
            for r in await db.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'suggestion%'"
            )
        ]
        return {
            t: [c["name"] for c in await db.fetchall(f"PRAGMA table_info({t})")]
            for t in sorted(tables)
        }
    found: dict[str, list[str]] = {}
    for r in await db.fetchall(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name LIKE 'suggestion%'"
        " ORDER BY table_name, ordinal_position"
    ):
        found.setdefault(r["table_name"], []).append(r["column_name"])
    return found


def new_suggestion(
    url: str = "https://a.org/", guild: int = GUILD, author: int = ALICE
) -> NewSuggestion:
    return NewSuggestion(guild, author, False, "A title", url, url, "books", "paper", "A reason")


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def test_an_old_database_reaches_the_current_schema_with_the_same_columns_and_rows(
    db: Storage,
) -> None:
    await db.migrate(COMPONENT, MIGRATIONS[:1])
    await db.execute(
        "INSERT INTO suggestions (guild_id, author_id, title, url, normalized_url, section,"
        " reason, created_at, updated_at) VALUES (1, 2, 'Old', 'https://o.org', "
        "'https://o.org', 'books', 'kept from v1', '2025-01-01T00:00:00+00:00',"
        " '2025-01-01T00:00:00+00:00')"
    )
    store = SuggestionStore(db)
    assert await store.setup() == len(MIGRATIONS)
    assert await db.schema_version(COMPONENT) == len(MIGRATIONS)
    assert await columns(db) == COLUMNS
    old = await store.get(1)
    assert old is not None
    assert (old.reason, old.kind, old.message_id, old.tally) == (
        "kept from v1", "reference", None, Tally(0, 0),
    )  # fmt: skip
    assert await store.insert(new_suggestion(), NOW) == 2  # new rows follow the old ones
    with pytest.raises(INTEGRITY_ERRORS):  # a vote for a missing suggestion is refused
        await db.execute(
            "INSERT INTO suggestion_votes VALUES (999, 1, 1, '2025-01-01T00:00:00+00:00')"
        )


async def test_a_version_3_database_learns_which_suggestions_were_edited(db: Storage) -> None:
    await db.migrate(COMPONENT, MIGRATIONS[:3])
    for sid in (1, 2):
        await db.execute(
            "INSERT INTO suggestions (id, guild_id, author_id, title, url, normalized_url,"
            " section, reason, created_at, updated_at, message_id) VALUES (?, 1, 2, 'T',"
            " 'https://o.org', ?, 'books', 'r', '2025-01-01T00:00:00+00:00',"
            " '2025-01-01T00:00:00+00:00', 55)",
            (sid, f"https://o.org/{sid}"),
        )
    await db.execute(
        "INSERT INTO suggestion_audit (guild_id, suggestion_id, actor_id, action, at)"
        " VALUES (1, 1, 2, 'edited', '2025-02-03T00:00:00+00:00')"
    )
    store = SuggestionStore(db)
    await store.setup()
    edited, untouched = await store.get(1), await store.get(2)
    assert edited is not None
    assert untouched is not None
    assert edited.edited_at is not None
    assert edited.edited_at.date().isoformat() == "2025-02-03"
    assert untouched.edited_at is None
    assert (edited.message_id, edited.message_deleted_at) == (55, None)


async def test_discord_sized_ids_are_stored_and_read_back_whole(db: Storage) -> None:
    store = SuggestionStore(db)
    await store.setup()
    guild, author, voter, maintainer = (SNOWFLAKE + n for n in range(4))
    sid = await store.insert(new_suggestion(guild=guild, author=author), NOW)
    assert sid is not None
    await store.set_location(sid, SNOWFLAKE + 10, SNOWFLAKE + 11, SNOWFLAKE + 12)
    await store.put_vote(sid, voter, Vote.DOWN, NOW)
    await store.audit(guild, sid, maintainer, "approved", "", NOW)
    assert await store.set_status(sid, Status.APPROVED, actor_id=maintainer, now=NOW)
    assert await store.block(guild, voter, "spam", maintainer, NOW)
    got = await store.get(sid)
    assert got is not None
    assert (got.guild_id, got.author_id, got.decided_by) == (guild, author, maintainer)
    assert (got.channel_id, got.message_id, got.thread_id) == (
        SNOWFLAKE + 10, SNOWFLAKE + 11, SNOWFLAKE + 12,
    )  # fmt: skip
    assert got.tally == Tally(0, 1)
    assert await store.voters(sid) == [(voter, Vote.DOWN)]
    assert [(e.guild_id, e.actor_id) for e in await store.audit_log(guild_id=guild)] == [
        (guild, maintainer)
    ]
    blocked = await store.blocked(guild, voter)
    assert blocked is not None
    assert (blocked.user_id, blocked.added_by) == (voter, maintainer)


async def test_one_open_suggestion_per_url_is_decided_by_the_database(db: Storage) -> None:
    store = SuggestionStore(db)
    await store.setup()
    first = await store.insert(new_suggestion(), NOW)
    assert first is not None
    # Whatever the caller read before: the unique index refuses a second open one.
    assert await store.insert(new_suggestion(author=BOB), NOW) is None
    assert await store.insert(new_suggestion(guild=GUILD + 1), NOW) is not None  # other server
    assert await store.set_status(first, Status.REJECTED, actor_id=BOB, now=NOW)
    assert await store.insert(new_suggestion(author=BOB), NOW) is not None  # closed: may again
    assert [s.status for s in (await store.page(GUILD))[0]] == [Status.PENDING, Status.REJECTED]


async def test_a_status_moves_only_from_the_expected_one(db: Storage) -> None:
    store = SuggestionStore(db)
    await store.setup()
    sid = await store.insert(new_suggestion(), NOW)
    assert sid is not None
    assert await store.set_status(sid, Status.APPROVED, actor_id=BOB, now=NOW)
    assert not await store.set_status(sid, Status.REJECTED, actor_id=ALICE, now=NOW, note="x")
    got = await store.get(sid)
    assert got is not None
    assert (got.status, got.decided_by, got.decision_note) == (Status.APPROVED, BOB, None)


async def test_votes_one_per_member_counted_both_ways(db: Storage) -> None:
    store = SuggestionStore(db)
    await store.setup()
    sid = await store.insert(new_suggestion(), NOW)
    assert sid is not None
    for user, vote in ((1, Vote.UP), (2, Vote.UP), (3, Vote.DOWN), (1, Vote.DOWN)):
        await store.put_vote(sid, user, vote, NOW)
    assert await store.tally(sid) == Tally(1, 2)
    assert await store.vote_of(sid, 1) == Vote.DOWN
    context = await store.vote_context(sid, 2)
    assert context is not None
    assert (context.author_id, context.status, context.previous) == (ALICE, Status.PENDING, Vote.UP)
    await store.remove_vote(sid, 2)
    assert await store.vote_of(sid, 2) is None
    assert await store.tally(sid) == Tally(0, 2)
    assert await store.tally(sid + 1) == Tally(0, 0)
    assert [(v["user_id"], v["value"]) for v in await store.dump_votes()] == [(1, -1), (3, -1)]


async def test_pages_whole_lists_and_the_blocklist_of_every_server(db: Storage) -> None:
    store = SuggestionStore(db)
    await store.setup()
    ids = [await store.insert(new_suggestion(f"https://{n}.org/"), NOW) for n in range(5)]
    newest_first = list(reversed(ids))
    page, total = await store.page(GUILD, (Status.PENDING,), offset=2, limit=2)
    assert ([s.id for s in page], total) == (newest_first[2:4], 5)
    everything, total = await store.page(None)
    assert ([s.id for s in everything], total) == (newest_first, 5)
    rest, _ = await store.page(None, offset=3)
    assert [s.id for s in rest] == newest_first[3:]
    assert [s.id for s in await store.in_order((Status.PENDING,))] == ids
    await store.block(GUILD + 1, 7, "", BOB, NOW)
    await store.block(GUILD, 8, "", BOB, NOW)
    assert not await store.block(GUILD, 8, "again", BOB, NOW)
    assert [(b.guild_id, b.user_id) for b in await store.blocklist(None)] == [
        (GUILD, 8),
        (GUILD + 1, 7),
    ]
    assert [b.user_id for b in await store.blocklist(GUILD + 1)] == [7]
    assert await store.unblock(GUILD, 8)
    assert not await store.unblock(GUILD, 8)


async def test_a_failure_inside_a_change_rolls_back_the_suggestion_and_its_audit(
    service: SuggestionService, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_audit(*args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(service.store, "audit", broken_audit)
    with pytest.raises(StorageError, match="disk problem"):
        await service.submit(GUILD, ALICE, draft())
    monkeypatch.undo()
    assert (await service.store.page(GUILD))[1] == 0
    assert await service.store.audit_log() == []
    assert isinstance(await service.submit(GUILD, ALICE, draft()), Created)


async def test_a_lost_postgresql_connection_mid_change_is_reported_and_rolled_back(
    db: Storage, service: SuggestionService, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("a server connection is PostgreSQL's (SQLite's faults: test_store_sqlite)")
    created = await service.submit(GUILD, ALICE, draft())
    assert isinstance(created, Created)
    sid = created.suggestion.id
    audit = service.store.audit

    async def connection_dies(*args: object) -> None:
        await audit(*args)  # type: ignore[arg-type]
        # What a server restart or a network cut does to the transaction's connection.
        await db.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(service.store, "audit", connection_dies)
    with pytest.raises(StorageError, match="cannot be reached right now"):
        await service.approve(GUILD, sid, BOB, is_maintainer=True)
    monkeypatch.undo()
    current = await service.store.get(sid)
    assert current is not None
    assert current.status is Status.PENDING
    assert [e.action for e in await service.store.audit_log(suggestion_id=sid)] == ["created"]
    # The pool opens a new connection: the next change goes through.
    await service.vote(GUILD, sid, BOB, Vote.UP)
    assert await service.store.tally(sid) == Tally(1, 0)


def test_faults_of_either_backend_become_one_sentence_and_bugs_do_not() -> None:
    read_only = sqlite3.OperationalError("attempt to write a readonly database")
    assert describe_fault(read_only, "sqlite") == READ_ONLY
    assert describe_fault(sqlite3.OperationalError("database is locked"), "sqlite") == BUSY
    assert describe_fault(sqlite3.IntegrityError("UNIQUE constraint failed"), "sqlite") is None
    postgres = "postgresql"
    assert describe_fault(asyncpg.ReadOnlySQLTransactionError("read-only"), postgres) == READ_ONLY
    assert describe_fault(asyncpg.DiskFullError("no space"), postgres) == DISK
    assert describe_fault(asyncpg.LockNotAvailableError("lock"), postgres) == BUSY
    assert describe_fault(asyncpg.DeadlockDetectedError("deadlock"), postgres) == BUSY
    assert describe_fault(asyncpg.AdminShutdownError("shutdown"), postgres) == UNREACHABLE
    assert describe_fault(asyncpg.ConnectionDoesNotExistError("gone"), postgres) == UNREACHABLE
    assert describe_fault(ConnectionRefusedError(111, "refused"), postgres) == UNREACHABLE
    # Bugs propagate: a broken constraint or bad SQL is not the database's state.
    assert describe_fault(asyncpg.UniqueViolationError("duplicate key"), postgres) is None
    assert describe_fault(asyncpg.PostgresSyntaxError("syntax"), postgres) is None
    assert describe_fault(ValueError("bug"), postgres) is None
    # A network error means the database only where the database is on the network.
    assert describe_fault(ConnectionRefusedError(111, "refused"), "sqlite") is None
