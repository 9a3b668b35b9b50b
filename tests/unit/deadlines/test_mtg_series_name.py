"""MTG acronyms carry the edition's year; the series name is what is left, without the joint."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.deadlines.importers.common import SeriesIndex
from bot.deadlines.importers.mtg import import_mtg, series_name


@pytest.mark.parametrize(
    ("acronym", "expected"),
    [
        ("WASPAA-2009", "WASPAA"),
        ("WASPAA 2015", "WASPAA"),
        ("waspaa2017", "waspaa"),  # the source's spelling; the series is found case-blind
        ("DAFx-19", "DAFx"),
        ("ISMIR_2020", "ISMIR"),
        ("AM'15", "AM"),
        ("  DCASE 2024  ", "DCASE"),
    ],
)
def test_year_and_the_separator_before_it_are_removed(acronym: str, expected: str) -> None:
    assert series_name(acronym) == expected


@pytest.mark.parametrize(
    "acronym",
    [
        "AES 132",  # a convention's number, not '32' for 2032
        "DMRN+",  # the '+' belongs to the name
        "CogMIR-2104",  # no year a source could mean: kept as written
        "2019",  # nothing but a year: keep it rather than an empty name
        "CMMR",
    ],
)
def test_acronyms_without_a_plain_year_suffix_are_kept(acronym: str) -> None:
    assert series_name(acronym) == acronym


def test_imported_edition_is_named_after_its_series_without_a_trailing_hyphen(
    tmp_path: Path,
) -> None:
    page = tmp_path / "2009-waspaa-2009.md"
    page.write_text(
        "---\n"
        "title: IEEE Workshop on Applications of Signal Processing to Audio and Acoustics\n"
        "acronym: WASPAA-2009\n"
        "date: 2009-10-18\n"
        "end_date: 2009-10-21\n"
        "submission_date: 2009-04-17\n"
        "---\n",
        encoding="utf-8",
    )

    result = import_mtg([page], SeriesIndex(extra={"WASPAA": "waspaa"}))

    (edition,) = result.editions
    assert edition.name == "WASPAA"
    assert edition.title == "WASPAA 2009"
    assert edition.series == "waspaa"
