"""An RFC 5545 calendar of upcoming deadlines (``icalendar`` package).

Every event is in UTC (``DTSTART:…Z``), whatever the deadline's own zone, so no calendar app
has to know what AoE is; the summary still shows the organisers' time ("23:59 AoE"). UIDs
are ``<edition>-<kind>@ml-audio-bot`` and do not contain the time: when a deadline moves,
re-importing the file updates the event instead of adding a second one. TBA deadlines and
estimates are not exported: a calendar entry would look like an announced time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from bot.deadlines.model import Deadline, DeadlineBook, Edition

PRODUCT_ID = "-//ml-audio-bot//conference deadlines//EN"
UID_DOMAIN = "ml-audio-bot"


def event_uid(edition: Edition, deadline: Deadline) -> str:
    return f"{edition.id}-{deadline.kind}@{UID_DOMAIN}"


def upcoming(
    book: DeadlineBook, now: datetime, conference: str | None = None
) -> list[tuple[Edition, Deadline]]:
    """Announced deadlines still ahead at ``now``, soonest first."""
    found = []
    for edition in book.editions:
        if conference and edition.series != conference:
            continue
        for deadline in edition.deadlines:
            at = deadline.at
            if at is not None and at > now:
                found.append((edition, deadline))
    found.sort(key=lambda pair: (pair[1].at, pair[0].id, pair[1].kind))
    return found


def build_calendar(book: DeadlineBook, now: datetime, conference: str | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "ML-Audio conference deadlines")
    for edition, deadline in upcoming(book, now, conference):
        at = deadline.at
        assert at is not None  # upcoming() keeps announced deadlines only
        event = Event()
        event.add("uid", event_uid(edition, deadline))
        event.add("dtstamp", now)
        event.add("dtstart", at)
        event.add("dtend", at + timedelta(minutes=1))
        event.add(
            "summary", f"{edition.title}: {deadline.title} deadline ({deadline.clock_text()})"
        )
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
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def _dates(edition: Edition) -> str:
    if edition.start and edition.end and edition.start != edition.end:
        return f"{edition.start.isoformat()} to {edition.end.isoformat()}"
    if edition.start:
        return edition.start.isoformat()
    return "dates TBA"
