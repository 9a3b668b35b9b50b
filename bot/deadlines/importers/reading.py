"""Reading the fields of source files (other people's YAML) with their line numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.datafile.problems import SourceLocation
from bot.datafile.yaml_reader import YamlList, YamlMap, YamlScalar, YamlValue, read_yaml
from bot.deadlines.dates import DateError, LocalTime, is_placeholder, parse_local
from bot.deadlines.importers.common import EditionNotes, ImportResult, Note
from bot.deadlines.model import Deadline
from bot.deadlines.timezones import Timezone, TimezoneError, read_source_timezone


def read_document(path: Path, result: ImportResult) -> YamlValue | None:
    """The YAML document of a source file; its YAML problems become error notes."""
    document, problems = read_yaml(path)
    for problem in problems:
        result.notes.append(
            Note("error", str(path), problem.line, "", f"{problem.message} ({problem.hint})")
        )
    return document


def scalar(mapping: YamlMap, key: str) -> tuple[object, int]:
    """The plain value of ``key`` (``None`` when absent or not a scalar) and its line."""
    field = mapping.fields.get(key)
    if field is None:
        return None, mapping.line
    value = field.value.value if isinstance(field.value, YamlScalar) else field.value
    return value, field.line


def text(mapping: YamlMap, key: str) -> str:
    value, _ = scalar(mapping, key)
    if value is None or isinstance(value, YamlMap | YamlList):
        return ""
    return str(value).strip()


def items(value: object) -> tuple[YamlValue, ...]:
    return value.items if isinstance(value, YamlList) else ()


def source_zone(value: object, line: int, notes: EditionNotes) -> Timezone | None:
    if not isinstance(value, str) or not value.strip():
        notes.error(line, "no timezone given")
        return None
    try:
        read = read_source_timezone(value)
    except TimezoneError as error:
        notes.error(line, f"unknown timezone '{value}' ({error.hint})")
        return None
    if read.note:
        notes.warning(line, read.note)
    return read.timezone


def source_deadline(
    kind: str,
    value: object,
    zone: Timezone | None,
    line: int,
    notes: EditionNotes,
    label: str = "",
) -> Deadline | None:
    """A deadline from a source's ``'YYYY-MM-DD HH:MM:SS'``, TBA/TBD, or report why not."""
    if zone is None:
        return None
    location = SourceLocation(notes.file, line)
    if isinstance(value, dt.datetime):
        value = value.strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(value, dt.date):
        value = value.isoformat()
    if isinstance(value, str) and is_placeholder(value):
        notes.info(line, f"{kind} deadline is '{value.strip()}': imported as TBA")
        return Deadline(kind, zone, None, label, source=location)
    if not isinstance(value, str):
        notes.error(line, f"{kind} deadline {value!r} is not a date and time")
        return None
    try:
        local: LocalTime = parse_local(value)
    except DateError as error:
        notes.error(line, f"{kind} deadline: {error.message}")
        return None
    return Deadline(kind, zone, local.value, label, local.time_stated, location)


def day(value: object, line: int, notes: EditionNotes, key: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            notes.error(line, f"{key} '{value}' is not a date")
            return None
    notes.error(line, f"{key} {value!r} is not a date")
    return None
