"""Fixtures shared by every test. End-to-end fixtures live in ``tests/e2e/conftest.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared_data import REPO_ROOT


@pytest.fixture(scope="session")
def catalog_dir() -> Path:
    return REPO_ROOT / "catalog"
