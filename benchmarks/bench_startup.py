"""Start-up: whole ``ml-audio-bot`` processes against baselines, their imports, and READY.

Each command runs as a fresh process, as a user starts it (the ``ml-audio-bot`` console
script of this environment, else ``python -m bot``): one warm-up run (it writes the
bytecode cache, which an installed package has, and fills the search index cache in a
temporary folder), then ``RUNS`` timed runs, each right after one of its baseline, so that
a machine whose speed drifts slows both alike. ``ours`` and ``theirs`` are medians, the
ratio is the median of the pairs' ratios. ``wall ms`` is what the user waits; ``CPU ms``
(user + system of the child) is what the machine spent, which other processes on a shared
machine inflate much less.

Baselines: for ``--help``, the same interpreter running ``import argparse`` and nothing else
(the floor any Python command line pays); for ``search``, ``naive_search.py`` (PyYAML and
rapidfuzz ``process.extract`` over the titles, what one writes first) and our own command
without its index cache (the path every search took before the cache, and what the first
search after a catalog edit costs). Targets (issue 14, on this machine): ``--help`` <= 60 ms
and ``search wavenet`` <= 150 ms wall.

``importtime`` rows: the modules that cost most (``python -X importtime``, cumulative, one
run, in ms). ``READY`` rows: from spawning a fresh process to the bot being READY in SimCord
(imports, catalog load, index build, database open, login, command sync), against a bare
``discord.Client`` reaching READY in the same way; SimCord's own import (which a real start
does not pay) is measured in the child and reported apart, and subtracted in the rows that
say so.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNS = 9
# A timed run that takes longer than this is killed (and the benchmark fails).
RUN_TIMEOUT_S = 60
READY_RUNS = 3
TOP_IMPORTS = 6
QUERY = "wavenet"
READY_CHILD_FLAG = "--ready-child"
_CONSOLE_SCRIPT = Path(sys.executable).parent / "ml-audio-bot"
# The command as a user types it; `python -m bot` only where no console script is installed.
OURS = [str(_CONSOLE_SCRIPT)] if _CONSOLE_SCRIPT.is_file() else ["-m", "bot"]


class Baseline(NamedTuple):
    name: str
    arguments: list[str]
    # Environment variables set for this process only ("" for the cache: switched off).
    environment: dict[str, str]


class Command(NamedTuple):
    name: str
    arguments: list[str]
    target_ms: float
    baselines: tuple[Baseline, ...]


BARE = Baseline("python -c 'import argparse'", ["-c", "import argparse"], {})
NAIVE_SEARCH = Baseline(
    "naive_search.py (yaml + rapidfuzz extract over titles)",
    [str(REPO_ROOT / "benchmarks" / "naive_search.py"), str(REPO_ROOT / "catalog"), QUERY],
    {},
)
SEARCH_WITHOUT_CACHE = Baseline(
    "ours without the index cache (the previous path)",
    [*OURS, "search", QUERY],
    {"ML_AUDIO_BOT_CACHE_DIR": ""},
)
COMMANDS = (
    Command("ml-audio-bot --help", [*OURS, "--help"], 60.0, (BARE,)),
    Command(
        "ml-audio-bot search wavenet",
        [*OURS, "search", QUERY],
        150.0,
        (NAIVE_SEARCH, SEARCH_WITHOUT_CACHE),
    ),
)


def _environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Ours, with bytecode caching on (an installed package starts from its .pyc files)."""
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment.update(extra or {})
    return environment


