"""Access to ``../shared``: real data written by others, beside the repository.

Tests that read it skip when it is absent, except in CI, where ``REQUIRE_SHARED_DATA=1``
turns the skip into a failure, so that a missing folder never passes silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
SHARED_DATA = SHARED_DIR / "data"


def shared_path(*parts: str) -> Path:
    """The path of a file or folder under ``../shared/data``, or skip (fail in CI)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        message = f"shared data not found: {path}"
        if os.environ.get("REQUIRE_SHARED_DATA") == "1":
            pytest.fail(message + " (REQUIRE_SHARED_DATA=1)")
        pytest.skip(message)
    return path
