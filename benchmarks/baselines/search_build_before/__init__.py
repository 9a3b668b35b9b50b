"""The search index build as it was before issue 14's build rework (PREVIOUS IMPLEMENTATION).

Not used by the bot. ``bench_search`` builds this beside the current ``SearchIndex`` on the
same catalog in the same run, so "before" is measured, not remembered. The modules are
copies of ``bot/search/{normalise,postings,prefix,typos,indexer}.py`` at commit 2ddb5f0
with only their imports pointed here (``bot.search.fields``, the field codes and limits
that index and queries agree on and that the rework left unchanged, is imported, not
copied); ``build`` below is ``SearchIndex.build``'s
constructor of that commit (every table and list it computed), without the query methods.
"""

from __future__ import annotations

from collections import defaultdict

from benchmarks.baselines.search_build_before.indexer import (
    Tables,
    build_tables,
    default_choice_order,
    members_by_section,
)
from bot.catalog.model import Catalog, Entry
from bot.search.results import Choice, choice_name


class PreviousSearchIndex:
    """What ``SearchIndex.build`` kept before the rework: the same tables, built the old way."""

    def __init__(self, catalog: Catalog, tables: Tables) -> None:
        self.catalog = catalog
        self._entries: list[Entry] = list(catalog.entries)
        self._position = {e.id: i for i, e in enumerate(self._entries)}
        self._rank = tables.rank
        self._by_rank = tables.by_rank
        self._postings = tables.postings
        self._phrases = tables.phrases
        self._arxiv = tables.arxiv
        self._urls = tables.urls
        self._sorted_urls = tables.sorted_urls
        self._coverage_sets = tables.coverage_sets
        self._vocab = tables.vocab
        self._word_typos = tables.word_typos
        self._titles = tables.titles
        self._sorted_titles = tables.sorted_titles
        self._title_typos = tables.title_typos
        self._prefixes = tables.prefixes
        self._by_author = tables.by_author
        self._by_tag = tables.by_tag
        self._choice_names = [choice_name(e) for e in self._entries]
        defaults = default_choice_order(self._entries, self._by_rank)
        self._default_choices = [self._choice(i) for i in defaults]
        self._section_members = members_by_section(catalog, self._entries)
        kinds: dict[str, set[int]] = defaultdict(set)
        for i, entry in enumerate(self._entries):
            kinds[entry.kind].add(i)
        self._kind_members = {k: frozenset(v) for k, v in kinds.items()}

    @classmethod
    def build(cls, catalog: Catalog) -> PreviousSearchIndex:
        return cls(catalog, build_tables(catalog))

    def _choice(self, i: int) -> Choice:
        return Choice(self._choice_names[i], self._entries[i].id)
