"""What ``/deadlines [filter]`` and ``/deadline conference`` show, as plain text lines.

Times are written as Discord timestamps (``<t:unix:F>`` and ``<t:unix:R>``), which every
reader's client shows in their own timezone, next to the organisers' own time ("23:59
AoE"). Past deadlines are hidden; TBA deadlines of coming editions are listed as TBA;
conferences with nothing announced get an estimate, always labelled as one. When no
announced deadline lies ahead at all, the list says so first, with the data's age, so an
empty season never reads as "the bot is broken". Every view ends with "data as of …".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.deadlines.age import DataAge, age_line
from bot.deadlines.estimates import Estimate, estimate_next
from bot.deadlines.model import TAGS, Deadline, DeadlineBook, Edition, Series, kind_label
from bot.deadlines.sync_store import Disagreement
from bot.markup import timestamp_and_countdown

CALENDAR_WORDS = frozenset({"ics", "calendar"})
_WITHIN = re.compile(r"^(?:within\s+)?(\d{1,4})\s*(?:d|days?)$")
MAX_WITHIN_DAYS = 3650


class FilterError(ValueError):
    """A filter that matches nothing we know, with the words to use instead."""


@dataclass(frozen=True, slots=True)
class DeadlineFilter:
    conference: str | None = None
    tag: str | None = None
    within: timedelta | None = None
    wants_calendar: bool = False  # "ics" or "calendar": answer with an .ics file

    def matches(self, series: Series) -> bool:
        if self.conference is not None and series.id != self.conference:
            return False
        return self.tag is None or self.tag in series.tags


def parse_filter(text: str | None, book: DeadlineBook) -> DeadlineFilter:
    """``audio``, ``icassp``, ``ICASSP 30d``, ``within 14 days``, ``ics``: words in any order."""
    conference: str | None = None
    tag: str | None = None
    within: timedelta | None = None
    wants_calendar = False
    words = (text or "").strip().lower()
    days = re.search(r"(?:within\s+)?\d{1,4}\s*(?:d|days?)\b", words)
    if days:
        match = _WITHIN.match(days.group(0).strip())
        if match is None:  # pragma: no cover - the search and the match agree
            raise FilterError("write the period as e.g. 30d or 'within 30 days'")
        count = int(match.group(1))
        if not 0 < count <= MAX_WITHIN_DAYS:
            raise FilterError(f"the period must be 1 to {MAX_WITHIN_DAYS} days")
        within = timedelta(days=count)
        words = (words[: days.start()] + words[days.end() :]).strip()
    for word in words.split():
        if word in CALENDAR_WORDS:
            wants_calendar = True
            continue
        if word in TAGS:
            tag = word
            continue
        series = _find_series(word, book)
        if series is None:
            known = ", ".join(s.name for s in book.series)
            raise FilterError(
                f"no conference or tag '{word}'. Tags: {', '.join(TAGS)}. Conferences: {known}"
            )
        conference = series.id
    return DeadlineFilter(conference, tag, within, wants_calendar)


def _find_series(word: str, book: DeadlineBook) -> Series | None:
    for series in book.series:
        names = {series.id, series.name.lower(), *(a.lower() for a in series.aliases)}
        if word in names:
            return series
    return None


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the list: an announced or TBA deadline, or an estimate."""

    edition: Edition | None = None
    deadline: Deadline | None = None
    estimate: Estimate | None = None


def upcoming_rows(book: DeadlineBook, now: datetime, wanted: DeadlineFilter) -> list[Row]:
    """Announced deadlines ahead (soonest first), then TBA ones, then estimates."""
    announced: list[Row] = []
    pending: list[Row] = []
    estimates: list[Row] = []
    horizon = now + wanted.within if wanted.within is not None else None
    for series in book.series:
        if not wanted.matches(series):
            continue
        for edition in series.editions:
            if _is_over(edition, now):
                continue
            for deadline in edition.deadlines:
                at = deadline.at
                if at is None:
                    if horizon is None:
                        pending.append(Row(edition, deadline))
                elif at > now and (horizon is None or at <= horizon):
                    announced.append(Row(edition, deadline))
        estimate = estimate_next(series, now)
        if estimate is not None and (horizon is None or _estimate_before(estimate, horizon)):
            estimates.append(Row(estimate=estimate))
    announced.sort(key=lambda row: (row.deadline.at if row.deadline else now, _title(row)))
    pending.sort(key=_title)
    estimates.sort(key=lambda row: row.estimate.expected if row.estimate else now.date())
    return announced + pending + estimates


def listing_lines(
    book: DeadlineBook, now: datetime, wanted: DeadlineFilter, age: DataAge | None
) -> list[str]:
    """What ``/deadlines`` shows (without the "data as of" line each page ends with)."""
    rows = upcoming_rows(book, now, wanted)
    lines = [format_row(row) for row in rows]
    if any(row.deadline is not None and row.deadline.at is not None for row in rows):
        return lines
    return nothing_announced(wanted, age, rows) + lines


