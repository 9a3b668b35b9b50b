"""Every database component this program knows, and the one way to open the bot's database.

The bot and every command-line tool open the database with :func:`open_database` (the URL
of ``database_url``: SQLite or PostgreSQL), which refuses a database where a component is
at a newer schema version than this program knows (a newer ml-audio-bot wrote it) before
anything is written, so an older program never touches it. A new store that migrates a
component of its own adds it to ``_COMPONENTS``; a unit test fails when one is missing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from bot.deadlines import scheduler as deadlines
from bot.feeds import store as feeds
from bot.outbox import schema as outbox
from bot.reload import store as catalog_reloads
from bot.storage import command_sync as runtime
from bot.storage.backends import check_storage, open_storage
from bot.storage.database import Components, Migration, newest_versions
from bot.storage.errors import DatabaseError
from bot.storage.interface import Storage
from bot.storage.urls import sqlite_url
from bot.suggestions import schema as suggestions

_COMPONENTS: tuple[tuple[str, Sequence[Migration]], ...] = (
    (runtime.COMPONENT, runtime.MIGRATIONS),
    (outbox.COMPONENT, outbox.MIGRATIONS),
    (suggestions.COMPONENT, suggestions.MIGRATIONS),
    (deadlines.COMPONENT, deadlines.MIGRATIONS),
    (feeds.COMPONENT, feeds.MIGRATIONS),
    (catalog_reloads.COMPONENT, catalog_reloads.MIGRATIONS),
)


def components() -> Components:
    """Every component of the bot's database with its migrations."""
    return _COMPONENTS


def known_schema_versions() -> dict[str, int]:
    """``{component: newest schema version}`` this program can migrate to."""
    return newest_versions(_COMPONENTS)


def lacking_postgres(known: Components | None = None) -> list[str]:
    """The components with a migration step that has no ``postgres_sql`` yet."""
    return [
        component
        for component, migrations in (_COMPONENTS if known is None else known)
        if any(step.postgres_sql is None for step in migrations)
    ]


def database_url(location: str | Path) -> str:
    """A ``Path`` is an SQLite file (the ``--database PATH`` options); a string is a URL."""
    return sqlite_url(location) if isinstance(location, Path) else location


async def open_database(
    location: str | Path, *, environ: Mapping[str, str] | None = None
) -> Storage:
    """Open the bot's database (``database_url``, or an SQLite file as a ``Path``), checked;
    raises ``bot.storage.DatabaseError`` (one line)."""
    db = await open_storage(
        database_url(location), known_versions=known_schema_versions(), environ=environ
    )
    missing = lacking_postgres() if db.dialect == "postgresql" else []
    if missing:
        await db.close()
        raise DatabaseError(
            db.path,
            f"cannot hold the bot yet: no PostgreSQL schema for {', '.join(missing)}",
            "keep database_url on sqlite:/// until this version supports PostgreSQL",
        )
    return db


@asynccontextmanager
async def opened_database(
    location: str | Path, *, environ: Mapping[str, str] | None = None
) -> AsyncIterator[Storage]:
    """:func:`open_database` for an ``async with`` block, closed at its end."""
    db = await open_database(location, environ=environ)
    try:
        yield db
    finally:
        await db.close()


async def check_database(
    location: str | Path, *, environ: Mapping[str, str] | None = None
) -> dict[str, int] | None:
    """What ``ml-audio-bot config`` reports: the stored schema versions, ``None`` for an SQLite
    file not created yet; raises ``DatabaseError`` for a database the bot could not open.
    Writes nothing."""
    return await check_storage(
        database_url(location), known_versions=known_schema_versions(), environ=environ
    )
