"""Fixtures shared by every test. End-to-end fixtures live in ``tests/e2e/conftest.py``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import postgres
from tests.postgres import PostgresServer
from tests.shared_data import REPO_ROOT

# timeout_report: a timed-out test also prints its asyncio tasks (see that module).
# pytester: runs an inner pytest, to test what such a timeout prints.
# storage_backends: ``backend`` and ``storage``, fresh databases of both backends.
pytest_plugins = ["tests.timeout_report", "pytester", "tests.storage_backends"]


@pytest.fixture(scope="session", autouse=True)
def _cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Commands that cache (``bot.cache``) write under the session's temporary folder, never
    into the user's ~/.cache; child processes inherit it. Tests of the cache itself set
    their own folder."""
    saved = os.environ.get("ML_AUDIO_BOT_CACHE_DIR")
    os.environ["ML_AUDIO_BOT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        del os.environ["ML_AUDIO_BOT_CACHE_DIR"]
    else:
        os.environ["ML_AUDIO_BOT_CACHE_DIR"] = saved


@pytest.fixture(scope="session")
def catalog_dir() -> Path:
    return REPO_ROOT / "catalog"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL 15 for the whole session, started by the first test that asks
    for it and stopped at the end, whatever happened (see tests/postgres.py)."""
    postgres.require_binaries()
    server = postgres.start()
    try:
        yield server
    finally:
        postgres.stop(server)
