"""Choosing the storage backend from a database URL.

- ``sqlite:///data/bot.sqlite3`` (relative path), ``sqlite:////var/lib/bot.sqlite3``
  (absolute: four slashes), ``sqlite:///:memory:`` → :class:`Database` (aiosqlite).
- ``postgresql://user@host:5432/dbname`` (or ``postgres://``) → :class:`PostgresDatabase`.
  The password never goes in the URL: it is read from ``ML_AUDIO_BOT_DATABASE_PASSWORD``,
  and failing that asyncpg reads ``PGPASSWORD`` (or ``~/.pgpass``) itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from bot.storage.database import Database
from bot.storage.errors import DatabaseError
from bot.storage.interface import Storage
from bot.storage.postgres import PostgresDatabase, redacted

PASSWORD_VARIABLE = "ML_AUDIO_BOT_DATABASE_PASSWORD"  # noqa: S105 (its name, not its value)
_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_SCHEMES = ("postgresql", "postgres")


async def open_storage(
    url: str,
    *,
    known_versions: Mapping[str, int] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Storage:
    """Open the database ``url`` names; :class:`DatabaseError` when it cannot be used."""
    if url.startswith(_SQLITE_PREFIX):
        return await Database.open(url.removeprefix(_SQLITE_PREFIX), known_versions=known_versions)
    if urlsplit(url).scheme in _POSTGRES_SCHEMES:
        env = os.environ if environ is None else environ
        return await PostgresDatabase.open(
            url, password=env.get(PASSWORD_VARIABLE) or None, known_versions=known_versions
        )
    raise DatabaseError(
        redacted(url),
        "is not a database URL this program knows",
        "use sqlite:///path/to/file.sqlite3 or postgresql://user@host:port/database",
    )
