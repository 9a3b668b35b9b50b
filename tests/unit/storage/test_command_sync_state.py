"""The stored hashes of synced command trees (core, no Discord), on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FakeClock
from bot.storage import Storage
from bot.storage.command_sync import CommandSyncState, scope_name
from tests.storage_backends import Backend

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


async def test_hash_is_kept_per_application_and_scope_across_reopening(
    storage_backend: Backend,
) -> None:
    db = await storage_backend.open()
    try:
        state = CommandSyncState(db)
        await state.setup()
        assert await state.stored(1, scope_name(None)) is None
        await state.remember(1, scope_name(None), "aaa")
        await state.remember(1, scope_name(42), "bbb")
        await state.remember(1, scope_name(None), "ccc")  # a later sync replaces the hash
    finally:
        await db.close()

    db = await storage_backend.open()
    try:
        state = CommandSyncState(db)
        await state.setup()
        assert await state.stored(1, "global") == "ccc"
        assert await state.stored(1, "guild:42") == "bbb"
        assert await state.stored(2, "global") is None  # another application's bot
    finally:
        await db.close()


async def test_a_real_application_id_and_the_time_of_each_sync_are_kept(storage: Storage) -> None:
    # Application ids are snowflakes, far beyond 32 bits.
    application_id = 1_234_567_890_123_456_789
    clock = FakeClock(START)
    state = CommandSyncState(storage, clock)
    await state.setup()
    await state.remember(application_id, "global", "aaa")
    clock.advance(90.5)
    await state.remember(application_id, "global", "bbb")

    row = await storage.fetchone(
        "SELECT tree_hash, synced_at FROM command_sync WHERE application_id = ?",
        (application_id,),
    )
    assert row is not None
    # The format SQLite's strftime default writes, on both backends.
    assert (row["tree_hash"], row["synced_at"]) == ("bbb", "2027-03-01T09:01:30.500Z")


async def test_a_row_written_without_a_time_gets_the_same_format_from_the_default(
    storage: Storage,
) -> None:
    await CommandSyncState(storage).setup()
    await storage.execute(
        "INSERT INTO command_sync (application_id, scope, tree_hash) VALUES (?, ?, ?)",
        (7, "global", "aaa"),
    )
    row = await storage.fetchone("SELECT synced_at FROM command_sync")
    assert row is not None
    written = datetime.strptime(row["synced_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - written).total_seconds()) < 3600
    assert len(row["synced_at"]) == len("2027-03-01T09:01:30.500Z")


async def test_databases_written_before_the_move_keep_their_schema_version(
    storage: Storage,
) -> None:
    # Existing databases recorded this table under the component "runtime", version 1.
    await CommandSyncState(storage).setup()
    assert await storage.schema_version("runtime") == 1
    await CommandSyncState(storage).setup()  # a second start migrates nothing
    assert await storage.schema_version("runtime") == 1
