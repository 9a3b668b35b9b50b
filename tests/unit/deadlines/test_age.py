"""``DataAge``: the newest of the catalog's date and a later sync's, per series too."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.deadlines.age import DataAge, newest

COMMIT = datetime(2026, 11, 21, tzinfo=UTC)
SYNC = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def test_the_newest_age_wins_and_each_series_keeps_its_own_latest_change() -> None:
    catalog = DataAge(COMMIT, "catalog/deadlines, last commit", {"icassp": COMMIT})
    synced = DataAge(SYNC, "ccfddl sync", {"neurips": SYNC})
    both = newest(catalog, None, synced)
    assert both is not None
    assert (both.as_of, both.source) == (SYNC, "ccfddl sync")
    assert both.changed_at("icassp") == COMMIT  # untouched by the sync
    assert both.changed_at("neurips") == SYNC
    assert newest(None, None) is None
