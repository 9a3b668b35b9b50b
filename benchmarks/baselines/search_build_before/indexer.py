"""PREVIOUS IMPLEMENTATION (a benchmark baseline, not used by the bot).

Building the search tables: one pass over the catalog, each text normalised once.

Every name (title, alias, author, tag, venue, link title) is folded, split and stemmed once
per build, however many entries share it, and the result feeds the inverted index, the
phrase and title tables, title coverage, acronyms and the autocomplete keys alike. Owner
lists are packed into arrays (see ``postings``) as each entry is finished.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from benchmarks.baselines.search_build_before import normalise as norm
from benchmarks.baselines.search_build_before.postings import OwnersBuilder, OwnerTable, keep_best
from benchmarks.baselines.search_build_before.prefix import MAX_KEY_CHARS, PrefixTable
from benchmarks.baselines.search_build_before.typos import TypoTable
from bot.catalog.model import Catalog, Entry
from bot.search.fields import (  # the contract the queries read: shared, not copied
    FIELD,
    KEY_ALIAS,
    KEY_OTHER,
    KEY_TITLE,
    KEY_WORD,
    LOW_KINDS,
    MAX_CHOICES,
    MAX_TYPO_TITLE_CHARS,
    offerable,
)

_TITLE, _ALIAS, _ACRONYM = FIELD["title"], FIELD["alias"], FIELD["acronym"]
_AUTHOR = FIELD["author"]
_TAG, _VENUE, _SECTION, _KIND = FIELD["tag"], FIELD["venue"], FIELD["section"], FIELD["kind"]
_DESCRIPTION, _LINK, _URL = FIELD["description"], FIELD["link"], FIELD["url"]


@dataclass(frozen=True, slots=True)
class _Name:
    """What indexing needs from one name, computed once per distinct text."""

    tokens: tuple[str, ...]  # stemmed words of every spelling variant, for the postings
    spellings: tuple[tuple[str, ...], ...]  # the folded words of each variant, unstemmed
    content: tuple[str, ...]  # distinct content tokens, for title coverage
    phrase: str  # ``norm.phrase``: how an author is looked up by ``related``
    acronyms: tuple[str, ...]


@dataclass(slots=True)
class Tables:
    """Everything ``SearchIndex`` looks things up in; immutable once built."""

    rank: list[int]
    by_rank: list[int]
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
        self.vocab = sorted(self.postings)
        # Edit distance only makes sense for words: numbers and id-like parts are left out.
        self.word_typos = TypoTable(w for w in self.vocab if not w.isdigit())
        self.sorted_titles = sorted(self.titles)
        self.sorted_urls = sorted(self.urls)
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


def default_choice_order(entries: list[Entry], by_rank: list[int]) -> list[int]:
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
    """One pass over the entries; memos live as long as the build, not the index."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.entries = list(catalog.entries)
        self.by_rank = static_rank(self.entries)
        self.rank = [0] * len(self.entries)
        for rank, i in enumerate(self.by_rank):
            self.rank[i] = rank
        self.postings = OwnersBuilder()
        self.phrases = OwnersBuilder()
        self.titles = OwnersBuilder()
        self.urls = OwnersBuilder()
        self.arxiv: defaultdict[str, list[int]] = defaultdict(list)
        self.by_author: defaultdict[str, list[int]] = defaultdict(list)
        self.by_tag: defaultdict[str, list[int]] = defaultdict(list)
        self.coverage_sets: list[tuple[tuple[str, ...], ...]] = []
        self.prefixes: dict[str, int] = {}
        self._names: dict[str, _Name] = {}
        self._section_words: dict[str, tuple[str, ...]] = {}
        self._simple_tokens: dict[str, tuple[str, ...]] = {}

    def run(self) -> Tables:
        for i, entry in enumerate(self.entries):
            self._index(i, entry)
        return Tables(
            rank=self.rank,
            by_rank=self.by_rank,
            postings=self.postings.freeze(),
            phrases=self.phrases.freeze(),
            titles=self.titles.freeze(),
            urls=self.urls.freeze(),
            # Tuples, not lists: the garbage collector stops tracking tuples of ints.
            arxiv={k: tuple(v) for k, v in self.arxiv.items()},
            coverage_sets=self.coverage_sets,
            by_author={k: tuple(v) for k, v in self.by_author.items()},
            by_tag={k: tuple(v) for k, v in self.by_tag.items()},
            prefixes=PrefixTable(self.prefixes),
        )

    # ------------------------------------------------------------------ normalising, once

    def _name(self, text: str) -> _Name:
        found = self._names.get(text)
        if found is None:
            found = self._names[text] = _analyse(text)
        return found

    def _tokens(self, text: str) -> tuple[str, ...]:
        """Stemmed tokens of every variant of a text no other table needs (venue, link title)."""
        found = self._simple_tokens.get(text)
        if found is None:
            found = self._simple_tokens[text] = _variant_tokens(text)
        return found

    def _sections(self, section_id: str) -> tuple[str, ...]:
        """Tokens of a section's titles and its parents' (a sub-heading inherits context)."""
        found = self._section_words.get(section_id)
        if found is None:
            titles: list[str] = []
            seen: set[str] = set()
            current = self.catalog.section(section_id)
            while current is not None and current.id not in seen:
                seen.add(current.id)
                titles.append(current.title)
                current = self.catalog.section(current.parent) if current.parent else None
            texts = titles or [section_id.replace("-", " ")]
            found = tuple(norm.unique(t for text in texts for t in _variant_tokens(text)))
            self._section_words[section_id] = found
        return found

    # ------------------------------------------------------------------ one entry

    def _index(self, i: int, entry: Entry) -> None:
        title = self._name(entry.title)
        aliases = [self._name(alias) for alias in entry.aliases]
        authors = [self._name(author) for author in entry.authors]
        tags = [self._name(tag.replace("-", " ")) for tag in entry.tags]
        self.postings.add_entry(i, self._words(entry, title, aliases, authors, tags))

        phrases: dict[str, int] = {}
        titles: dict[str, int] = {}
        coverage: list[tuple[str, ...]] = []
        for code, name in [(_TITLE, title), *((_ALIAS, alias) for alias in aliases)]:
            for words in name.spellings:
                key = "".join(words)
                if key:
                    keep_best(phrases, key, code)
                    keep_best(titles, key, code)
            if name.content:
                coverage.append(name.content)
            for acronym in name.acronyms:
                keep_best(phrases, acronym, _ACRONYM)
        self.coverage_sets.append(tuple(coverage))
        for author in authors:
            for words in author.spellings:
                if words:
                    keep_best(phrases, "".join(words), _AUTHOR)
            self.by_author[author.phrase].append(i)
        for tag in entry.tags:
            key = norm.squash(tag)
            if key:
                keep_best(phrases, key, _TAG)
            self.by_tag[tag].append(i)
        self.phrases.add_entry(i, phrases)
        self.titles.add_entry(i, titles)
        self._index_urls(i, entry)
        if offerable(entry):  # Discord could not send another value back; never offer it
            self._autocomplete_keys(i, title, aliases, authors, entry.tags)

    def _words(
        self,
        entry: Entry,
        title: _Name,
        aliases: list[_Name],
        authors: list[_Name],
        tags: list[_Name],
    ) -> dict[str, int]:
        """Each word of the entry with the strongest field it appears in."""
        codes: dict[str, int] = {}
        # Weakest fields first: a stronger field's code then overwrites a weaker one's.
        for url in entry.all_urls:
            codes.update(dict.fromkeys(norm.url_tokens(url), _URL))
        for link in entry.links:
            codes.update(dict.fromkeys(self._tokens(link.title), _LINK))
        codes.update(dict.fromkeys(_variant_tokens(entry.description), _DESCRIPTION))
        codes.update(dict.fromkeys(self._kind_tokens(entry.kind), _KIND))
        for section_id in (entry.section, *entry.also_in):
            codes.update(dict.fromkeys(self._sections(section_id), _SECTION))
        if entry.venue:
            codes.update(dict.fromkeys(self._tokens(entry.venue), _VENUE))
        for tag in tags:
            codes.update(dict.fromkeys(tag.tokens, _TAG))
        for author in authors:
            codes.update(dict.fromkeys(author.tokens, _AUTHOR))
        for name in [title, *aliases]:
            codes.update(dict.fromkeys(name.acronyms, _ACRONYM))
        for alias in aliases:
            codes.update(dict.fromkeys(alias.tokens, _ALIAS))
        codes.update(dict.fromkeys(title.tokens, _TITLE))
        return codes

    def _kind_tokens(self, kind: str) -> tuple[str, ...]:
        found = self._simple_tokens.get("\0" + kind)
        if found is None:
            found = self._simple_tokens["\0" + kind] = tuple(norm.tokens(kind))
        return found

    def _index_urls(self, i: int, entry: Entry) -> None:
        urls: dict[str, int] = {}
        for url in entry.all_urls:
            keep_best(urls, norm.url_key(url), _URL if url == entry.url else _LINK)
            for arxiv_id in norm.arxiv_ids(url):
                owners = self.arxiv[arxiv_id]
                if i not in owners:
                    owners.append(i)
        self.urls.add_entry(i, urls)

    def _autocomplete_keys(
        self,
        i: int,
        title: _Name,
        aliases: list[_Name],
        authors: list[_Name],
        tags: tuple[str, ...],
    ) -> None:
        """Keys with sort value ``kind_of_key * n + rank``: smaller is offered first."""
        n = max(1, len(self.entries))
        rank = self.rank[i]
        best = self.prefixes

        def offer(key: str, kind: int) -> None:
            key = key[:MAX_KEY_CHARS]
            value = kind * n + rank
            if key and value < best.get(key, value + 1):
                best[key] = value

        for name, kind in [(title, KEY_TITLE), *((alias, KEY_ALIAS) for alias in aliases)]:
            for words in name.spellings:
                offer(" ".join(words), kind)
                offer("".join(words), kind)
                for start in range(1, len(words)):
                    offer(" ".join(words[start:]), KEY_WORD)
        for author in authors:
            for words in author.spellings:
                for start in range(len(words)):
                    offer(" ".join(words[start:]), KEY_OTHER)
        for tag in tags:
            offer(tag.replace("-", " "), KEY_OTHER)
        for acronym in title.acronyms:
            offer(acronym, KEY_WORD)


def _variant_tokens(text: str) -> tuple[str, ...]:
    """Stemmed tokens of each spelling variant of ``text``, in order (repeats kept)."""
    return tuple(
        token for variant in norm.fold_variants(text) for token in norm.tokens_of_folded(variant)
    )


def _analyse(text: str) -> _Name:
    variants = norm.fold_variants(text)
    return _Name(
        tokens=tuple(t for variant in variants for t in norm.tokens_of_folded(variant)),
        spellings=tuple(tuple(norm.words(variant)) for variant in variants),
        content=tuple(norm.unique(norm.content_tokens(text))),
        phrase=norm.phrase(text),
        acronyms=tuple(sorted(norm.acronyms(text))),
    )


def build_tables(catalog: Catalog) -> Tables:
    return _Builder(catalog).run()
