"""MTG/conferences (conferences.smcnetwork.org): one Markdown file per edition.

The list gives dates only, never a time or a timezone. A submission date becomes a paper
deadline at the documented default, 23:59 AoE, flagged as "time not given by the source" so
the bot never presents it as an announced time. Journal calls (``journal:`` files) are
not conferences and are skipped, with a note.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from bot.datafile.problems import SourceLocation
from bot.datafile.yaml_reader import YamlMap, read_yaml_text
from bot.deadlines.dates import DEFAULT_TIME, DateError, parse_loose_day
from bot.deadlines.importers.common import (
    EditionNotes,
    ImportedEdition,
    ImportResult,
    Note,
    SeriesIndex,
    check_edition,
    checked_link,
    find_source,
)
from bot.deadlines.importers.reading import scalar, text
from bot.deadlines.model import Deadline
from bot.deadlines.timezones import AOE, parse_timezone

_USED = {"title", "acronym", "date", "end_date", "submission_date", "ext_url", "location"}
# An edition's year at the end of its acronym, with what joins it to the name: "WASPAA-2009",
# "WASPAA 2015", "waspaa2017", "DAFx-19", "AM'15". The lookbehind keeps the last two digits
# of a longer number ("AES 132", a convention's number, not a year) from being read as one.
_YEAR_SUFFIX = re.compile(r"(?<!\d)(?:(?:19|20)\d{2}|\d{2})$")
# Left between name and year once the year is gone. "+" is not one: "DMRN+" is a name.
_SEPARATORS = " \t-_./'’"


def import_mtg(paths: list[Path], index: SeriesIndex) -> ImportResult:
    result = ImportResult()
    assumed = 0
    for path in paths:
        assumed += _file(path, index, result)
    if assumed:
        result.notes.append(
            Note(
                "info",
                "",
                None,
                "MTG",
                f"{assumed} submission dates have no time or timezone: imported as 23:59 AoE, "
                "flagged as 'time not given by the source'",
            )
        )
    return result


def front_matter(text: str) -> tuple[str, int] | None:
    """The front matter with every other line blanked (so line numbers stay true) and
    the line of its opening ``---``; ``None`` when there is none."""
    lines = text.splitlines()
    opening = next((i for i, line in enumerate(lines) if line.strip() == "---"), None)
    if opening is None:
        return None
    closing = next(
        (i for i in range(opening + 1, len(lines)) if lines[i].startswith("---")), len(lines)
    )
    kept = ["" for _ in range(opening + 1)] + lines[opening + 1 : closing]
    return "\n".join(kept) + "\n", opening + 1


def _file(path: Path, index: SeriesIndex, result: ImportResult) -> int:
    file = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        result.notes.append(Note("error", file, None, "", f"cannot read file: {error}"))
        return 0
    found = front_matter(raw)
    if found is None:
        result.notes.append(Note("error", file, 1, "", "no front matter (--- … ---): skipped"))
        return 0
    body, opening = found
    if opening > 1:
        result.notes.append(
            Note(
                "warning",
                file,
                1,
                "",
                f"text before the front matter (which starts at line {opening}) ignored",
            )
        )
    document, problems = read_yaml_text(file, body)
    for problem in problems:
        result.notes.append(Note("error", file, problem.line, "", problem.message))
    if not isinstance(document, YamlMap):
        if document is not None:
            result.notes.append(Note("error", file, opening, "", "front matter is not a mapping"))
        return 0
    if "journal" in document.fields:
        result.notes.append(
            Note(
                "info",
                file,
                document.line,
                text(document, "journal"),
                "journal call, not a conference: skipped",
            )
        )
        return 0
    return _edition(path, document, index, result)


def _edition(path: Path, front: YamlMap, index: SeriesIndex, result: ImportResult) -> int:
    file = str(path)
    acronym = text(front, "acronym") or text(front, "title") or path.stem
    notes = EditionNotes(result, file, acronym)
    for key, field in front.fields.items():
        if key not in _USED:
            notes.warning(field.line, f"unknown field '{key}' skipped")
    start = _date(front, "date", notes)
    end = _date(front, "end_date", notes)
    submission = _date(front, "submission_date", notes)
    if notes.has_errors():
        return 0
    if start is None:
        notes.error(scalar(front, "date")[1], "no conference date")
        return 0
    name = series_name(acronym)
    source = find_source(path)
    if source is None:
        notes.warning(front.line, "no SOURCES.md above this file: the edition cites no source")
    link, link_line = scalar(front, "ext_url")
    edition = ImportedEdition(
        name=name,
        year=start.year,
        series=index.resolve(name),
        source=source.cite(path) if source else "",
        file=file,
        line=front.line,
        start=start,
        end=end,
        place=text(front, "location"),
        link=checked_link(link, notes, link_line),
        link_line=link_line,
    )
    assumed = 0
    if submission is None:
        notes.info(scalar(front, "submission_date")[1], "no submission date: imported as TBA")
        edition.deadlines.append(
            Deadline(
                "paper",
                parse_timezone(AOE),
                None,
                source=SourceLocation(file, scalar(front, "submission_date")[1]),
            )
        )
    else:
        local = _at_default_time(submission)
        edition.deadlines.append(
            Deadline(
                "paper",
                parse_timezone(AOE),
                local,
                time_stated=False,
                source=SourceLocation(file, scalar(front, "submission_date")[1]),
            )
        )
        assumed = 1
    check_edition(edition, notes, "", scalar(front, "title")[1], text(front, "title"))
    if notes.has_errors():
        return 0
    result.editions.append(edition)
    return assumed


def series_name(acronym: str) -> str:
    """The series an edition's acronym names, as the source spells it: ``'WASPAA-2009'`` →
    ``'WASPAA'``, ``"AM'15"`` → ``'AM'``; an acronym that is only a year is kept whole."""
    stripped = acronym.strip()
    without_year = _YEAR_SUFFIX.sub("", stripped)
    if without_year == stripped:
        return stripped
    return without_year.rstrip(_SEPARATORS) or stripped


def _at_default_time(day: date) -> datetime:
    return datetime.combine(day, DEFAULT_TIME)


def _date(front: YamlMap, key: str, notes: EditionNotes) -> date | None:
    value, line = scalar(front, key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, date):
        return value
    try:
        day, canonical = parse_loose_day(str(value))
    except DateError as error:
        notes.error(line, f"{key}: {error.message}")
        return None
    if not canonical:
        notes.warning(line, f"{key} '{value}' is not zero-padded: read as {day.isoformat()}")
    return day
