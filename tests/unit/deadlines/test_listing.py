"""What /deadlines lists: filters, order, TBA, estimates, past hidden."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.deadlines.age import DataAge, age_line
from bot.deadlines.dates import parse_local
from bot.deadlines.listing import (
    FilterError,
    edition_details,
    format_row,
    listing_lines,
    parse_filter,
    upcoming_rows,
)
from bot.deadlines.model import Deadline, DeadlineBook, Edition, Series
from bot.deadlines.timezones import parse_timezone

AOE = parse_timezone("AoE")


def edition(
    series: str, name: str, year: int, *deadlines: tuple[str, str | None], **extra: object
) -> Edition:
    made = tuple(
        Deadline(kind, AOE, parse_local(at).value if at else None) for kind, at in deadlines
    )
    return Edition(f"{series}-{year}", series, name, year, made, **extra)  # type: ignore[arg-type]


BOOK = DeadlineBook(
    (
        Series(
            "icassp",
            "ICASSP",
            (
                edition(
                    "icassp", "ICASSP", 2026, ("paper", "2025-09-17 23:59"), end=date(2026, 5, 8)
                ),
                edition(
                    "icassp",
                    "ICASSP",
                    2027,
                    ("paper", "2026-09-16 23:59"),
                    ("camera-ready", None),
                    start=date(2027, 5, 16),
                    end=date(2027, 5, 21),
                    place="Toronto, Canada",
                    source="ccfddl/ccf-deadlines@5f8dce347bc1:conference/CG/icassp.yml#L42",
                ),
            ),
            tags=("audio", "speech"),
        ),
        Series(
            "neurips",
            "NeurIPS",
            (
                edition("neurips", "NeurIPS", 2025, ("paper", "2025-05-15 23:59")),
                edition("neurips", "NeurIPS", 2026, ("paper", "2026-05-06 23:59")),
            ),
            tags=("ml",),
            aliases=("NIPS",),
        ),
    )
)
NOW = datetime(2026, 9, 1, tzinfo=UTC)


def test_everything_upcoming_soonest_first_then_tba_then_estimates() -> None:
    rows = [format_row(r) for r in upcoming_rows(BOOK, NOW, parse_filter("", BOOK))]
    unix = int(datetime(2026, 9, 17, 11, 59, tzinfo=UTC).timestamp())  # 23:59 AoE on the 16th
    assert rows[0] == f"**ICASSP 2027** · Paper — <t:{unix}:F> (<t:{unix}:R>) · 23:59 AoE"
    assert rows[1] == "**ICASSP 2027** · Camera-ready — TBA"
    assert rows[2].startswith("**NeurIPS 2027** · *estimate:* expected around mid-May 2027")
    assert len(rows) == 3  # ICASSP 2026 and NeurIPS 2026 deadlines are past: hidden


def test_filter_by_tag_conference_alias_and_days() -> None:
    assert all(
        "ICASSP" in format_row(r) for r in upcoming_rows(BOOK, NOW, parse_filter("audio", BOOK))
    )
    assert all(
        "NeurIPS" in format_row(r) for r in upcoming_rows(BOOK, NOW, parse_filter("nips", BOOK))
    )
    within = upcoming_rows(BOOK, NOW, parse_filter("within 14 days", BOOK))
    assert [r.deadline.kind for r in within if r.deadline] == []
    within = upcoming_rows(BOOK, NOW, parse_filter("icassp 30d", BOOK))
    assert [format_row(r).split(" — ")[0] for r in within] == ["**ICASSP 2027** · Paper"]


@pytest.mark.parametrize(
    ("text", "message"), [("wasp", "no conference or tag 'wasp'"), ("0d", "1 to")]
)
def test_unknown_filter_says_what_exists(text: str, message: str) -> None:
    with pytest.raises(FilterError, match=message) as error:
        parse_filter(text, BOOK)
    if "wasp" in text:
        assert "ICASSP" in str(error.value)
        assert "audio" in str(error.value)


def test_details_of_the_next_edition() -> None:
    series = BOOK.get("icassp")
    assert series is not None
    shown, lines = edition_details(series, NOW)
    assert shown is not None
    assert shown.year == 2027
    assert "**Dates:** 2027-05-16 to 2027-05-21" in lines
    assert "**Camera-ready:** TBA" in lines
    assert lines[-2].startswith("-# Source: ccfddl/ccf-deadlines@")
    assert lines[-1] == age_line(None)
    _, later = edition_details(series, datetime(2026, 10, 1, tzinfo=UTC))
    assert any("(passed)" in line for line in later)
    assert any(line.startswith("*Estimate:*") and "ICASSP 2028" in line for line in later)


@pytest.mark.parametrize("text", ["ics icassp", "ICASSP calendar", "calendar  audio 30d"])
def test_calendar_word_asks_for_a_file_and_keeps_the_rest_of_the_filter(text: str) -> None:
    wanted = parse_filter(text, BOOK)
    assert wanted.wants_calendar
    assert wanted.conference == ("icassp" if "icassp" in text.lower() else None)
    assert wanted.tag == ("audio" if "audio" in text else None)


def test_without_a_calendar_word_the_list_is_wanted() -> None:
    assert not parse_filter("icassp 30d", BOOK).wants_calendar


AGE = DataAge(datetime(2026, 11, 21, 8, 0, tzinfo=UTC), "catalog/deadlines, last commit")
AGE_UNIX = int(AGE.as_of.timestamp())


def test_nothing_announced_ahead_is_said_first_with_the_data_age_then_labelled_estimates() -> None:
    later = datetime(2026, 12, 3, tzinfo=UTC)  # ICASSP 2027's deadline (September) is past
    lines = listing_lines(BOOK, later, parse_filter("", BOOK), AGE)
    assert lines[0].startswith("**No announced deadline lies ahead.**")
    assert f"last updated <t:{AGE_UNIX}:f>" in lines[0]
    assert "from catalog/deadlines, last commit" in lines[0]
    assert lines[1] == (
        "Below: editions whose deadlines are still TBA and *estimates* from past editions, "
        "which are not announced dates."
    )
    assert lines[2] == "**ICASSP 2027** · Camera-ready — TBA"
    estimates = lines[3:]
    assert [line.split(" · ")[0] for line in estimates] == ["**NeurIPS 2027**", "**ICASSP 2028**"]
    assert all("*estimate:*" in line for line in estimates)


def test_an_announced_deadline_ahead_needs_no_such_notice() -> None:
    lines = listing_lines(BOOK, NOW, parse_filter("", BOOK), AGE)
    assert lines[0].startswith("**ICASSP 2027** · Paper — <t:")
    assert not any("No announced deadline" in line for line in lines)


def test_a_filter_with_nothing_at_all_says_so_and_how_to_widen_it() -> None:
    lines = listing_lines(BOOK, NOW, parse_filter("speech 7d", BOOK), None)
    assert lines == [
        "**No announced deadline lies ahead that matches the filter.**",
        "Nothing else matches either. Try `/deadlines` without a filter.",
    ]


def test_details_end_with_the_data_age_and_say_when_nothing_is_ahead() -> None:
    series = BOOK.get("neurips")
    assert series is not None
    _, lines = edition_details(series, NOW, AGE)
    assert lines[0] == "**No NeurIPS deadline announced ahead.**"
    assert lines[-1] == AGE.line()
    assert lines[-1] == (
        f"-# Data as of <t:{AGE_UNIX}:f> (<t:{AGE_UNIX}:R>) · catalog/deadlines, last commit"
    )
    assert edition_details(series, NOW)[1][-1] == age_line(None)
