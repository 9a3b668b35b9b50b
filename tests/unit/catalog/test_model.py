"""What the catalog derives from its section tree: listings, counts and paths."""

from __future__ import annotations

from bot.catalog.model import Catalog, Entry, Section


def entry(entry_id: str, section: str, *also_in: str) -> Entry:
    return Entry(entry_id, entry_id.title(), section, "paper", "About it.", also_in=also_in)


def tree() -> Catalog:
    # Children deliberately out of order in the tuple: listings follow ``order``.
    sections = (
        Section("datasets", "Datasets", 0),
        Section("music", "Music", 3, parent="datasets"),
        Section("speech", "Speech", 2, parent="datasets"),
        Section("accents", "Accents", 4, parent="speech"),
        Section("papers", "Papers", 5),
    )
    entries = (
        entry("music-a", "music"),
        entry("speech-a", "speech"),
        entry("accent-a", "accents"),
        entry("top-a", "datasets"),
        entry("both", "speech", "music"),  # cross-listed in a sibling: shown once
        entry("paper-a", "papers", "datasets", "papers"),  # also_in repeats its own section
    )
    return Catalog(sections, entries)


def listed(catalog: Catalog, section_id: str) -> list[tuple[str, str | None]]:
    return [
        (item.entry.id, item.subsection.id if item.subsection else None)
        for item in catalog.listing(section_id)
    ]


def test_listing_shows_own_entries_then_subsections_depth_first_by_order() -> None:
    assert listed(tree(), "datasets") == [
        ("top-a", None),
        ("paper-a", None),  # cross-listed here, so among the section's own
        ("speech-a", "speech"),
        ("both", "speech"),
        ("accent-a", "accents"),  # under the sub-section it is in, not its parent
        ("music-a", "music"),
    ]
    assert listed(tree(), "speech") == [("speech-a", None), ("both", None), ("accent-a", "accents")]


def test_counts_include_subsections_and_each_entry_once() -> None:
    catalog = tree()
    counts = {section.id: catalog.entry_count(section.id) for section in catalog.sections}
    assert counts == {"datasets": 6, "music": 2, "speech": 3, "accents": 1, "papers": 1}
    assert [e.id for e in catalog.entries_in("papers")] == ["paper-a"]


def test_unknown_section_has_no_listing_and_no_path() -> None:
    catalog = tree()
    assert catalog.listing("nope") == ()
    assert catalog.entry_count("nope") == 0
    assert catalog.path("nope") == ()


def test_path_runs_from_the_top_section_down() -> None:
    assert [s.id for s in tree().path("accents")] == ["datasets", "speech", "accents"]
    assert [s.id for s in tree().path("papers")] == ["papers"]


def test_children_keep_catalog_order() -> None:
    catalog = tree()
    assert [s.id for s in catalog.children("datasets")] == ["music", "speech"]
    assert [s.id for s in catalog.children(None)] == ["datasets", "papers"]
    assert catalog.children("accents") == ()


def test_a_cycle_in_bad_data_ends_and_lists_each_entry_once() -> None:
    sections = (Section("a", "A", 0, parent="b"), Section("b", "B", 1, parent="a"))
    catalog = Catalog(sections, (entry("in-a", "a"), entry("in-b", "b")))

    assert listed(catalog, "a") == [("in-a", None), ("in-b", "b")]
    assert catalog.entry_count("b") == 2
    assert [s.id for s in catalog.path("a")] == ["b", "a"]


def test_derived_tables_do_not_affect_equality() -> None:
    assert tree() == tree()
