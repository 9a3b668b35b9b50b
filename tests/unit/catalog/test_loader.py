"""Loading a valid catalog, and surviving any bad input without a traceback."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalog.loader import check_catalog, load_catalog
from bot.catalog.model import Catalog, Link
from bot.cli import main
from bot.datafile.problems import CatalogError
from tests.shared_data import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures"
CATALOG_OK = FIXTURES / "catalog_ok"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG_OK)


def copy_catalog(destination: Path) -> Path:
    target = destination / "catalog"
    shutil.copytree(CATALOG_OK, target)
    return target


def test_sections_come_in_reading_order_with_children_under_their_parent(
    catalog: Catalog,
) -> None:
    assert [s.id for s in catalog.sections] == [
        "about",
        "key-papers",
        "datasets",
        "diy-datasets",
        "searchable-resources",
        "dataset-tricks",
    ]
    assert [s.id for s in catalog.children("diy-datasets")] == [
        "searchable-resources",
        "dataset-tricks",
    ]


def test_entries_keep_section_and_file_order(catalog: Catalog) -> None:
    assert [e.id for e in catalog.entries] == [
        "ryan-miller",
        "wavenet",
        "gtzan-critique",
        "gtzan",
        "urban-sound",
        "freesound",
        "midi-samples",
    ]


def test_entry_fields_are_read_as_written(catalog: Catalog) -> None:
    wavenet = catalog.entry("wavenet")
    assert wavenet is not None
    assert wavenet.section == "key-papers"
    assert wavenet.url == "https://arxiv.org/pdf/1609.03499.pdf"
    assert wavenet.authors == ("Aäron van den Oord", "Sander Dieleman")
    assert wavenet.year == 2016
    assert wavenet.tags == ("synthesis", "generative")
    assert wavenet.aliases == ("WaveNet paper",)
    assert wavenet.source is not None
    assert (Path(wavenet.source.path).name, wavenet.source.line) == ("key-papers.yaml", 3)


def test_folded_text_is_joined_and_stripped(catalog: Catalog) -> None:
    gtzan = catalog.entry("gtzan")
    assert gtzan is not None
    assert gtzan.description == (
        "Thirty-second clips of ten music genres, long the standard benchmark of genre recognition."
    )


def test_a_link_to_another_entrys_page_is_a_reference_not_a_duplicate(catalog: Catalog) -> None:
    gtzan = catalog.entry("gtzan")
    assert gtzan is not None
    assert gtzan.links == (Link("critique by Bob Sturm", "https://arxiv.org/abs/1306.1461"),)


def test_cross_listed_entries_appear_in_both_sections(catalog: Catalog) -> None:
    assert [e.id for e in catalog.entries_in("datasets")] == [
        "gtzan-critique",
        "gtzan",
        "urban-sound",
    ]


def test_an_entry_may_have_no_url(catalog: Catalog) -> None:
    tip = catalog.entry("midi-samples")
    assert tip is not None
    assert tip.url is None
    assert tip.all_urls == ()


def test_byte_order_mark_and_crlf_line_endings_are_accepted(tmp_path: Path) -> None:
    root = copy_catalog(tmp_path)
    papers = root / "entries" / "key-papers.yaml"
    text = papers.read_text(encoding="utf-8").replace("\n", "\r\n")
    papers.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))

    catalog = load_catalog(root)

    wavenet = catalog.entry("wavenet")
    assert wavenet is not None
    assert wavenet.title == "WaveNet"
    assert wavenet.source is not None
    assert wavenet.source.line == 3


def test_line_numbers_point_into_the_file_after_a_byte_order_mark(tmp_path: Path) -> None:
    root = copy_catalog(tmp_path)
    papers = root / "entries" / "key-papers.yaml"
    text = papers.read_text(encoding="utf-8").replace("kind: paper\n", "kind: papers\n", 1)
    papers.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))

    problems = check_catalog(root).problems

    assert [p.format(base=root) for p in problems] == [
        "entries/key-papers.yaml:6: unknown kind 'papers' of entry 'wavenet' "
        "(did you mean 'paper'?)"
    ]


def test_problems_in_several_files_are_all_reported_in_file_order(tmp_path: Path) -> None:
    root = copy_catalog(tmp_path)
    (root / "entries" / "about.yaml").write_text(
        (root / "entries" / "about.yaml").read_text().replace("kind: person", "kind: persn")
    )
    (root / "sections.yaml").write_text(
        (root / "sections.yaml").read_text().replace("order: 20", "order: 10")
    )

    with pytest.raises(CatalogError) as raised:
        load_catalog(root)

    assert [p.format(base=root) for p in raised.value.problems] == [
        "entries/about.yaml:6: unknown kind 'persn' of entry 'ryan-miller' "
        "(did you mean 'person'?)",
        "sections.yaml:13: order 10 of section 'datasets' is already used by section "
        "'key-papers', first at line 9 (give each section its own order)",
    ]


def test_an_impossible_date_is_a_problem_at_its_line_not_an_exception(tmp_path: Path) -> None:
    root = copy_catalog(tmp_path)
    papers = root / "entries" / "key-papers.yaml"
    papers.write_text(
        papers.read_text(encoding="utf-8").replace("kind: paper\n", "kind: 2019-13-02\n", 1),
        encoding="utf-8",
    )

    problems = [p.format(base=root) for p in check_catalog(root).problems]

    assert problems[0].startswith(
        "entries/key-papers.yaml:6: '2019-13-02' is not a real date (month must be in 1..12)"
    ), problems


def test_a_missing_folder_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    result = check_catalog(tmp_path / "nowhere")
    assert result.catalog is None
    assert [p.message for p in result.problems] == ["catalog folder not found"]


def test_cli_check_summarises_a_clean_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = main(["catalog", "check", str(CATALOG_OK)])
    assert exit_code == 0
    assert capsys.readouterr().out == "catalog OK: 7 entries in 6 sections\n"


def test_cli_check_defaults_to_the_configured_catalog(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_AUDIO_BOT_CATALOG", str(CATALOG_OK))
    assert main(["catalog", "check"]) == 0
    assert capsys.readouterr().out.startswith("catalog OK: 7 entries")


def test_the_real_catalog_is_valid(catalog_dir: Path) -> None:
    result = check_catalog(catalog_dir)
    assert [str(p) for p in result.problems] == []
    assert result.catalog is not None
    assert len(result.catalog.entries) > 0


# Random damage must never escape as an exception: every outcome is a list of problems.
_yaml_fragments = st.sampled_from(
    [
        "section: key-papers\n",
        "entries:\n",
        "  - id: x\n",
        "    title: T\n",
        "    kind: paper\n",
        "    description: D\n",
        "    url: https://example.org\n",
        "    links:\n      - title: a\n        url: b\n",
        "    year: 99999999999999999999\n",
        "\t- tab\n",
        "&a [*a]\n",
        "? [a]\n: b\n",
        "!!binary aGVsbG8=\n",
        "- [[[[[[[[[[[[]]]]]]]]]]]]\n",
        "key: 'unclosed\n",
        "---\n",
        "%YAML 1.1\n",
        "\x00\x07",
        "ä: ü\n",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.lists(_yaml_fragments, max_size=12).map("".join) | st.text(max_size=200),
    raw=st.binary(max_size=40),
)
def test_arbitrary_file_content_gives_problems_never_an_exception(text: str, raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = copy_catalog(Path(folder))
        (root / "entries" / "key-papers.yaml").write_bytes(text.encode("utf-8", "replace"))
        (root / "entries" / "datasets.yaml").write_bytes(raw)
        result = check_catalog(root)
        assert (result.catalog is None) == bool(result.problems)
        for problem in result.problems:
            assert problem.message
            assert problem.format()
