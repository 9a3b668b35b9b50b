"""Every hand-written query (labelled_queries.yaml) finds its entry in the top 3."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.search import SearchIndex
from tests.unit.search.real_catalog import labelled_queries, load_real_catalog

LABELLED = labelled_queries()


@pytest.fixture(scope="module")
def real_index() -> SearchIndex:
    return SearchIndex.build(load_real_catalog())


def test_the_labelled_set_is_large_and_varied() -> None:
    assert len(LABELLED) >= 120
    assert len({item["query"].casefold() for item in LABELLED}) == len(LABELLED)
    kinds = Counter(item["why"].split()[0] for item in LABELLED)
    for kind in ("typo", "author", "topic", "acronym", "section", "URL", "alias", "diacritics"):
        assert kinds[kind] >= 1, f"no labelled query of kind {kind!r}"


def test_every_expected_entry_exists(real_index: SearchIndex) -> None:
    missing = [i["expect"] for i in LABELLED if real_index.catalog.entry(i["expect"]) is None]
    assert missing == [], "labelled_queries.yaml expects ids the catalog does not have"


@pytest.mark.parametrize("item", LABELLED, ids=[item["query"] for item in LABELLED])
def test_expected_entry_is_in_the_top_3(real_index: SearchIndex, item: dict[str, str]) -> None:
    hits = real_index.search(item["query"], limit=3)
    found = [(hit.entry.id, hit.score, hit.field) for hit in hits]
    assert item["expect"] in [entry_id for entry_id, _, _ in found], found


def test_top_1_rate_is_at_least_95_percent(real_index: SearchIndex) -> None:
    misses = [
        item["query"]
        for item in LABELLED
        if [h.entry.id for h in real_index.search(item["query"], limit=1)] != [item["expect"]]
    ]
    assert len(misses) <= 0.05 * len(LABELLED), misses


def test_wavenet_is_the_confident_answer_to_wavenet(real_index: SearchIndex) -> None:
    hits = real_index.search("wavenet", limit=3)
    assert hits[0].entry.id == "wavenet"
    assert "1609.03499" in (hits[0].entry.url or "")
    assert real_index.is_confident(hits)
