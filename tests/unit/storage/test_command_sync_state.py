"""The stored hashes of synced command trees (core, no Discord)."""

from __future__ import annotations

from pathlib import Path

from bot.storage import Database
from bot.storage.command_sync import CommandSyncState, scope_name


async def test_hash_is_kept_per_application_and_scope_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path) as db:
        state = CommandSyncState(db)
        await state.setup()
        assert await state.stored(1, scope_name(None)) is None
        await state.remember(1, scope_name(None), "aaa")
        await state.remember(1, scope_name(42), "bbb")
        await state.remember(1, scope_name(None), "ccc")  # a later sync replaces the hash

    async with await Database.open(path) as db:
        state = CommandSyncState(db)
        await state.setup()
        assert await state.stored(1, "global") == "ccc"
        assert await state.stored(1, "guild:42") == "bbb"
        assert await state.stored(2, "global") is None  # another application's bot


async def test_files_written_before_the_move_keep_their_schema_version(tmp_path: Path) -> None:
    # Existing databases recorded this table under the component "runtime", version 1.
    async with await Database.open(tmp_path / "bot.sqlite3") as db:
        await CommandSyncState(db).setup()
        assert await db.schema_version("runtime") == 1
        await CommandSyncState(db).setup()  # a second start migrates nothing
        assert await db.schema_version("runtime") == 1
