"""Plain, immutable data types of the catalog. No I/O here: see ``loader``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.datafile.problems import SourceLocation

# The kinds of entry a maintainer may use. ``person`` holds the credits (profile links of
# the page's founders and contributors), which the seed links but which are not resources.
KINDS: tuple[str, ...] = (
    "paper",
    "dataset",
    "course",
    "tutorial",
    "talk",
    "demo",
    "library",
    "tool",
    "book",
    "reference",
    "group",
    "conference",
    "journal",
    "competition",
    "community",
    "tip",
    "person",
)


@dataclass(frozen=True, slots=True)
class Link:
    """An extra titled link of an entry (videos beside notebooks, a critique of a dataset)."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Section:
    """A heading of the reading list. ``parent`` makes it a sub-heading of another section."""

    id: str
    title: str
    order: int
    blurb: str = ""
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One resource of the reading list."""

    id: str
    title: str
    section: str
    kind: str
    description: str
    url: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    # Sections where the seed lists the same resource again; rendered there too.
    also_in: tuple[str, ...] = ()
    source: SourceLocation | None = field(default=None, compare=False)

    @property
    def all_urls(self) -> tuple[str, ...]:
        main = (self.url,) if self.url else ()
        return main + tuple(link.url for link in self.links)


class ListedEntry(NamedTuple):
    """One line of a section's listing: an entry, and the sub-section it was found in
    (``None`` for the section's own entries and those cross-listed there).

    A NamedTuple rather than a frozen dataclass: a catalog builds one per entry and
    section level at load, and tuples are several times cheaper to create.
    """

    entry: Entry
    subsection: Section | None


@dataclass(frozen=True)
class Catalog:
    """The whole validated catalog, sections in reading order.

    Everything derived from the section tree (children, entries per section, listings,
    counts, paths) is computed once here, so readers never walk the tree per request.
    """

    sections: tuple[Section, ...]
    entries: tuple[Entry, ...]
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)
    _sections_by_id: dict[str, Section] = field(init=False, repr=False, compare=False)
    _children: dict[str | None, tuple[Section, ...]] = field(init=False, repr=False, compare=False)
    _entries_in: dict[str, tuple[Entry, ...]] = field(init=False, repr=False, compare=False)
    _listings: dict[str, tuple[ListedEntry, ...]] = field(init=False, repr=False, compare=False)
    _paths: dict[str, tuple[Section, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        children: dict[str | None, list[Section]] = {}
        for section in self.sections:
            children.setdefault(section.parent, []).append(section)
        entries_in: dict[str, list[Entry]] = {}
        for entry in self.entries:
            if not entry.also_in:
                entries_in.setdefault(entry.section, []).append(entry)
                continue
            # dict.fromkeys: an entry cross-listed in its own section is listed there once.
            for section_id in dict.fromkeys((entry.section, *entry.also_in)):
                entries_in.setdefault(section_id, []).append(entry)
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})
        object.__setattr__(self, "_sections_by_id", {s.id: s for s in self.sections})
        object.__setattr__(self, "_children", {p: tuple(kids) for p, kids in children.items()})
        object.__setattr__(self, "_entries_in", {k: tuple(v) for k, v in entries_in.items()})
        # These two read the tables above.
        object.__setattr__(self, "_listings", {s.id: self._walk(s) for s in self.sections})
        object.__setattr__(self, "_paths", {s.id: self._path_to(s) for s in self.sections})

    def _walk(self, root: Section) -> tuple[ListedEntry, ...]:
        """The section's entries, then each sub-section's (depth first, siblings by
        ``order``), each entry once, under the first place it was met."""
        if root.id not in self._children:  # most sections: no walk, no repeats possible
            return tuple(ListedEntry(entry, None) for entry in self._entries_in.get(root.id, ()))
        out: list[ListedEntry] = []
        seen_entries: set[str] = set()
        # Each section has one parent, so a section met twice means a cycle in bad data,
        # which must not hang the bot.
        seen_sections = {root.id}
        stack: list[tuple[Section, Section | None]] = [(root, None)]
        while stack:
            current, label = stack.pop()
            for entry in self._entries_in.get(current.id, ()):
                if entry.id not in seen_entries:
                    seen_entries.add(entry.id)
                    out.append(ListedEntry(entry, label))
            kids = sorted(self._children.get(current.id, ()), key=lambda s: s.order)
            for child in reversed(kids):  # pushed last → visited first
                if child.id not in seen_sections:
                    seen_sections.add(child.id)
                    stack.append((child, child))
        return tuple(out)

    def _path_to(self, section: Section) -> tuple[Section, ...]:
        path: list[Section] = []
        seen: set[str] = set()
        current: Section | None = section
        while current is not None and current.id not in seen:
            seen.add(current.id)
            path.append(current)
            current = self._sections_by_id.get(current.parent) if current.parent else None
        return tuple(reversed(path))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def section(self, section_id: str) -> Section | None:
        return self._sections_by_id.get(section_id)

    def entries_in(self, section_id: str) -> Sequence[Entry]:
        """Entries listed under a section, including those cross-listed there (``also_in``)."""
        return self._entries_in.get(section_id, ())

    def children(self, section_id: str | None) -> Sequence[Section]:
        """Direct sub-sections (top-level sections for ``None``), in catalog order."""
        return self._children.get(section_id, ())

    def listing(self, section_id: str) -> Sequence[ListedEntry]:
        """What browsing a section shows: its entries, then its sub-sections' entries (depth
        first, siblings by ``order``), each entry once. Empty for an unknown id."""
        return self._listings.get(section_id, ())

    def entry_count(self, section_id: str) -> int:
        """Entries in a section counting its sub-sections, each entry once (``listing``)."""
        return len(self._listings.get(section_id, ()))

    def path(self, section_id: str) -> tuple[Section, ...]:
        """The section and its ancestors, outermost first. Empty for an unknown id."""
        return self._paths.get(section_id, ())
