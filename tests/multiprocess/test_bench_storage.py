"""``make bench``'s storage rows still run, on every setting, and stay exact; their rates are
read by people, not asserted."""

from __future__ import annotations

import pytest

from benchmarks import bench_storage
from tests import postgres

pytestmark = pytest.mark.slow


def test_quick_run_measures_every_setting_with_exact_outcomes() -> None:
    postgres.require_binaries()
    rows = bench_storage.run(quick=True)

    assert [row["setting"] for row in rows] == [
        f"{backend} x{processes}" for backend, processes in bench_storage.SETTINGS
    ]
    for row in rows:
        assert row["exact"] is True, row
        assert row["votes_per_s"] > 0
        assert row["posts_per_s"] > 0
    assert rows[0]["votes_ratio"] == rows[0]["posts_ratio"] == 1.0
