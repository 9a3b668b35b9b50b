"""Building the search tables: one pass over the catalog, each text worked out once.

Every name (title, alias, author, tag) is analysed once per build, however many entries
share it, into ready-made pieces (``names``); so are sections, kinds, venues and link
titles. Per entry the builder then only merges those pieces with ``dict.update`` (weakest
field first, so the strongest field of a word is the one kept) and hands the result to the
owner tables, which group all entries at the end (``postings``).
"""

from __future__ import annotations

import gc
import threading
from array import array
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from operator import add, attrgetter, itemgetter
from typing import Any, TypeVar

from bot.catalog.model import Catalog, Entry
from bot.search import normalise as norm
from bot.search.fields import (
    FIELD,
    KEY_KINDS,
    LOW_KINDS,
    MAX_CHOICES,
    MAX_TYPO_TITLE_CHARS,
    offerable,
)
from bot.search.names import (
    Analysis,
    PersonParts,
    TagParts,
    TitleParts,
    analyse,
    person_parts,
    tag_parts,
    title_parts,
)
from bot.search.postings import OwnersBuilder, OwnerTable, keep_best, owner_table
from bot.search.prefix import PrefixTable
from bot.search.typos import TypoTable

_ACRONYM = FIELD["acronym"]
_VENUE, _SECTION, _KIND = FIELD["venue"], FIELD["section"], FIELD["kind"]
_DESCRIPTION, _LINK, _URL = FIELD["description"], FIELD["link"], FIELD["url"]

_T = TypeVar("_T")
_P = TypeVar("_P", TitleParts, PersonParts, TagParts)
Parts = TitleParts | PersonParts | TagParts
# Entries per step of the build (see ``_Builder.run``).
_CHUNK = 1024


@dataclass(slots=True)
class Tables:
    """Everything ``SearchIndex`` looks things up in; immutable once built."""

    rank: Sequence[int]  # entry → its place in the static order
    by_rank: Sequence[int]  # the static order: place → entry
    postings: OwnerTable
    phrases: OwnerTable
    titles: OwnerTable
    urls: OwnerTable
    arxiv: dict[str, tuple[int, ...]]
    coverage_sets: list[tuple[tuple[str, ...], ...]]
    by_author: dict[str, tuple[int, ...]]
    by_tag: dict[str, tuple[int, ...]]
    prefixes: PrefixTable
    vocab: list[str] = field(init=False)
    sorted_titles: list[str] = field(init=False)
    sorted_urls: list[str] = field(init=False)
    word_typos: TypoTable = field(init=False)
    title_typos: TypoTable = field(init=False)

    def __post_init__(self) -> None:
        # The owner tables keep their keys sorted: the lists to bisect for prefixes.
        self.vocab = self.postings.keys
        # Edit distance only makes sense for words: numbers and id-like parts are left out.
        self.word_typos = TypoTable(w for w in self.vocab if not w.isdigit())
        self.sorted_titles = self.titles.keys
        self.sorted_urls = self.urls.keys
        self.title_typos = TypoTable(k for k in self.titles if len(k) <= MAX_TYPO_TITLE_CHARS)


def static_rank(entries: list[Entry]) -> list[int]:
    """A static order for ties and for autocomplete: reading order, credits and tips last."""
    return sorted(range(len(entries)), key=lambda i: (entries[i].kind in LOW_KINDS, i))


# The empty autocomplete box shows a mix of kinds, most useful first.
DEFAULT_KIND_ORDER: tuple[str, ...] = (
    "paper",
    "library",
    "dataset",
    "course",
    "book",
    "tutorial",
    "talk",
    "demo",
    "tool",
    "reference",
    "journal",
    "conference",
    "competition",
    "community",
    "group",
)


