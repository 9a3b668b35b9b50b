"""``ml-audio-bot search`` as a maintainer or a script uses it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.unit.search.real_catalog import CATALOG_DIR, load_real_catalog


@pytest.fixture(autouse=True)
def _real_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    load_real_catalog()  # skips while the catalog is not written
    monkeypatch.setenv("ML_AUDIO_BOT_CATALOG", str(CATALOG_DIR))


def test_wavenet_json_returns_the_wavenet_paper(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "wavenet", "--json", "--limit", "1"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert len(results) == 1
    first = results[0]
    assert {"id", "title", "url", "section", "kind", "score"} <= first.keys()
    assert first["id"] == "wavenet"
    assert "1609.03499" in first["url"]
    assert first["kind"] == "paper"


def test_json_results_are_best_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "source", "separation", "--json", "--limit", "5"]) == 0
    scores = [r["score"] for r in json.loads(capsys.readouterr().out)]
    assert len(scores) == 5
    assert scores == sorted(scores, reverse=True)


def test_readable_output_lists_titles_and_links(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "librossa"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. librosa")
    assert "id: librosa" in out


def test_readable_output_flags_an_ambiguous_query(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "wave"]) == 0
    assert "did you mean" in capsys.readouterr().out


def test_no_match_says_what_to_try(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "qqqzzzxxyy"]) == 0
    assert "No match" in capsys.readouterr().out


def test_section_filter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "music", "--section", "journals", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results
    assert {r["section"] for r in results} == {"journals"}


def test_unknown_section_exits_2_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "wavenet", "--section", "jounals"]) == 2
    err = capsys.readouterr().err
    assert "unknown section 'jounals'" in err
    assert "Did you mean: journals" in err


def test_empty_query_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search"]) == 2
    assert "nothing to search for" in capsys.readouterr().err
    assert main(["search", "   "]) == 2


def test_bad_limit_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["search", "wavenet", "--limit", "0"])
    assert exited.value.code == 2
    assert "--limit must be between" in capsys.readouterr().err


def test_missing_catalog_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "wavenet", "--catalog", str(tmp_path / "nope")]) == 2
    assert "catalog folder not found" in capsys.readouterr().err


def test_batch_answers_one_json_line_per_input_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("wavenet\n\nlibrossa\n"))
    assert main(["search", "--batch", "--limit", "2"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["query"] for line in lines] == ["wavenet", "", "librossa"]
    assert lines[0]["results"][0]["id"] == "wavenet"
    assert len(lines[0]["results"]) <= 2
    assert lines[1] == {"query": "", "results": [], "error": "empty query"}
    assert lines[2]["results"][0]["id"] == "librosa"


def test_batch_with_a_query_too_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "wavenet", "--batch"]) == 2
    assert "not both" in capsys.readouterr().err
