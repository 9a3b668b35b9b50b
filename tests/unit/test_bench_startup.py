"""``make bench`` start-up rows still run; their times are read by people, not asserted."""

from __future__ import annotations

import subprocess
import sys

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


def test_naive_search_baseline_finds_what_it_is_compared_on() -> None:
    # A baseline that failed or found nothing would make the ratio meaningless.
    done = subprocess.run(
        [sys.executable, *bench_startup.NAIVE_SEARCH.arguments],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.startswith("1. WaveNet")


@pytest.mark.slow
def test_every_command_row_compares_with_its_baselines() -> None:
    rows = bench_startup.run(quick=True)
    timed = [row for row in rows if row["figure"] in ("wall ms", "CPU ms")]
    expected = {
        (command.name, baseline.name, figure)
        for command in bench_startup.COMMANDS
        for baseline in command.baselines
        for figure in ("wall ms", "CPU ms")
    }
    assert {(row["command"], row["baseline"], row["figure"]) for row in timed} == expected
    for row in timed:
        assert row["ours"] > 0
        assert row["theirs"] > 0
        assert row["ratio"] > 0
    for command in bench_startup.COMMANDS:
        assert any(
            row["command"] == command.name and row["figure"].startswith("importtime ")
            for row in rows
        )
    ready = {row["figure"]: row for row in rows if row["command"].endswith("READY in SimCord")}
    assert set(ready) == {
        "READY ms",
        "READY ms without SimCord's own import",
        "SimCord's own import ms",
        "resident memory at READY MiB",
    }
    assert all(row["theirs"] > 0 for row in ready.values())
    assert ready["READY ms without SimCord's own import"]["ours"] < ready["READY ms"]["ours"]


def test_a_failing_command_fails_the_measurement() -> None:
    with pytest.raises(subprocess.CalledProcessError):
        bench_startup._one_run(["-c", "raise SystemExit(3)"], {})


def test_a_hung_command_is_killed_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_startup, "RUN_TIMEOUT_S", 0.5)
    with pytest.raises(subprocess.CalledProcessError) as failed:
        bench_startup._one_run(["-c", "import time; time.sleep(60)"], {})
    assert failed.value.returncode < 0  # ended by a signal, not by itself
