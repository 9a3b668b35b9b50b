"""The suggestions benchmark's small run: its counts are exact, so they are checked here too."""

from __future__ import annotations

import pytest

from benchmarks import bench_suggestions

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_the_quick_vote_burst_ends_with_exact_counts_and_few_edits() -> None:
    through_discord, service_only = bench_suggestions.run(quick=True)
    for row in (through_discord, service_only):
        assert row["answered"] == row["votes"] == 200
        assert row["exact_db"] is True
    assert through_discord["exact_messages"] is True
    # Debounced: far fewer message edits than votes.
    assert 0 < through_discord["message_edits"] < through_discord["votes"] // 4
