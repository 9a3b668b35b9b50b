"""Fixtures shared by every test. End-to-end fixtures live in ``tests/e2e/conftest.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared_data import REPO_ROOT

# timeout_report: a timed-out test also prints its asyncio tasks (see that module).
# pytester: runs an inner pytest, to test what such a timeout prints.
pytest_plugins = ["tests.timeout_report", "pytester"]


@pytest.fixture(scope="session")
def catalog_dir() -> Path:
    return REPO_ROOT / "catalog"