def default_choice_order(entries: list[Entry], by_rank: Sequence[int]) -> list[int]:
    """The empty box: the first entries of each kind in turn, most useful kinds first."""
    queues: dict[str, list[int]] = defaultdict(list)
    for i in by_rank:
        entry = entries[i]
        if offerable(entry) and entry.kind in DEFAULT_KIND_ORDER:
            queues[entry.kind].append(i)
    picked: list[int] = []
    depth = 0
    while len(picked) < MAX_CHOICES and any(len(q) > depth for q in queues.values()):
        for kind in DEFAULT_KIND_ORDER:
            queue = queues.get(kind, [])
            if depth < len(queue) and len(picked) < MAX_CHOICES:
                picked.append(queue[depth])
        depth += 1
    return picked


def members_by_section(catalog: Catalog, entries: list[Entry]) -> dict[str, frozenset[int]]:
    """Entries under each section, counting cross-listings and sub-sections."""
    direct: dict[str, set[int]] = defaultdict(set)
    for i, entry in enumerate(entries):
        for section_id in (entry.section, *entry.also_in):
            direct[section_id].add(i)
    members: dict[str, frozenset[int]] = {}
    for section in catalog.sections:
        collected = set(direct.get(section.id, ()))
        stack, seen = [section.id], {section.id}
        while stack:
            for child in catalog.children(stack.pop()):
                if child.id not in seen:
                    seen.add(child.id)
                    stack.append(child.id)
                    collected |= direct.get(child.id, set())
        members[section.id] = frozenset(collected)
    for section_id, found in direct.items():
        members.setdefault(section_id, frozenset(found))
    return members


