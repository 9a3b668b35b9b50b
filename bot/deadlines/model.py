"""Conference series, editions and deadlines: plain immutable data, no I/O.

A *series* (ICASSP) is tied to a conference entry of the catalog by its id. An *edition*
(ICASSP 2027) has dates, a place, a link, the source its data came from, and any number
of *deadlines*. A deadline is either announced (a local wall-clock time in a timezone) or
TBA. Every instant the bot computes is derived here, in UTC, in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from bot.datafile.problems import SourceLocation
from bot.deadlines.timezones import Timezone

# Known deadline kinds with the words shown to users. Other kinds are allowed (any slug);
# they are shown with their slug turned into words.
KIND_LABELS: dict[str, str] = {
    "abstract": "Abstract",
    "paper": "Paper",
    "supplementary": "Supplementary material",
    "rebuttal": "Rebuttal",
    "rebuttal-start": "Rebuttal period starts",
    "rebuttal-end": "Rebuttal period ends",
    "review-release": "Reviews released",
    "notification": "Notification",
    "camera-ready": "Camera-ready",
    "registration": "Registration",
}

# Dates that authors receive rather than meet: listed and exported, never reminded.
NOT_REMINDED_KINDS: frozenset[str] = frozenset({"notification", "review-release", "rebuttal-start"})

# The deadline that names an edition's "deadline" in lists and estimates, best first.
MAIN_KINDS: tuple[str, ...] = ("paper", "abstract")

TAGS: tuple[str, ...] = ("audio", "music", "speech", "ml")


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind) or kind.replace("-", " ").capitalize()


def series_key(name: str) -> str:
    """``'DAFx24'``, ``'DAFX 2022'`` and ``'dafx'`` all become ``'dafx'``."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    return re.sub(r"(19|20)?\d{2}$", "", key) or key


@dataclass(frozen=True, slots=True)
class Rhythm:
    """How often a series is held: every ``every`` years, in the years whose remainder by
    ``every`` is ``parity`` (WASPAA: every 2 years, odd years → ``Rhythm(2, 1)``)."""

    every: int = 1
    parity: int = 0

    def holds(self, year: int) -> bool:
        return year % self.every == self.parity

    def next_year(self, year: int) -> int:
        """``year`` when the series is held then, else the first year after it that it is."""
        return year + (self.parity - year) % self.every

    @property
    def text(self) -> str:
        if self.every == 1:
            return "every year"
        if self.every == 2:
            return "in odd years" if self.parity else "in even years"
        return f"every {self.every} years"


YEARLY = Rhythm()
# The names ``held:`` takes in catalog/deadlines/<conference>.yaml.
HELD: dict[str, Rhythm] = {
    "yearly": YEARLY,
    "odd-years": Rhythm(2, 1),
    "even-years": Rhythm(2, 0),
}
# Editions all in odd (or all in even) years prove a two-year rhythm only from this many:
# ICMC 2020 and 2022 alone are two editions of a yearly conference.
MIN_EDITIONS_FOR_RHYTHM = 3


def derived_rhythm(years: Sequence[int]) -> Rhythm:
    """Every other year when at least three editions all fall in odd (or all in even) years;
    every year otherwise (the common case, and the safe one: it hides no year)."""
    distinct = sorted(set(years))
    if len(distinct) < MIN_EDITIONS_FOR_RHYTHM:
        return YEARLY
    parities = {year % 2 for year in distinct}
    if len(parities) != 1:
        return YEARLY
    return Rhythm(2, parities.pop())


@dataclass(frozen=True, slots=True)
class Deadline:
    """One deadline of an edition.

    ``local`` is the wall-clock time in ``timezone`` as the organisers wrote it; ``None``
    means TBA. ``time_stated`` is False when the source gave a date only: the catalog then
    uses the documented default (23:59 AoE) and flags it wherever the time is shown.
    """

    kind: str
    timezone: Timezone
    local: datetime | None = None
    label: str = ""
    time_stated: bool = True
    source: SourceLocation | None = field(default=None, compare=False)

    @property
    def is_tba(self) -> bool:
        return self.local is None

    @property
    def at(self) -> datetime | None:
        """The instant in UTC, or ``None`` when TBA."""
        if self.local is None:
            return None
        return self.local.replace(tzinfo=self.timezone.tzinfo).astimezone(UTC)

    @property
    def title(self) -> str:
        return self.label or kind_label(self.kind)

    @property
    def is_reminded(self) -> bool:
        return self.local is not None and self.kind not in NOT_REMINDED_KINDS

    def local_text(self) -> str:
        """The organisers' own time and zone, e.g. ``2026-09-16 23:59 AoE``."""
        if self.local is None:
            return "TBA"
        clock = (
            self.local.strftime("%H:%M")
            if self.local.second == 0
            else self.local.strftime("%H:%M:%S")
        )
        text = f"{self.local.date().isoformat()} {clock} {self.timezone.label}"
        if not self.time_stated:
            text += " (time not given by the source)"
        return text

    def clock_text(self) -> str:
        """Only the time of day and zone, e.g. ``23:59 AoE``."""
        if self.local is None:
            return "TBA"
        suffix = "" if self.time_stated else " (assumed)"
        return f"{self.local.strftime('%H:%M')} {self.timezone.label}{suffix}"


@dataclass(frozen=True, slots=True)
class Edition:
    """One year of a conference series."""

    id: str
    series: str
    name: str
    year: int
    deadlines: tuple[Deadline, ...] = ()
    start: date | None = None
    end: date | None = None
    place: str = ""
    link: str | None = None
    source: str = ""
    note: str = ""
    location: SourceLocation | None = field(default=None, compare=False)

    @property
    def title(self) -> str:
        return f"{self.name} {self.year}"

    def deadline(self, kind: str) -> Deadline | None:
        return next((d for d in self.deadlines if d.kind == kind), None)

    @property
    def main_deadline(self) -> Deadline | None:
        """The paper deadline, else the abstract one, else the first submission-like one."""
        for kind in MAIN_KINDS:
            found = self.deadline(kind)
            if found is not None:
                return found
        return next((d for d in self.deadlines if d.kind not in NOT_REMINDED_KINDS), None)


@dataclass(frozen=True, slots=True)
class Series:
    """A conference, tied to its catalog entry ``id``, with its editions by year."""

    id: str
    name: str
    editions: tuple[Edition, ...] = ()
    tags: tuple[str, ...] = ()
    full_name: str = ""
    aliases: tuple[str, ...] = ()
    held: Rhythm | None = None  # as the catalog says it; None: derived from the editions
    location: SourceLocation | None = field(default=None, compare=False)

    def __iter__(self) -> Iterator[Edition]:
        return iter(self.editions)

    @property
    def rhythm(self) -> Rhythm:
        return self.held or derived_rhythm([edition.year for edition in self.editions])


@dataclass(frozen=True)
class DeadlineBook:
    """Every series of ``catalog/deadlines``, looked up by id."""

    series: tuple[Series, ...] = ()
    _by_id: dict[str, Series] = field(init=False, repr=False, compare=False)
    _editions: dict[str, Edition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {s.id: s for s in self.series})
        object.__setattr__(self, "_editions", {e.id: e for s in self.series for e in s.editions})

    def get(self, series_id: str) -> Series | None:
        return self._by_id.get(series_id)

    def edition(self, edition_id: str) -> Edition | None:
        return self._editions.get(edition_id)

    @property
    def editions(self) -> Sequence[Edition]:
        return [e for s in self.series for e in s.editions]

    def __len__(self) -> int:
        return len(self.series)
