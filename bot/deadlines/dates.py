"""Reading the dates and times written in deadline files, strictly.

``2026-09-16 23:59`` and ``2026-09-16 23:59:59`` are wall-clock times; ``2026-09-16`` alone
is a date whose time the source did not give. The documented default for such a date is
the end of that day (23:59) in the deadline's timezone, AoE when the source has none: the
latest moment the deadline can mean, so nobody is told they have more time than they do
only because a source was vague (the reminder still says the time is assumed).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time

DEFAULT_TIME = time(23, 59)
PLACEHOLDERS: frozenset[str] = frozenset({"TBA", "TBD"})

_DATE_TIME = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[ T](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
_LOOSE_DATE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:T00:00:00)?$")


class DateError(ValueError):
    """A date or time that cannot be read, with a hint."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(message + (f" ({hint})" if hint else ""))


@dataclass(frozen=True, slots=True)
class LocalTime:
    """A wall-clock time read from a file; ``time_stated`` is False for a bare date."""

    value: datetime
    time_stated: bool


def is_placeholder(text: str) -> bool:
    return text.strip().upper() in PLACEHOLDERS


def parse_local(text: str) -> LocalTime:
    """``YYYY-MM-DD[ HH:MM[:SS]]`` as a naive wall-clock time, checking that it exists."""
    match = _DATE_TIME.match(text.strip())
    if match is None:
        raise DateError(
            f"'{text}' is not a date and time",
            "write 'YYYY-MM-DD HH:MM' (24-hour clock), 'YYYY-MM-DD', or TBA",
        )
    day = _real_date(int(match["y"]), int(match["m"]), int(match["d"]), text)
    if match["H"] is None:
        return LocalTime(datetime.combine(day, DEFAULT_TIME), time_stated=False)
    hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
    if hour == 24 and minute == 0 and second == 0:
        raise DateError(f"'{text}' uses 24:00", "write 23:59 of that day, or 00:00 of the next")
    if hour > 23 or minute > 59 or second > 59:
        raise DateError(f"'{text}' is not a time of day", "hours 00-23, minutes 00-59")
    return LocalTime(datetime.combine(day, time(hour, minute, second)), time_stated=True)


def parse_day(text: str) -> date:
    """A strict ``YYYY-MM-DD`` date."""
    match = _DATE_TIME.match(text.strip())
    if match is None or match["H"] is not None:
        raise DateError(f"'{text}' is not a date", "write YYYY-MM-DD")
    return _real_date(int(match["y"]), int(match["m"]), int(match["d"]), text)


def parse_loose_day(text: str) -> tuple[date, bool]:
    """A date as the MTG list writes them: also ``2018-4-23`` and ``…T00:00:00``.

    Returns the date and whether it was written in the canonical ``YYYY-MM-DD`` form, so
    the importer can mention the sloppy ones; anything else (a 3- or 5-digit year, a stray
    quote) is an error.
    """
    raw = text.strip()
    match = _LOOSE_DATE.match(raw)
    if match is None:
        raise DateError(f"malformed date '{text}'", "expected YYYY-MM-DD")
    day = _real_date(int(match["y"]), int(match["m"]), int(match["d"]), text)
    canonical = len(match["m"]) == 2 and len(match["d"]) == 2
    return day, canonical


def _real_date(year: int, month: int, day: int, text: str) -> date:
    if not 1 <= month <= 12:
        raise DateError(f"'{text}' has month {month}", "months go from 01 to 12")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        leap = " (not a leap year)" if month == 2 and day == 29 else ""
        raise DateError(
            f"'{text}' has day {day}, but {calendar.month_name[month]} {year} "
            f"has {last} days{leap}",
            "check the date",
        )
    return date(year, month, day)


_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTH = r"(?P<{0}>[A-Za-z]+)\.?"
_RANGE = re.compile(
    r"^\s*(?P<m1>[A-Za-z]+)\.?,?\s+(?P<d1>\d{1,2})(?:,\s*(?P<y1>\d{4}))?"
    r"(?:\s*[-–]\s*(?:(?P<m2>[A-Za-z]+)\.?\s+)?(?P<d2>\d{1,2}))?"
    r",?\s+(?P<y2>\d{4})\s*$"
)


def parse_date_range(text: str) -> tuple[date, date] | None:
    """Dates of prose like ``May 4-8, 2026`` or ``November 28-December 9, 2022``.

    ``None`` when the text has another shape; the importers then say they could not read it.
    """
    cleaned = re.sub(r"\s+", " ", text.replace("–", "-")).strip()
    cleaned = re.sub(r"^([A-Za-z]+),\s*(\d)", r"\1 \2", cleaned)  # "September, 18-22, 2022"
    match = _RANGE.match(cleaned)
    if match is None:
        return None
    month1 = _MONTHS.get(match["m1"].lower())
    month2 = _MONTHS.get((match["m2"] or match["m1"]).lower())
    if month1 is None or month2 is None:
        return None
    end_year = int(match["y2"])
    start_year = int(match["y1"]) if match["y1"] else end_year
    if not match["y1"] and month2 < month1:
        start_year -= 1  # "December 28 - January 2, 2027"
    try:
        start = date(start_year, month1, int(match["d1"]))
        end = date(end_year, month2, int(match["d2"] or match["d1"]))
    except ValueError:
        return None
    return start, end
