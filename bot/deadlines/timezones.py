"""Strict timezone names for deadlines.

Most mistakes on public deadline sites are timezone mistakes: AoE taken for UTC, ``GMT+8``
read with the POSIX sign, fixed offsets where the organisers meant a zone with daylight
saving. So the catalog accepts exactly three spellings, each with one meaning:

* ``AoE`` - Anywhere on Earth, the fixed offset UTC-12 (a deadline is over when the
  day is over everywhere).
* ``UTC``, ``UTC+h``, ``UTC-h``, ``UTC+hh:mm`` - a fixed offset, *conventional* sign
  (``UTC+8`` is eight hours ahead of UTC), from -12 to +14.
* An IANA ``Area/Location`` name (``America/Los_Angeles``, ``Asia/Seoul``), which follows
  daylight saving. ``Etc/GMT+12`` is an IANA name too, and means UTC-12: the POSIX sign is
  inverted, so it is shown as ``UTC-12`` to avoid confusion.

Anything else (``PDT``, ``CET``, ``GMT+2``, ``PT``) is refused here; the importers translate
such spellings explicitly and say so (see :func:`read_source_timezone`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

AOE = "AoE"
_OFFSET = re.compile(r"^UTC(?:(?P<sign>[+-])(?P<hours>\d{1,2})(?::(?P<minutes>\d{2}))?)?$")
_SOURCE_OFFSET = re.compile(
    r"^(?:UTC|GMT)\s*(?P<sign>[+-−])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$"
)

# Abbreviations that some sources use. Each has a fixed meaning here, and an importer that
# relies on one reports it, so a maintainer can replace it by the organisers' real zone.
_SOURCE_ABBREVIATIONS: dict[str, tuple[str, str]] = {
    # ccfddl documents ``PT`` as "US Pacific Time, auto-adjusts for daylight saving".
    "PT": ("America/Los_Angeles", "PT is US Pacific Time with daylight saving"),
    "PDT": ("UTC-7", "PDT is Pacific Daylight Time, the fixed offset UTC-7"),
    "PST": ("UTC-8", "PST is Pacific Standard Time, the fixed offset UTC-8"),
    "CET": ("Europe/Paris", "CET read as Central European time with daylight saving"),
    "CEST": ("UTC+2", "CEST is Central European Summer Time, the fixed offset UTC+2"),
    "GMT": ("UTC", "GMT is UTC"),
    "UTC+0": ("UTC", "UTC+0 is UTC"),
    "UTC-0": ("UTC", "UTC-0 is UTC"),
    "Z": ("UTC", "Z is UTC"),
}


class TimezoneError(ValueError):
    """A timezone name that the catalog does not accept, with a hint on what to write."""

    def __init__(self, text: str, hint: str) -> None:
        self.text = text
        self.hint = hint
        super().__init__(f"unknown timezone {text!r} ({hint})")


@dataclass(frozen=True, slots=True)
class Timezone:
    """A validated timezone: ``name`` is the catalog spelling, ``tzinfo`` does the maths."""

    name: str
    tzinfo: tzinfo = field(compare=False, repr=False)

    @property
    def label(self) -> str:
        """How the zone is shown beside a time: ``AoE``, ``UTC-7``, ``America/Los_Angeles``."""
        if self.name.startswith("Etc/GMT"):
            return _etc_label(self.name)
        return self.name

    @property
    def is_fixed(self) -> bool:
        return not isinstance(self.tzinfo, ZoneInfo)

    def __str__(self) -> str:
        return self.name


def parse_timezone(text: str) -> Timezone:
    """The :class:`Timezone` for a catalog spelling, or :class:`TimezoneError`."""
    return _parse_cached(text)


@cache
def _parse_cached(text: str) -> Timezone:
    name = text.strip()
    if name != text or not name:
        raise TimezoneError(text, "write the name without spaces, e.g. AoE or UTC-7")
    if name == AOE:
        return Timezone(AOE, timezone(timedelta(hours=-12), AOE))
    if name.lower() == "aoe":
        raise TimezoneError(text, "write Anywhere on Earth as 'AoE'")
    match = _OFFSET.match(name)
    if match:
        return _fixed(name, match)
    if name.startswith(("UTC", "GMT")):
        raise TimezoneError(text, "fixed offsets are written UTC+h or UTC-h, e.g. UTC-7, UTC+5:30")
    if "/" in name and name in _iana_names():
        try:
            return Timezone(name, ZoneInfo(name))
        except ZoneInfoNotFoundError:  # pragma: no cover - listed names always load
            pass
    if name in _iana_names():
        raise TimezoneError(
            text, "legacy abbreviations are ambiguous; use an Area/City name such as Europe/Paris"
        )
    raise TimezoneError(text, "use AoE, UTC+h / UTC-h, or an IANA name such as Asia/Seoul")


def _fixed(name: str, match: re.Match[str]) -> Timezone:
    if match.group("sign") is None:
        return Timezone("UTC", UTC)
    hours = int(match.group("hours"))
    minutes = int(match.group("minutes") or 0)
    sign = -1 if match.group("sign") == "-" else 1
    if minutes >= 60 or hours > 14 or (hours == 0 and minutes == 0):
        raise TimezoneError(name, "offsets go from UTC-12 to UTC+14; write UTC for zero")
    total = sign * timedelta(hours=hours, minutes=minutes)
    if total < timedelta(hours=-12):
        raise TimezoneError(name, "offsets go from UTC-12 to UTC+14")
    canonical = f"UTC{match.group('sign')}{hours}" + (f":{minutes:02d}" if minutes else "")
    if canonical != name:
        raise TimezoneError(name, f"write it as {canonical}")
    return Timezone(canonical, timezone(total, canonical))


def _etc_label(name: str) -> str:
    # IANA inverts the sign: Etc/GMT+12 is twelve hours *behind* UTC.
    match = re.fullmatch(r"Etc/GMT([+-])(\d{1,2})", name)
    if not match:
        return "UTC"
    sign = "-" if match.group(1) == "+" else "+"
    return f"UTC{sign}{int(match.group(2))}"


@cache
def _iana_names() -> frozenset[str]:
    return frozenset(available_timezones())


@dataclass(frozen=True, slots=True)
class SourceTimezone:
    """A timezone read from someone else's file; ``note`` says how it was translated."""

    timezone: Timezone
    note: str = ""


