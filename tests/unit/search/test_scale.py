"""A 10 000-entry catalog behaves like the small one (speed itself is measured by make bench)."""

from __future__ import annotations

import pytest

from benchmarks.bench_search import synthetic_catalog, synthetic_labelled
from bot.search import MAX_CHOICE_CHARS, SearchIndex


@pytest.fixture(scope="module")
def big_index() -> SearchIndex:
    return SearchIndex.build(synthetic_catalog(10_000))


@pytest.mark.slow
def test_titles_with_a_typo_are_found_among_10000(big_index: SearchIndex) -> None:
    pairs = synthetic_labelled(big_index.catalog, 30)
    found = sum(
        expected in [h.entry.id for h in big_index.search(query, limit=3)]
        for query, expected in pairs
    )
    assert found >= 27, f"only {found} of 30 typo'd titles found in the top 3"


@pytest.mark.slow
def test_autocomplete_limits_hold_among_10000(big_index: SearchIndex) -> None:
    for text in ("", "s", "wave", "spec", "polyphonic tr", "müller", "zzzz"):
        choices = big_index.autocomplete(text)
        assert len(choices) <= 25
        assert all(len(c.name) <= MAX_CHOICE_CHARS and len(c.value) <= 100 for c in choices)
    assert len(big_index.autocomplete("s")) == 25