class _Builder:
    """Field by field over a chunk of entries at a time; memos live as long as the build.

    Each step is a C-level ``map`` over the chunk's entries (``_each`` runs one), so the
    per-entry work is what ``dict`` and ``re`` do, not Python statements. Entries with
    aliases or extra links, which are few, take a plain loop for those parts.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.entries = list(catalog.entries)
        # Compact arrays: lists would keep an int object (28 bytes) per entry besides.
        self.by_rank = array("i", static_rank(self.entries))
        self.rank = array("i", bytes(4 * len(self.entries)))
        for rank, i in enumerate(self.by_rank):
            self.rank[i] = rank
        self._analyses: dict[str, Analysis] = {}
        self._texts: dict[tuple[str, int], dict[str, int]] = {}
        self._contexts: dict[tuple[str, tuple[str, ...], str | None], dict[str, int]] = {}

    def run(self) -> Tables:
        entries = self.entries
        count = len(entries)
        titles = self._parts([e.title for e in entries], self._title)
        people = self._grouped([e.authors for e in entries], self._person)
        tags = self._grouped([e.tags for e in entries], self._tag)
        aliases = {
            i: [self._alias(a) for a in e.aliases] for i, e in enumerate(entries) if e.aliases
        }
        with_links = [i for i, e in enumerate(entries) if e.links]
        columns = _Columns(titles, people, tags, aliases, with_links)
        # Chunks keep each step's working set (an entry's words are ~1 KiB) in the CPU
        # caches; only the flat (key, code) lists outlive a chunk.
        postings, phrases = OwnersBuilder(), OwnersBuilder()
        for lo in range(0, count, _CHUNK):
            chunk = range(lo, min(lo + _CHUNK, count))
            postings.add(self._words(chunk, columns))
            phrases.add(_phrases(chunk, columns))
        title_keys = list(map(attrgetter("spelling_keys"), titles))
        coverage = list(map(attrgetter("coverage"), titles))
        for i, names in aliases.items():
            title_keys[i], coverage[i] = _alias_titles(titles[i], names)
        url_keys, arxiv = self._urls([e.url for e in entries], with_links)
        return Tables(
            rank=self.rank,
            by_rank=self.by_rank,
            postings=postings.freeze(),
            phrases=phrases.freeze(),
            titles=owner_table(title_keys),
            urls=owner_table(url_keys),
            arxiv=arxiv,
            coverage_sets=coverage,
            by_author=_owners(map(attrgetter("phrase"), chain.from_iterable(people)), people),
            by_tag=_owners(chain.from_iterable(e.tags for e in entries), tags),
            prefixes=PrefixTable(self._offers(columns)),
        )

    def _words(self, chunk: range, columns: _Columns) -> list[dict[str, int]]:
        """Each word of the chunk's entries with the strongest field it appears in.

        Weakest fields first, so a stronger field's code overwrites a weaker one's.
        """
        entries = self.entries[chunk.start : chunk.stop]
        words = list(map(dict.fromkeys, map(_url_tokens, [e.url for e in entries]), repeat(_URL)))
        linked = columns.within(columns.with_links, chunk)
        for i in linked:
            for link in self.entries[i].links:
                words[i - chunk.start].update(dict.fromkeys(norm.url_tokens(link.url), _URL))
        for i in linked:
            for link in self.entries[i].links:
                words[i - chunk.start].update(self._text_words(link.title, _LINK))
        descriptions = map(norm.variant_tokens, [e.description for e in entries])
        _each(dict.update, words, map(dict.fromkeys, descriptions, repeat(_DESCRIPTION)))
        # Kind, sections and venue: few combinations, each merged once.
        contexts = [(e.kind, (e.section, *e.also_in), e.venue) for e in entries]
        _each(dict.update, words, map(self._context, contexts))
        tags, people = (
            columns.tags[chunk.start : chunk.stop],
            columns.people[chunk.start : chunk.stop],
        )
        _each(dict.update, _repeat_each(words, map(len, tags)), _field(tags, "words"))
        _each(dict.update, _repeat_each(words, map(len, people)), _field(people, "words"))
        own = list(map(attrgetter("own_words"), columns.titles[chunk.start : chunk.stop]))
        for i in columns.within(columns.with_aliases, chunk):
            own[i - chunk.start] = _alias_words(columns.titles[i], columns.aliases[i])
        _each(dict.update, words, own)
        return words

    # ------------------------------------------------------------------ once per distinct text

    @staticmethod
    def _parts(texts: list[str], make: Callable[[str], _P]) -> list[_P]:
        """``make(text)`` for each text, called once per distinct one."""
        made = {text: make(text) for text in dict.fromkeys(texts)}
        return list(map(made.__getitem__, texts))

    def _grouped(
        self, groups: list[tuple[str, ...]], make: Callable[[str], _P]
    ) -> list[tuple[_P, ...]]:
        """``make`` for each text of each group (authors, tags), once per distinct text."""
        made = iter(self._parts(list(chain.from_iterable(groups)), make))
        return list(map(tuple, map(islice, repeat(made), map(len, groups))))

    def _text_words(self, text: str, code: int) -> dict[str, int]:
        found = self._texts.get((text, code))
        if found is None:
            found = self._texts[(text, code)] = dict.fromkeys(norm.variant_tokens(text), code)
        return found

    def _analysis(self, text: str) -> Analysis:
        found = self._analyses.get(text)
        if found is None:
            found = self._analyses[text] = analyse(text)
        return found

    def _title(self, text: str) -> TitleParts:
        return title_parts(self._analysis(text), alias=False)

    def _alias(self, text: str) -> TitleParts:
        return title_parts(self._analysis(text), alias=True)

    def _person(self, text: str) -> PersonParts:
        return person_parts(self._analysis(text))

    def _tag(self, tag: str) -> TagParts:
        return tag_parts(tag, self._analysis(tag.replace("-", " ")))

    def _context(self, context: tuple[str, tuple[str, ...], str | None]) -> dict[str, int]:
        """The words of a kind, sections and venue, weakest field first.

        A section brings its title and its parents' (a sub-heading inherits context).
        """
        found = self._contexts.get(context)
        if found is None:
            kind, section_ids, venue = context
            found = dict.fromkeys(norm.tokens(kind), _KIND)
            for section_id in section_ids:
                found.update(dict.fromkeys(self._section_tokens(section_id), _SECTION))
            if venue:
                found.update(self._text_words(venue, _VENUE))
            self._contexts[context] = found
        return found

    def _section_tokens(self, section_id: str) -> list[str]:
        titles: list[str] = []
        seen: set[str] = set()
        current = self.catalog.section(section_id)
        while current is not None and current.id not in seen:
            seen.add(current.id)
            titles.append(current.title)
            current = self.catalog.section(current.parent) if current.parent else None
        texts = titles or [section_id.replace("-", " ")]
        return norm.unique(t for text in texts for t in norm.variant_tokens(text))

    # ------------------------------------------------------------------ addresses

    def _urls(
        self, urls: list[str | None], with_links: list[int]
    ) -> tuple[list[dict[str, int]], dict[str, tuple[int, ...]]]:
        """Each entry's address keys (its own URL, its links'), and the arXiv ids' owners."""
        keys = [{norm.url_key(url): _URL} if url else {} for url in urls]
        found = [norm.arxiv_ids(url) if url else [] for url in urls]
        for i in with_links:
            entry = self.entries[i]
            codes: dict[str, int] = {}
            for url in entry.all_urls:
                keep_best(codes, norm.url_key(url), _URL if url == entry.url else _LINK)
            keys[i] = codes
            found[i] = [arxiv_id for url in entry.all_urls for arxiv_id in norm.arxiv_ids(url)]
        arxiv: defaultdict[str, list[int]] = defaultdict(list)
        for i, ids in enumerate(found):
            for arxiv_id in dict.fromkeys(ids):  # an entry once per id, however often named
                arxiv[arxiv_id].append(i)
        return keys, {k: tuple(v) for k, v in arxiv.items()}

    # ------------------------------------------------------------------ autocomplete

    def _offers(self, columns: _Columns) -> dict[str, int]:
        """Each autocomplete key with its smallest sort value ``kind_of_key * n + rank``.

        The keys go into one dict in decreasing sort value (kinds from the last, entries
        from the last rank), so the last value written for a key, the one kept, is its
        smallest.
        """
        n = max(1, len(self.entries))
        # Discord could not send another value back; such an entry is never offered.
        order = [i for i in reversed(self.by_rank) if offerable(self.entries[i])]
        parts = [columns.parts(i) for i in order]
        ranks = list(_repeat_each(map(self.rank.__getitem__, order), map(len, parts)))
        offers = list(map(attrgetter("offers"), chain.from_iterable(parts)))
        best: dict[str, int] = {}
        for kind in reversed(range(KEY_KINDS)):
            keys = list(map(itemgetter(kind), offers))
            values = _repeat_each(map(add, ranks, repeat(kind * n)), map(len, keys))
            best.update(zip(chain.from_iterable(keys), values, strict=True))
        return best


