"""The YAML reader: files and embedded text alike become located values or located problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.datafile import yaml_reader
from bot.datafile.yaml_reader import YamlMap, YamlScalar, read_yaml, read_yaml_text


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both parsing paths (libyaml when installed, PyYAML's own otherwise) must agree."""
    if request.param == "libyaml" and not yaml_reader.HAS_LIBYAML:
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(yaml_reader, "HAS_LIBYAML", request.param == "libyaml")
    return str(request.param)


def test_text_keeps_the_line_numbers_of_the_file_it_came_from(yaml_parser: str) -> None:
    # Front matter of a Markdown page: the lines before it are kept blank.
    text = "\n\ntitle: ICASSP\nacronym: ICASSP2025\n"

    value, problems = read_yaml_text("_conferences/icassp.md", text)

    assert problems == []
    assert isinstance(value, YamlMap)
    assert value.fields["acronym"].line == 4
    acronym = value.fields["acronym"].value
    assert isinstance(acronym, YamlScalar)
    assert acronym.value == "ICASSP2025"


def test_problems_in_text_name_the_real_file_and_line(yaml_parser: str) -> None:
    text = "\ntitle: ICASSP\nlocation: Hyderabad\ntitle: again\n"

    value, problems = read_yaml_text("_conferences/icassp.md", text)

    assert isinstance(value, YamlMap)
    assert [problem.format() for problem in problems] == [
        "_conferences/icassp.md:4: duplicate key 'title', first at line 2 "
        "(remove one of them; YAML would silently keep only the last)"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x 1\nb: *x\n", "anchors and aliases are not allowed"),
        ("a:\n\t- 1\n", "tab character in indentation"),
        ("a: 'unclosed\n", "YAML syntax error"),
        ("a: b\x07\n", "control character U+0007"),
        ("", "file is empty"),
    ],
)
def test_text_gets_the_same_safety_checks_as_a_file(
    text: str, message: str, yaml_parser: str
) -> None:
    value, problems = read_yaml_text("front.md", text, "write 'title:'")

    assert value is None
    assert len(problems) == 1
    assert problems[0].file == "front.md"
    assert message in problems[0].message


def test_text_over_the_size_limit_is_refused_unparsed() -> None:
    value, problems = read_yaml_text("big.md", "# " + "x" * yaml_reader.MAX_FILE_BYTES)

    assert value is None
    assert [problem.message for problem in problems] == [
        f"file is {yaml_reader.MAX_FILE_BYTES + 2} bytes, over the "
        f"{yaml_reader.MAX_FILE_BYTES} byte limit"
    ]


_fragments = st.sampled_from(
    [
        "a: 1\n",
        "b:\n",
        "  - x\n",
        "  - y: z\n",
        "\t- tab\n",
        "&a [*a]\n",
        "a: 2\n",
        "---\n",
        "ä: ü\n",
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.lists(_fragments, max_size=8).map("".join))
def test_reading_text_and_reading_a_file_agree(text: str, tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text(text, encoding="utf-8")

    assert read_yaml_text(str(path), text) == read_yaml(path)


@pytest.mark.parametrize("libyaml", [True, False])
def test_deep_nesting_and_huge_files_are_refused_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, libyaml: bool
) -> None:
    monkeypatch.setattr(yaml_reader, "HAS_LIBYAML", libyaml and yaml_reader.HAS_LIBYAML)
    # Past libyaml's depth limit (1000), or past Python's recursion limit in PyYAML's
    # recursive composer (which is also slow on deep flow lists, hence fewer levels).
    depth = 1200 if libyaml else 400
    deep = tmp_path / "deep.yaml"
    deep.write_text("entries: " + "[" * depth + "]" * depth)
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"# " + b"x" * yaml_reader.MAX_FILE_BYTES)

    deep_value, deep_problems = read_yaml(deep)
    huge_value, huge_problems = read_yaml(huge)

    assert deep_value is None
    assert ["nesting" in problem.message for problem in deep_problems] == [True]
    assert huge_value is None
    assert [problem.message for problem in huge_problems] == [
        "file is 4194306 bytes, over the 4194304 byte limit"
    ]
