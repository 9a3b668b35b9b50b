"""``make bench`` for search still runs; its numbers are read by people, not asserted."""

from __future__ import annotations

import pytest

from benchmarks import bench_search, build_probe

EXPECTED_KEYS = {"catalog", "figure", "inputs", "ours", "baseline", "theirs", "ratio"}


@pytest.mark.slow
def test_quick_run_compares_every_figure_with_a_baseline_on_the_same_inputs() -> None:
    rows = bench_search.run(quick=True)
    assert rows
    for row in rows:
        assert set(row) == EXPECTED_KEYS
        assert row["theirs"] is not None
        assert row["ratio"] is not None
    figures = {(row["catalog"], row["figure"], row["baseline"]) for row in rows}
    for catalog in {row["catalog"] for row in rows}:
        assert (catalog, "search p99 ms", "rapidfuzz extract") in figures
        assert (catalog, "autocomplete p99 ms", "WRatio over titles") in figures
        assert (catalog, "autocomplete p99 ms", "prefix/word scan") in figures
    real = {row["figure"] for row in rows if row["catalog"] == "real"}
    if real:
        assert {"top-1 tuning", "top-3 tuning", "top-1 held-out", "top-3 held-out"} <= real
    rates = [row for row in rows if row["figure"].startswith("top-")]
    assert all(0.0 <= row["ours"] <= 1.0 for row in rates)


def test_baselines_find_what_a_user_would_expect() -> None:
    catalog = bench_search.synthetic_catalog(200, seed=3)
    entry = catalog.entries[0]
    word = entry.title.split()[-1]
    scan = bench_search.PrefixScanEngine(catalog)
    assert entry.id in scan.autocomplete_ids(word[:3], 200)
    assert scan.autocomplete_ids(entry.title, 1) == [entry.id] or (
        sum(e.title.casefold() == entry.title.casefold() for e in catalog.entries) > 1
    )
    extract = bench_search.ExtractEngine(catalog)
    assert entry.id in extract.search_ids(entry.title, 3)
    titles = bench_search.TitleWRatioEngine(catalog)
    assert entry.id in titles.autocomplete_ids(entry.title, 3)


def test_synthetic_catalogs_are_reproducible() -> None:
    first = bench_search.synthetic_catalog(50, seed=7)
    again = bench_search.synthetic_catalog(50, seed=7)
    other = bench_search.synthetic_catalog(50, seed=8)
    assert first.entries == again.entries
    assert first.entries != other.entries
    assert len({entry.id for entry in first}) == 50


def test_build_probe_reports_its_fastest_build_and_the_memory_the_index_keeps() -> None:
    report = build_probe.probe("ours", "60", repeats=2)
    assert len(report["build_ms_samples"]) == 2
    assert report["build_ms"] == min(report["build_ms_samples"])
    assert report["memory_mib"] > 0


def test_build_rows_take_the_engines_in_turn_and_keep_each_ones_fastest() -> None:
    # A machine that slows down over the run: each probe is slower than the one before.
    calls: list[str] = []
    base = {"ours": 100.0, "extract": 1.0, "previous": 500.0}

    def probe(key: str, source: str) -> tuple[float, float]:
        calls.append(key)
        return base[key] * (1 + len(calls) / 10), 7.0

    load = bench_search.Workload(
        name="tiny",
        source="50",
        catalog=bench_search.synthetic_catalog(50),
        labelled={},
        search_inputs=[],
        autocomplete_inputs=[],
    )
    rows = bench_search._build_rows(load, probe, rounds=2)

    assert calls == ["ours", "extract", "previous"] * 2
    build = {row["baseline"]: row for row in rows if row["figure"] == "build ms"}
    assert build["previous build (baseline copy)"]["ours"] == 110.0  # first round's
    assert build["previous build (baseline copy)"]["theirs"] == 650.0  # 500 * 1.3
    assert build["rapidfuzz extract"]["theirs"] == 1.2
