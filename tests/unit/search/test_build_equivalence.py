"""The index build gives exactly the tables the previous build gave, on awkward catalogs.

The golden rankings (``test_golden.py``) pin what users see on two catalogs; this pins the
tables themselves, on catalogs full of what the fast paths must not get wrong: accents and
German spellings, aliases and extra links, empty and punctuation-only titles, odd addresses,
repeated authors and tags, ids Discord cannot carry. The reference is the build before
issue 14's rework, kept runnable for the benchmark (``benchmarks/baselines``).
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from benchmarks.baselines.search_build_before.indexer import build_tables as previous_build
from benchmarks.bench_search import synthetic_catalog
from bot.catalog.model import Catalog, Entry, Link, Section
from bot.search.indexer import build_tables

ODD_TITLES = (
    "Über Straße: Jürgen's Øresund ÆON",
    "!!!",
    "",
    "a",
    "The Of And",
    "x" * 70,
    "Wave-U-Net: A Multi-Scale Neural Network for End-to-End Audio Source Separation, Again",
    "İstanbul ﬁlter café naïve",
    "日本語 タイトル test",
    "dsp_tools 2.0 v3",
    "MIR MIR mir",
    "ss us is s its",
    "Libraries Datasets Classes Buses",
    "12345 678",
    "tab\there\nnewline",
    "nul\x00inside",
)
ODD_URLS = (
    None,
    "github.com/foo/bar",
    "https://user@host:8080/a/b?c=d#e",
    "http://[::1]/x",
    "ftp://example.org/data.tar.gz",
    "https://arxiv.org/abs/1609.03499v2",
    "https://www.example.com/",
    "HTTPS://WWW.EXAMPLE.COM/Path/",
    "https://a.b/1609.03499 and 1703.10135",
    "https://x.org/\tbad",
    "https://ünïcode.org/päth",
    "  https://spaced.org/x  ",
    "https://arxiv.org/pdf/1703.10135.pdf#page=2",
)
ODD_PEOPLE = ("Jürgen Schmidhuber", "Zoë Ó'Briain", "Anna", "A. B. C", "Anna Smith", "anna smith")
ODD_TAGS = ("a-b", "source-separation", "über-tag", "x", "mir", "mir")


def odd_catalog(seed: int, size: int = 400) -> Catalog:
    base = synthetic_catalog(size, seed=seed)
    rng = random.Random(seed)
    sub = Section("sub-odd", "Sub Über Section", 99, parent=base.sections[0].id)
    sections = (*base.sections, sub)
    section_ids = [s.id for s in sections]
    entries: list[Entry] = []
    for entry in base.entries:
        changes: dict[str, Any] = {}
        if rng.random() < 0.25:
            changes["title"] = rng.choice(ODD_TITLES)
        if rng.random() < 0.25:
            changes["url"] = rng.choice(ODD_URLS)
        if rng.random() < 0.15:
            names = [*ODD_TITLES, "WN", "Wavenet", entry.title]
            changes["aliases"] = tuple(rng.sample(names, rng.randint(1, 3)))
        if rng.random() < 0.15:
            changes["links"] = tuple(
                Link(
                    rng.choice(("Code", "Demo Über", "", "Paper (PDF)")),
                    rng.choice([u for u in ODD_URLS if u] + [entry.url or "https://x.y/z"]),
                )
                for _ in range(rng.randint(1, 3))
            )
        if rng.random() < 0.2:
            changes["authors"] = tuple(rng.choice(ODD_PEOPLE) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.15:
            changes["tags"] = tuple(rng.choice(ODD_TAGS) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.2:
            changes["venue"] = rng.choice(("ICASSP", "ISMIR 2019", "Über Conf", ""))
        if rng.random() < 0.15:
            changes["description"] = rng.choice(
                ("", "Ünïcödé déscription, Straße", "x_y z__w", "Tabs\tand\nlines 3.5 v2.0 \x00")
            )
        if rng.random() < 0.1:
            changes["also_in"] = tuple(rng.sample(section_ids, 2))
        if rng.random() < 0.05:
            changes["id"] = "x" * 120  # longer than Discord sends back: never offered
        if rng.random() < 0.05:
            changes["kind"] = rng.choice(("person", "tip", "über"))
        entries.append(dataclasses.replace(entry, **changes))
    return Catalog(sections=sections, entries=tuple(entries))


def _owners(table: Any) -> dict[str, list[tuple[int, int]]]:
    return {key: list(table.pairs(key)) for key in table}


def _typos(table: Any) -> tuple[list[str], list[list[tuple[str, float]]]]:
    words: list[str] = table._words
    asked = [q for w in words[:: max(1, len(words) // 200)] for q in (w, w[1:], w[:-1] + "q")]
    return words, [table.near(q, cutoff=60) for q in asked]


def _tables(tables: Any) -> dict[str, Any]:
    return {
        "rank": list(tables.rank),
        "by_rank": list(tables.by_rank),
        **{name: _owners(getattr(tables, name)) for name in ("postings", "phrases", "titles")},
        "urls": _owners(tables.urls),
        "arxiv": tables.arxiv,
        "coverage_sets": tables.coverage_sets,
        "by_author": tables.by_author,
        "by_tag": tables.by_tag,
        "prefix keys": list(tables.prefixes._keys),
        "prefix values": list(tables.prefixes._values),
        "prefix precomputed": tables.prefixes._precomputed,
        "word typos": _typos(tables.word_typos),
        "title typos": _typos(tables.title_typos),
        "vocab": list(tables.vocab),
        "sorted titles": list(tables.sorted_titles),
        "sorted urls": list(tables.sorted_urls),
    }


CATALOGS = {
    **{f"odd-{seed}": (lambda seed=seed: odd_catalog(seed)) for seed in range(4)},
    "synthetic-1500": lambda: synthetic_catalog(1500, seed=3),
}


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_the_tables_are_those_of_the_previous_build(name: str) -> None:
    catalog = CATALOGS[name]()
    now, before = _tables(build_tables(catalog)), _tables(previous_build(catalog))
    differing = [part for part in before if now[part] != before[part]]
    assert differing == [], f"{name}: tables differ from the previous build's: {differing}"


def test_the_check_sees_a_changed_table() -> None:
    """The comparison is not vacuous: one entry's title changed shows up."""
    catalog = odd_catalog(0, size=60)
    changed = dataclasses.replace(catalog.entries[5], title="Entirely Different Words")
    other = dataclasses.replace(
        catalog, entries=(*catalog.entries[:5], changed, *catalog.entries[6:])
    )
    now, before = _tables(build_tables(other)), _tables(previous_build(catalog))
    assert now["postings"] != before["postings"]
    assert now["prefix keys"] != before["prefix keys"]