@dataclass(slots=True)
class _Columns:
    """The analysed names of every entry, by position."""

    titles: list[TitleParts]
    people: list[tuple[PersonParts, ...]]
    tags: list[tuple[TagParts, ...]]
    aliases: dict[int, list[TitleParts]]  # only entries that have aliases
    with_links: list[int]  # entries that have extra links, ascending
    with_aliases: list[int] = field(init=False)  # the keys of ``aliases``, ascending

    def __post_init__(self) -> None:
        self.with_aliases = sorted(self.aliases)

    @staticmethod
    def within(positions: list[int], chunk: range) -> list[int]:
        """The positions (ascending) that fall in ``chunk``."""
        return positions[bisect_left(positions, chunk.start) : bisect_left(positions, chunk.stop)]

    def parts(self, i: int) -> tuple[Parts, ...]:
        return (self.titles[i], *self.aliases.get(i, ()), *self.people[i], *self.tags[i])


def _phrases(chunk: range, columns: _Columns) -> list[dict[str, int]]:
    """Phrase keys of the chunk's entries: the lowest code of a key wins, so the weakest
    (tags, authors) go in first."""
    lo, hi = chunk.start, chunk.stop
    phrases: list[dict[str, int]] = [{} for _ in chunk]
    tags, people = columns.tags[lo:hi], columns.people[lo:hi]
    _each(dict.update, _repeat_each(phrases, map(len, tags)), _field(tags, "phrase_keys"))
    _each(dict.update, _repeat_each(phrases, map(len, people)), _field(people, "phrase_keys"))
    own = list(map(attrgetter("phrase_keys"), columns.titles[lo:hi]))
    for i in columns.within(columns.with_aliases, chunk):
        own[i - lo] = _alias_phrases(columns.titles[i], columns.aliases[i])
    _each(dict.update, phrases, own)
    return phrases


