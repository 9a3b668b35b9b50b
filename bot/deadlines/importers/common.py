"""What every importer shares: notes, the imported edition, citations and sanity checks.

An importer never decides quietly. Each thing it does not take over as it is becomes a
:class:`Note`: an *error* means the edition was not imported (its data is wrong, and
importing it would show a wrong countdown), a *warning* means it was imported with a change
the maintainer should look at, *info* says what was skipped on purpose.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from bot.datafile.fields import check_http_url, slugify
from bot.datafile.problems import display_path
from bot.deadlines.dates import parse_date_range
from bot.deadlines.model import Deadline, DeadlineBook, series_key
from bot.deadlines.plausibility import (
    early_deadlines,
    foreign_link_year,
    shortened_link,
    workshop_at,
)

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Note:
    severity: Severity
    file: str
    line: int | None
    conference: str
    message: str

    def format(self) -> str:
        where = display_path(self.file)
        if self.line is not None:
            where += f":{self.line}"
        subject = f"{self.conference}: " if self.conference else ""
        return f"{where}: {self.severity}: {subject}{self.message}"


@dataclass(slots=True)
class ImportedEdition:
    """One edition read from a source file, in the catalog's terms."""

    name: str
    year: int
    series: str
    source: str
    file: str
    line: int
    deadlines: list[Deadline] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    place: str = ""
    link: str | None = None
    link_line: int | None = None
    note: str = ""

    @property
    def title(self) -> str:
        return f"{self.name} {self.year}"


@dataclass(slots=True)
class ImportResult:
    editions: list[ImportedEdition] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def extend(self, other: ImportResult) -> None:
        self.editions.extend(other.editions)
        self.notes.extend(other.notes)

    @property
    def errors(self) -> list[Note]:
        return [n for n in self.notes if n.severity == "error"]


class EditionNotes:
    """Collects the notes of one edition; an error rejects the edition."""

    def __init__(self, result: ImportResult, file: str, conference: str) -> None:
        self._result = result
        self.file = file
        self.conference = conference
        self._rejected = False

    def has_errors(self) -> bool:
        return self._rejected

    def error(self, line: int | None, message: str) -> None:
        self._rejected = True
        self._add("error", line, message + "; edition not imported")

    def warning(self, line: int | None, message: str) -> None:
        self._add("warning", line, message)

    def info(self, line: int | None, message: str) -> None:
        self._add("info", line, message)

    def _add(self, severity: Severity, line: int | None, message: str) -> None:
        self._result.notes.append(Note(severity, self.file, line, self.conference, message))


# ---------------------------------------------------------------------------------------
# Citing the shared file (SOURCES.md)


@dataclass(frozen=True, slots=True)
class SourceInfo:
    repository: str  # owner/name
    commit: str
    root: Path  # the folder holding SOURCES.md; paths are cited relative to it

    def cite(self, path: Path, line: int | None = None) -> str:
        try:
            relative = path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            relative = path.name
        anchor = f"#L{line}" if line else ""
        return f"{self.repository}@{self.commit[:12]}:{relative}{anchor}"


_REPOSITORY = re.compile(r"github\.com/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)")
_COMMIT = re.compile(r"Commit:\s*`([0-9a-f]{7,40})`")


def find_source(path: Path) -> SourceInfo | None:
    """The repository and commit a shared file comes from, read from the nearest SOURCES.md."""
    return _source_above(path.resolve().parent)


@cache
def _source_above(start: Path) -> SourceInfo | None:
    for folder in (start, *start.parents):
        sources = folder / "SOURCES.md"
        if sources.is_file():
            text = sources.read_text(encoding="utf-8")
            repository = _REPOSITORY.search(text)
            commit = _COMMIT.search(text)
            if repository and commit:
                return SourceInfo(repository.group(1).removesuffix(".git"), commit.group(1), folder)
            return None
    return None


# ---------------------------------------------------------------------------------------
# Matching a source's conference name to a catalog series


class SeriesIndex:
    """Finds the catalog series of a conference name from a source, by name or alias."""

    def __init__(self, book: DeadlineBook | None = None, extra: dict[str, str] | None = None):
        self._by_key: dict[str, str] = {}
        for series in book.series if book else ():
            for name in (series.id, series.name, *series.aliases):
                self._by_key.setdefault(series_key(name), series.id)
        for name, series_id in (extra or {}).items():
            self._by_key.setdefault(series_key(name), series_id)

    def find(self, name: str) -> str | None:
        return self._by_key.get(series_key(name))

    def resolve(self, name: str) -> str:
        return self.find(name) or slugify(re.sub(r"\s*\d{2,4}$", "", name)) or "conference"


# ---------------------------------------------------------------------------------------
# Shared checks and small readers


