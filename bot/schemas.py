"""Every database component this program knows, and the one way to open the bot's database.

The bot and every command-line tool open the file with :func:`open_database`, which refuses
a file where a component is at a newer schema version than this program knows (a newer
ml-audio-bot wrote it) before anything is written, so an older program never touches it.
A new store that migrates a component of its own adds it to ``_COMPONENTS``; a unit test
fails when one is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.deadlines import scheduler as deadlines
from bot.feeds import store as feeds
from bot.outbox import schema as outbox
from bot.storage import command_sync as runtime
from bot.storage.database import Database, Migration
from bot.suggestions import schema as suggestions

_COMPONENTS: tuple[tuple[str, Sequence[Migration]], ...] = (
    (runtime.COMPONENT, runtime.MIGRATIONS),
    (outbox.COMPONENT, outbox.MIGRATIONS),
    (suggestions.COMPONENT, suggestions.MIGRATIONS),
    (deadlines.COMPONENT, deadlines.MIGRATIONS),
    (feeds.COMPONENT, feeds.MIGRATIONS),
)


def known_schema_versions() -> dict[str, int]:
    """``{component: newest schema version}`` this program can migrate to."""
    return {component: len(migrations) for component, migrations in _COMPONENTS}


async def open_database(path: str | Path) -> Database:
    """Open the bot's database, checked; raises ``bot.storage.DatabaseError`` (one line)."""
    return await Database.open(path, known_versions=known_schema_versions())


async def check_database(path: str | Path) -> dict[str, int] | None:
    """What ``ml-audio-bot config`` reports: the stored schema versions, ``None`` for a file
    not created yet; raises ``DatabaseError`` for one the bot could not open. Writes nothing."""
    return await Database.check(path, known_versions=known_schema_versions())
