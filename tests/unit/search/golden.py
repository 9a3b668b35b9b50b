"""Golden rankings: every result the search index gives for a few thousand queries, recorded.

The index's build may be restructured for speed and memory; what users see must not move.
``capture`` asks an index the labelled queries and thousands of generated ones (titles with
typos, word and title prefixes, authors, filters, every title's autocomplete prefixes) and
records the full ordered answers: ids with scores and fields for ``search``, ids for
``autocomplete`` and ``related``. ``test_golden.py`` compares a fresh capture with the file.

After an intended ranking change (or a catalog edit), rewrite the file and review its diff
in the tests that explain the change::

    .venv/bin/python -m tests.unit.search.golden
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from pathlib import Path
from typing import Any

from benchmarks.bench_search import synthetic_catalog
from bot.catalog.model import Catalog, Entry
from bot.search import SearchIndex

GOLDEN_FILE = Path(__file__).with_name("golden_rankings.json.gz")
SYNTHETIC_SIZE = 2_000
SEED = 14
# Title prefixes typed into autocomplete, by length; every title gets each of them.
PREFIX_LENGTHS = (1, 2, 3, 4, 6, 9, 14)

Answers = list[list[Any]]


def fingerprint(catalog: Catalog) -> str:
    """Changes whenever anything the index reads changes, so a stale file is told apart."""
    digest = hashlib.sha256()
    for entry in catalog.entries:
        digest.update(repr(_indexed_fields(entry)).encode())
    for section in catalog.sections:
        digest.update(repr((section.id, section.title, section.parent)).encode())
    return digest.hexdigest()[:16]


def _indexed_fields(entry: Entry) -> tuple[object, ...]:
    return (
        entry.id,
        entry.title,
        entry.section,
        entry.kind,
        entry.description,
        entry.url,
        entry.authors,
        entry.year,
        entry.venue,
        entry.tags,
        entry.aliases,
        tuple((link.title, link.url) for link in entry.links),
        entry.also_in,
    )


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    position = rng.randrange(1, len(text) - 1)
    action = rng.choice(("drop", "swap", "double", "replace"))
    if action == "drop":
        return text[:position] + text[position + 1 :]
    if action == "swap":
        return text[: position - 1] + text[position] + text[position - 1] + text[position + 1 :]
    if action == "double":
        return text[:position] + text[position] + text[position:]
    return text[:position] + rng.choice("aeiourstnl") + text[position + 1 :]


def search_queries(catalog: Catalog, labelled: list[str], sample: int) -> list[str]:
    """The labelled queries, then queries made from a sample of entries, without repeats."""
    rng = random.Random(SEED)
    entries = list(catalog.entries)
    picked = entries if len(entries) <= sample else rng.sample(entries, sample)
    queries = list(labelled)
    for entry in picked:
        title = entry.title
        words = title.split()
        queries += [title, title.lower(), _typo(rng, title.lower()), title[: rng.randint(3, 10)]]
        if len(words) > 1:
            queries += [rng.choice(words), " ".join(_typo(rng, w.lower()) for w in words[:3])]
        if entry.authors:
            author = rng.choice(entry.authors)
            queries += [author, _typo(rng, author.split()[-1].lower())]
        queries += list(entry.aliases)
        if entry.tags:
            queries.append(rng.choice(entry.tags).replace("-", " "))
        if entry.url:
            queries.append(entry.url)
    queries += ["", "   ", "audio", "the", "a b c", "zzzzqqq", "music information retrieval"]
    return list(dict.fromkeys(queries))


def autocomplete_inputs(catalog: Catalog, sample: int) -> list[str]:
    """Prefixes of every title and alias, later words, surnames and typos."""
    rng = random.Random(SEED + 1)
    inputs = [""]
    for entry in catalog.entries:
        for name in (entry.title, *entry.aliases):
            inputs += [name[:length] for length in PREFIX_LENGTHS if length <= len(name)]
    entries = list(catalog.entries)
    picked = entries if len(entries) <= sample else rng.sample(entries, sample)
    for entry in picked:
        words = entry.title.split()
        if len(words) > 1:
            word = rng.choice(words[1:])
            inputs.append(word[: rng.randint(1, len(word))])
        if entry.authors:
            surname = rng.choice(entry.authors).split()[-1]
            inputs.append(surname[: rng.randint(2, len(surname))])
        inputs.append(_typo(rng, entry.title[:10].lower()))
        inputs.append(entry.title.lower())
    return list(dict.fromkeys(inputs))


def capture(index: SearchIndex, labelled: list[str], sample: int) -> dict[str, Any]:
    """What ``index`` answers to every generated query, in a JSON-ready form."""
    catalog = index.catalog
    position = {entry.id: i for i, entry in enumerate(catalog.entries)}
    sections = sorted(section.id for section in catalog.sections)[:3]
    kinds = sorted({entry.kind for entry in catalog.entries})[:3]
    search: Answers = []
    for query in search_queries(catalog, labelled, sample):
        hits = index.search(query, limit=10)
        search.append([query, [[position[h.entry.id], h.score, h.field] for h in hits]])
        quick = index.search(query, limit=5, thorough=False)
        search.append([query, "quick", [position[h.entry.id] for h in quick]])
    filtered: Answers = []
    for query in search_queries(catalog, labelled, sample)[: max(40, len(labelled))]:
        for section in sections:
            hits = index.search(query, limit=5, section=section)
            filtered.append([query, "section", section, [position[h.entry.id] for h in hits]])
        for kind in kinds:
            hits = index.search(query, limit=5, kind=kind)
            filtered.append([query, "kind", kind, [position[h.entry.id] for h in hits]])
    complete: Answers = []
    for text in autocomplete_inputs(catalog, sample):
        choices = index.autocomplete(text)
        complete.append([text, [position[c.value] for c in choices]])
    related: Answers = [
        [i, [position[e.id] for e in index.related(entry, limit=5)]]
        for i, entry in enumerate(catalog.entries[:sample])
    ]
    return {
        "fingerprint": fingerprint(catalog),
        "search": search,
        "filtered": filtered,
        "autocomplete": complete,
        "related": related,
    }


def catalogs() -> dict[str, tuple[Catalog, list[str], int]]:
    """The catalogs the golden file covers: (catalog, labelled queries, entries sampled)."""
    from tests.unit.search.real_catalog import labelled_queries, load_real_catalog

    real = load_real_catalog()
    labelled = [item["query"] for item in labelled_queries()]
    return {
        "real": (real, labelled, len(real.entries)),
        "synthetic-2k": (synthetic_catalog(SYNTHETIC_SIZE), [], 600),
    }


def capture_all() -> dict[str, dict[str, Any]]:
    return {
        name: capture(SearchIndex.build(catalog), labelled, sample)
        for name, (catalog, labelled, sample) in catalogs().items()
    }


def json_round_trip(value: Any) -> Any:
    """``value`` as it reads back from the file (tuples become lists)."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def load() -> dict[str, dict[str, Any]]:
    with gzip.open(GOLDEN_FILE, "rt", encoding="utf-8") as stream:
        data: dict[str, dict[str, Any]] = json.load(stream)
    return data


def write(data: dict[str, dict[str, Any]]) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # mtime=0: the same rankings give the same bytes, so git sees no change.
    with open(GOLDEN_FILE, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as z:
        z.write(text.encode("utf-8"))


if __name__ == "__main__":
    captured = capture_all()
    write(captured)
    for name, part in captured.items():
        counts = {key: len(value) for key, value in part.items() if isinstance(value, list)}
        print(f"{name}: {counts}")
    print(f"written {GOLDEN_FILE} ({GOLDEN_FILE.stat().st_size // 1024} KiB)")
