"""``match_sections``: what every section picker (``/section``, ``/suggest``) offers."""

from __future__ import annotations

from bot.catalog.model import Catalog, Section
from bot.search import match_sections

CATALOG = Catalog(
    (
        Section("datasets", "Datasets", 0),
        Section("speech-data", "Speech Corpora", 1, parent="datasets"),
        Section("key-papers", "Key Papers", 2),
        Section("music-papers", "Papers about Music", 3),
        Section("ecoles", "Écoles d'été", 4),
    ),
    (),
)


def ids(typed: str, limit: int = 25) -> list[str]:
    return [section.id for section in match_sections(CATALOG, typed, limit)]


def test_nothing_typed_offers_every_section_in_reading_order() -> None:
    assert ids("") == ["datasets", "speech-data", "key-papers", "music-papers", "ecoles"]
    assert ids("   ") == ids("")


def test_title_or_id_starting_with_the_text_comes_before_containing_it() -> None:
    assert ids("papers") == [
        "music-papers",
        "key-papers",
    ]  # title starts, title contains
    assert ids("pap") == ["music-papers", "key-papers"]
    assert ids("KEY") == ["key-papers"]


def test_text_inside_an_id_matches_as_well_as_inside_a_title() -> None:
    assert ids("data") == ["datasets", "speech-data"]  # "speech-data" only by its id
    assert ids("corpora") == ["speech-data"]


def test_case_accents_and_spacing_are_ignored() -> None:
    assert ids("ecoles d'ete") == ["ecoles"]
    assert ids("Key   papers") == ["key-papers"]


def test_unmatched_text_offers_nothing() -> None:
    assert ids("underwater basket weaving") == []


def test_at_most_limit_sections() -> None:
    assert ids("", limit=2) == ["datasets", "speech-data"]
    assert ids("", limit=0) == []


def test_reading_order_follows_order_not_the_tuple() -> None:
    shuffled = Catalog((Section("b", "Beta", 2), Section("a", "Alpha", 1)), ())
    assert [s.id for s in match_sections(shuffled, "")] == ["a", "b"]
