"""Every ranking the index gives stays exactly as recorded in ``golden_rankings.json.gz``.

The file holds the full ordered answers to thousands of queries on the real catalog and a
2 000-entry synthetic one (see ``golden.py``). A difference means users would see other
results: intended ranking changes rewrite the file (``python -m tests.unit.search.golden``).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.search import SearchIndex
from tests.unit.search import golden

RECORDED = golden.load()
CATALOGS = golden.catalogs()
PARTS = ("search", "filtered", "autocomplete", "related")


@pytest.fixture(scope="module", params=sorted(CATALOGS))
def captured(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    name: str = request.param
    catalog, labelled, sample = CATALOGS[name]
    recorded = RECORDED[name]
    if recorded["fingerprint"] != golden.fingerprint(catalog):
        if name != "real":
            pytest.fail(f"the {name} catalog is generated; it must not change ({name})")
        # An edited reading list changes the answers on purpose; a data-only pull request
        # should not have to re-record them. The synthetic catalog still pins the engine.
        pytest.skip(
            "catalog/ changed since the golden rankings were recorded: "
            "python -m tests.unit.search.golden records them anew"
        )
    return name, golden.capture(SearchIndex.build(catalog), labelled, sample)


@pytest.mark.parametrize("part", PARTS)
def test_rankings_are_exactly_as_recorded(captured: tuple[str, dict[str, Any]], part: str) -> None:
    name, fresh = captured
    recorded = RECORDED[name][part]
    # JSON turned tuples into lists; compare in that form too.
    now = golden.json_round_trip(fresh[part])
    assert len(now) == len(recorded)
    differing = [(old, new) for old, new in zip(recorded, now, strict=True) if old != new]
    assert differing == [], f"{len(differing)} answers changed, first: {differing[:3]}"


def test_the_recorded_set_is_large() -> None:
    for name in CATALOGS:
        recorded = RECORDED[name]
        assert len(recorded["search"]) + len(recorded["autocomplete"]) >= 2_000, name
