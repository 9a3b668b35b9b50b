"""Choosing the storage backend from a database URL (see ``bot.storage.urls``).

- ``sqlite:///data/bot.sqlite3`` (relative path), ``sqlite:////var/lib/bot.sqlite3``
  (absolute: four slashes), ``sqlite:///:memory:`` → :class:`Database` (aiosqlite).
- ``postgresql://user@host:5432/dbname`` (or ``postgres://``) → :class:`PostgresDatabase`.
  The password never goes in the URL: it is read from ``ML_AUDIO_BOT_DATABASE_PASSWORD``,
  and failing that asyncpg reads ``PGPASSWORD`` (or ``~/.pgpass``) itself.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from bot.storage.errors import DatabaseError
from bot.storage.urls import PASSWORD_VARIABLE, URL_FORMS, is_postgres, shown, sqlite_path

if TYPE_CHECKING:
    from bot.storage.interface import Storage

__all__ = ["PASSWORD_VARIABLE", "check_storage", "open_storage"]

# Each backend's driver is imported when a URL names it: an SQLite install never pays for
# importing asyncpg, nor a PostgreSQL one for aiosqlite.


async def open_storage(
    url: str,
    *,
    known_versions: Mapping[str, int] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Storage:
    """Open the database ``url`` names; :class:`DatabaseError` when it cannot be used."""
    return await _backend(url, environ).open(known_versions)


async def check_storage(
    url: str,
    *,
    known_versions: Mapping[str, int] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, int] | None:
    """The checks of :func:`open_storage`, creating and writing nothing.

    ``{component: schema version}`` stored in the database; ``None`` for an SQLite file
    that does not exist yet. Raises :class:`DatabaseError` for one that cannot be used.
    """
    return await _backend(url, environ).check(known_versions)


class _Backend(NamedTuple):
    """The backend a URL names, bound to it: open it, or only check it."""

    open: Callable[[Mapping[str, int] | None], Awaitable[Storage]]
    check: Callable[[Mapping[str, int] | None], Awaitable[dict[str, int] | None]]


def _backend(url: str, environ: Mapping[str, str] | None) -> _Backend:
    path = sqlite_path(url)
    if path is not None:
        from bot.storage.database import Database

        return _Backend(
            lambda known: Database.open(path, known_versions=known),
            lambda known: Database.check(path, known_versions=known),
        )
    if is_postgres(url):
        from bot.storage.postgres import PostgresDatabase

        password = _password(environ)
        return _Backend(
            lambda known: PostgresDatabase.open(url, password=password, known_versions=known),
            lambda known: PostgresDatabase.check(url, password=password, known_versions=known),
        )
    raise _unknown(url)


def _password(environ: Mapping[str, str] | None) -> str | None:
    env = os.environ if environ is None else environ
    return env.get(PASSWORD_VARIABLE) or None


def _unknown(url: str) -> DatabaseError:
    return DatabaseError(shown(url), "is not a database URL this program knows", f"use {URL_FORMS}")
