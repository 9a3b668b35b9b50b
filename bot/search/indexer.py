"""Building the search tables: column by column, each distinct text worked out once.

Every name (title, alias, author, tag) and every kind/section/venue combination is analysed
once per build, however many entries share it, into ready-made keys (``names``, turned into
``grouping.Pieces``); descriptions and addresses, which are all different, are split a whole
column at a time. Each table is then a set of (key, entry, field) triples that numpy sorts
once, keeping the strongest field of each (key, entry) (``grouping``). Fields are weighted
so that a stronger field has a lower code, hence "strongest" is simply "lowest".
"""

from __future__ import annotations

import gc
import threading
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, compress, islice, repeat
from operator import attrgetter, itemgetter, methodcaller

from bot.catalog.model import Catalog, Entry
from bot.search import normalise as norm
from bot.search.arrays import np
from bot.search.fields import FIELD, KEY_ALIAS, KEY_OTHER, KEY_TITLE, KEY_WORD, offerable
from bot.search.grouping import (
    Interner,
    Ints,
    PieceKeys,
    Pieces,
    Triples,
    Vocabulary,
    ints,
    owners,
    rows_of,
    smallest_per_key,
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
from bot.search.prefix import MAX_KEY_CHARS, PrefixTable
from bot.search.tables import Tables, static_rank

_TITLE, _ALIAS, _ACRONYM = FIELD["title"], FIELD["alias"], FIELD["acronym"]
_AUTHOR = FIELD["author"]
_VENUE, _SECTION, _KIND = FIELD["venue"], FIELD["section"], FIELD["kind"]
_DESCRIPTION, _LINK, _URL = FIELD["description"], FIELD["link"], FIELD["url"]

_Context = tuple[str, tuple[str, ...], str | None]

# ASCII text is split into words by ``translate`` + ``split``, several times faster than
# ``normalise``'s regular expression and equal to it there: a word is a run of [a-z0-9]
# once lower-cased (``\w`` without ``_`` is exactly that within ASCII).
_ASCII_WORDS = (
    bytes(c if chr(c).isalnum() or c == 0 else 32 for c in range(128)).lower() + b" " * 128
)


class _Builder:
    """The catalog's columns, the distinct names behind them, and the tables made of them."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.entries = list(catalog.entries)
        count = len(self.entries)
        self.everyone = np.arange(count, dtype=np.int64)
        order = np.asarray(static_rank(self.entries), dtype=np.int32)
        places = np.empty(count, dtype=np.int32)
        places[order] = np.arange(count, dtype=np.int32)
        # Compact arrays: lists would keep an int object (28 bytes) per entry besides.
        self.by_rank = array("i", order.tobytes())
        # Entries with an address of their own, and those addresses.
        self.addressed = [i for i, e in enumerate(self.entries) if e.url]
        self.urls = [self.entries[i].url or "" for i in self.addressed]
        self.url_texts, self.url_keys = norm.url_columns(self.urls)
        # Extra links (few entries have them): their owners, and the same two columns.
        linked = [(i, link) for i, e in enumerate(self.entries) for link in e.links]
        self.link_rows = [i for i, _ in linked]
        self.links = [link for _, link in linked]
        self.link_texts, self.link_keys = norm.url_columns([link.url for link in self.links])
        self.rank = array("i", places.tobytes())
        self._analyses: dict[str, Analysis] = {}
        self._texts: dict[tuple[str, int], dict[str, int]] = {}

    def run(self) -> Tables:
        vocabulary = Vocabulary()
        postings, phrases, titles = Triples(vocabulary), Triples(vocabulary), Triples(vocabulary)
        names = _Names(self, vocabulary)
        self._addresses(postings)
        self._links(postings)
        self._descriptions(postings)
        for column in names.columns:
            postings.add_pieces(column.words, column.pieces, column.rows)
            phrases.add_pieces(column.phrases, column.pieces, column.rows)
            titles.add_pieces(column.spellings, column.pieces, column.rows)
        urls = Triples(vocabulary)
        arxiv = self._urls(urls)
        return Tables(
            rank=self.rank,
            by_rank=self.by_rank,
            postings=postings.table(),
            phrases=phrases.table(),
            titles=titles.table(),
            urls=urls.table(),
            arxiv=arxiv,
            coverage_sets=names.coverage(),
            by_author=names.by_author(),
            by_tag=names.by_tag(),
            prefixes=self._prefixes(names, vocabulary),
        )

    # ------------------------------------------------------------------ columns of text

    def _addresses(self, postings: Triples) -> None:
        """The words of each entry's own address."""
        _add_words(
            postings, self.url_texts, ints(self.addressed), _URL, norm.tokens, norm.URL_NOISE
        )

    def _links(self, postings: Triples) -> None:
        """The words of extra links' addresses, and of their titles."""
        rows = ints(self.link_rows)
        _add_words(postings, self.link_texts, rows, _URL, norm.tokens, norm.URL_NOISE)
        titles = [link.title for link in self.links]
        _add_words(postings, titles, rows, _LINK, norm.variant_tokens)

    def _descriptions(self, postings: Triples) -> None:
        texts = [e.description for e in self.entries]
        _add_words(postings, texts, self.everyone, _DESCRIPTION, norm.variant_tokens)

    # ------------------------------------------------------------------ once per distinct text

    def analysis(self, text: str) -> Analysis:
        found = self._analyses.get(text)
        if found is None:
            found = self._analyses[text] = analyse(text)
        return found

    def text_words(self, text: str, code: int) -> dict[str, int]:
        found = self._texts.get((text, code))
        if found is None:
            found = self._texts[(text, code)] = dict.fromkeys(norm.variant_tokens(text), code)
        return found

    def context_words(self, context: _Context) -> dict[str, int]:
        """The words of a kind, sections and venue, weakest field first.

        A section brings its title and its parents' (a sub-heading inherits context).
        """
        kind, section_ids, venue = context
        found = dict.fromkeys(norm.tokens(kind), _KIND)
        for section_id in section_ids:
            found.update(dict.fromkeys(self._section_tokens(section_id), _SECTION))
        if venue:
            found.update(self.text_words(venue, _VENUE))
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

    def _urls(self, urls: Triples) -> dict[str, tuple[int, ...]]:
        """Each entry's address keys (its own URL, its links') into ``urls``, and the
        owners of each arXiv id."""
        urls.add(urls.keys.ids(self.url_keys), ints(self.addressed), _URL)
        codes = [
            _URL if link.url == self.entries[i].url else _LINK
            for i, link in zip(self.link_rows, self.links, strict=True)
        ]
        urls.add(urls.keys.ids(self.link_keys), ints(self.link_rows), ints(codes))
        owners = [*self.addressed, *self.link_rows]
        found = [
            (owners[j], arxiv_id)
            for j, arxiv_id in norm.arxiv_ids_in([*self.urls, *(link.url for link in self.links)])
        ]
        found.sort(key=itemgetter(0))  # stable: an entry's own address before its links
        arxiv: defaultdict[str, list[int]] = defaultdict(list)
        for i, arxiv_id in dict.fromkeys(found):  # an entry once per id, however often named
            arxiv[arxiv_id].append(i)
        return {k: tuple(v) for k, v in arxiv.items()}

    # ------------------------------------------------------------------ autocomplete

    def _prefixes(self, names: _Names, vocabulary: Vocabulary) -> PrefixTable:
        """Each autocomplete key with its smallest sort value ``kind_of_key * n + rank``."""
        n = max(1, len(self.entries))
        # Discord could not send another value back; such an entry is never offered.
        offered = np.fromiter(map(offerable, self.entries), dtype=bool, count=len(self.entries))
        rank = np.frombuffer(self.rank, dtype=np.int32).astype(np.int64)
        keys: list[Ints] = []
        values: list[Ints] = []
        for column in names.columns:
            keep = offered[column.rows]
            found, owners, kinds = column.offers.expand(column.pieces[keep], column.rows[keep])
            keys.append(found)
            values.append(kinds * n + rank[owners])
        return PrefixTable(*smallest_per_key(vocabulary, keys, values))


class _Column:
    """One kind of name (titles, aliases, authors, tags, contexts) across the catalog.

    ``pieces[j]`` is a distinct name owned by entry ``rows[j]``; each table's ``Pieces``
    give every distinct name's keys there.
    """

    __slots__ = ("offers", "phrases", "pieces", "rows", "spellings", "words")

    def __init__(self, pieces: Ints, rows: Ints, keys: _Keys, count: int) -> None:
        self.pieces = pieces
        self.rows = rows
        self.words = keys.words.freeze(count)
        self.phrases = keys.phrases.freeze(count)
        self.spellings = keys.spellings.freeze(count)
        self.offers = keys.offers.freeze(count)


class _Keys:
    """Where one column's names put their keys: one ``PieceKeys`` per table."""

    __slots__ = ("offers", "phrases", "spellings", "vocabulary", "words")

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.words = PieceKeys(vocabulary)
        self.phrases = PieceKeys(vocabulary)
        self.spellings = PieceKeys(vocabulary)
        self.offers = PieceKeys(vocabulary)

    def add_parts(self, pieces: list[int], parts: Sequence[TitleParts]) -> None:
        self.words.add_dicts(pieces, _get(parts, "own_words"))
        self.phrases.add_dicts(pieces, _get(parts, "phrase_keys"))
        self.spellings.add_dicts(pieces, _get(parts, "spelling_keys"))
        self.offers.add_dicts(pieces, list(map(_name_offers, parts)))


class _Names:
    """The distinct names of the catalog, each analysed once, and who owns them."""

    def __init__(self, builder: _Builder, vocabulary: Vocabulary) -> None:
        entries = builder.entries
        self.entries = entries
        self.vocabulary = vocabulary
        everyone = builder.everyone
        title_ids: Interner[str] = Interner()
        self.title_of = title_ids.ids(e.title for e in entries)
        titles, self.title_coverage = self._titles(builder, list(title_ids), alias=False)
        alias_ids: Interner[str] = Interner()
        alias_rows, alias_of = _occurrences(entries, attrgetter("aliases"), alias_ids)
        self.alias_rows, self.alias_of = alias_rows, alias_of
        aliases, self.alias_coverage = self._titles(builder, list(alias_ids), alias=True)
        people: Interner[str] = Interner()
        author_rows, self.author_of = _occurrences(entries, attrgetter("authors"), people)
        self.author_rows = author_rows
        person_keys, self.person_phrases = self._people(builder, list(people))
        tags: Interner[str] = Interner()
        tag_rows, tag_of = _occurrences(entries, attrgetter("tags"), tags)
        self.tag_rows, self.tag_of, self.tag_names = tag_rows, tag_of, list(tags)
        tag_parts_ = [tag_parts(t, builder.analysis(t.replace("-", " "))) for t in tags]
        contexts: Interner[_Context] = Interner()
        context_of = contexts.ids((e.kind, (e.section, *e.also_in), e.venue) for e in entries)
        context_keys = _Keys(vocabulary)
        context_keys.words.add_dicts(
            range(len(contexts)), list(map(builder.context_words, contexts))
        )
        self.columns = [
            _Column(context_of, everyone, context_keys, len(contexts)),
            _Column(tag_of, tag_rows, self._others(range(len(tag_parts_)), tag_parts_), len(tags)),
            _Column(self.author_of, author_rows, person_keys, len(people)),
            _Column(alias_of, alias_rows, aliases, len(alias_ids)),
            _Column(self.title_of, everyone, titles, len(title_ids)),
        ]

    def _others(self, pieces: Sequence[int], parts: Sequence[PersonParts | TagParts]) -> _Keys:
        """The keys of names that are not titles: ``parts[j]`` is piece ``pieces[j]``'s."""
        keys = _Keys(self.vocabulary)
        keys.words.add_dicts(pieces, _get(parts, "words"))
        keys.phrases.add_dicts(pieces, _get(parts, "phrase_keys"))
        keys.offers.add_dicts(pieces, list(map(_other_offers, parts)))
        return keys

    def _people(self, builder: _Builder, texts: list[str]) -> tuple[_Keys, list[str]]:
        """Authors' keys, and each one's phrase (``names.PersonParts.phrase``): ASCII names
        a column at a time, others by ``names``' rules."""
        others, fast = _by_rules(texts)
        parts = [person_parts(builder.analysis(texts[j])) for j in others]
        keys = self._others(others, parts)
        phrases = [""] * len(texts)
        for j, person in zip(others, parts, strict=True):
            phrases[j] = person.phrase
        spaced = _ascii_people(keys, fast, _AsciiWords([texts[j] for j in fast]))
        for j, phrase in zip(fast, spaced, strict=True):
            phrases[j] = phrase
        return keys, phrases

    def _titles(
        self, builder: _Builder, texts: list[str], *, alias: bool
    ) -> tuple[_Keys, list[tuple[tuple[str, ...], ...]]]:
        """Titles (or aliases): ASCII ones a column at a time, others by ``names``' rules."""
        keys = _Keys(self.vocabulary)
        coverage: list[tuple[tuple[str, ...], ...]] = [()] * len(texts)
        others, fast = _by_rules(texts)
        parts = [title_parts(builder.analysis(texts[j]), alias=alias) for j in others]
        keys.add_parts(others, parts)
        for j, name in zip(others, parts, strict=True):
            coverage[j] = name.coverage
        _ascii_titles(keys, fast, _AsciiWords([texts[j] for j in fast]), coverage, alias=alias)
        return keys, coverage

    def coverage(self) -> list[tuple[tuple[str, ...], ...]]:
        """Each entry's titles' content words: its title's, then its aliases'."""
        coverage = list(map(self.title_coverage.__getitem__, self.title_of.tolist()))
        aliases: defaultdict[int, list[tuple[tuple[str, ...], ...]]] = defaultdict(list)
        for row, k in zip(self.alias_rows.tolist(), self.alias_of.tolist(), strict=True):
            aliases[row].append(self.alias_coverage[k])
        for row, names in aliases.items():
            own = self.title_coverage[int(self.title_of[row])]
            coverage[row] = tuple(name[0] for name in (own, *names) if name)
        return coverage

    def by_author(self) -> dict[str, tuple[int, ...]]:
        """Each author's entries, by the phrase ``related`` looks co-authors up by."""
        phrases: Interner[str] = Interner()
        phrase_of = phrases.ids(self.person_phrases)
        return owners(list(phrases), phrase_of[self.author_of], self.author_rows)

    def by_tag(self) -> dict[str, tuple[int, ...]]:
        return owners(self.tag_names, self.tag_of, self.tag_rows)


def _ascii_titles(
    keys: _Keys,
    pieces: list[int],
    split: _AsciiWords,
    coverage: list[tuple[tuple[str, ...], ...]],
    *,
    alias: bool,
) -> None:
    """``names.title_parts`` for ASCII titles, a column at a time (equal keys, checked by
    tests against the general path): the table keeps a repeated key's best value, so
    nothing here needs removing repeats."""
    code = _ALIAS if alias else _TITLE
    own_kind = KEY_ALIAS if alias else KEY_TITLE
    owners = ints(pieces)
    keys.words.add(np.repeat(owners, split.lengths), split.tokens(keys.words.interner), code)
    spaced_all = split.joined(" ")
    named = [j for j, spaced in enumerate(spaced_all) if spaced]  # titles with a word
    for piece, content in zip(pieces, split.contents(), strict=True):
        if content:
            coverage[piece] = (content,)
    # What follows each title's first word, for titles of several words.
    endings = list(map(itemgetter(2), map(methodcaller("partition", " "), spaced_all)))
    longer = [j for j, ending in enumerate(endings) if ending]
    found = list(map(_Followers(keys.vocabulary).keys, [endings[j] for j in longer]))
    later_pieces = np.repeat(ints([pieces[j] for j in longer]), ints(map(len, found)))
    later = ints(chain.from_iterable(found))
    spelling_pieces = [pieces[j] for j in named]
    spellings = [spelling for spelling in split.joined("") if spelling]
    spaced_keys = [spaced[:MAX_KEY_CHARS] for spaced in spaced_all if spaced]
    all_initials = split.initials()
    initials = [all_initials[j] for j in named]
    vocabulary = keys.vocabulary
    owners = ints(spelling_pieces)
    acronym_ids, acronym_owners = _acronyms(vocabulary, initials, owners)
    keys.words.add(acronym_owners, acronym_ids, _ACRONYM)
    keys.phrases.add(acronym_owners, acronym_ids, _ACRONYM)
    if not alias:  # only a title's acronyms are offered, not an alias's
        keys.offers.add(acronym_owners, acronym_ids, KEY_WORD)
    spelling_ids = vocabulary.ids(spellings)
    keys.phrases.add(owners, spelling_ids, code)
    keys.spellings.add(owners, spelling_ids, code)
    keys.offers.add(owners, vocabulary.ids(spaced_keys), own_kind)
    keys.offers.add(owners, vocabulary.ids([key[:MAX_KEY_CHARS] for key in spellings]), own_kind)
    keys.offers.add(later_pieces, later, KEY_WORD)


def _ascii_people(keys: _Keys, pieces: list[int], split: _AsciiWords) -> list[str]:
    """``names.person_parts`` for ASCII names, a column at a time (equal keys, checked by
    tests against the general path); returns each name's words joined by spaces."""
    vocabulary = keys.vocabulary
    keys.words.add(np.repeat(ints(pieces), split.lengths), split.tokens(vocabulary), _AUTHOR)
    spaced = split.joined(" ")
    named = [j for j, phrase in enumerate(spaced) if phrase]  # names with a word
    owners = ints([pieces[j] for j in named])
    squashed = [key for key in split.joined("") if key]
    keys.phrases.add(owners, vocabulary.ids(squashed), _AUTHOR)
    # Offered: the whole name and what follows each of its words.
    found = list(map(_Followers(vocabulary).keys, [spaced[j] for j in named]))
    offered = ints(chain.from_iterable(found))
    keys.offers.add(np.repeat(owners, ints(map(len, found))), offered, KEY_OTHER)
    return spaced


class _Followers:
    """The autocomplete keys of what follows a title's first word: that text, then the
    same without its first word, and so on ("efficient vocoders for tts", "vocoders for
    tts", "for tts", "tts"), cut to ``MAX_KEY_CHARS``.

    Titles share their endings ("… for source separation"), and an ending's keys are its
    own plus those of the ending one word shorter: each distinct ending is worked out and
    numbered once.
    """

    __slots__ = ("_known", "_vocabulary")

    def __init__(self, vocabulary: Vocabulary) -> None:
        self._vocabulary = vocabulary
        self._known: dict[str, tuple[int, ...]] = {}

    def keys(self, ending: str) -> tuple[int, ...]:
        """The key ids of ``ending`` (words joined by single spaces) and its shorter endings."""
        known = self._known
        found = known.get(ending)
        if found is not None:
            return found
        new: list[str] = []  # the endings not seen before, longest first
        shorter: tuple[int, ...] = ()
        text = ending
        while True:
            new.append(text)
            space = text.find(" ")
            if space < 0:
                break
            text = text[space + 1 :]
            seen = known.get(text)
            if seen is not None:
                shorter = seen
                break
        for text in reversed(new):
            shorter = known[text] = (self._vocabulary[text[:MAX_KEY_CHARS]], *shorter)
        return shorter


def _acronyms(vocabulary: Vocabulary, initials: list[str], owners: Ints) -> tuple[Ints, Ints]:
    """The acronyms of titles with these initials (the i-th owned by ``owners[i]``), as
    (acronym, owner) columns: worked out and numbered once per distinct initials."""
    distinct: Interner[str] = Interner()
    which = distinct.ids(initials)
    texts = list(distinct)
    rows, found = _acronyms_of_initials(vocabulary, texts)
    table = Pieces(len(texts), rows, found, np.zeros(len(found), np.int64))
    acronym_ids, acronym_owners, _ = table.expand(which, owners)
    return acronym_ids, acronym_owners


def _acronyms_of_initials(vocabulary: Vocabulary, texts: list[str]) -> tuple[Ints, Ints]:
    """``normalise.acronym_set`` of each ASCII initials string, as (text, acronym id) rows.

    The runs of 3 to 5 initials are sliding windows over all the texts at once, packed into
    integers (a byte per letter, the run's length above them), so that each distinct run
    becomes a string once; whole initials of 2 to 8 letters are added as they are.
    """
    lengths = ints(map(len, texts))
    data = np.frombuffer(" ".join(texts).encode("ascii"), dtype=np.uint8).astype(np.int64)
    text_at = np.repeat(np.arange(len(texts), dtype=np.int64), lengths + 1)
    rows: list[Ints] = []
    codes: list[Ints] = []
    for size in (3, 4, 5):
        count = len(data) - size + 1
        if count <= 0:
            continue
        code = np.zeros(count, dtype=np.int64)
        clean = np.ones(count, dtype=bool)  # no space: the run lies within one text
        for offset in range(size):
            window = data[offset : offset + count]
            code = (code << 8) | window
            clean &= window != _SPACE
        rows.append(text_at[:count][clean])
        codes.append(code[clean] | (size << _RUN_SIZE_SHIFT))
    runs, run_of = np.unique(np.concatenate(codes) if codes else ints([]), return_inverse=True)
    run_ids = vocabulary.ids(_run_texts(runs))
    whole = [j for j, length in enumerate(lengths.tolist()) if 2 <= length <= 8]
    return (
        np.concatenate([*rows, ints(whole)]),
        np.concatenate([run_ids[run_of], vocabulary.ids([texts[j] for j in whole])]),
    )


# A packed run of initials: its letters a byte each, its length from this bit up.
_RUN_SIZE_SHIFT = 40
_SPACE = ord(" ")


def _run_texts(codes: Ints) -> list[str]:
    """The letters of each packed run, as text: the codes' bytes big-endian, a space in
    place of the highest (unused) byte, the length byte zeroed, and the zero bytes (those,
    and those above a short run's letters) deleted, then split once for all runs.

    Initials of ASCII words are letters and digits, never a space or a zero byte.
    """
    block = codes.astype(">i8").view(np.uint8).reshape(len(codes), 8).copy()
    block[:, :3] = (_SPACE, 0, 0)  # two unused bytes, then the length byte
    return block.tobytes().translate(None, b"\0").decode("ascii").split()


def _plain(texts: list[str]) -> list[bool]:
    """Which texts are ASCII without NUL, the separator ``_AsciiWords`` joins them with."""
    plain = list(map(str.isascii, texts))
    if "\x00" in "".join(texts):  # rare: only the texts that hold one go the general way
        plain = [flag and "\x00" not in text for flag, text in zip(plain, texts, strict=True)]
    return plain


def _by_rules(texts: list[str]) -> tuple[list[int], list[int]]:
    """The positions of the texts that take ``names``' general rules, then of the plain
    ones (``_plain``), which ``_AsciiWords`` splits a column at a time."""
    plain = _plain(texts)
    general = [j for j, flag in enumerate(plain) if not flag]
    return general, [j for j, flag in enumerate(plain) if flag]


class _AsciiWords:
    """``normalise.words`` of each of a column of ASCII texts (without NUL), split at once.

    The texts are joined with a NUL word between them, mapped byte by byte (``translate``)
    and split once; the words are numbered (``raw``, NUL first) so that each distinct word
    is stemmed once, and the NULs give each text's share of the words.
    """

    __slots__ = ("_all_ids", "_stems", "ends", "ids", "lengths", "raw", "starts", "words")

    def __init__(self, texts: list[str]) -> None:
        joined = " \x00 ".join(texts).encode("ascii").translate(_ASCII_WORDS).decode("ascii")
        self.words = joined.split()  # every text's words, a NUL between two texts
        self.raw: Interner[str] = Interner()
        self.raw["\x00"] = 0
        ids = self.raw.ids(self.words)
        separators = np.flatnonzero(ids == 0)
        self.starts = np.concatenate(([0], separators + 1))[: len(texts)]
        self.ends = np.concatenate((separators, [len(ids)]))[: len(texts)]
        self.lengths = self.ends - self.starts
        self.ids = ids[ids != 0]  # the words of all texts in order, by raw number
        self._all_ids = ids
        self._stems: list[str] | None = None

    def stems(self) -> list[str]:
        """The stem of each distinct word (by raw number), each stemmed once."""
        if self._stems is None:
            self._stems = list(map(norm.stem, self.raw))
        return self._stems

    def contents(self) -> list[tuple[str, ...]]:
        """Each text's distinct stems in order, stop words left out unless nothing else is
        left (``names.Analysis.content``), all texts at once."""
        count = len(self.starts)
        if not count:
            return []
        local: Interner[str] = Interner()
        stem_of = local.ids(self.stems())[self.ids]
        stems = list(local)
        stop = np.fromiter(map(norm.STOPWORDS.__contains__, stems), dtype=bool, count=len(stems))
        text_of = rows_of(self.lengths)
        is_stop = stop[stem_of]
        others = np.bincount(text_of[~is_stop], minlength=count)
        kept = np.flatnonzero(~is_stop | (others[text_of] == 0))
        # The first place of each (text, stem) among the kept words, in text order.
        _, first = np.unique(text_of[kept] * len(stems) + stem_of[kept], return_index=True)
        chosen = np.sort(kept[first])
        sizes = np.bincount(text_of[chosen], minlength=count).tolist()
        names = iter(list(map(stems.__getitem__, stem_of[chosen].tolist())))
        return list(map(tuple, map(islice, repeat(names), sizes)))

    def joined(self, separator: str) -> list[str]:
        """Each text's words joined by ``separator`` (one ``join`` and one ``split`` for
        all texts; ``separator`` is a space or nothing)."""
        if not self.starts.size:
            return []
        if not separator:
            return "".join(self.words).split("\x00")
        return list(map(str.strip, " ".join(self.words).split("\x00")))

    def initials(self) -> list[str]:
        """``normalise.initials`` of each text's words, all texts at once."""
        if not self.starts.size:
            return []
        firsts = list(map(norm.initials, map(_single, self.raw)))
        firsts[0] = "\x00"
        return "".join(map(firsts.__getitem__, self._all_ids.tolist())).split("\x00")

    def tokens(self, interner: Interner[str]) -> Ints:
        """Each word's stem, as its id in ``interner`` (stemming each distinct word once)."""
        stem_ids = interner.ids(self.stems())
        tokens: Ints = stem_ids[self.ids]
        return tokens


def _single(word: str) -> tuple[str]:
    return (word,)


def _occurrences(
    entries: list[Entry], names: Callable[[Entry], tuple[str, ...]], interner: Interner[str]
) -> tuple[Ints, Ints]:
    """Rows (entries) and distinct-name ids of every name of a many-valued field."""
    per_entry = list(map(names, entries))
    rows = rows_of(ints(map(len, per_entry)))
    return rows, interner.ids(chain.from_iterable(per_entry))


def _get(parts: Sequence[object], name: str) -> list[dict[str, int]]:
    return list(map(attrgetter(name), parts))


def _name_offers(name: TitleParts) -> dict[str, int]:
    """A title's or alias's autocomplete keys by kind: the whole name, then later words."""
    whole, alias, later = name.offers[KEY_TITLE], name.offers[KEY_ALIAS], name.offers[KEY_WORD]
    offers = dict.fromkeys(later, KEY_WORD)
    offers.update(dict.fromkeys(alias, KEY_ALIAS))
    offers.update(dict.fromkeys(whole, KEY_TITLE))
    return offers


def _other_offers(name: PersonParts | TagParts) -> dict[str, int]:
    return dict.fromkeys(name.offers[KEY_OTHER], KEY_OTHER)


def _add_words(
    triples: Triples,
    texts: list[str],
    rows: Ints,
    code: int,
    general: Callable[[str], list[str]],
    dropped: frozenset[str] = frozenset(),
) -> None:
    """The stemmed words of each text (``general``'s, which is what ASCII texts get from a
    faster split), owned by ``rows``, without ``dropped`` words, all in field ``code``.

    ASCII texts, nearly all of them, are split together: each distinct word is stemmed once.
    """
    plain = _plain(texts)
    split = _AsciiWords(list(compress(texts, plain)))
    tokens = split.tokens(triples.keys)
    owners = np.repeat(rows[np.fromiter(plain, dtype=bool, count=len(plain))], split.lengths)
    if dropped:
        noise = np.isin(tokens, triples.keys.ids([w for w in dropped if w in triples.keys]))
        tokens, owners = tokens[~noise], owners[~noise]
    triples.add(tokens, owners, code)
    others = [j for j, flag in enumerate(plain) if not flag]
    if others:  # non-ASCII: the general rules (accents folded, German spellings too)
        words = [[t for t in general(texts[j]) if t not in dropped] for j in others]
        triples.add_lists(words, rows[others], code)


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
