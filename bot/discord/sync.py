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

from bot.storage.command_sync import CommandSyncState, scope_name

# CommandSyncState is re-exported: the client builds it next to ``sync_commands``.
__all__ = ["CommandSyncState", "SyncOutcome", "sync_commands", "tree_hash", "tree_payload"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    scope: str
    synced: bool
    commands: int


def tree_payload(tree: app_commands.CommandTree[Any], guild_id: int | None) -> list[Any]:
    """What ``tree.sync(guild=...)`` would send, in a stable order."""
    guild = discord.Object(guild_id) if guild_id is not None else None
    payload = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    return sorted(payload, key=lambda item: (item.get("type", 1), item["name"]))


def tree_hash(tree: app_commands.CommandTree[Any], guild_id: int | None) -> str:
    blob = json.dumps(tree_payload(tree, guild_id), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


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
