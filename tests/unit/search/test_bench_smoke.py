"""``make bench`` for search still runs; its numbers are read by people, not asserted."""

from __future__ import annotations

import pytest

from benchmarks import bench_search

EXPECTED_KEYS = {
    "catalog",
    "engine",
    "entries",
    "build_ms",
    "memory_mb",
    "search_p50_ms",
    "search_p99_ms",
    "autocomplete_p50_ms",
    "autocomplete_p99_ms",
    "labelled",
    "top1",
    "top3",
    "autocomplete_speedup",
    "build_vs_naive",
    "memory_vs_naive",
}


@pytest.mark.slow
def test_quick_run_gives_comparable_rows_for_both_engines() -> None:
    rows = bench_search.run(quick=True)
    assert rows
    for row in rows:
        assert set(row) == EXPECTED_KEYS
        assert 0.0 <= row["top1"] <= row["top3"] <= 1.0
    engines = {(row["catalog"], row["engine"]) for row in rows}
    catalogs = {catalog for catalog, _ in engines}
    assert engines == {(c, e) for c in catalogs for e in ("ours", "naive")}
    assert any(catalog.startswith("synthetic") for catalog in catalogs)


def test_synthetic_catalogs_are_reproducible() -> None:
    first = bench_search.synthetic_catalog(50, seed=7)
    again = bench_search.synthetic_catalog(50, seed=7)
    other = bench_search.synthetic_catalog(50, seed=8)
    assert first.entries == again.entries
    assert first.entries != other.entries
    assert len({entry.id for entry in first}) == 50
