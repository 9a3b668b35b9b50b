"""An RFC 5545 calendar of every known deadline, past and coming (``icalendar`` package).

Every edition on record is exported, as ccfddl's own export does: a calendar that turned
empty between two seasons would look broken, and past deadlines show a series' rhythm.
TBA deadlines and estimates are not exported: a calendar entry would look announced.

A deadline with a time is an event in UTC (``DTSTART:…Z``), whatever its own zone, so no
calendar app has to know what AoE is; the summary still shows the organisers' time. A
deadline the source gave as a date only is an all-day event on that date
(``DTSTART;VALUE=DATE``): a made-up 23:59 would look precise.

UIDs are ``<edition>-<kind>@ml-audio-bot`` and do not contain the time: when a deadline
moves, re-importing updates the event instead of adding a second one. Calendar apps take
an update only when SEQUENCE grows, and nothing is stored per event, so SEQUENCE counts
the minutes from a fixed epoch to the time the event's data last changed (LAST-MODIFIED,
from :class:`~bot.deadlines.age.DataAge`): it only ever grows, and stays put while the
data does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from bot.deadlines.age import DataAge
from bot.deadlines.model import Deadline, DeadlineBook, Edition

PRODUCT_ID = "-//ml-audio-bot//conference deadlines//EN"
UID_DOMAIN = "ml-audio-bot"
# SEQUENCE is minutes since this moment (before any data of the bot existed).
SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def event_uid(edition: Edition, deadline: Deadline) -> str:
    return f"{edition.id}-{deadline.kind}@{UID_DOMAIN}"


def sequence(last_modified: datetime) -> int:
    """A SEQUENCE that grows whenever ``last_modified`` does, with nothing stored."""
    return max(0, int((last_modified - SEQUENCE_EPOCH).total_seconds() // 60))


def known_deadlines(
    book: DeadlineBook, conference: str | None = None
) -> list[tuple[Edition, Deadline]]:
    """Every announced deadline of every edition (past ones too), oldest first."""
    found = []
    for edition in book.editions:
        if conference and edition.series != conference:
            continue
        for deadline in edition.deadlines:
            if deadline.at is not None:
                found.append((edition, deadline))
    found.sort(key=lambda pair: (pair[1].at, pair[0].id, pair[1].kind))
    return found


def build_calendar(
    book: DeadlineBook,
    now: datetime,
    conference: str | None = None,
    age: DataAge | None = None,
) -> bytes:
    """The .ics file; ``age`` says when each series' data changed (else: ``now``)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "ML-Audio conference deadlines")
    for edition, deadline in known_deadlines(book, conference):
        changed = age.changed_at(edition.series) if age is not None else now
        calendar.add_component(_event(edition, deadline, now, changed))
    data: bytes = calendar.to_ical()
    return data


def _event(edition: Edition, deadline: Deadline, now: datetime, changed: datetime) -> Event:
    local, at = deadline.local, deadline.at
    # known_deadlines() keeps announced ones only.
    assert local is not None
    assert at is not None
    event = Event()
    event.add("uid", event_uid(edition, deadline))
    event.add("dtstamp", now)
    event.add("last-modified", changed.astimezone(UTC))
    event.add("sequence", sequence(changed))
    if deadline.time_stated:
        event.add("dtstart", at)
        event.add("dtend", at + timedelta(minutes=1))
        when = deadline.clock_text()
    else:
        # The organisers' own date: the day the source names, in no particular zone.
        event.add("dtstart", local.date())
        event.add("dtend", local.date() + timedelta(days=1))
        when = "date only, time not given"
    event.add("summary", f"{edition.title}: {deadline.title} deadline ({when})")
    lines = [f"{deadline.title} deadline of {edition.title}: {deadline.local_text()}."]
    if edition.place:
        lines.append(f"Conference: {_dates(edition)} in {edition.place}.")
    if edition.source:
        lines.append(f"Source: {edition.source}")
    event.add("description", "\n".join(lines))
    if edition.link:
        event.add("url", edition.link)
    event.add("categories", [edition.name])
    event.add("transp", "TRANSPARENT")
    return event


def _dates(edition: Edition) -> str:
    if edition.start and edition.end and edition.start != edition.end:
        return f"{edition.start.isoformat()} to {edition.end.isoformat()}"
    if edition.start:
        return edition.start.isoformat()
    return "dates TBA"