def _one_run(arguments: list[str], extra: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one fresh process.

    The wait blocks until the child exits. ``subprocess.run(timeout=...)`` would poll with
    sleeps that double up to 50 ms and see a 40 ms process end at about 64 ms; the bound on
    a hung child is a timer that kills it instead.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, *arguments],
        cwd=REPO_ROOT,
        env=_environment(extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    watchdog = threading.Timer(RUN_TIMEOUT_S, child.kill)
    watchdog.start()
    try:
        status = child.wait()
    finally:
        watchdog.cancel()
    wall = (time.perf_counter() - started) * 1000
    if status != 0:
        raise subprocess.CalledProcessError(status, arguments)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def _paired(command: Command, baseline: Baseline, runs: int, cache: str) -> list[dict[str, Any]]:
    """Ours and the baseline in turn; a wall row and a CPU row."""
    ours_environment = {"ML_AUDIO_BOT_CACHE_DIR": cache}
    _one_run(command.arguments, ours_environment)  # warm-up: bytecode and index caches
    _one_run(baseline.arguments, baseline.environment)
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(_one_run(command.arguments, ours_environment))
        theirs.append(_one_run(baseline.arguments, baseline.environment))
    rows = []
    for position, figure in enumerate(("wall ms", "CPU ms")):
        mine = [sample[position] for sample in ours]
        other = [sample[position] for sample in theirs]
        rows.append(
            _row(
                command.name,
                figure,
                statistics.median(mine),
                baseline.name,
                statistics.median(other),
                statistics.median(a / max(b, 1e-6) for a, b in zip(mine, other, strict=True)),
                f"<= {command.target_ms:.0f}" if figure == "wall ms" else None,
            )
        )
    return rows


def top_imports(arguments: list[str], count: int = TOP_IMPORTS) -> list[tuple[str, int]]:
    """The ``count`` top-level imports with the highest cumulative time (microseconds)."""
    with tempfile.TemporaryDirectory() as cache:
        environment = _environment({"ML_AUDIO_BOT_CACHE_DIR": cache})
        for _ in range(2):  # the first run fills the caches, the second is measured
            done = subprocess.run(
                [sys.executable, "-X", "importtime", *arguments],
                cwd=REPO_ROOT,
                env=environment,
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
    command: str,
    figure: str,
    ours: float,
    baseline: str | None,
    theirs: float | None,
    ratio: float | None,
    target: str | None,
) -> dict[str, Any]:
    return {
        "command": command,
        "figure": figure,
        "ours": round(ours, 1),
        "baseline": baseline,
        "theirs": None if theirs is None else round(theirs, 1),
        "ratio": None if ratio is None else round(ratio, 2),
        "target": target,
    }


# ---------------------------------------------------------------------------- READY


def _ready(which: str) -> dict[str, float]:
    """One fresh process of ``which`` ("ours" or "bare") brought to READY in SimCord."""
    spawned = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_startup", READY_CHILD_FLAG, which],
        cwd=REPO_ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"READY child ({which}) failed:\n{done.stderr[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "ready_ms": (report["ready_at"] - spawned) * 1000,
        "simcord_import_ms": report["simcord_import_ms"],
        "rss_mib": report["rss_kib"] / 1024,
    }


def _ready_rows(runs: int) -> list[dict[str, Any]]:
    ours, bare = [], []
    _ready("ours")  # warm-up: bytecode cache
    for _ in range(runs):
        ours.append(_ready("ours"))
        bare.append(_ready("bare"))

    def median(samples: list[dict[str, float]], key: str, less_simcord: bool = False) -> float:
        return statistics.median(
            s[key] - (s["simcord_import_ms"] if less_simcord else 0.0) for s in samples
        )

    baseline = "a bare discord.Client to READY in SimCord"
    name = "bot start to READY in SimCord"
    rows = []
    for figure, key, less in (
        ("READY ms", "ready_ms", False),
        ("READY ms without SimCord's own import", "ready_ms", True),
        ("SimCord's own import ms", "simcord_import_ms", False),
        ("resident memory at READY MiB", "rss_mib", False),
    ):
        mine, theirs = median(ours, key, less), median(bare, key, less)
        rows.append(_row(name, figure, mine, baseline, theirs, mine / max(theirs, 1e-6), None))
    return rows


async def _ready_child(which: str) -> None:
    """In the fresh process: reach READY in SimCord, say when, and the memory then.

    discord.py is imported first (both need it), so the time ``import simcord`` takes after
    it is SimCord's own, which a real start does not pay.
    """
    import discord

    began = time.perf_counter()
    import simcord

    simcord_import_ms = (time.perf_counter() - began) * 1000
    with tempfile.TemporaryDirectory() as folder:
        if which == "bare":
            client = discord.Client(intents=discord.Intents(guilds=True))
            async with simcord.run(client) as env:
                ready_at = time.time()
                env.create_guild("Bench").create_text_channel("general")
                await env.settle()
                rss = _rss_kib()
            await client.close()
        else:
            from bot.config import Config
            from bot.discord.client import create_bot
            from bot.services import build_services

            config = Config(
                database_path=Path(folder) / "bench.sqlite3", catalog_path=REPO_ROOT / "catalog"
            )
            services = await build_services(config)
            bot = create_bot(services)
            try:
                async with simcord.run(bot) as env:
                    ready_at = time.time()
                    env.create_guild("Bench").create_text_channel("general")
                    await env.settle()
                    rss = _rss_kib()
            finally:
                await bot.close()
                await services.close()
    print(
        json.dumps({"ready_at": ready_at, "rss_kib": rss, "simcord_import_ms": simcord_import_ms})
    )


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# ---------------------------------------------------------------------------- all


def run(quick: bool) -> list[dict[str, Any]]:
    runs = 2 if quick else RUNS
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        for command in COMMANDS:
            for baseline in command.baselines:
                rows += _paired(command, baseline, runs, cache)
    for command in COMMANDS:
        for module, micros in top_imports(command.arguments):
            rows.append(
                _row(command.name, f"importtime {module}", micros / 1000, None, None, None, None)
            )
    return rows + _ready_rows(1 if quick else READY_RUNS)


if __name__ == "__main__" and READY_CHILD_FLAG in sys.argv:
    asyncio.run(_ready_child(sys.argv[-1]))
