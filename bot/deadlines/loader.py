"""Load and validate ``catalog/deadlines/<conference>.yaml``.

One file per conference series; its ``conference`` key is the id of the conference's
entry in ``catalog/entries``. Every mistake becomes a :class:`Problem` with ``file:line``,
and all of them are collected before giving up, so one ``deadlines check`` lists them all.
The YAML reading itself (line numbers, no duplicate keys, no aliases) is ``bot.datafile``'s.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from bot.catalog.limits import DESCRIPTION_LIMIT, NAME_LIMIT, TITLE_LIMIT
from bot.datafile.fields import FieldReader
from bot.datafile.problems import DeadlinesError, Problem, SourceLocation
from bot.datafile.yaml_reader import YamlMap, YamlScalar, YamlValue, describe, read_yaml
from bot.deadlines.dates import DateError, is_placeholder, parse_day, parse_local
from bot.deadlines.model import HELD, TAGS, Deadline, DeadlineBook, Edition, Series
from bot.deadlines.plausibility import early_deadlines, shortened_link
from bot.deadlines.timezones import Timezone, parse_timezone

SOURCES_FILE = "sources.yaml"
SERIES_KEYS = ("conference", "name", "full_name", "tags", "aliases", "held", "editions")
EDITION_KEYS = (
    "id",
    "year",
    "start",
    "end",
    "place",
    "link",
    "source",
    "timezone",
    "note",
    "deadlines",
)
DEADLINE_KEYS = ("kind", "label", "at", "timezone")

# "<owner>/<repository>@<commit>:<path>[#L<line>]": the shared file the data was taken from.
SOURCE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+@[0-9a-f]{7,40}:[^\s#]+(#L\d+)?$")
SOURCE_EXAMPLE = "ccfddl/ccf-deadlines@5f8dce3:conference/CG/icassp.yml#L42"


@dataclass(frozen=True, slots=True)
class LoadResult:
    book: DeadlineBook
    problems: tuple[Problem, ...]


def load_deadlines(directory: Path, known_conferences: Collection[str] | None = None) -> LoadResult:
    """Every ``*.yaml`` in ``directory``, checked; ``known_conferences`` enables that check."""
    problems: list[Problem] = []
    series: list[Series] = []
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    # sources.yaml lists the upstream files sync follows (bot/deadlines/sources.py).
    files = [path for path in files if path.name != SOURCES_FILE]
    for path in files:
        parsed = _read_series(path, known_conferences, problems)
        if parsed is not None:
            series.append(parsed)
    _cross_file_checks(series, problems)
    return LoadResult(DeadlineBook(tuple(series)), tuple(sorted(problems, key=Problem.sort_key)))


def load_deadlines_or_raise(
    directory: Path, known_conferences: Collection[str] | None = None
) -> DeadlineBook:
    result = load_deadlines(directory, known_conferences)
    if result.problems:
        raise DeadlinesError(result.problems)
    return result.book


def _read_series(
    path: Path, known: Collection[str] | None, problems: list[Problem]
) -> Series | None:
    file = str(path)
    document, yaml_problems = read_yaml(path)
    problems.extend(yaml_problems)
    if document is None:
        return None
    if not isinstance(document, YamlMap):
        problems.append(
            Problem(
                file,
                document.line,
                f"expected a mapping, found {describe(document)}",
                "start with 'conference: <entry id>'",
            )
        )
        return None
    reader = FieldReader(
        file,
        document,
        "deadline file",
        problems,
        allowed=SERIES_KEYS,
        required=("conference", "name", "editions"),
    )
    conference = reader.slug("conference")
    if conference is None:
        return None
    if path.stem != conference:
        reader.problem(
            reader.line("conference"),
            f"file of conference '{conference}' is named '{path.name}'",
            f"rename it to {conference}.yaml",
        )
    if known is not None and conference not in known:
        reader.problem(
            reader.line("conference"),
            f"unknown conference '{conference}': no catalog entry has this id",
            "add the conference to catalog/entries first, or fix the id",
        )
    name = reader.text("name", NAME_LIMIT) or conference
    tags = reader.slug_list("tags")
    for tag in tags:
        if tag not in TAGS:
            reader.problem(
                reader.line("tags"), f"unknown tag '{tag}'", "one of: " + ", ".join(TAGS)
            )
    editions = []
    seen_years: dict[int, int] = {}
    for item in reader.items("editions"):
        edition = _read_edition(file, item, conference, name, problems)
        if edition is None:
            continue
        line = edition.location.line if edition.location else item.line
        if edition.year in seen_years:
            problems.append(
                Problem(
                    file,
                    line,
                    f"duplicate edition {name} {edition.year}",
                    "merge the two editions into one",
                    related=SourceLocation(file, seen_years[edition.year]),
                )
            )
            continue
        seen_years[edition.year] = line
        editions.append(edition)
    editions.sort(key=lambda e: e.year)
    held_name = reader.choice("held", tuple(HELD))
    held = HELD[held_name] if held_name is not None else None
    if held is not None:
        for edition in editions:
            if not held.holds(edition.year):
                reader.problem(
                    edition.location.line if edition.location else document.line,
                    f"{name} {edition.year}: {name} is held {held.text} (held: {held_name})",
                    "check the year of the edition, or the 'held:' of the conference",
                )
    return Series(
        id=conference,
        name=name,
        editions=tuple(editions),
        tags=tags,
        full_name=reader.text("full_name", TITLE_LIMIT) or "",
        aliases=reader.text_list("aliases", NAME_LIMIT, unique=True),
        held=held,
        location=SourceLocation(file, document.line),
    )


def _read_edition(
    file: str, item: YamlValue, conference: str, name: str, problems: list[Problem]
) -> Edition | None:
    if not isinstance(item, YamlMap):
        problems.append(
            Problem(file, item.line, f"an edition must be a mapping, found {describe(item)}")
        )
        return None
    reader = FieldReader(
        file,
        item,
        f"edition of {name}",
        problems,
        allowed=EDITION_KEYS,
        required=("year", "source", "deadlines"),
    )
    year = reader.integer("year", 1950, 2200, example=2027)
    if year is None:
        return None
    what = f"{name} {year}"
    reader.what = what
    edition_id = reader.slug("id") or f"{conference}-{year}"
    start = _day(reader, "start")
    end = _day(reader, "end")
    if start and end and end < start:
        reader.problem(
            reader.line("end"),
            f"{what} ends ({end}) before it starts ({start})",
            "check the years of start and end",
        )
    if start and abs(start.year - year) > 1:
        reader.problem(reader.line("start"), f"{what} starts in {start.year}", "check the year")
    source = reader.text("source", TITLE_LIMIT)
    if source is not None and not SOURCE_PATTERN.match(source):
        reader.problem(
            reader.line("source"),
            f"source of {what} must cite a shared file as owner/repo@commit:path",
            f"e.g. {SOURCE_EXAMPLE}",
        )
    default_zone = _timezone(reader)
    deadlines = []
    seen_kinds: dict[str, int] = {}
    for entry in reader.items("deadlines"):
        deadline = _read_deadline(file, entry, what, default_zone, reader, problems)
        if deadline is None:
            continue
        line = deadline.source.line if deadline.source else entry.line
        if deadline.kind in seen_kinds:
            problems.append(
                Problem(
                    file,
                    line,
                    f"{what} has two '{deadline.kind}' deadlines",
                    "give the second a distinct kind, e.g. registration-late",
                    related=SourceLocation(file, seen_kinds[deadline.kind]),
                )
            )
            continue
        seen_kinds[deadline.kind] = line
        last_day = end or start
        if deadline.local is not None and last_day is not None and deadline.local.date() > last_day:
            problems.append(
                Problem(
                    file,
                    line,
                    f"{what}: {deadline.kind} deadline {deadline.local.date()} is after the "
                    f"conference ({last_day})",
                    "check the year of the deadline and the conference dates",
                )
            )
        deadlines.append(deadline)
    _check_plausible(reader, what, start, deadlines)
    return Edition(
        id=edition_id,
        series=conference,
        name=name,
        year=year,
        deadlines=tuple(sorted(deadlines, key=_deadline_order)),
        start=start,
        end=end,
        place=reader.text("place", TITLE_LIMIT) or "",
        link=_link(reader, what),
        source=source or "",
        note=reader.text("note", DESCRIPTION_LIMIT) or "",
        location=SourceLocation(file, item.line),
    )


def _check_plausible(
    reader: FieldReader, what: str, start: dt.date | None, deadlines: list[Deadline]
) -> None:
    """Deadlines that belong to another edition (bot/deadlines/plausibility.py)."""
    for deadline, early in early_deadlines(deadlines, start):
        reader.problem(
            deadline.source.line if deadline.source else reader.mapping.line,
            f"{what}: {early}",
            "cite the edition's own call for papers, or remove the edition",
        )


def _link(reader: FieldReader, what: str) -> str | None:
    link = reader.url("link")
    shortened = shortened_link(link) if link is not None else None
    if shortened is not None:
        reader.problem(
            reader.line("link"),
            f"{what}: {shortened}",
            "link the conference's own address, or leave the link out",
        )
    return link


def _deadline_order(deadline: Deadline) -> tuple[int, dt.datetime]:
    at = deadline.at
    return (1, dt.datetime.max.replace(tzinfo=dt.UTC)) if at is None else (0, at)


def _read_deadline(
    file: str,
    item: YamlValue,
    what: str,
    default_zone: Timezone | None,
    edition: FieldReader,
    problems: list[Problem],
) -> Deadline | None:
    if not isinstance(item, YamlMap):
        problems.append(Problem(file, item.line, f"a deadline of {what} must be a mapping"))
        return None
    reader = FieldReader(
        file, item, f"deadline of {what}", problems, allowed=DEADLINE_KEYS, required=("kind", "at")
    )
    kind = reader.slug("kind")
    if kind is None or "at" not in item.fields:
        return None
    reader.what = f"{kind} deadline of {what}"
    zone = _timezone(reader) if "timezone" in item.fields else default_zone
    if zone is None:
        if "timezone" not in item.fields and "timezone" not in edition.mapping.fields:
            reader.problem(
                item.line,
                f"{reader.what} has no timezone",
                "add 'timezone:' to the deadline or the edition (AoE, UTC-7, Asia/Seoul…)",
            )
        return None
    at_field = item.fields["at"]
    value = at_field.value.value if isinstance(at_field.value, YamlScalar) else None
    label = reader.text("label", NAME_LIMIT) or ""
    location = SourceLocation(file, item.line)
    if isinstance(value, str) and is_placeholder(value):
        return Deadline(kind, zone, None, label, source=location)
    if isinstance(value, dt.datetime):
        value = value.strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str):
        reader.problem(
            at_field.line,
            f"at of {reader.what} must be a date and time, found {describe(at_field.value)}",
            "write 'YYYY-MM-DD HH:MM' or TBA",
        )
        return None
    try:
        local = parse_local(value)
    except DateError as error:
        reader.problem(at_field.line, f"{reader.what}: {error.message}", error.hint)
        return None
    return Deadline(kind, zone, local.value, label, local.time_stated, location)


def _timezone(reader: FieldReader) -> Timezone | None:
    # parse_timezone raises TimezoneError, a ValueError whose hint says what to write.
    return reader.parsed("timezone", parse_timezone, hint="write AoE, UTC-7 or an IANA name")


def _day(reader: FieldReader, key: str) -> dt.date | None:
    field = reader.field(key)
    if field is None:
        return None
    value = field.value.value if isinstance(field.value, YamlScalar) else None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if is_placeholder(value):
            return None
        try:
            return parse_day(value)
        except DateError as error:
            reader.problem(field.line, f"{key} of {reader.what}: {error.message}", error.hint)
            return None
    reader.problem(
        field.line,
        f"{key} of {reader.what} must be a date, found {describe(field.value)}",
        "write YYYY-MM-DD or TBA",
    )
    return None


def _cross_file_checks(series: list[Series], problems: list[Problem]) -> None:
    seen_series: dict[str, SourceLocation] = {}
    seen_editions: dict[str, SourceLocation] = {}
    for one in series:
        here = one.location or SourceLocation("?", 0)
        if one.id in seen_series:
            problems.append(
                Problem(
                    here.path,
                    here.line,
                    f"duplicate conference '{one.id}'",
                    "keep one file per conference",
                    related=seen_series[one.id],
                )
            )
        seen_series.setdefault(one.id, here)
        for edition in one.editions:
            where = edition.location or here
            if edition.id in seen_editions:
                problems.append(
                    Problem(
                        where.path,
                        where.line,
                        f"duplicate edition id '{edition.id}'",
                        "edition ids must be unique",
                        related=seen_editions[edition.id],
                    )
                )
            seen_editions.setdefault(edition.id, where)
