"""Timezones and times: the places where public deadline sites get it wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.deadlines.dates import DateError, parse_local
from bot.deadlines.model import Deadline
from bot.deadlines.timezones import TimezoneError, parse_timezone, read_source_timezone


def at(zone: str, text: str) -> datetime:
    local = parse_local(text)
    deadline = Deadline("paper", parse_timezone(zone), local.value, time_stated=local.time_stated)
    assert deadline.at is not None
    return deadline.at


def test_aoe_2359_is_noon_utc_the_next_day() -> None:
    assert at("AoE", "2026-09-16 23:59") == datetime(2026, 9, 17, 11, 59, tzinfo=UTC)


def test_aoe_1159_is_a_full_twelve_hours_earlier_than_2359() -> None:
    assert at("AoE", "2026-09-16 11:59") == datetime(2026, 9, 16, 23, 59, tzinfo=UTC)


def test_aoe_midnight_is_still_the_same_utc_day() -> None:
    assert at("AoE", "2026-01-01 00:00") == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_aoe_at_year_boundary() -> None:
    assert at("AoE", "2026-12-31 23:59") == datetime(2027, 1, 1, 11, 59, tzinfo=UTC)


def test_etc_gmt_plus_12_is_twelve_hours_behind_utc() -> None:
    zone = parse_timezone("Etc/GMT+12")
    assert zone.label == "UTC-12"
    assert at("Etc/GMT+12", "2026-09-16 23:59") == at("AoE", "2026-09-16 23:59")


def test_fixed_offsets_use_the_conventional_sign() -> None:
    assert at("UTC+8", "2026-03-01 08:00") == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert at("UTC-7", "2026-03-01 17:00") == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert at("UTC+5:30", "2026-03-01 05:30") == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def test_iana_zone_follows_daylight_saving_where_a_fixed_offset_does_not() -> None:
    # US daylight saving starts on 8 March 2026: 17:00 Pacific is 01:00 UTC before, 00:00 after.
    assert at("America/Los_Angeles", "2026-03-07 17:00") == datetime(2026, 3, 8, 1, tzinfo=UTC)
    assert at("America/Los_Angeles", "2026-03-09 17:00") == datetime(2026, 3, 10, 0, tzinfo=UTC)
    assert at("UTC-8", "2026-03-09 17:00") == datetime(2026, 3, 10, 1, tzinfo=UTC)


def test_european_autumn_change() -> None:
    # Europe moves its clocks back on 25 October 2026.
    assert at("Europe/Paris", "2026-10-24 23:59") == datetime(2026, 10, 24, 21, 59, tzinfo=UTC)
    assert at("Europe/Paris", "2026-10-26 23:59") == datetime(2026, 10, 26, 22, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("aoe", "AoE"),
        ("GMT+2", "UTC+h"),
        ("UTC+05", "UTC+5"),
        ("UTC+15", "UTC+14"),
        ("UTC-13", "UTC-12"),
        ("CET", "Area/City"),
        ("PDT", "IANA"),
        ("Mars/Olympus", "IANA"),
        (" AoE", "without spaces"),
    ],
)
def test_catalog_refuses_ambiguous_or_wrong_timezones(text: str, hint: str) -> None:
    with pytest.raises(TimezoneError) as error:
        parse_timezone(text)
    assert hint in error.value.hint


def test_source_spellings_are_translated_and_the_guess_is_said() -> None:
    gmt = read_source_timezone("GMT+02")
    assert gmt.timezone.name == "UTC+2"
    assert "GMT+02" in gmt.note
    pacific = read_source_timezone("PT")
    assert pacific.timezone.name == "America/Los_Angeles"
    assert pacific.note
    assert read_source_timezone("UTC+0").timezone.name == "UTC"
    assert read_source_timezone("AoE").note == ""


def test_leap_day_exists_only_in_leap_years() -> None:
    assert at("AoE", "2028-02-29 23:59") == datetime(2028, 3, 1, 11, 59, tzinfo=UTC)
    with pytest.raises(DateError, match="not a leap year"):
        parse_local("2027-02-29 23:59")


def test_date_without_time_defaults_to_end_of_day_and_is_flagged() -> None:
    local = parse_local("2024-04-05")
    deadline = Deadline("paper", parse_timezone("AoE"), local.value, time_stated=False)
    assert deadline.at == datetime(2024, 4, 6, 11, 59, tzinfo=UTC)
    assert "not given" in deadline.local_text()
    assert deadline.clock_text() == "23:59 AoE (assumed)"


@pytest.mark.parametrize("text", ["2026-9-16 23:59", "2026-09-16 24:00", "16/09/2026", "soon"])
def test_malformed_times_are_refused(text: str) -> None:
    with pytest.raises(DateError):
        parse_local(text)


def test_clock_text_shows_the_organisers_time() -> None:
    local = parse_local("2026-09-16 23:59")
    assert Deadline("paper", parse_timezone("AoE"), local.value).clock_text() == "23:59 AoE"
    assert Deadline("paper", parse_timezone("AoE")).clock_text() == "TBA"
