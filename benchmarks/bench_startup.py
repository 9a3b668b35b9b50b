"""Start-up: whole ``ml-audio-bot`` processes against a bare interpreter, and their imports.

Each command runs as a fresh process, as a user starts it: one warm-up run (it writes the
bytecode cache, which an installed package has), then ``RUNS`` timed ones; medians are
reported. ``wall ms`` is what the user waits; ``CPU ms`` (user + system of the child) is
what the machine spent, which other processes on a shared machine inflate much less. The
baseline is the same interpreter running ``import argparse`` and nothing else: the floor
any Python command line pays. Targets (issue 14, on this machine): ``--help`` <= 60 ms and
``search wavenet`` <= 150 ms wall. The last rows are ``python -X importtime``: the modules
that cost most (cumulative, microseconds as Python prints them, one run).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
TOP_IMPORTS = 6
BASELINE = ("python -c 'import argparse'", ["-c", "import argparse"])
COMMANDS = (
    ("ml-audio-bot --help", ["-m", "bot", "--help"], 60.0),
    ("ml-audio-bot search wavenet", ["-m", "bot", "search", "wavenet"], 150.0),
)


def _environment() -> dict[str, str]:
    """Ours, but with bytecode caching on: an installed package starts from its .pyc files."""
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def _one_run(arguments: list[str]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *arguments],
        cwd=REPO_ROOT,
        env=_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
        check=True,
    )
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def _medians(arguments: list[str], runs: int) -> tuple[float, float]:
    _one_run(arguments)  # warm-up: bytecode cache and file system cache
    samples = [_one_run(arguments) for _ in range(runs)]
    return (
        statistics.median(wall for wall, _ in samples),
        statistics.median(cpu for _, cpu in samples),
    )


def top_imports(arguments: list[str], count: int = TOP_IMPORTS) -> list[tuple[str, int]]:
    """The ``count`` top-level imports with the highest cumulative time (microseconds)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *arguments],
        cwd=REPO_ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        if not name.startswith("  "):  # nested imports are inside their parent's figure
            found.append((name.strip(), int(cumulative)))
    return sorted(found, key=lambda item: -item[1])[:count]


def _row(
    command: str, figure: str, ours: float, theirs: float | None, target: Any
) -> dict[str, Any]:
    return {
        "command": command,
        "figure": figure,
        "ours": round(ours, 1),
        "baseline": BASELINE[0] if theirs is not None else None,
        "theirs": None if theirs is None else round(theirs, 1),
        "ratio": None if theirs is None else round(ours / max(theirs, 1e-6), 1),
        "target": target,
    }


def run(quick: bool) -> list[dict[str, Any]]:
    runs = 2 if quick else RUNS
    base_wall, base_cpu = _medians(BASELINE[1], runs)
    rows = []
    for command, arguments, target in COMMANDS:
        wall, cpu = _medians(arguments, runs)
        rows.append(_row(command, "wall ms", wall, base_wall, f"<= {target:.0f}"))
        rows.append(_row(command, "CPU ms", cpu, base_cpu, None))
    for command, arguments, _target in COMMANDS:
        for module, micros in top_imports(arguments):
            rows.append(_row(command, f"importtime {module}", micros / 1000, None, None))
    return rows
