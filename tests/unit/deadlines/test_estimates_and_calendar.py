"""Estimates for unannounced deadlines, and the iCalendar export parsed back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.cli import main
from bot.deadlines.age import DataAge
from bot.deadlines.calendar import build_calendar
from bot.deadlines.dates import parse_local
from bot.deadlines.estimates import estimate_next
from bot.deadlines.model import Deadline, DeadlineBook, Edition, Series
from bot.deadlines.timezones import parse_timezone
from tests.unit.deadlines.conftest import ICASSP, CatalogFolder


def edition(year: int, paper: str | None, zone: str = "AoE", **extra: object) -> Edition:
    local = parse_local(paper).value if paper else None
    deadline = Deadline("paper", parse_timezone(zone), local)
    return Edition(f"icassp-{year}", "icassp", "ICASSP", year, (deadline,), **extra)  # type: ignore[arg-type]


SERIES = Series(
    "icassp",
    "ICASSP",
    (
        edition(2023, "2022-10-26 23:59"),
        edition(2024, "2023-09-06 23:59"),
        edition(2025, "2024-09-12 23:59"),
        edition(2026, "2025-09-17 23:59"),
        edition(2027, "2026-09-16 23:59"),
    ),
)


def test_estimate_when_no_deadline_is_announced_ahead() -> None:
    estimate = estimate_next(SERIES, datetime(2026, 11, 25, tzinfo=UTC))
    assert estimate is not None
    assert estimate.year == 2028
    assert estimate.period == "mid-September 2027"
    assert estimate.years_text == "2024–2027"
    assert "estimate" in estimate.text()


def test_no_estimate_while_a_deadline_is_announced_ahead() -> None:
    assert estimate_next(SERIES, datetime(2026, 9, 1, tzinfo=UTC)) is None


def test_estimate_targets_the_announced_edition_without_deadline() -> None:
    series = Series("icassp", "ICASSP", (*SERIES.editions, edition(2028, None)))
    estimate = estimate_next(series, datetime(2026, 11, 25, tzinfo=UTC))
    assert estimate is not None
    assert estimate.year == 2028


def test_no_estimate_from_a_single_edition() -> None:
    series = Series("icassp", "ICASSP", SERIES.editions[:1])
    assert estimate_next(series, datetime(2026, 11, 25, tzinfo=UTC)) is None


def test_leap_day_deadlines_estimate_a_real_day() -> None:
    series = Series(
        "x", "X", (edition(2024, "2024-02-29 23:59"), edition(2025, "2025-02-28 23:59"))
    )
    estimate = estimate_next(series, datetime(2025, 6, 1, tzinfo=UTC))
    assert estimate is not None
    assert estimate.expected.month == 2
    assert estimate.period.startswith("late-February")


def parse(data: bytes) -> list[dict[str, object]]:
    calendar = Calendar.from_ical(data)
    return [
        {
            "uid": str(event["UID"]),
            "start": event.decoded("DTSTART"),
            "summary": str(event["SUMMARY"]),
        }
        for event in calendar.walk("VEVENT")
    ]


def test_calendar_times_are_utc_including_aoe_and_uids_are_stable() -> None:
    book = DeadlineBook(
        (
            Series(
                "icassp",
                "ICASSP",
                (
                    edition(2027, "2026-09-16 23:59", start=date(2027, 5, 16), place="Toronto"),
                    edition(2028, "2027-09-15 17:00", zone="America/Los_Angeles"),
                ),
            ),
        )
    )
    now = datetime(2026, 9, 1, tzinfo=UTC)
    events = parse(build_calendar(book, now))
    assert events == [
        {
            "uid": "icassp-2027-paper@ml-audio-bot",
            "start": datetime(2026, 9, 17, 11, 59, tzinfo=UTC),
            "summary": "ICASSP 2027: Paper deadline (23:59 AoE)",
        },
        {
            "uid": "icassp-2028-paper@ml-audio-bot",
            "start": datetime(2027, 9, 16, 0, 0, tzinfo=UTC),  # PDT is UTC-7
            "summary": "ICASSP 2028: Paper deadline (17:00 America/Los_Angeles)",
        },
    ]
    assert b"DTSTART:20260917T115900Z" in build_calendar(book, now)
    # A month later the 2027 deadline is past: still in the calendar, with the same UID.
    later = parse(build_calendar(book, datetime(2026, 10, 1, tzinfo=UTC)))
    assert [e["uid"] for e in later] == [e["uid"] for e in events]


def test_calendar_skips_tba() -> None:
    book = DeadlineBook((Series("icassp", "ICASSP", (edition(2027, None),)),))
    assert parse(build_calendar(book, datetime(2026, 1, 1, tzinfo=UTC))) == []


def test_calendar_keeps_past_editions_when_nothing_is_ahead() -> None:
    book = DeadlineBook((SERIES,))
    events = parse(build_calendar(book, datetime(2026, 12, 3, tzinfo=UTC)))
    assert [e["uid"] for e in events] == [
        f"icassp-{y}-paper@ml-audio-bot" for y in range(2023, 2028)
    ]


def test_date_only_deadline_is_an_all_day_event_on_the_organisers_date() -> None:
    stated = Deadline("paper", parse_timezone("AoE"), parse_local("2026-09-16 23:59").value)
    date_only = Deadline(
        "abstract", parse_timezone("AoE"), parse_local("2026-09-09 23:59").value, time_stated=False
    )
    book = DeadlineBook(
        (
            Series(
                "icassp",
                "ICASSP",
                (Edition("icassp-2027", "icassp", "ICASSP", 2027, (date_only, stated)),),
            ),
        )
    )
    data = build_calendar(book, datetime(2026, 1, 1, tzinfo=UTC))
    assert b"DTSTART;VALUE=DATE:20260909" in data
    abstract, paper = Calendar.from_ical(data).walk("VEVENT")
    assert abstract.decoded("DTSTART") == date(2026, 9, 9)
    assert abstract.decoded("DTEND") == date(2026, 9, 10)
    assert "time not given" in str(abstract["SUMMARY"])
    assert paper.decoded("DTSTART") == datetime(2026, 9, 17, 11, 59, tzinfo=UTC)


def revisions(data: bytes) -> dict[str, tuple[int, datetime]]:
    return {
        str(event["UID"]): (int(event["SEQUENCE"]), event.decoded("LAST-MODIFIED"))
        for event in Calendar.from_ical(data).walk("VEVENT")
    }


def test_a_changed_series_gets_a_higher_sequence_and_its_change_date() -> None:
    now = datetime(2026, 12, 3, tzinfo=UTC)
    other = Series(
        "neurips",
        "NeurIPS",
        (
            Edition(
                "neurips-2026",
                "neurips",
                "NeurIPS",
                2026,
                (Deadline("paper", parse_timezone("AoE"), parse_local("2026-05-06 23:59").value),),
            ),
        ),
    )
    book = DeadlineBook((SERIES, other))
    first = DataAge(datetime(2026, 11, 1, tzinfo=UTC), "catalog/deadlines, last commit")
    before = revisions(build_calendar(book, now, age=first))
    assert revisions(build_calendar(book, now + timedelta(days=1), age=first)) == before
    moved = Series("icassp", "ICASSP", (*SERIES.editions[:-1], edition(2027, "2026-09-18 23:59")))
    edited = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    second = DataAge(edited, "catalog/deadlines, last commit", {"neurips": first.as_of})
    after = revisions(build_calendar(DeadlineBook((moved, other)), now, age=second))
    assert after.keys() == before.keys()  # same UIDs: the event is updated, not added
    moved_uid = "icassp-2027-paper@ml-audio-bot"
    assert after[moved_uid][0] > before[moved_uid][0]
    assert after[moved_uid][1] == edited
    assert after["neurips-2026-paper@ml-audio-bot"] == before["neurips-2026-paper@ml-audio-bot"]


def test_ics_command_writes_a_file(
    catalog: CatalogFolder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog.series("icassp", ICASSP)
    out = tmp_path / "deadlines.ics"
    args = [
        "deadlines",
        "ics",
        "--conference",
        "icassp",
        "-o",
        str(out),
        "--catalog",
        str(catalog.root),
    ]
    assert main(args) == 0
    events = parse(out.read_bytes())
    assert [e["uid"] for e in events] == ["icassp-2027-paper@ml-audio-bot"]  # past or not
    assert main(["deadlines", "ics", "--conference", "nope", "--catalog", str(catalog.root)]) == 2
    assert "unknown conference 'nope'" in capsys.readouterr().err