def nothing_announced(
    wanted: DeadlineFilter, age: DataAge | None, rows: Sequence[Row]
) -> list[str]:
    """The plain lines that open a list with no announced deadline ahead, saying what the
    ``rows`` below it are instead (TBA deadlines, estimates)."""
    scope = "" if wanted == DeadlineFilter() else " that matches the filter"
    updated = (
        f" The deadline data was last updated {age.when()}, from {age.source}."
        if age is not None
        else ""
    )
    lines = [f"**No announced deadline lies ahead{scope}.**{updated}"]
    below = []
    if any(row.deadline is not None for row in rows):
        below.append("editions whose deadlines are still TBA")
    if any(row.estimate is not None for row in rows):
        below.append("*estimates* from past editions, which are not announced dates")
    if below:
        lines.append(f"Below: {' and '.join(below)}.")
    elif scope:
        lines.append("Nothing else matches either. Try `/deadlines` without a filter.")
    return lines


def _title(row: Row) -> str:
    return row.edition.id if row.edition else ""


def _is_over(edition: Edition, now: datetime) -> bool:
    last = edition.end or edition.start
    return last is not None and last < now.date() - timedelta(days=1)


def _estimate_before(estimate: Estimate, horizon: datetime) -> bool:
    return estimate.expected <= horizon.date()


def format_row(row: Row) -> str:
    if row.estimate is not None:
        estimate = row.estimate
        return (
            f"**{estimate.name} {estimate.year}** · *estimate:* expected around "
            f"{estimate.period} (from {estimate.years_text}); not announced yet"
        )
    assert row.edition is not None
    assert row.deadline is not None
    return f"**{row.edition.title}** · {row.deadline.title} — {when(row.deadline)}"


def when(deadline: Deadline) -> str:
    """``<t:…:F> (<t:…:R>) · 23:59 AoE``, or ``TBA``."""
    at = deadline.at
    if at is None:
        return "TBA"
    return f"{timestamp_and_countdown(at)} · {deadline.clock_text()}"


def edition_details(
    series: Series, now: datetime, age: DataAge | None = None
) -> tuple[Edition | None, list[str]]:
    """The edition ``/deadline`` shows (the next one, else the latest) and its lines."""
    coming = [e for e in series.editions if not _is_over(e, now)]
    edition = coming[0] if coming else (series.editions[-1] if series.editions else None)
    lines: list[str] = []
    if edition is None:
        return None, ["No edition on record.", age_line(age)]
    if not _announced_ahead(series, now):
        lines.append(f"**No {series.name} deadline announced ahead.**")
    if edition.start:
        dates = edition.start.isoformat()
        if edition.end and edition.end != edition.start:
            dates += f" to {edition.end.isoformat()}"
        lines.append(f"**Dates:** {dates}")
    if edition.place:
        lines.append(f"**Place:** {edition.place}")
    for deadline in edition.deadlines:
        at = deadline.at
        past = " (passed)" if at is not None and at <= now else ""
        lines.append(f"**{deadline.title}:** {when(deadline)}{past}")
    if not edition.deadlines:
        lines.append("No deadline announced yet.")
    estimate = estimate_next(series, now)
    if estimate is not None:
        lines.append(
            f"*Estimate:* the {estimate.name} {estimate.year} deadline is expected around "
            f"{estimate.period} (from {estimate.years_text}); not announced yet."
        )
    if edition.note:
        lines.append(edition.note)
    if edition.source:
        lines.append(f"-# Source: {edition.source}")
    lines.append(age_line(age))
    return edition, lines


def _announced_ahead(series: Series, now: datetime) -> bool:
    return any(
        deadline.at is not None and deadline.at > now
        for edition in series.editions
        for deadline in edition.deadlines
    )


def disagreement_lines(
    series: Series, edition: Edition, found: Sequence[Disagreement]
) -> list[str]:
    """``ICASSP 2027 paper deadline: sources disagree: ccfddl 12 Sep, MTG 9 Sep``, one line
    per deadline of ``edition`` and the editions after it (``/deadline`` shows the next
    edition, whose deadline may have passed). Recorded by ``deadlines sync``; the bot never
    settles them by itself."""
    titles = {e.id: e.title for e in series.editions if e.year >= edition.year}
    grouped: dict[tuple[str, str], list[Disagreement]] = {}
    for one in found:
        if one.edition_id in titles:
            grouped.setdefault((one.edition_id, one.kind), []).append(one)
    lines = []
    for (edition_id, kind), group in grouped.items():
        said = ", ".join([group[0].chosen, *(one.text for one in group)])
        what = f"{titles[edition_id]} {kind_label(kind).lower()} deadline"
        lines.append(f"⚠️ **{what}:** sources disagree: {said}")
    return lines
