"""Fresh databases of both backends for the tests: SQLite (a file in the test's folder) and
PostgreSQL (on the session's throw-away server, tests/postgres.py).

Two fixtures, registered in tests/conftest.py, each parametrised over ``sqlite`` and
``postgres`` so that one test body runs against both:

- ``backend``: a fresh, empty database that a test opens (and reopens) itself through
  ``open_storage``; on PostgreSQL a database of its own, dropped at the end, which lets the
  test check that ``close`` released every connection.
- ``storage``: that database already open, for store tests. On PostgreSQL it is a schema of
  its own in one shared database (``search_path`` in the URL), which is much cheaper than a
  database per test and just as isolated for the tables the stores create.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

from bot.storage import Storage, open_storage
from bot.storage.backends import PASSWORD_VARIABLE
from tests.postgres import PostgresServer
from tests.sqlite_threads import connection_threads, connection_threads_left

BACKENDS = ("sqlite", "postgres")
# The database that holds one schema per ``storage`` test (created once per session).
_STORES_DATABASE = "ml_audio_bot_stores"


@dataclass
class Backend:
    """One fresh, empty database of one backend, opened as often as a test likes."""

    name: str
    url: str
    environ: dict[str, str] = field(repr=False)
    leftovers: Callable[[], Awaitable[list[str]]]  # what ``close`` failed to release

    async def open(self, known_versions: dict[str, int] | None = None) -> Storage:
        return await open_storage(self.url, known_versions=known_versions, environ=self.environ)


async def _sqlite_backend(tmp_path: Path) -> Backend:
    threads = connection_threads()

    async def sqlite_leftovers() -> list[str]:
        return connection_threads_left(threads)

    return Backend("sqlite", f"sqlite:///{tmp_path / 'db.sqlite3'}", {}, sqlite_leftovers)


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        yield await _sqlite_backend(tmp_path)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server.url(), password=server.password)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')

        async def postgres_leftovers() -> list[str]:
            # DROP DATABASE waits a few seconds for sessions that are ending, then refuses
            # while any is still connected.
            try:
                await admin.execute(f'DROP DATABASE "{name}"')
            except asyncpg.ObjectInUseError as exc:
                return [str(exc)]
            return []

        yield Backend(
            "postgres",
            server.url(name),
            {PASSWORD_VARIABLE: server.password},
            postgres_leftovers,
        )
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _ensure_stores_database(server: PostgresServer) -> str:
    """The shared database of ``storage`` tests' schemas, created by the first of them."""
    admin = await asyncpg.connect(server.url(), password=server.password)
    try:
        exists = await admin.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", _STORES_DATABASE
        )
        if not exists:
            await admin.execute(f'CREATE DATABASE "{_STORES_DATABASE}"')
    finally:
        await admin.close()
    return _STORES_DATABASE


@pytest.fixture(params=BACKENDS)
async def storage_backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """Like ``backend``, but on PostgreSQL a schema of its own in a shared database."""
    if request.param == "sqlite":
        yield await _sqlite_backend(tmp_path)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    database = await _ensure_stores_database(server)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(server.url(database), password=server.password)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')

        async def no_leftovers() -> list[str]:
            return []

        yield Backend(
            "postgres",
            f"{server.url(database)}?search_path={schema}",
            {PASSWORD_VARIABLE: server.password},
            no_leftovers,
        )
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture
async def storage(storage_backend: Backend) -> AsyncIterator[Storage]:
    """An open, empty database of each backend; closed after the test."""
    db = await storage_backend.open()
    try:
        yield db
    finally:
        await db.close()
