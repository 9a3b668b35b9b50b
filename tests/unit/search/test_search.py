"""Ranking as a user notices it, on a small hand-made catalog (see conftest.py)."""

from __future__ import annotations

import pytest

from bot.catalog.model import Catalog, Entry, Section
from bot.search import SearchIndex, UnknownFilterError


def top_ids(index: SearchIndex, query: str, limit: int = 3, **filters: str) -> list[str]:
    return [hit.entry.id for hit in index.search(query, limit=limit, **filters)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("wavenet", "wavenet"),
        ("wave net", "wavenet"),
        ("wave-u-net", "wave-u-net"),
        ("waveunet", "wave-u-net"),
        ("Wave U Net", "wave-u-net"),
        ("librossa", "librosa"),
        ("wavnet", "wavenet"),
        ("sampl rnn", "samplernn"),
        ("audiomentaions", "audiomentations"),
    ],
)
def test_names_are_found_whatever_the_spelling(
    small_index: SearchIndex, query: str, expected: str
) -> None:
    assert top_ids(small_index, query)[0] == expected


@pytest.mark.parametrize(
    ("query", "expected", "field"),
    [
        ("dieleman", "wavenet", "author"),
        ("Jordi Pons", "pons-few-data", "author"),
        ("smaragdis", "smaragdis-sane-2015", "author"),
        ("Stöter", "audio-ml-twitter", "author"),
        ("Stoter", "audio-ml-twitter", "author"),
        ("stoeter", "audio-ml-twitter", "author"),
        ("Jurgen", "schmidhuber-books", "title"),
        ("DSP", "adsp", "acronym"),
        ("TASLP", "taslp", "alias"),
        ("NMF", "smaragdis-sane-2015", "title"),
        ("source separation", "wave-u-net", "tag"),
        ("data augmentation", "audiomentations", "tag"),
        ("genre classification", "gtzan", "title"),
        ("1609.03499", "wavenet", "arxiv id"),
        ("github.com/iver56", "audiomentations", "url"),
        ("http://marsyas.info/downloads/datasets.html", "gtzan", "url"),
    ],
)
def test_each_kind_of_query_finds_its_entry_and_says_why(
    small_index: SearchIndex, query: str, expected: str, field: str
) -> None:
    hit = small_index.search(query, limit=1)[0]
    assert (hit.entry.id, hit.field) == (expected, field)


def test_section_words_reach_the_section_entries(small_index: SearchIndex) -> None:
    assert set(top_ids(small_index, "datasets", limit=2)) == {"gtzan", "nsynth"}
    assert top_ids(small_index, "conferences")[0] == "ismir"


def test_mir_is_ambiguous_and_says_so(small_index: SearchIndex) -> None:
    hits = small_index.search("MIR")
    assert {h.entry.id for h in hits[:2]} == {"ismir", "mir-notes"}
    assert not small_index.is_confident(hits)


def test_a_typed_name_is_a_confident_answer(small_index: SearchIndex) -> None:
    hits = small_index.search("wavenet")
    assert hits[0].score == 100.0
    assert small_index.is_confident(hits)


def test_a_vague_prefix_is_not_confident(small_index: SearchIndex) -> None:
    assert not small_index.is_confident(small_index.search("wave"))
    assert not small_index.is_confident([])


def test_scores_are_between_0_and_100_and_sorted(small_index: SearchIndex) -> None:
    hits = small_index.search("neural audio synthesis", limit=20)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 100 for score in scores)


def test_equal_scores_are_ordered_by_title() -> None:
    twins = tuple(
        Entry(id=f"e{n}", title=title, section="s", kind="paper", description="Same words.")
        for n, title in enumerate(["Zeta nets", "Alpha nets", "Mid nets"])
    )
    index = SearchIndex.build(Catalog((Section("s", "S", 1),), twins))
    hits = index.search("same words")
    assert [h.entry.title for h in hits] == ["Alpha nets", "Mid nets", "Zeta nets"]
    assert len({h.score for h in hits}) == 1


def test_limit_is_respected(small_index: SearchIndex) -> None:
    assert len(small_index.search("audio", limit=2)) == 2
    assert small_index.search("audio", limit=0) == []


def test_blank_and_unmatched_queries_find_nothing(small_index: SearchIndex) -> None:
    assert small_index.search("") == []
    assert small_index.search("   ?! ") == []
    assert small_index.search("zzzzqqqxx") == []


def test_section_filter_includes_sub_sections(small_index: SearchIndex) -> None:
    # ISMIR lives in "conferences-audio", a sub-section of "conferences".
    assert top_ids(small_index, "music", limit=5, section="conferences") == ["ismir"]
    assert top_ids(small_index, "music", limit=5, section="Conferences") == ["ismir"]
    assert top_ids(small_index, "music", limit=5, section="conference") == ["ismir"]


def test_kind_filter(small_index: SearchIndex) -> None:
    assert set(top_ids(small_index, "audio", limit=20, kind="dataset")) <= {"gtzan", "nsynth"}
    assert top_ids(small_index, "audio", limit=20, kind="datasets")  # plural accepted


def test_unknown_section_suggests_the_closest(small_index: SearchIndex) -> None:
    with pytest.raises(UnknownFilterError) as caught:
        small_index.search("wavenet", section="datsets")
    assert caught.value.suggestions[0] == "datasets"
    assert "Did you mean" in str(caught.value)


def test_unknown_kind_suggests_the_closest(small_index: SearchIndex) -> None:
    with pytest.raises(UnknownFilterError) as caught:
        small_index.search("wavenet", kind="papr")
    assert "paper" in caught.value.suggestions


def test_related_prefers_shared_authors_and_tags(small_index: SearchIndex) -> None:
    wavenet = small_index.catalog.entry("wavenet")
    assert wavenet is not None
    related = [e.id for e in small_index.related(wavenet)]
    assert "wavenet" not in related
    assert set(related) == {"samplernn", "wavernn", "wave-u-net"}  # same section and tags
    assert related[:2] == ["samplernn", "wavernn"]  # those two also share a tag


def test_related_for_an_entry_alone_in_its_section(small_index: SearchIndex) -> None:
    entry = small_index.catalog.entry("schmidhuber-books")
    assert entry is not None
    assert small_index.related(entry) == []
    assert small_index.related(entry, limit=0) == []
