"""Which deadline reminders are due, as a pure function of the data, the clock and a watermark.

Each announced, reminded deadline gets one reminder per offset (default 30 days, 7 days,
1 day and 3 hours before). A reminder's key names the edition, the kind, the offset and the
deadline's instant in UTC::

    deadline:icassp-2027:paper:7d@20260917T1159Z

so a data edit that moves a deadline gives new keys (its reminders are planned again for the
new time), while an unchanged deadline keeps its keys and the outbox, which refuses a key
it has seen, never sends it twice. Reminders are handed to the outbox only when due; one
that still waits there (behind the hourly publication budget) when its deadline moves is
withdrawn by the worker (``current_keys`` no longer lists it).

``since`` is the end of the previous planning run (the watermark the caller stores). A
reminder that fell due between ``since`` and now is sent on time when it is at most
``grace`` old; older (the bot was down) it is sent *late*, marked so, only while the
deadline is still ahead and only the most recent one per deadline; the rest are skipped,
each with its reason, for the log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.deadlines.model import Deadline, DeadlineBook, Edition
from bot.markup import timestamp_and_countdown

DEFAULT_OFFSETS: tuple[timedelta, ...] = (
    timedelta(days=30),
    timedelta(days=7),
    timedelta(days=1),
    timedelta(hours=3),
)
DEFAULT_GRACE = timedelta(minutes=15)
_OFFSET_TEXT = re.compile(r"^(\d+)([dhm])$")


def offset_label(offset: timedelta) -> str:
    """``30d``, ``3h``, ``90m``: the largest whole unit."""
    minutes = int(offset.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """``"30d,7d,1d,3h"`` → offsets, largest first; ``ValueError`` saying what is wrong."""
    offsets = []
    for part in (p.strip() for p in text.split(",")):
        match = _OFFSET_TEXT.match(part)
        if match is None or int(match.group(1)) == 0:
            raise ValueError(f"reminder offset '{part}' must look like 30d, 3h or 90m")
        unit = {"d": "days", "h": "hours", "m": "minutes"}[match.group(2)]
        offsets.append(timedelta(**{unit: int(match.group(1))}))
    if len(set(offsets)) != len(offsets):
        raise ValueError("reminder offsets must be different from each other")
    return tuple(sorted(offsets, reverse=True))


def reminder_key(edition: Edition, deadline: Deadline, offset: timedelta) -> str:
    at = deadline.at
    assert at is not None
    return f"deadline:{edition.id}:{deadline.kind}:{offset_label(offset)}@{at:%Y%m%dT%H%MZ}"


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    key: str
    edition: Edition
    deadline: Deadline
    offset: timedelta
    due: datetime
    late: bool = False

    @property
    def deadline_at(self) -> datetime:
        at = self.deadline.at
        assert at is not None
        return at


@dataclass(frozen=True, slots=True)
class SkippedReminder:
    key: str
    due: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    send: tuple[PlannedReminder, ...]
    skipped: tuple[SkippedReminder, ...]


def plan_reminders(
    book: DeadlineBook,
    clock: Clock,
    since: datetime | None,
    offsets: Sequence[timedelta] = DEFAULT_OFFSETS,
    grace: timedelta = DEFAULT_GRACE,
) -> ReminderPlan:
    """The reminders that fell due in ``(since, now]``; ``since=None`` (first run) is ``now``,
    so a fresh installation does not announce a backlog."""
    now = clock.now()
    start = now if since is None else since
    send: list[PlannedReminder] = []
    skipped: list[SkippedReminder] = []
    for edition, deadline in _reminded(book.editions):
        at = deadline.at
        assert at is not None
        late: list[PlannedReminder] = []
        on_time: list[PlannedReminder] = []
        for offset in offsets:
            due = at - offset
            if due <= start or due > now:
                continue
            key = reminder_key(edition, deadline, offset)
            if at <= now:
                skipped.append(SkippedReminder(key, due, "the deadline has passed"))
            elif now - due <= grace:
                on_time.append(PlannedReminder(key, edition, deadline, offset, due))
            else:
                late.append(PlannedReminder(key, edition, deadline, offset, due, late=True))
        late.sort(key=lambda r: r.due)
        if on_time:
            newest_late: list[PlannedReminder] = []
        else:
            newest_late = late[-1:]
        for reminder in late:
            if reminder not in newest_late:
                skipped.append(
                    SkippedReminder(reminder.key, reminder.due, "superseded by a later reminder")
                )
        send.extend(on_time)
        send.extend(newest_late)
    send.sort(key=lambda r: (r.due, r.key))
    return ReminderPlan(tuple(send), tuple(skipped))


def current_keys(book: DeadlineBook, offsets: Sequence[timedelta] = DEFAULT_OFFSETS) -> set[str]:
    """Every reminder key the data asks for now; a waiting key not in it is stale."""
    return {
        reminder_key(edition, deadline, offset)
        for edition, deadline in _reminded(book.editions)
        for offset in offsets
    }


def next_due(
    book: DeadlineBook, after: datetime, offsets: Sequence[timedelta] = DEFAULT_OFFSETS
) -> datetime | None:
    """When the next reminder falls due after ``after``, so a worker knows how long to sleep."""
    best: datetime | None = None
    for _, deadline in _reminded(book.editions):
        at = deadline.at
        assert at is not None
        for offset in offsets:
            due = at - offset
            if due > after and (best is None or due < best):
                best = due
    return best


def _reminded(editions: Iterable[Edition]) -> Iterable[tuple[Edition, Deadline]]:
    for edition in editions:
        for deadline in edition.deadlines:
            if deadline.is_reminded:
                yield edition, deadline


def render_reminder(reminder: PlannedReminder) -> str:
    """The announcement text: Discord timestamps show each reader their own local time."""
    edition, deadline = reminder.edition, reminder.deadline
    # A late reminder is not sent at its offset, so it names no "in N days" of its own.
    when = "coming up" if reminder.late else f"in {_remaining(reminder.deadline_at - reminder.due)}"
    lines = [
        f"⏰ **{edition.title}** — {deadline.title} deadline {when}: "
        + timestamp_and_countdown(reminder.deadline_at),
        f"Organisers' time: {deadline.local_text()}",
    ]
    if edition.link:
        lines.append(f"<{edition.link}>")
    if reminder.late:
        lines.append("*Late reminder: the bot was offline when it was due.*")
    return "\n".join(lines)


def _remaining(delta: timedelta) -> str:
    label = offset_label(delta)
    number, unit = int(label[:-1]), label[-1]
    words = {"d": "day", "h": "hour", "m": "minute"}[unit]
    return f"{number} {words}{'s' if number != 1 else ''}"
