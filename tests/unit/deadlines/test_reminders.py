"""Reminder planning with an injected clock: on time, late, skipped, re-planned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.deadlines.dates import parse_local
from bot.deadlines.model import Deadline, DeadlineBook, Edition, Series
from bot.deadlines.reminders import (
    DEFAULT_OFFSETS,
    next_due,
    parse_offsets,
    plan_reminders,
    render_reminder,
)
from bot.deadlines.timezones import parse_timezone

# ICASSP 2027 paper deadline: 2026-09-16 23:59 AoE = 2026-09-17 11:59 UTC.
DEADLINE_UTC = datetime(2026, 9, 17, 11, 59, tzinfo=UTC)


def book(paper_at: str = "2026-09-16 23:59", zone: str = "AoE") -> DeadlineBook:
    deadlines = (
        Deadline("paper", parse_timezone(zone), parse_local(paper_at).value),
        Deadline("notification", parse_timezone(zone), parse_local("2026-12-01 23:59").value),
        Deadline("camera-ready", parse_timezone(zone), None),
    )
    edition = Edition("icassp-2027", "icassp", "ICASSP", 2027, deadlines, link="https://x.org/")
    return DeadlineBook((Series("icassp", "ICASSP", (edition,)),))


def keys(plan_send: tuple[object, ...]) -> list[str]:
    return [r.key for r in plan_send]  # type: ignore[attr-defined]


def run_months(data: DeadlineBook, start: datetime, end: datetime, step: timedelta) -> list[str]:
    """Plan every ``step`` like the worker does, keeping the watermark; the keys sent."""
    clock = FakeClock(start)
    since: datetime | None = start
    sent: list[str] = []
    while clock.now() < end:
        clock.advance(step.total_seconds())
        plan = plan_reminders(data, clock, since)
        sent.extend(r.key for r in plan.send)
        since = clock.now()
    return sent


def test_every_offset_is_sent_once_on_time_over_months() -> None:
    sent = run_months(
        book(),
        datetime(2026, 7, 1, tzinfo=UTC),
        datetime(2026, 10, 1, tzinfo=UTC),
        timedelta(minutes=15),
    )
    assert sent == [
        "deadline:icassp-2027:paper:30d@20260917T1159Z",
        "deadline:icassp-2027:paper:7d@20260917T1159Z",
        "deadline:icassp-2027:paper:1d@20260917T1159Z",
        "deadline:icassp-2027:paper:3h@20260917T1159Z",
    ]


def test_the_reminder_is_due_exactly_offset_before_the_utc_instant() -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(hours=3))
    plan = plan_reminders(book(), clock, since=DEADLINE_UTC - timedelta(hours=3, minutes=1))
    assert keys(plan.send) == ["deadline:icassp-2027:paper:3h@20260917T1159Z"]
    assert not plan.send[0].late


def test_first_run_announces_no_backlog() -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=2))
    assert plan_reminders(book(), clock, since=None).send == ()


def test_reminder_missed_while_down_is_sent_late_only_the_newest() -> None:
    # Down from 40 days before to 20 hours before: 30d, 7d and 1d all fell due meanwhile.
    clock = FakeClock(DEADLINE_UTC - timedelta(hours=20))
    plan = plan_reminders(book(), clock, since=DEADLINE_UTC - timedelta(days=40))
    assert keys(plan.send) == ["deadline:icassp-2027:paper:1d@20260917T1159Z"]
    assert plan.send[0].late
    assert "Late reminder" in render_reminder(plan.send[0])
    assert {s.reason for s in plan.skipped} == {"superseded by a later reminder"}
    assert len(plan.skipped) == 2


def test_reminder_missed_until_after_the_deadline_is_skipped_and_said() -> None:
    clock = FakeClock(DEADLINE_UTC + timedelta(hours=1))
    plan = plan_reminders(book(), clock, since=DEADLINE_UTC - timedelta(days=2))
    assert plan.send == ()
    assert [s.reason for s in plan.skipped] == ["the deadline has passed"] * 2


def test_moved_deadline_is_replanned_and_unchanged_keeps_its_keys() -> None:
    start, end = datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 9, 12, tzinfo=UTC)
    before = run_months(book(), start, end, timedelta(minutes=15))
    again = run_months(book(), start, end, timedelta(minutes=15))
    assert before == again  # same data → same keys → the outbox refuses the repeats
    moved = run_months(book("2026-09-23 23:59"), start, end, timedelta(minutes=15))
    assert moved
    assert not set(moved) & set(before)
    assert all("@20260924T1159Z" in key for key in moved)


def test_notifications_and_tba_are_never_reminded() -> None:
    sent = run_months(
        book(),
        datetime(2026, 10, 1, tzinfo=UTC),
        datetime(2026, 12, 3, tzinfo=UTC),
        timedelta(hours=1),
    )
    assert sent == []


def test_reminder_text_has_discord_timestamps_and_the_organisers_time() -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=7))
    plan = plan_reminders(book(), clock, since=DEADLINE_UTC - timedelta(days=7, minutes=1))
    text = render_reminder(plan.send[0])
    unix = int(DEADLINE_UTC.timestamp())
    assert f"<t:{unix}:F>" in text
    assert f"<t:{unix}:R>" in text
    assert "in 7 days" in text
    assert "2026-09-16 23:59 AoE" in text
    assert "@everyone" not in text


def test_dst_zone_reminder_follows_the_real_instant() -> None:
    # 17:00 Los Angeles on 9 March 2026 is after the DST change: 00:00 UTC on 10 March.
    data = book("2026-03-09 17:00", "America/Los_Angeles")
    due = next_due(data, datetime(2026, 3, 9, 20, 0, tzinfo=UTC))
    assert due == datetime(2026, 3, 9, 21, 0, tzinfo=UTC)  # 3 hours before


def test_offsets_are_configurable() -> None:
    assert parse_offsets("30d,7d,1d,3h") == DEFAULT_OFFSETS
    assert parse_offsets("90m, 2d") == (timedelta(days=2), timedelta(minutes=90))
    for bad in ("", "7", "0d", "3w", "1d,1d"):
        with pytest.raises(ValueError, match="offset"):
            parse_offsets(bad)
