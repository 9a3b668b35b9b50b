"""The importers on the real shared files: the known errors are reported, not imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.deadlines.importers import run_import
from bot.deadlines.importers.common import ImportResult, Note, SeriesIndex
from tests.shared_data import shared_path
from tests.unit.deadlines.conftest import ICASSP, CatalogFolder


def notes_about(result: ImportResult, conference: str, severity: str = "error") -> list[Note]:
    return [n for n in result.notes if n.conference == conference and n.severity == severity]


def imported(result: ImportResult, title: str) -> bool:
    return any(edition.title == title for edition in result.editions)


def test_ai_deadlines_neurips_2024_ending_before_it_starts_is_refused() -> None:
    path = shared_path("deadlines", "paperswithcode-ai-deadlines", "_data", "conferences.yml")
    result = run_import("ai-deadlines", [path], SeriesIndex())
    errors = notes_about(result, "NeurIPS 2024")
    assert any("ends (2023-12-15) before it starts (2024-12-09)" in n.message for n in errors)
    assert all(n.file == str(path) and n.line for n in errors)
    assert errors[0].format().startswith(f"{path}:")  # file:line, as a maintainer reads it
    assert not imported(result, "NeurIPS 2024")
    # Its neighbours are fine and are imported.
    assert imported(result, "NeurIPS 2023")
    assert imported(result, "ICASSP 2024")


def test_ai_deadlines_reports_what_it_skipped() -> None:
    path = shared_path("deadlines", "paperswithcode-ai-deadlines", "_data", "conferences.yml")
    result = run_import("ai-deadlines", [path], SeriesIndex())
    assert any(
        "unknown field 'data'" in n.message for n in notes_about(result, "CIKM 2024", "warning")
    )
    assert any(
        "fields not used by the catalog" in n.message and "hindex" in n.message
        for n in result.notes
    )
    assert any("'PDT' read as UTC-7" in n.message for n in result.notes)
    ismir = next(e for e in result.editions if e.title == "ISMIR 2022")
    assert ismir.deadlines[0].timezone.name == "UTC-12"


def test_huggingface_wrong_icassp_deadline_is_refused() -> None:
    folder = shared_path("deadlines", "huggingface-ai-deadlines", "src", "data", "conferences")
    result = run_import("huggingface", sorted(folder.glob("*.yml")), SeriesIndex())
    icassp_2025 = notes_about(result, "ICASSP 2025")
    assert any("2025-09-18 is after the conference (2025-04-11)" in n.message for n in icassp_2025)
    assert icassp_2025[0].file.endswith("icassp.yml")
    assert icassp_2025[0].line == 9
    assert any("May 4-8, 2026" in n.message for n in notes_about(result, "ICASSP 2026"))
    assert not imported(result, "ICASSP 2025")
    assert not imported(result, "ICASSP 2026")
    assert notes_about(result, "UAI 2026")  # "August 17-21, 2025" for the 2026 edition
    # AoE and per-deadline kinds survive.
    neurips = next(e for e in result.editions if e.title == "NeurIPS 2026")
    assert {d.kind for d in neurips.deadlines} >= {"abstract", "paper", "supplementary"}
    assert all(d.timezone.name == "AoE" for d in neurips.deadlines)


def test_ccfddl_tbd_placeholders_become_tba_and_are_said() -> None:
    folder = shared_path("deadlines", "ccf-deadlines", "conference")
    result = run_import("ccfddl", sorted(folder.glob("*/*.yml")), SeriesIndex())
    tba = [d for e in result.editions for d in e.deadlines if d.is_tba]
    assert tba, "TBD deadlines must be kept as TBA, not dropped"
    placeholder_notes = [n for n in result.notes if "imported as TBA" in n.message]
    assert len(placeholder_notes) == len(tba)
    assert all(n.line for n in placeholder_notes)
    assert any("'PT' read as America/Los_Angeles" in n.message for n in result.notes)
    assert result.errors == []


def test_mtg_malformed_dates_are_refused_with_file_and_line() -> None:
    folder = shared_path("deadlines", "mtg-conferences")
    paths = sorted(folder.glob("_*/*.md"))
    result = run_import("mtg", paths, SeriesIndex())
    ismir = notes_about(result, "ISMIR 2022")
    assert any("'22022-12-08'" in n.message for n in ismir)
    assert ismir[0].file.endswith("2022-ismir2022.md")
    assert ismir[0].line == 5
    assert not imported(result, "ISMIR 2022")
    assert any("'020-07-17'" in n.message for n in result.errors)
    assert any("2018-01-31'" in n.message for n in result.errors)
    padded = [n for n in result.notes if "not zero-padded" in n.message]
    assert any("2018-4-23" in n.message for n in padded)
    journals = [n for n in result.notes if "journal call" in n.message]
    assert len(journals) == len(list(folder.glob("_journals/*.md")))
    # Dates only: imported at the documented default, flagged.
    ismir_2024 = next(e for e in result.editions if e.title == "ISMIR 2024")
    assert ismir_2024.deadlines[0].clock_text() == "23:59 AoE (assumed)"
    # Nothing disappears without a word: every conference file is imported or reported.
    conference_files = {str(p) for p in paths if "_conferences" in str(p)}
    reported = {n.file for n in result.errors}
    assert len(result.editions) + len(reported & conference_files) == len(conference_files)


def test_import_cli_prints_catalog_yaml_and_exits_1_on_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared_path(
        "deadlines", "huggingface-ai-deadlines", "src", "data", "conferences", "icassp.yml"
    )
    code = main(
        ["deadlines", "import", "--format", "huggingface", str(path), "--catalog", str(tmp_path)]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "icassp.yml:9: error: ICASSP 2025" in captured.err
    assert "0 editions imported, 2 not imported because of errors" in captured.err


def test_merge_appends_new_editions_once_and_reports_conflicts(
    catalog: CatalogFolder, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog.series("icassp", ICASSP)
    ccf = shared_path("deadlines", "ccf-deadlines", "conference", "CG", "icassp.yml")
    args = ["deadlines", "import", "--format", "ccfddl", str(ccf), "--merge"]
    args += ["--catalog", str(catalog.root)]
    assert main(args) == 0
    first = capsys.readouterr().err
    assert "merged 5 new editions" in first  # 2022-2026; 2027 is already in the catalog
    text = (catalog.root / "deadlines" / "icassp.yaml").read_text(encoding="utf-8")
    assert text.startswith(ICASSP)  # the maintainer's file is kept as it was, only appended
    assert "ccfddl/ccf-deadlines@5f8dce347bc1:conference/CG/icassp.yml#L" in text
    assert main(["deadlines", "check", "--catalog", str(catalog.root)]) == 0
    capsys.readouterr()
    assert main(args) == 0
    assert "merged 0 new editions" in capsys.readouterr().err
    # A source that disagrees with the catalog is reported, and the catalog is kept.
    mtg = shared_path("deadlines", "mtg-conferences", "_conferences", "2025-icassp2025.md")
    assert (
        main(
            [
                "deadlines",
                "import",
                "--format",
                "mtg",
                str(mtg),
                "--merge",
                "--catalog",
                str(catalog.root),
            ]
        )
        == 0
    )
    conflict = capsys.readouterr().err
    assert "ICASSP 2025: paper deadline: catalog 2024-09-12 23:59:59 UTC-7" in conflict
    assert "check by hand" in conflict


def test_printed_yaml_is_a_valid_catalog_file(
    catalog: CatalogFolder, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared_path(
        "deadlines", "huggingface-ai-deadlines", "src", "data", "conferences", "neurips.yml"
    )
    args = ["deadlines", "import", "--format", "huggingface", str(path)]
    assert main([*args, "--catalog", str(catalog.root)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("# catalog/deadlines/neurips.yaml\n")
    (catalog.root / "deadlines" / "icassp.yaml").write_text(
        printed.replace("conference: neurips", "conference: icassp"), encoding="utf-8"
    )
    assert main(["deadlines", "check", "--catalog", str(catalog.root)]) == 0
    assert "1 conferences, 2 editions, 14 deadlines" in capsys.readouterr().out
