"""The outbox benchmark's small run: its counts are exact, so they are checked here too."""

from __future__ import annotations

import pytest

from benchmarks import bench_outbox

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_the_quick_drain_posts_and_publishes_everything_once_despite_faults() -> None:
    [row] = bench_outbox.run(quick=True)
    assert row["faults_injected"] > 0
    assert row["post_requests"] > row["announcements"]  # faults did make it retry
    assert (row["visible"], row["published"]) == (row["announcements"], row["announcements"])
    assert (row["duplicates"], row["lost"], row["failed"]) == (0, 0, 0)
