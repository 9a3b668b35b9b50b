"""Register slash commands with Discord only when they changed.

Discord allows 200 command creates per day per guild, and ``on_ready`` fires again on every
reconnect; syncing on each start (or worse, each READY) burns that budget and makes
commands flicker. Instead, the JSON Discord would receive is hashed per scope (global or one
guild, for one application) and the hash is stored in the database after a successful
sync. A start with the same commands sends nothing; ``ml-audio-bot sync`` forces it (after
commands were deleted by hand in the Developer Portal, for instance).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.storage.database import Database, Migration

log = logging.getLogger(__name__)

MIGRATIONS = [
    Migration(
        1,
        "hash of the command tree last synced, per application and scope",
        """
        CREATE TABLE command_sync (
            application_id INTEGER NOT NULL,
            scope          TEXT    NOT NULL,
            tree_hash      TEXT    NOT NULL,
            synced_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            PRIMARY KEY (application_id, scope)
        );
        """,
    )
]


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    scope: str
    synced: bool
    commands: int


def scope_name(guild_id: int | None) -> str:
    return "global" if guild_id is None else f"guild:{guild_id}"


def tree_payload(tree: app_commands.CommandTree[Any], guild_id: int | None) -> list[Any]:
    """What ``tree.sync(guild=...)`` would send, in a stable order."""
    guild = discord.Object(guild_id) if guild_id is not None else None
    payload = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    return sorted(payload, key=lambda item: (item.get("type", 1), item["name"]))


def tree_hash(tree: app_commands.CommandTree[Any], guild_id: int | None) -> str:
    blob = json.dumps(tree_payload(tree, guild_id), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


class CommandSyncState:
    """The stored hashes (table ``command_sync``, component ``runtime``)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def setup(self) -> None:
        await self._db.migrate("runtime", MIGRATIONS)

    async def stored(self, application_id: int, scope: str) -> str | None:
        row = await self._db.fetchone(
            "SELECT tree_hash FROM command_sync WHERE application_id = ? AND scope = ?",
            (application_id, scope),
        )
        return str(row["tree_hash"]) if row else None

    async def remember(self, application_id: int, scope: str, digest: str) -> None:
        await self._db.execute(
            "INSERT INTO command_sync (application_id, scope, tree_hash) VALUES (?, ?, ?) "
            "ON CONFLICT (application_id, scope) DO UPDATE SET tree_hash = excluded.tree_hash, "
            "synced_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            (application_id, scope, digest),
        )


async def sync_commands(
    tree: app_commands.CommandTree[Any],
    state: CommandSyncState,
    application_id: int,
    guild_ids: tuple[int, ...],
    *,
    force: bool = False,
) -> list[SyncOutcome]:
    """Sync the global commands, or each configured guild's copy of them, if they changed.

    With ``guild_ids`` the global commands are copied into each guild (guild commands show
    up at once; global ones can take a while to reach every client) and the global scope is
    left alone. The hash is stored only after Discord accepted the commands, so a failed
    sync is retried on the next start.
    """
    await state.setup()
    scopes: tuple[int | None, ...] = guild_ids or (None,)
    outcomes = []
    for guild_id in scopes:
        if guild_id is not None:
            tree.copy_global_to(guild=discord.Object(guild_id))
        scope = scope_name(guild_id)
        digest = tree_hash(tree, guild_id)
        count = len(tree_payload(tree, guild_id))
        if not force and await state.stored(application_id, scope) == digest:
            log.info("commands unchanged for %s (%d commands): not syncing", scope, count)
            outcomes.append(SyncOutcome(scope, False, count))
            continue
        await tree.sync(guild=discord.Object(guild_id) if guild_id is not None else None)
        await state.remember(application_id, scope, digest)
        log.info("synced %d commands to %s", count, scope)
        outcomes.append(SyncOutcome(scope, True, count))
    return outcomes
