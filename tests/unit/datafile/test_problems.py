"""Problems read as ``file:line: message (hint)``; errors say which set of files is broken."""

from __future__ import annotations

import pytest

from bot.datafile import (
    CatalogError,
    DataFileError,
    DeadlinesError,
    FeedsFileError,
    Problem,
    SourceLocation,
)


def test_problem_without_a_line_shows_only_the_file() -> None:
    problem = Problem("catalog/sections.yaml", None, "file is empty", "expected 'sections:'")
    assert str(problem) == "catalog/sections.yaml: file is empty (expected 'sections:')"


def test_a_clash_points_at_its_other_half() -> None:
    here = Problem(
        "a.yaml", 9, "duplicate id 'x'", "rename one", related=SourceLocation("a.yaml", 3)
    )
    there = Problem("b.yaml", 9, "duplicate id 'x'", related=SourceLocation("a.yaml", 3))
    assert str(here) == "a.yaml:9: duplicate id 'x', first at line 3 (rename one)"
    assert str(there) == "b.yaml:9: duplicate id 'x', first at a.yaml:3"


@pytest.mark.parametrize(
    ("error", "what"),
    [(CatalogError, "catalog"), (DeadlinesError, "deadline data"), (FeedsFileError, "feeds file")],
)
def test_each_error_names_its_files_and_is_a_data_file_error(
    error: type[DataFileError], what: str
) -> None:
    problems = [Problem("x.yaml", 2, "first"), Problem("x.yaml", 5, "second")]

    raised = error(problems)

    assert isinstance(raised, DataFileError)
    assert raised.problems == tuple(problems)
    assert str(raised) == f"{what} has 2 problems: x.yaml:2: first (and 1 more)"


def test_one_problem_is_not_plural() -> None:
    assert str(FeedsFileError([Problem("feeds.yaml", 1, "bad")])) == (
        "feeds file has 1 problem: feeds.yaml:1: bad"
    )
