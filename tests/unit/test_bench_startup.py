"""``make bench`` start-up rows still run; their times are read by people, not asserted."""

from __future__ import annotations

import pytest

from benchmarks import bench_startup


def test_importtime_rows_name_top_level_modules_with_their_cumulative_cost() -> None:
    found = bench_startup.top_imports(["-c", "import json, argparse"], count=50)
    names = [name for name, _ in found]
    assert "json" in names
    assert "argparse" in names
    # Nested imports are counted inside their parent, never as rows of their own.
    assert "json.decoder" not in names
    assert all(micros > 0 for _, micros in found)


@pytest.mark.slow
def test_every_command_row_compares_with_the_bare_interpreter() -> None:
    rows = [row for row in bench_startup.run(quick=True) if not row["figure"].startswith("import")]
    assert {row["command"] for row in rows} == {c for c, _, _ in bench_startup.COMMANDS}
    for row in rows:
        assert row["baseline"] == bench_startup.BASELINE[0]
        assert row["ours"] > 0
        assert row["theirs"] > 0
