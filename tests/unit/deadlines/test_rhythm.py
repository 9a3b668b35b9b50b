"""A series' rhythm (every year, every other year) and estimates that follow it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from hypothesis import given
from hypothesis import strategies as st

from bot.deadlines.dates import parse_local
from bot.deadlines.estimates import estimate_next
from bot.deadlines.model import (
    HELD,
    YEARLY,
    Deadline,
    Edition,
    Rhythm,
    Series,
    derived_rhythm,
)
from bot.deadlines.timezones import parse_timezone

AOE = parse_timezone("AoE")
ODD = Rhythm(2, 1)


def waspaa(*years: int, held: Rhythm | None = None) -> Series:
    """Editions with the paper deadline in late April of their own year, like WASPAA's."""
    editions = tuple(
        Edition(
            f"waspaa-{year}",
            "waspaa",
            "WASPAA",
            year,
            (Deadline("paper", AOE, parse_local(f"{year}-04-28 23:59").value),),
        )
        for year in years
    )
    return Series("waspaa", "WASPAA", editions, held=held)


def test_a_biennial_series_is_never_estimated_for_the_year_off() -> None:
    # In June 2025 the 2025 deadline (late April) has passed: the next one is 2027's.
    estimate = estimate_next(waspaa(2019, 2021, 2023), datetime(2025, 6, 1, tzinfo=UTC))
    assert estimate is not None
    assert estimate.year == 2027
    assert estimate.period == "late-April 2027"
    assert estimate.years_text == "2019–2023; held in odd years"


def test_the_catalog_says_the_rhythm_even_with_too_few_editions_to_tell() -> None:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    unknown = estimate_next(waspaa(2021, 2023), now)
    said = estimate_next(waspaa(2021, 2023, held=HELD["odd-years"]), now)
    assert unknown is not None
    assert unknown.year == 2026
    assert said is not None
    assert said.year == 2027


def test_two_editions_two_years_apart_do_not_make_a_yearly_series_biennial() -> None:
    # ICMC 2020 and 2022 are the only editions on record; ICMC is held every year.
    assert derived_rhythm([2020, 2022]) == YEARLY
    assert derived_rhythm([2019, 2021, 2023]) == ODD
    assert derived_rhythm([2020, 2022, 2024]) == Rhythm(2, 0)
    assert derived_rhythm([2019, 2021, 2022]) == YEARLY


def test_rhythm_years() -> None:
    assert ODD.holds(2027)
    assert not ODD.holds(2026)
    assert ODD.next_year(2026) == 2027
    assert ODD.next_year(2027) == 2027
    assert YEARLY.next_year(2026) == 2026
    assert ODD.text == "in odd years"


_YEARS = st.sets(st.integers(1990, 2040), min_size=1, max_size=12)


@given(_YEARS)
def test_derived_rhythm_holds_every_known_edition(years: set[int]) -> None:
    rhythm = derived_rhythm(sorted(years))
    assert all(rhythm.holds(year) for year in years)
    biennial = len(years) >= 3 and len({year % 2 for year in years}) == 1
    assert (rhythm.every == 2) is biennial


@given(
    st.sets(st.integers(1995, 2030), min_size=2, max_size=10),
    st.sampled_from([None, *HELD.values()]),
    st.dates(date(2000, 1, 1), date(2040, 1, 1)),
)
def test_estimates_only_propose_years_the_series_is_held(
    years: set[int], held: Rhythm | None, today: date
) -> None:
    if held is not None:
        years = {year for year in years if held.holds(year)}
    series = waspaa(*sorted(years), held=held)
    estimate = estimate_next(series, datetime.combine(today, time(12), tzinfo=UTC))
    if estimate is None:
        return
    assert series.rhythm.holds(estimate.year)
    assert estimate.year > max(years)
    assert estimate.expected >= today