def check_edition(
    edition: ImportedEdition,
    notes: EditionNotes,
    date_text: str = "",
    date_line: int | None = None,
    event_title: str = "",
) -> None:
    """The checks every source needs; errors reject the edition. ``event_title`` is the
    source's long name of the event, which says when it is a workshop at the conference."""
    start, end = edition.start, edition.end
    if date_text:
        parsed = parse_date_range(date_text)
        if parsed is None:
            notes.info(date_line, f"could not read conference dates '{date_text}'")
        elif start is None and end is None:
            edition.start, edition.end = start, end = parsed
        elif (start, end) != parsed and start is not None:
            notes.error(
                date_line,
                f"conference dates say '{date_text}' but start/end say {start} to {end}",
            )
    if start and end and end < start:
        notes.error(date_line, f"ends ({end}) before it starts ({start})")
    years = {d.year for d in (start, end) if d is not None}
    if years and edition.year not in years:
        notes.error(
            date_line,
            f"edition {edition.year} takes place in {'/'.join(map(str, sorted(years)))}",
        )
    last = end or start
    for deadline in edition.deadlines:
        if deadline.local is not None and last is not None and deadline.local.date() > last:
            notes.error(
                deadline.source.line if deadline.source else None,
                f"{deadline.kind} deadline {deadline.local.date()} is after the conference "
                f"({last})",
            )
    _check_belongs(edition, notes, event_title, date_line)
    abstract, paper = _kind(edition, "abstract"), _kind(edition, "paper")
    if abstract and paper and abstract.at and paper.at and abstract.at > paper.at:
        notes.error(
            abstract.source.line if abstract.source else None,
            f"abstract deadline {abstract.local} is after the paper deadline {paper.local}",
        )


def _check_belongs(
    edition: ImportedEdition, notes: EditionNotes, event_title: str, title_line: int | None
) -> None:
    """Data that is another edition's or another event's (plausibility.py)."""
    workshop = workshop_at(event_title, edition.name)
    if workshop is not None:
        notes.error(title_line, workshop)
    if edition.link is not None:
        foreign = foreign_link_year(edition.link, edition.year)
        if foreign is not None:
            notes.error(edition.link_line, foreign)
    for deadline, early in early_deadlines(edition.deadlines, edition.start):
        notes.error(deadline.source.line if deadline.source else None, early)


def _kind(edition: ImportedEdition, kind: str) -> Deadline | None:
    return next((d for d in edition.deadlines if d.kind == kind), None)


def unique_kind(kind: str, taken: set[str]) -> str:
    """``kind``, or ``kind-2``, ``kind-3``… when the edition already has one."""
    candidate, number = kind, 2
    while candidate in taken:
        candidate, number = f"{kind}-{number}", number + 1
    taken.add(candidate)
    return candidate


def checked_link(value: object, notes: EditionNotes, line: int | None) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    url = value.strip()
    problem = check_http_url(url)
    if problem is not None:
        notes.warning(line, f"link '{url}' {problem.message}: link skipped")
        return None
    shortened = shortened_link(url)
    if shortened is not None:
        notes.warning(line, f"{shortened}: link skipped")
        return None
    return url


_TAG = re.compile(r"<[^>]+>")
_HTML_LINK = re.compile(
    r"<a\s[^>]*?href\s*=\s*(['\"])(?P<url>.*?)\1[^>]*>(?P<text>.*?)</a\s*>",
    re.IGNORECASE | re.DOTALL,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LOST_LINK = "\x00"  # marks a sentence whose link could not be kept
NOTE_LIMIT = 1000


def plain_note(value: object) -> str:
    """A source's note as the bot shows it (Markdown, in an embed): an HTML link becomes
    ``[text](url)``, other markup is dropped. A sentence whose link is unusable is dropped
    whole, so that no "More info here." is left pointing nowhere."""
    if not isinstance(value, str):
        return ""
    text = _TAG.sub("", _HTML_LINK.sub(_markdown_link, value))
    sentences = [
        " ".join(sentence.split())
        for sentence in _SENTENCE_END.split(text)
        if _LOST_LINK not in sentence and sentence.strip()
    ]
    kept: list[str] = []
    for sentence in sentences:  # whole sentences only: a cut could split a link in two
        if len(" ".join([*kept, sentence])) > NOTE_LIMIT:
            break
        kept.append(sentence)
    return " ".join(kept)


def _markdown_link(match: re.Match[str]) -> str:
    url = match.group("url").strip()
    words = " ".join(_TAG.sub("", match.group("text")).split())
    if check_http_url(url) is not None:
        return _LOST_LINK
    # Brackets in the text and parentheses in the URL would end the Markdown link early.
    label = words.replace("[", "(").replace("]", ")") or url
    target = url.replace("(", "%28").replace(")", "%29")
    return f"[{label}]({target})"


def report_ignored(result: ImportResult, file: str, ignored: Counter[str]) -> None:
    """One info line per file listing the fields dropped on purpose and how often."""
    if ignored:
        listed = ", ".join(f"{key} ({count})" for key, count in sorted(ignored.items()))
        result.notes.append(
            Note("info", file, None, "", f"fields not used by the catalog, skipped: {listed}")
        )