def read_source_timezone(text: str) -> SourceTimezone:
    """Translate the spellings found in the public deadline files, saying when it guessed.

    ``GMT+8`` and ``UTC+8`` in those files mean eight hours *ahead* of UTC (they are not
    ``Etc/`` names), ``UTC-12`` written for deadlines is AoE in all but name.
    """
    raw = text.strip()
    try:
        return SourceTimezone(parse_timezone(raw))
    except TimezoneError:
        pass
    if raw in _SOURCE_ABBREVIATIONS:
        target, why = _SOURCE_ABBREVIATIONS[raw]
        note = "" if target == "UTC" else f"timezone {raw!r} read as {target} ({why})"
        return SourceTimezone(parse_timezone(target), note)
    match = _SOURCE_OFFSET.match(raw)
    if match:
        hours = int(match.group("hours"))
        minutes = int(match.group("minutes") or 0)
        sign = "-" if match.group("sign") in "-−" else "+"
        canonical = "UTC" if hours == minutes == 0 else f"UTC{sign}{hours}"
        if minutes:
            canonical += f":{minutes:02d}"
        zone = parse_timezone(canonical)
        note = "" if raw.startswith("UTC") else f"timezone {raw!r} read as {canonical}"
        return SourceTimezone(zone, note)
    return SourceTimezone(parse_timezone(raw))  # raises the catalog's own message
