"""What a built index is made of (``Tables``) and the orders the builder and the index share.

Kept apart from the builder (``indexer``), which needs numpy: loading a cached index needs
these classes only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import filterfalse

from bot.catalog.model import Catalog, Entry
from bot.search.fields import LOW_KINDS, MAX_CHOICES, MAX_TYPO_TITLE_CHARS, offerable
from bot.search.postings import OwnerTable
from bot.search.prefix import PrefixTable
from bot.search.typos import TypoTable


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
        self.word_typos = TypoTable(filterfalse(str.isdigit, self.vocab))
        self.sorted_titles = self.titles.keys
        self.sorted_urls = self.urls.keys
        self.title_typos = TypoTable(k for k in self.titles if len(k) <= MAX_TYPO_TITLE_CHARS)


def static_rank(entries: list[Entry]) -> list[int]:
    """A static order for ties and for autocomplete: reading order, credits and tips last."""
    low = [entry.kind in LOW_KINDS for entry in entries]
    return [i for i, last in enumerate(low) if not last] + [i for i, last in enumerate(low) if last]


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
    # At most MAX_CHOICES are shown, so no kind gives more than that many: the walk stops
    # once every kind present has them (at once, in a large catalog).
    queues: dict[str, list[int]] = {
        kind: [] for kind in {e.kind for e in entries}.intersection(DEFAULT_KIND_ORDER)
    }
    unfilled = len(queues)
    for i in by_rank:
        entry = entries[i]
        queue = queues.get(entry.kind)
        if queue is not None and len(queue) < MAX_CHOICES and offerable(entry):
            queue.append(i)
            if len(queue) == MAX_CHOICES:
                unfilled -= 1
                if not unfilled:
                    break
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
