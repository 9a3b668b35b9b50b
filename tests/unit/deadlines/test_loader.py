"""``deadlines check``: every mistake reported with file:line, exit 1; the real data passes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.deadlines.conferences import catalog_entry_ids
from bot.deadlines.loader import load_deadlines
from tests.unit.deadlines.conftest import ICASSP, CatalogFolder


def check(catalog: CatalogFolder, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["deadlines", "check", "--catalog", str(catalog.root)])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def test_valid_series_loads_with_utc_instants_and_tba(catalog: CatalogFolder) -> None:
    catalog.series("icassp", ICASSP)
    result = load_deadlines(catalog.root / "deadlines", catalog_entry_ids(catalog.root))
    assert result.problems == ()
    edition = result.book.edition("icassp-2027")
    assert edition is not None
    paper = edition.deadline("paper")
    assert paper is not None
    assert paper.at == datetime(2026, 9, 17, 11, 59, tzinfo=UTC)
    camera = edition.deadline("camera-ready")
    assert camera is not None
    assert camera.is_tba


def test_check_passes_on_valid_data(
    catalog: CatalogFolder, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog.series("icassp", ICASSP)
    code, output = check(catalog, capsys)
    assert code == 0
    assert "1 conferences, 1 editions, 2 deadlines" in output


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("end: 2027-05-21", "end: 2026-05-21", 7, "ends (2026-05-21) before it starts"),
        ("at: '2026-09-16 23:59'", "at: '2027-06-16 23:59'", 13, "is after the conference"),
        ("timezone: AoE", "timezone: GMT+2", 11, "unknown timezone 'GMT+2'"),
        ("conference: icassp", "conference: icasp", 1, "unknown conference 'icasp'"),
        ("at: TBA", "at: '2026-13-01'", 16, "month 13"),
        ("source: ccfddl", "source: somewhere ccfddl", 10, "must cite a shared file"),
    ],
)
def test_check_reports_each_mistake_with_file_and_line(
    catalog: CatalogFolder,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    line: int,
    message: str,
) -> None:
    name = "icasp" if "icasp\n" in new + "\n" else "icassp"
    catalog.series(name, ICASSP.replace(old, new))
    code, output = check(catalog, capsys)
    assert code == 1
    assert f"{name}.yaml:{line}:" in output
    assert message in output


def test_duplicate_editions_are_reported_with_both_lines(
    catalog: CatalogFolder, capsys: pytest.CaptureFixture[str]
) -> None:
    edition = ICASSP.split("editions:\n")[1]
    catalog.series("icassp", ICASSP + edition)
    code, output = check(catalog, capsys)
    assert code == 1
    assert "duplicate edition ICASSP 2027" in output
    assert "first at line 5" in output


def test_duplicate_edition_ids_across_files(
    catalog: CatalogFolder, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog.series("icassp", ICASSP)
    other = ICASSP.replace("conference: icassp", "conference: ismir").replace(
        "  - year: 2027", "  - year: 2027\n    id: icassp-2027"
    )
    catalog.series("ismir", other)
    code, output = check(catalog, capsys)
    assert code == 1
    assert "duplicate edition id 'icassp-2027'" in output


def test_missing_timezone_is_an_error(
    catalog: CatalogFolder, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog.series("icassp", ICASSP.replace("    timezone: AoE\n", ""))
    code, output = check(catalog, capsys)
    assert code == 1
    assert "has no timezone" in output


def test_every_problem_is_listed_in_one_run(
    catalog: CatalogFolder, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = ICASSP.replace("end: 2027-05-21", "end: 2026-05-21").replace(
        "timezone: AoE", "timezone: aoe"
    )
    catalog.series("icassp", broken)
    code, output = check(catalog, capsys)
    assert code == 1
    assert "before it starts" in output
    assert "unknown timezone 'aoe'" in output


def test_the_real_catalog_passes(catalog_dir: Path) -> None:
    result = load_deadlines(catalog_dir / "deadlines", catalog_entry_ids(catalog_dir))
    assert [p.format() for p in result.problems] == []
    for series_id in ("icassp", "interspeech", "ismir", "dafx", "dcase", "neurips", "icml"):
        series = result.book.get(series_id)
        assert series is not None, series_id
        assert series.editions, series_id
        assert all(e.source for e in series.editions)


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        # A paper deadline a year and a half before the conference: another edition's.
        ("at: '2026-09-16 23:59'", "at: '2025-12-01 23:59'", 13, "more than a year before"),
        ("link: https://2027.ieeeicassp.org/", "link: https://goo.gl/in2Djb", 9, "shortener"),
        ("tags: [audio, speech]", "tags: [audio, speech]\nheld: even-years", 6, "in even years"),
        ("tags: [audio, speech]", "tags: [audio, speech]\nheld: biennial", 4, "unknown held"),
    ],
)
def test_check_reports_implausible_editions_with_file_and_line(
    catalog: CatalogFolder,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    line: int,
    message: str,
) -> None:
    assert old in ICASSP
    catalog.series("icassp", ICASSP.replace(old, new))
    code, output = check(catalog, capsys)
    assert code == 1
    assert f"icassp.yaml:{line}:" in output
    assert message in output


def test_held_in_the_years_of_its_editions_passes_and_is_kept(catalog: CatalogFolder) -> None:
    catalog.series(
        "icassp", ICASSP.replace("tags: [audio, speech]", "tags: [audio, speech]\nheld: odd-years")
    )
    result = load_deadlines(catalog.root / "deadlines", catalog_entry_ids(catalog.root))
    assert result.problems == ()
    series = result.book.get("icassp")
    assert series is not None
    assert series.held is not None
    assert series.held.every == 2


def test_rolling_rounds_may_open_more_than_a_year_ahead(catalog: CatalogFolder) -> None:
    rounds = ICASSP.replace(
        "      - kind: camera-ready\n",
        "      - kind: paper-2\n        at: '2026-02-01 23:59'\n      - kind: camera-ready\n",
    ).replace("at: '2026-09-16 23:59'", "at: '2026-01-01 23:59'")
    catalog.series("icassp", rounds)
    result = load_deadlines(catalog.root / "deadlines", catalog_entry_ids(catalog.root))
    assert [p.format() for p in result.problems] == []


def test_the_real_catalog_has_none_of_the_two_impossible_editions(catalog_dir: Path) -> None:
    book = load_deadlines(catalog_dir / "deadlines").book
    assert book.edition("ijcnn-2019") is None  # a workshop at IJCNN 2019, dead goo.gl link
    assert book.edition("dafx-2021") is None  # DAFx 2020's deadline
    waspaa = book.get("waspaa")
    assert waspaa is not None
    assert waspaa.held is not None
    assert all(waspaa.rhythm.holds(edition.year) for edition in waspaa.editions)
    # ccfddl comments are notes of their edition, never a deadline's name.
    for edition in book.editions:
        for deadline in edition.deadlines:
            assert "Mandatory abstract" not in deadline.title
            assert "OpenReview" not in deadline.title
        assert "More info here" not in edition.note