def _field(groups: list[tuple[Any, ...]], name: str) -> Iterator[Any]:
    """Attribute ``name`` of every item of every group, in order."""
    return map(attrgetter(name), chain.from_iterable(groups))


def _owners(keys: Iterable[str], groups: list[tuple[Any, ...]]) -> dict[str, tuple[int, ...]]:
    """Each key's entries, ascending: entry i owns the keys of ``groups[i]``."""
    owners: defaultdict[str, list[int]] = defaultdict(list)
    entries = _repeat_each(range(len(groups)), map(len, groups))
    _each(list.append, map(owners.__getitem__, keys), entries)
    # Tuples, not lists: the garbage collector stops tracking tuples of ints.
    return {k: tuple(v) for k, v in owners.items()}


def _each(function: Callable[..., object], *columns: Iterable[Any]) -> None:
    """``function(a, b)`` for each row of the columns, run in C (``deque`` of size 0)."""
    deque(map(function, *columns), maxlen=0)


def _repeat_each(items: Iterable[_T], counts: Iterable[int]) -> Iterator[_T]:
    """Each item as many times as its count says: [a, b], [2, 1] → a, a, b."""
    return chain.from_iterable(map(repeat, items, counts))


def _url_tokens(url: str | None) -> list[str]:
    return norm.url_tokens(url) if url else []


def _alias_words(title: TitleParts, aliases: list[TitleParts]) -> dict[str, int]:
    """The words of a title and its aliases: acronyms, then alias words, then title words."""
    merged: dict[str, int] = {}
    for name in (title, *aliases):
        merged.update(dict.fromkeys(name.analysis.acronyms, _ACRONYM))
    for name in (*aliases, title):
        merged.update(dict.fromkeys(name.analysis.tokens, name.code))
    return merged


def _alias_titles(
    title: TitleParts, aliases: list[TitleParts]
) -> tuple[dict[str, int], tuple[tuple[str, ...], ...]]:
    """Squashed titles (title beats alias) and coverage of an entry with aliases."""
    titles: dict[str, int] = {}
    for alias in aliases:
        titles.update(alias.spelling_keys)
    titles.update(title.spelling_keys)
    coverage = tuple(name.coverage[0] for name in (title, *aliases) if name.coverage)
    return titles, coverage


def _alias_phrases(title: TitleParts, aliases: list[TitleParts]) -> dict[str, int]:
    """A title's and its aliases' phrase keys: acronyms, then alias and title spellings."""
    phrases: dict[str, int] = {}
    for name in (title, *aliases):
        phrases.update(dict.fromkeys(name.analysis.acronyms, _ACRONYM))
    phrases.update(_alias_titles(title, aliases)[0])
    return phrases


def build_tables(catalog: Catalog) -> Tables:
    with _collector_paused():
        return _Builder(catalog).run()


# Builds under way (several threads may build at once); the collector runs when none is.
_building = 0
_building_lock = threading.Lock()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while tables are built.

    A build allocates millions of containers that form no cycles and all stay alive, so
    the collector could free nothing; yet it would walk them again and again as they pile
    up (a quarter of the build time at 100 000 entries). Reference counting still frees
    everything as usual meanwhile. The collector is process-wide: it is switched back on
    when the last concurrent build ends, and only if it was on when the first began.
    """
    global _building, _was_enabled
    with _building_lock:
        if _building == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _building += 1
    try:
        yield
    finally:
        with _building_lock:
            _building -= 1
            if _building == 0 and _was_enabled:
                gc.enable()


_was_enabled = True
