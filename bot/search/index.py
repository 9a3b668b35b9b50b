"""The search index: everything derivable from the catalog is computed once, in ``build``.

Ranking, in short: a query is scored against each entry in two ways and the better one wins.

* as a whole phrase, squashed (``"wave u net"`` → ``waveunet``): equal to a title, alias,
  acronym or author name, a prefix of a title, or close to one by edit distance;
* word by word: each query word is matched to indexed words exactly, as a prefix, or by
  edit distance, and the entry's score is the average over query words, each weighted by how
  rare it is (idf), of ``similarity × weight of the field`` it was found in.

Exact and prefix matches are dictionary and binary-search lookups; so are typos one edit
away (symmetric deletes, see ``typos``), which rapidfuzz then scores. A full rapidfuzz scan
of the vocabulary or of the short titles runs only when nothing closer was found.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.catalog.model import Catalog, Entry, Section
from bot.search import normalise as norm
from bot.search.fields import (
    FIELD,
    FIELD_WEIGHTS,
    FIELDS,
    KEY_KINDS,
    LOW_KINDS,
    MAX_CHOICE_CHARS,
    MAX_CHOICES,
    MAX_TYPO_TITLE_CHARS,
    offerable,
)
from bot.search.results import Choice, Hit, UnknownFilterError, choice_name, closest
from bot.search.tables import Tables, default_choice_order, members_by_section

_F = FIELD

# Bounds on what one query may cost, whatever is pasted into the box.
MAX_QUERY_CHARS = 200
MAX_QUERY_TOKENS = 12
# How many indexed words one query word may expand to (as a prefix or by edit distance).
MAX_PREFIX_EXPANSIONS = 30
MAX_FUZZY_EXPANSIONS = 5
MAX_PHRASE_CANDIDATES = 20
# An address that is one of an entry's extra links, not its own (1.0).
LINK_URL_VALUE = 0.9

# Similarities of one query word to one indexed word.
PREFIX_BASE, PREFIX_SPAN = 0.7, 0.25  # 0.7 … 0.95, growing with how much of the word was typed
FUZZY_FACTOR = 0.92  # an edit-distance match never equals an exact one
REAL_WORD_TYPO_FACTOR = 0.8

# Entries scored in full (title coverage, strongest field) per query, at most.
MIN_FULLY_SCORED = 50
# Share of the score that rewards matching the whole title rather than one of its words.
COVERAGE_SHARE = 0.1

# ``is_confident``: an exact title, or a good score well ahead of the runner-up.
EXACT_SCORE = 99.5
CONFIDENT_SCORE = 70.0
CONFIDENT_MARGIN = 10.0


@dataclass(slots=True)
class _Match:
    """The best way one query word matched one entry."""

    value: float
    field: int
    term: str


class SearchIndex:
    """Immutable after ``build``; safe to share between tasks and threads."""

    def __init__(self, catalog: Catalog, tables: Tables) -> None:
        # Use ``SearchIndex.build``; the constructor only wires up built tables.
        self.catalog = catalog
        self._entries: list[Entry] = list(catalog.entries)
        self._position = {e.id: i for i, e in enumerate(self._entries)}
        self._rank = tables.rank
        self._by_rank = tables.by_rank
        self._postings = tables.postings
        self._phrases = tables.phrases
        self._arxiv = tables.arxiv
        # Addresses without scheme or "www.": exact owners, and sorted for prefixes.
        self._urls = tables.urls
        self._sorted_urls = tables.sorted_urls
        self._coverage_sets = tables.coverage_sets
        self._vocab = tables.vocab
        self._word_typos = tables.word_typos
        # Squashed titles and aliases: exact owners, sorted for prefixes, short ones for typos.
        self._titles = tables.titles
        self._sorted_titles = tables.sorted_titles
        self._title_typos = tables.title_typos
        self._prefixes = tables.prefixes
        self._by_author = tables.by_author
        self._by_tag = tables.by_tag
        defaults = default_choice_order(self._entries, self._by_rank)
        self._default_choices = [self._choice(i) for i in defaults]
        self._section_members = members_by_section(catalog, self._entries)
        kinds: dict[str, set[int]] = defaultdict(set)
        for i, entry in enumerate(self._entries):
            kinds[entry.kind].add(i)
        self._kind_members = {k: frozenset(v) for k, v in kinds.items()}

    # ------------------------------------------------------------------ build

    @classmethod
    def build(cls, catalog: Catalog) -> SearchIndex:
        """Index ``catalog``: CPU-bound (seconds at 100 000 entries), so the bot runs it in
        a thread (``asyncio.to_thread``) rather than on the event loop."""
        # Imported here: the builder needs numpy, a cached index (``ml-audio-bot search``) not.
        from bot.search.indexer import build_tables

        return cls(catalog, build_tables(catalog))

    # ------------------------------------------------------------------ search

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        section: str | None = None,
        kind: str | None = None,
        thorough: bool = True,
    ) -> list[Hit]:
        """Entries best matching ``query``, best first; ``[]`` for a blank query.

        ``section`` (an id or title) and ``kind`` narrow the results; an unknown one raises
        ``UnknownFilterError`` with suggestions. ``thorough=False`` skips the full rapidfuzz
        scans for typos more than one edit away, for callers that must answer at once.
        """
        allowed = self._allowed(section, kind)
        if limit <= 0:
            return []
        query = query[:MAX_QUERY_CHARS]
        best: dict[int, _Match] = {}
        self._score_arxiv(query, best)
        if norm.looks_like_url(query):
            self._score_url(norm.url_key(query), best)
        self._score_phrase(norm.squash(query), best, thorough=thorough)
        if allowed is not None:
            best = {i: m for i, m in best.items() if i in allowed}
        weights = FIELD_WEIGHTS
        words = norm.content_tokens(query)
        if norm.looks_like_url(query) and norm.url_tokens(query):
            # Someone pasting an address wants the entry it belongs to: its URL is the title.
            words = norm.url_tokens(query)
            weights = tuple(1.0 if FIELDS[c] == "url" else w for c, w in enumerate(FIELD_WEIGHTS))
        by_words = self._score_words(
            norm.unique(words)[:MAX_QUERY_TOKENS], weights, allowed, keep=limit, thorough=thorough
        )
        for i, match in by_words.items():
            _keep(best, i, match)
        scored = [(round(min(100.0, m.value * 100), 2), i, m) for i, m in best.items()]
        ranked = heapq.nsmallest(
            limit,
            scored,
            key=lambda item: (-item[0], self._entries[item[1]].title.casefold(), item[1]),
        )
        return [Hit(self._entries[i], score, FIELDS[m.field], m.term) for score, i, m in ranked]

    def _allowed(self, section: str | None, kind: str | None) -> frozenset[int] | None:
        allowed: frozenset[int] | None = None
        if section is not None:
            allowed = self._section_members.get(self.resolve_section(section).id, frozenset())
        if kind is not None:
            by_kind = self._kind_members.get(self.resolve_kind(kind), frozenset())
            allowed = by_kind if allowed is None else allowed & by_kind
        return allowed

    def _score_arxiv(self, query: str, best: dict[int, _Match]) -> None:
        for arxiv_id in norm.arxiv_ids(query):
            for i in self._arxiv.get(arxiv_id, ()):
                _keep(best, i, _Match(1.0, _F["arxiv id"], arxiv_id))

    def _score_url(self, key: str, best: dict[int, _Match]) -> None:
        """A pasted address: the entry with that URL, or the one URL it is the start of."""
        if not key:
            return
        for i, code in self._urls.pairs(key):
            _keep(best, i, _Match(1.0 if FIELDS[code] == "url" else LINK_URL_VALUE, code, key))
        lo = bisect_left(self._sorted_urls, key)
        hi = bisect_left(self._sorted_urls, key + "\U0010ffff", lo)
        if hi - lo > MAX_PHRASE_CANDIDATES:
            return  # "github.com" starts too many addresses to mean any one of them
        for url in self._sorted_urls[lo:hi]:
            if url == key or url[len(key)] not in "/.?#-_":
                continue  # only whole path segments: "github.com/iver5" is not "iver56"
            value = 0.8 + 0.15 * len(key) / len(url)
            for i, code in self._urls.pairs(url):
                factor = 1.0 if FIELDS[code] == "url" else LINK_URL_VALUE
                _keep(best, i, _Match(value * factor, code, url))

    def _score_phrase(self, key: str, best: dict[int, _Match], *, thorough: bool) -> None:
        """The whole query as one squashed key: equal, a prefix, or close by edit distance."""
        if not key:
            return
        if key in self._phrases:
            for i, code in self._phrases.pairs(key):
                _keep(best, i, _Match(FIELD_WEIGHTS[code], code, key))
            return
        if len(key) < 4:
            return
        lo = bisect_left(self._sorted_titles, key)
        for title in self._sorted_titles[lo : lo + MAX_PHRASE_CANDIDATES]:
            if not title.startswith(key):
                break
            for i, code in self._titles.pairs(title):
                value = (0.8 + 0.15 * len(key) / len(title)) * FIELD_WEIGHTS[code]
                _keep(best, i, _Match(value, code, title))
        if len(key) > MAX_TYPO_TITLE_CHARS:
            return  # long titles are found word by word
        close = self._title_typos.near(key, cutoff=80)
        if not close and thorough:
            close = self._title_typos.scan(key, cutoff=80, limit=MAX_PHRASE_CANDIDATES)
        for title, similarity in close:
            for i, code in self._titles.pairs(title):
                value = 0.95 * similarity / 100 * FIELD_WEIGHTS[code]
                _keep(best, i, _Match(value, code, title))

    def _expand(self, word: str, *, thorough: bool) -> dict[str, float]:
        """Indexed words a query word may mean, with their similarity (1.0 = the same word)."""
        found: dict[str, float] = {}
        if word in self._postings:
            found[word] = 1.0
        if len(word) >= 3:
            lo = bisect_left(self._vocab, word)
            hi = bisect_left(self._vocab, word + "\U0010ffff", lo)
            candidates = self._vocab[lo:hi]
            if len(candidates) > MAX_PREFIX_EXPANSIONS:
                candidates = heapq.nsmallest(
                    MAX_PREFIX_EXPANSIONS, candidates, key=lambda w: (len(w), w)
                )
            for candidate in candidates:
                if candidate != word:
                    found[candidate] = PREFIX_BASE + PREFIX_SPAN * len(word) / len(candidate)
        # Typos are looked for even when the word exists: "principle" for "principal".
        cutoff = 75 if len(word) == 4 else 80
        close = self._word_typos.near(word, cutoff=cutoff)
        if not close and thorough and word not in self._postings:
            close = self._word_typos.scan(word, cutoff=cutoff, limit=MAX_FUZZY_EXPANSIONS)
        # A word that exists is more likely meant than a near neighbour of it.
        factor = FUZZY_FACTOR * (REAL_WORD_TYPO_FACTOR if word in self._postings else 1.0)
        for candidate, similarity in close:
            value = factor * similarity / 100
            if value > found.get(candidate, 0.0):
                found[candidate] = value
        return found

    def _score_words(
        self,
        words: Sequence[str],
        weights: Sequence[float],
        allowed: frozenset[int] | None,
        keep: int,
        *,
        thorough: bool,
    ) -> dict[int, _Match]:
        """The ``keep`` entries best matching the query word by word.

        Sums are accumulated posting by posting; the title-coverage share, the costly part,
        is only computed for entries that could still reach the top ``keep``.
        """
        if not words:
            return {}
        total = len(self._entries)
        per_word: list[tuple[float, dict[str, float]]] = []
        matched_terms: dict[str, float] = {}
        sums: dict[int, float] = {}
        weight_sum = 0.0
        for word in words:
            expansions = self._expand(word, thorough=thorough)
            weight = math.log1p(total)  # a word found nowhere counts as fully missing
            if expansions:
                top_term = max(expansions, key=lambda t: (expansions[t], -self._frequency(t)))
                weight = math.log1p(total / self._frequency(top_term))
            weight_sum += weight
            per_word.append((weight, expansions))
            values: dict[int, float] = {}
            # The hot loop of a search: plain floats in dict comprehensions, no objects.
            for term, similarity in expansions.items():
                if similarity > matched_terms.get(term, 0.0):
                    matched_terms[term] = similarity
                scaled = [weight * similarity * w for w in weights]
                ids, codes = self._postings.runs(term)
                if not values:
                    values = {i: scaled[code] for i, code in zip(ids, codes, strict=True)}
                    continue
                for i, code in zip(ids, codes, strict=True):
                    if scaled[code] > values.get(i, 0.0):
                        values[i] = scaled[code]
            if allowed is not None:
                values = {i: v for i, v in values.items() if i in allowed}
            if not sums:
                sums = values
                continue
            get = sums.get
            for i, value in values.items():
                sums[i] = get(i, 0.0) + value
        if not sums:
            return {}
        # Best sums first (ties in catalog order, as postings are filled in that order). A
        # word found almost everywhere ("for", "audio") must not cost a full scoring of
        # every entry: only the first ``fully_scored`` go on.
        fully_scored = max(keep * 2, MIN_FULLY_SCORED)
        ordered = heapq.nlargest(fully_scored, sums, key=sums.__getitem__)
        scale = (1 - COVERAGE_SHARE) / (weight_sum or 1.0)
        kept: list[float] = []  # min-heap of the best ``keep`` final values so far
        scored: list[tuple[int, float]] = []
        for i in ordered:
            base = sums[i] * scale
            if len(kept) >= keep and base + COVERAGE_SHARE <= kept[0]:
                break  # coverage adds at most COVERAGE_SHARE: no later sum can still get in
            value = base + COVERAGE_SHARE * self._coverage(i, matched_terms)
            scored.append((i, value))
            if len(kept) < keep:
                heapq.heappush(kept, value)
            elif value > kept[0]:
                heapq.heapreplace(kept, value)
        found: dict[int, _Match] = {}
        spans: dict[str, tuple[int, int]] = {}  # each term looked up once, not once per entry
        for i, value in scored:
            if value >= kept[0]:
                field, term = self._strongest(i, per_word, weights, spans)
                found[i] = _Match(value, field, term)
        return found

    def _frequency(self, term: str) -> int:
        """How many entries an indexed word is found in."""
        return self._postings.count(term)

    def _strongest(
        self,
        i: int,
        per_word: Sequence[tuple[float, dict[str, float]]],
        weights: Sequence[float],
        spans: dict[str, tuple[int, int]],
    ) -> tuple[int, str]:
        """The field and indexed word that contributed most to entry ``i``'s score."""
        best_value, best_field, best_term = -1.0, 0, ""
        for weight, expansions in per_word:
            for term, similarity in expansions.items():
                span = spans.get(term)
                if span is None:
                    span = spans[term] = self._postings.span(term)
                code = self._postings.code_in(span, i)
                if code is not None and weight * similarity * weights[code] > best_value:
                    best_value = weight * similarity * weights[code]
                    best_field, best_term = code, term
        return best_field, best_term

    def _coverage(self, i: int, matched_terms: dict[str, float]) -> float:
        """How much of the best-covered title or alias the query words account for."""
        best = 0.0
        get = matched_terms.get
        for words in self._coverage_sets[i]:
            total = 0.0
            for word in words:
                total += get(word, 0.0)
            best = max(best, total / len(words))
        return best

    def is_confident(self, hits: Sequence[Hit]) -> bool:
        """Whether the first hit is a clear answer rather than a guess among near-equals.

        When it is not, show the user a "did you mean" list instead of a single answer.
        """
        if not hits:
            return False
        top = hits[0].score
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        if top >= EXACT_SCORE and runner_up < EXACT_SCORE:
            return True
        return top >= CONFIDENT_SCORE and top - runner_up >= CONFIDENT_MARGIN

    # ------------------------------------------------------------------ autocomplete

    def autocomplete(self, text: str, *, limit: int = MAX_CHOICES) -> list[Choice]:
        """Suggestions for a partly typed name, from memory only (Discord cannot wait).

        Titles starting with the text come first, then titles with a later word, author or
        tag starting with it; a typo with no prefix match falls back to ``search``. An empty
        box gets a mix of landmark entries.
        """
        limit = max(0, min(limit, MAX_CHOICES))
        if limit == 0:
            return []
        text = text[:MAX_CHOICE_CHARS]
        keys = norm.unique(
            key
            for variant in norm.fold_variants(text)
            for key in (norm.phrase(variant), norm.squash(variant))
            if key
        )
        if not keys:
            return self._default_choices[:limit]
        n = max(1, len(self._entries))
        ranked: dict[int, int] = {}

        def offer(value: int) -> None:
            i = self._by_rank[value % n]
            if value < ranked.get(i, value + 1):
                ranked[i] = value

        for key in keys:
            exact = self._prefixes.exact(key)
            if exact is not None:
                offer(exact - KEY_KINDS * n)  # typed in full: ahead of every mere prefix
            values = self._prefixes.best(key, limit * 4)
            for value in values:
                offer(value)
            if len(ranked) < limit and len(values) >= limit * 4:
                for value in self._prefixes.best(key, limit * 40):
                    offer(value)
        order = sorted(ranked, key=lambda i: (ranked[i], self._rank[i]))[:limit]
        choices = [self._choice(i) for i in order]
        if not choices:
            choices = [
                self._choice(self._position[hit.entry.id])
                for hit in self.search(text, limit=limit, thorough=False)
                if offerable(hit.entry)
            ]
        return choices

    def _choice(self, i: int) -> Choice:
        # Named when offered rather than all at build: a choice costs a microsecond or two,
        # and 100 000 names kept would cost ~10 MiB.
        entry = self._entries[i]
        return Choice(choice_name(entry), entry.id)

    # ------------------------------------------------------------------ related

    def related(self, entry: Entry, limit: int = 3) -> list[Entry]:
        """Entries sharing authors, tags or section with ``entry``, most in common first."""
        if limit <= 0:
            return []
        own = self._position.get(entry.id)
        scores: dict[int, float] = defaultdict(float)
        for author in entry.authors:
            for i in self._by_author.get(norm.phrase(author), ()):
                scores[i] += 3.0
        for tag in entry.tags:
            for i in self._by_tag.get(tag, ()):
                scores[i] += 2.0
        for section_id in (entry.section, *entry.also_in):
            for i in self._section_direct(section_id):
                scores[i] += 1.5 if self._entries[i].section == section_id else 1.0
        for i in list(scores):
            if i == own or self._entries[i].kind in LOW_KINDS:
                del scores[i]
            elif self._entries[i].kind == entry.kind:
                scores[i] += 0.5
        ranked = heapq.nsmallest(limit, scores, key=lambda i: (-scores[i], self._rank[i]))
        return [self._entries[i] for i in ranked]

    def _section_direct(self, section_id: str) -> Iterable[int]:
        members = self._section_members.get(section_id, frozenset())
        # Large sections add little signal and cost a walk over all of them.
        return members if len(members) <= 500 else ()

    # ------------------------------------------------------------------ filters

    def resolve_section(self, text: str) -> Section:
        """A section by id or title (case, accents, punctuation and plural ignored)."""
        wanted = norm.stem(norm.squash(text))
        for section in self.catalog.sections:
            if text == section.id or wanted in (
                norm.stem(norm.squash(section.id)),
                norm.stem(norm.squash(section.title)),
            ):
                return section
        names = {s.id: s.id for s in self.catalog.sections}
        names.update({s.title: s.id for s in self.catalog.sections})
        raise UnknownFilterError("section", text, closest(text, names))

    def resolve_kind(self, text: str) -> str:
        wanted = norm.stem(norm.squash(text))
        kinds = sorted(self._kind_members)
        for kind in kinds:
            if wanted == norm.squash(kind):
                return kind
        raise UnknownFilterError("kind", text, closest(text, {k: k for k in kinds}))

    @property
    def sections(self) -> tuple[Section, ...]:
        return self.catalog.sections


def _keep(best: dict[int, _Match], i: int, match: _Match) -> None:
    current = best.get(i)
    if current is None or match.value > current.value:
        best[i] = match
