"""Typed field readers: each bad value becomes one ``file:line`` problem with a hint."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.datafile.fields import FieldReader, check_http_url
from bot.datafile.problems import Problem
from bot.datafile.yaml_reader import YamlMap, read_yaml_text

FILE = "catalog/feeds.yaml"


def reader(text: str, problems: list[Problem], allowed: tuple[str, ...]) -> FieldReader:
    value, yaml_problems = read_yaml_text(FILE, text)
    assert yaml_problems == []
    assert isinstance(value, YamlMap)
    return FieldReader(FILE, value, "feed 'x'", problems, allowed=allowed, required=())


@pytest.mark.parametrize(
    ("text", "expected"), [("enabled: true\n", True), ("enabled: false\n", False)]
)
def test_flag_reads_true_and_false(text: str, expected: bool) -> None:
    problems: list[Problem] = []
    assert reader(text, problems, ("enabled",)).flag("enabled") is expected
    assert problems == []


@pytest.mark.parametrize(
    ("text", "found"),
    [("enabled: 'yes'\n", "text"), ("enabled: 1\n", "a number"), ("enabled: [true]\n", "a list")],
)
def test_flag_refuses_anything_but_a_boolean(text: str, found: str) -> None:
    problems: list[Problem] = []
    assert reader("\n" + text, problems, ("enabled",)).flag("enabled") is None
    assert [problem.format() for problem in problems] == [
        f"{FILE}:2: enabled of feed 'x' must be true or false, found {found} "
        "(write enabled: true or enabled: false)"
    ]


def test_absent_fields_are_none_without_a_problem() -> None:
    problems: list[Problem] = []
    fields = reader("other: 1\n", problems, ("other", "enabled", "day"))
    assert fields.flag("enabled") is None
    assert fields.parsed("day", dt.date.fromisoformat, hint="write YYYY-MM-DD") is None
    assert problems == []


class _ZoneError(ValueError):
    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint


def _zone(text: str) -> str:
    if text != "AoE":
        raise _ZoneError("write Anywhere on Earth as 'AoE'")
    return "Anywhere on Earth"


def test_parsed_turns_the_text_into_a_value() -> None:
    problems: list[Problem] = []
    fields = reader("timezone: AoE\nday: '2025-04-06'\n", problems, ("timezone", "day"))
    assert fields.parsed("timezone", _zone, hint="write AoE") == "Anywhere on Earth"
    assert fields.parsed("day", dt.date.fromisoformat, hint="") == dt.date(2025, 4, 6)
    assert problems == []


def test_parsed_reports_text_it_cannot_parse_with_the_parsers_hint() -> None:
    problems: list[Problem] = []
    fields = reader("timezone: aoe\nday: 'soon'\n", problems, ("timezone", "day"))

    assert fields.parsed("timezone", _zone, hint="write AoE") is None
    assert fields.parsed("day", dt.date.fromisoformat, hint="write YYYY-MM-DD") is None

    assert [problem.format() for problem in problems] == [
        f"{FILE}:1: unknown timezone 'aoe' in feed 'x' (write Anywhere on Earth as 'AoE')",
        # A ValueError without a hint of its own gets the caller's.
        f"{FILE}:2: unknown day 'soon' in feed 'x' (write YYYY-MM-DD)",
    ]


def test_parsed_reports_a_value_that_is_not_text() -> None:
    problems: list[Problem] = []
    fields = reader("timezone: 7\n", problems, ("timezone",))

    assert fields.parsed("timezone", _zone, hint="write AoE, UTC-7 or an IANA name") is None
    assert [problem.format() for problem in problems] == [
        f"{FILE}:1: timezone of feed 'x' must be text, found a number "
        "(write AoE, UTC-7 or an IANA name)"
    ]


@pytest.mark.parametrize(
    ("url", "message", "hint"),
    [
        ("serv.cusp.nyu.edu/projects/x", "has no scheme", "add https:// in front"),
        ("javascript:alert(1)", "uses the 'javascript:' scheme", "only http:// and https://"),
        ("ftp://ftp.example.org/", "uses the 'ftp:' scheme", "only http:// and https://"),
        ("HTTP://example.org", "has an upper-case scheme", "write 'http://'"),
        ("https://example.org/a b", "contains whitespace", "%20"),
        ("https:///path", "has no host", "https://host/path"),
        ("not-a-link", "is not an http(s) URL", "https://"),
        ("https://example.org/" + "a" * 2100, "over the 2048 character", "shorter"),
    ],
)
def test_unusable_urls_are_explained(url: str, message: str, hint: str) -> None:
    problem = check_http_url(url)
    assert problem is not None
    assert message in problem.message
    assert hint in problem.hint


def test_ordinary_links_pass() -> None:
    assert check_http_url("https://www.youtube.com/watch?v=fMqL5vckiU0&list=PL-wA") is None
    assert check_http_url("http://www.jezzamon.com/fourier/") is None
