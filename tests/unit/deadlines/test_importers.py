"""The importers on the real shared files: the known errors are reported, not imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.deadlines.importers import run_import
from bot.deadlines.importers.common import ImportedEdition, ImportResult, Note, SeriesIndex
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


def _all_ccfddl() -> ImportResult:
    folder = shared_path("deadlines", "ccf-deadlines", "conference")
    return run_import("ccfddl", sorted(folder.glob("*/*.yml")), SeriesIndex())


def _edition(result: ImportResult, title: str) -> ImportedEdition:
    return next(e for e in result.editions if e.title == title)


def test_ccfddl_comment_is_a_note_on_the_edition_not_a_deadline_name() -> None:
    result = _all_ccfddl()
    icml = _edition(result, "ICML 2024")
    assert [d.title for d in icml.deadlines] == ["Paper"]
    assert icml.note == "Paper Submissions Open on OpenReview Jan 09 2024 02:00 PM UTC."
    iclr = _edition(result, "ICLR 2024")
    assert [d.title for d in iclr.deadlines] == ["Abstract", "Paper"]
    assert iclr.note == "Mandatory abstract deadline on Sep. 21, 2023."


def test_ccfddl_rounds_name_their_deadlines_and_their_comments_say_which_round() -> None:
    acl = _edition(_all_ccfddl(), "ACL 2022")
    assert [d.title for d in acl.deadlines] == [
        "Paper (round 1)",
        "Paper (round 2)",
        "Paper (round 3)",
    ]
    assert acl.note == "Round 3: final submission deadline."


def test_ccfddl_rolling_rounds_a_year_ahead_are_not_refused() -> None:
    # VLDB's monthly rounds open more than a year before the conference, legitimately.
    result = _all_ccfddl()
    assert result.errors == []
    vldb = _edition(result, "VLDB 2027")
    assert sum(1 for d in vldb.deadlines if d.kind.startswith("paper")) > 1


def test_mtg_workshop_at_ijcnn_and_dafx_2021_with_2020s_deadline_are_refused() -> None:
    folder = shared_path("deadlines", "mtg-conferences", "_conferences")
    paths = [
        folder / name
        for name in (
            "2019-ijcnn2019.md",
            "2020-dafx2020.md",
            "2021-dafx-2021.md",
            "2024-dafx-2024.md",
            "2023-waspaa-2023.md",
        )
    ]
    result = run_import("mtg", paths, SeriesIndex())
    workshop = notes_about(result, "IJCNN2019")
    assert [n.format() for n in workshop if "workshop held at IJCNN" in n.message] == [
        f"{paths[0]}:2: error: IJCNN2019: 'Deep Neural Audio Processing workshop at IJCNN2019'"
        " is a workshop held at IJCNN, not IJCNN itself; edition not imported"
    ]
    dafx = {(n.line, n.message.split(";")[0]) for n in notes_about(result, "DAFx 2021")}
    assert dafx == {
        (
            6,
            "paper deadline 2020-03-29 is more than a year before the conference starts "
            "(2021-09-07): it is another edition's",
        ),
        (7, "link http://dafx2020.mdw.ac.at/ is for the 2020 edition, not 2021"),
    }
    assert sorted(e.title for e in result.editions) == ["DAFX 2020", "DAFx 2024", "WASPAA 2023"]


def test_ai_deadlines_siggraph_2023_with_a_deadline_of_the_year_before_is_refused() -> None:
    path = shared_path("deadlines", "paperswithcode-ai-deadlines", "_data", "conferences.yml")
    result = run_import("ai-deadlines", [path], SeriesIndex())
    errors = notes_about(result, "SIGGRAPH 2023")
    early = [n.line for n in errors if "2022-01-25 is more than a year before" in n.message]
    assert early == [2225]  # the abstract_deadline line
    assert not imported(result, "SIGGRAPH 2023")


def test_note_links_are_kept_with_their_text_in_every_real_note() -> None:
    pwc = shared_path("deadlines", "paperswithcode-ai-deadlines", "_data", "conferences.yml")
    hf = shared_path("deadlines", "huggingface-ai-deadlines", "src", "data", "conferences")
    result = run_import("ai-deadlines", [pwc], SeriesIndex())
    result.extend(run_import("huggingface", sorted(hf.glob("*.yml")), SeriesIndex()))
    assert _edition(result, "ISMIR 2020").note == (
        "Mandatory abstract deadline on Apr 10, 2020. "
        "More info [here](https://ismir.github.io/ISMIR2020/cfp/)."
    )
    # The link split over two YAML lines (icann.yml) is kept too.
    assert "More info [here](https://e-nns.org/icann2025)." in _edition(result, "ICANN 2025").note
    notes = [e.note for e in result.editions if e.note]
    assert len(notes) > 50
    for note in notes:
        assert "info here" not in note.lower()
        assert "<" not in note
