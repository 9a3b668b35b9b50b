"""The suggestions benchmark's small run: its counts are exact, so they are checked here too."""

from __future__ import annotations

import pytest

from benchmarks import bench_suggestions

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_the_quick_vote_burst_ends_with_exact_counts_and_few_edits() -> None:
    through_discord, service_only, revotes = bench_suggestions.run(quick=True)
    for row in (through_discord, service_only):
        assert row["answered"] == row["votes"] == 200
        assert row["exact_db"] is True
    assert through_discord["exact_messages"] is True
    # Debounced: far fewer message edits than votes.
    assert 0 < through_discord["message_edits"] < through_discord["votes"] // 4
    # 20 members toggling one suggestion at once, 5 rounds: still exact everywhere.
    assert revotes["answered"] == revotes["votes"] == 100
    assert revotes["exact_db"] is True
    assert revotes["exact_messages"] is True


def test_a_re_vote_plan_predicts_toggles() -> None:
    waves, expected = bench_suggestions._revote_plan([1, 2, 3], 9, rounds=4)
    assert [len(wave) for wave in waves] == [3, 3, 3, 3]
    final: dict[int, str | None] = {}
    for wave in waves:
        for voter, _sid, action in wave:
            final[voter] = None if final.get(voter) == action else action
    tally = expected[9]
    assert (tally.up, tally.down) == (
        sum(v == "up" for v in final.values()),
        sum(v == "down" for v in final.values()),
    )
