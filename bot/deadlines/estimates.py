"""When a conference has no announced deadline ahead: "expected around mid-September".

The estimate is the median calendar day of the main (paper) deadline over the last few
editions that announced one, moved to the next year it can still happen and the series is
held (every year, or every other year: see ``Rhythm``). It is only ever
shown labelled as an estimate and never reminded: a wrong guess must not look like news.
"""

from __future__ import annotations

import calendar
import statistics
from dataclasses import dataclass
from datetime import date, datetime

from bot.deadlines.model import YEARLY, Edition, Rhythm, Series

# How many past editions an estimate is drawn from, and how many it needs at least.
MAX_EDITIONS = 4
MIN_EDITIONS = 2


@dataclass(frozen=True, slots=True)
class Estimate:
    series: str
    name: str
    year: int  # the edition the deadline is expected for
    expected: date
    from_years: tuple[int, ...]
    rhythm: Rhythm = YEARLY

    @property
    def period(self) -> str:
        """``mid-September 2026``: a third of a month, never a precise day."""
        day = self.expected.day
        part = "early" if day <= 10 else "mid" if day <= 20 else "late"
        return f"{part}-{calendar.month_name[self.expected.month]} {self.expected.year}"

    @property
    def years_text(self) -> str:
        """``2019–2023``, and the rhythm when it is not yearly: ``2019–2023; held in odd
        years``, so a reader sees why no 2026 edition is expected."""
        first, last = min(self.from_years), max(self.from_years)
        years = str(first) if first == last else f"{first}–{last}"
        return years if self.rhythm == YEARLY else f"{years}; held {self.rhythm.text}"

    def text(self) -> str:
        return (
            f"{self.name} {self.year}: deadline not announced yet; expected around "
            f"{self.period} (estimate from {self.years_text})"
        )


def estimate_next(series: Series, now: datetime) -> Estimate | None:
    """The estimate for ``series``, or ``None`` when a deadline is announced ahead of ``now``
    (or too few past editions exist to guess from)."""
    if _has_upcoming(series.editions, now):
        return None
    # The organisers' own calendar day: 29 February 23:59 AoE is a February deadline,
    # although it is already 1 March in UTC.
    past = [
        (edition, local)
        for edition in series.editions
        if (main := edition.main_deadline) is not None and (local := main.local) is not None
    ]
    past = past[-MAX_EDITIONS:]
    if len(past) < MIN_EDITIONS:
        return None
    # Day of year in a leap year, so that 29 February has a place and 1 March stays 61.
    days = [date(2000, at.month, at.day).timetuple().tm_yday for _, at in past]
    lags = [edition.year - at.year for edition, at in past]
    day_of_year = round(statistics.median(days))
    lag = round(statistics.median(lags))
    # Only years the series is held: WASPAA (odd years) is never estimated for 2026.
    rhythm = series.rhythm
    target = rhythm.next_year(max(edition.year for edition in series.editions) + 1)
    pending = [e for e in series.editions if e.main_deadline is None or e.main_deadline.is_tba]
    if pending and pending[-1].year >= past[-1][0].year:
        target = rhythm.next_year(pending[-1].year)
    expected = _day(target - lag, day_of_year)
    while expected < now.date():
        target = rhythm.next_year(target + 1)
        expected = _day(target - lag, day_of_year)
    return Estimate(
        series=series.id,
        name=series.name,
        year=target,
        expected=expected,
        from_years=tuple(edition.year for edition, _ in past),
        rhythm=rhythm,
    )


def _has_upcoming(editions: tuple[Edition, ...], now: datetime) -> bool:
    for edition in editions:
        main = edition.main_deadline
        if main is not None and main.at is not None and main.at > now:
            return True
    return False


def _day(year: int, leap_day_of_year: int) -> date:
    reference = date.fromordinal(date(2000, 1, 1).toordinal() + leap_day_of_year - 1)
    day = reference.day
    if reference.month == 2 and day == 29 and not calendar.isleap(year):
        day = 28
    return date(year, reference.month, day)
