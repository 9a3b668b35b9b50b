"""Fixtures of the storage tests: fresh PostgreSQL schemas for ``db copy`` and ``db backup``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres import PostgresServer
from tests.unit.storage.toys import new_schema


@pytest.fixture
def pg_url(postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema's URL; its password is in the environment."""
    monkeypatch.setenv("ML_AUDIO_BOT_DATABASE_PASSWORD", postgres_server.password)
    yield from new_schema(postgres_server)


@pytest.fixture
def other_pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A second fresh schema (needs ``pg_url`` for the password in the environment)."""
    yield from new_schema(postgres_server)
