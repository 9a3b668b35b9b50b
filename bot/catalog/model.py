"""Plain, immutable data types of the catalog. No I/O here: see ``loader``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

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
class SourceLocation:
    """Where a value was read, for ``file:line`` messages."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


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


@dataclass(frozen=True)
class Catalog:
    """The whole validated catalog, sections in reading order."""

    sections: tuple[Section, ...]
    entries: tuple[Entry, ...]
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)
    _sections_by_id: dict[str, Section] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})
        object.__setattr__(self, "_sections_by_id", {s.id: s for s in self.sections})

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
        return [e for e in self.entries if e.section == section_id or section_id in e.also_in]

    def children(self, section_id: str | None) -> Sequence[Section]:
        return [s for s in self.sections if s.parent == section_id]
