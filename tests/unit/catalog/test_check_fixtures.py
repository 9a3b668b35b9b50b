"""Every broken catalog under tests/fixtures/catalog_broken is reported exactly as expected.

Each case folder holds a tiny catalog with one kind of mistake and ``expected.txt``, the
lines ``ml-audio-bot catalog check`` must print for it (paths relative to the case folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.catalog.loader import check_catalog, load_catalog
from bot.cli import main
from bot.datafile import yaml_reader
from bot.datafile.problems import CatalogError
from tests.shared_data import REPO_ROOT

BROKEN = REPO_ROOT / "tests" / "fixtures" / "catalog_broken"
CASES = sorted(path.name for path in BROKEN.iterdir() if path.is_dir())


def expected_lines(case: Path) -> list[str]:
    return (case / "expected.txt").read_text(encoding="utf-8").splitlines()


def test_there_is_a_case_for_each_kind_of_mistake() -> None:
    assert len(CASES) >= 20


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both parsing paths (libyaml when installed, PyYAML's own otherwise) must agree."""
    if request.param == "libyaml" and not yaml_reader.HAS_LIBYAML:
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(yaml_reader, "HAS_LIBYAML", request.param == "libyaml")
    return str(request.param)


@pytest.mark.parametrize("name", CASES)
def test_check_reports_exactly_the_expected_problems(name: str, yaml_parser: str) -> None:
    case = BROKEN / name
    result = check_catalog(case)

    assert result.catalog is None
    assert not result.ok
    assert [problem.format(base=case) for problem in result.problems] == expected_lines(case)


@pytest.mark.parametrize("name", CASES)
def test_load_raises_with_every_problem(name: str) -> None:
    case = BROKEN / name
    with pytest.raises(CatalogError) as raised:
        load_catalog(case)

    assert [p.format(base=case) for p in raised.value.problems] == expected_lines(case)
    assert str(len(raised.value.problems)) in str(raised.value)


@pytest.mark.parametrize("name", ["duplicate-url", "unknown-section", "not-utf8"])
def test_cli_prints_file_line_problems_and_fails(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = BROKEN / name
    monkeypatch.chdir(case)

    exit_code = main(["catalog", "check", "."])

    out, err = capsys.readouterr()
    lines = out.splitlines()
    expected = expected_lines(case)
    assert exit_code == 1
    assert lines[:-1] == expected
    files = {line.split(":", 1)[0] for line in expected}
    count = len(expected)
    assert lines[-1] == (
        f"catalog has {count} problem{'s' * (count != 1)} "
        f"in {len(files)} file{'s' * (len(files) != 1)}"
    )
    assert "Traceback" not in out + err


def test_cli_shows_paths_relative_to_the_working_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO_ROOT)

    exit_code = main(["catalog", "check", str(BROKEN / "duplicate-key")])

    first_line = capsys.readouterr().out.splitlines()[0]
    assert exit_code == 1
    relative = os.path.join("tests", "fixtures", "catalog_broken", "duplicate-key", "entries")
    assert first_line.startswith(f"{relative}/papers.yaml:7: duplicate key 'title'")
