"""Which slash-command tree was last registered with Discord, per application and scope.

The Discord adapter (``bot.discord.sync``) hashes the command tree and asks this store
whether that hash was already synced; only the hash and the time of the sync are kept.
A scope is ``"global"`` or ``"guild:<id>"`` (see ``scope_name``).
"""

from __future__ import annotations

from bot.clock import Clock, SystemClock
from bot.storage.database import Migration
from bot.storage.interface import Storage
from bot.storage.leases import timestamp

# The component was first created by the runtime under this name: database files written
# since then carry its version under "runtime", so the name and SQL must stay as they are.
COMPONENT = "runtime"

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
        # The same table; the default only serves rows written without a time (the code
        # always gives one, from its clock, in the format SQLite's default writes).
        postgres_sql="""
        CREATE TABLE command_sync (
            application_id BIGINT NOT NULL,
            scope          TEXT   NOT NULL,
            tree_hash      TEXT   NOT NULL,
            synced_at      TEXT   NOT NULL
                DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            PRIMARY KEY (application_id, scope)
        );
        """,
    )
]


def scope_name(guild_id: int | None) -> str:
    """``"global"`` for the global commands, ``"guild:<id>"`` for one server's copy."""
    return "global" if guild_id is None else f"guild:{guild_id}"


class CommandSyncState:
    """The stored hashes (table ``command_sync``, component ``runtime``)."""

    def __init__(self, database: Storage, clock: Clock | None = None) -> None:
        self._db = database
        self._clock = clock or SystemClock()

    async def setup(self) -> None:
        await self._db.migrate(COMPONENT, MIGRATIONS)

    async def stored(self, application_id: int, scope: str) -> str | None:
        """The hash last synced to ``scope``, or None if it never was."""
        row = await self._db.fetchone(
            "SELECT tree_hash FROM command_sync WHERE application_id = ? AND scope = ?",
            (application_id, scope),
        )
        return str(row["tree_hash"]) if row else None

    async def remember(self, application_id: int, scope: str, digest: str) -> None:
        """Record that Discord accepted the tree with hash ``digest`` for ``scope``."""
        # The time comes from our clock, not the database's: one statement for both backends.
        await self._db.execute(
            "INSERT INTO command_sync (application_id, scope, tree_hash, synced_at) "
            "VALUES (?, ?, ?, ?) "
            "ON CONFLICT (application_id, scope) DO UPDATE SET tree_hash = excluded.tree_hash, "
            "synced_at = excluded.synced_at",
            (application_id, scope, digest, timestamp(self._clock.now())),
        )
