"""Estimates for unannounced deadlines, and the iCalendar export parsed back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.cli import main
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
    later = parse(build_calendar(book, datetime(2026, 10, 1, tzinfo=UTC)))
    assert [e["uid"] for e in later] == ["icassp-2028-paper@ml-audio-bot"]  # past is hidden


def test_calendar_skips_tba() -> None:
    book = DeadlineBook((Series("icassp", "ICASSP", (edition(2027, None),)),))
    assert parse(build_calendar(book, datetime(2026, 1, 1, tzinfo=UTC))) == []


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
    # Whether the 2026 deadline is still ahead depends on today; the file is valid either way.
    assert all(e["uid"] == "icassp-2027-paper@ml-audio-bot" for e in events)
    assert main(["deadlines", "ics", "--conference", "nope", "--catalog", str(catalog.root)]) == 2
    assert "unknown conference 'nope'" in capsys.readouterr().err
