"""Discord runtime: throughput and latency through SimCord, our CPU per command.

* ``/resource`` throughput: 1 000 commands (50 with ``quick``), at most 200 in flight at
  once (an ``asyncio.Semaphore``), each timed from the moment SimCord emits its
  INTERACTION_CREATE on the gateway to the moment the bot's answer reaches SimCord's REST
  layer: discord.py parsing, the command tree, search, formatting and the HTTP call. With
  200 in flight the latency is mostly SimCord's queue; ``per_second`` is the throughput.
* latency with nothing queued: the same, one command in flight.
* CPU per command, split: the busy run's CPU time per command, divided by where a
  profiled run of the same harness spends it (our search, the rest of our code, SimCord,
  discord.py, everything else).

The bot's start to READY in SimCord is in ``bench_startup``, beside a bare discord.py client.

Member actions in SimCord run one at a time, so the concurrent run emits interactions the
way ``MemberActor.slash`` does (SimCord's ``interactions`` helpers) without waiting for each.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
QUERIES = ("wavenet", "wavnet", "source separation", "nsynth", "1609.03499", "dataset", "wave")


class _TimedLog(list[Any]):
    """SimCord's request log, also noting when each interaction callback arrived."""

    def __init__(self, items: list[Any], on_callback: Callable[[str], None]) -> None:
        super().__init__(items)
        self._on_callback = on_callback

    def append(self, entry: Any) -> None:
        super().append(entry)
        path = getattr(entry, "path", "")
        if path.startswith("/interactions/") and path.endswith("/callback"):
            self._on_callback(path.split("/")[2])


async def _latency(
    count: int, in_flight: int, profile: cProfile.Profile | None = None
) -> dict[str, Any]:
    import simcord
    from simcord import actors, interactions

    from bot.config import Config
    from bot.discord.client import create_bot
    from bot.services import build_services

    with tempfile.TemporaryDirectory() as folder:
        config = Config(
            database_path=Path(folder) / "bench.sqlite3", catalog_path=REPO_ROOT / "catalog"
        )
        services = await build_services(config)
        bot = create_bot(services)
        try:
            async with simcord.run(bot) as env:
                guild = env.create_guild("Bench")
                channel = guild.create_text_channel("general")
                member = guild.add_member(env.create_user("bench"))
                await env.settle()
                backend = env.backend
                answered: dict[str, float] = {}
                waiters: dict[str, asyncio.Future[None]] = {}

                def on_callback(interaction_id: str) -> None:
                    answered[interaction_id] = time.perf_counter()
                    waiter = waiters.pop(interaction_id, None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(None)

                backend.http_requests = _TimedLog(backend.http_requests, on_callback)
                root = actors._resolve_visible_command(member, channel.id, "resource", 1)
                leaf, nesting = interactions.walk_to_subcommand(root, [])
                gate = asyncio.Semaphore(in_flight)
                latencies: list[float] = []
                loop = asyncio.get_running_loop()

                async def one(number: int) -> None:
                    async with gate:
                        query = QUERIES[number % len(QUERIES)]
                        options, _ = interactions.build_options(
                            member, "resource", leaf, {"query": query}, channel_id=channel.id
                        )
                        data = {
                            "id": root["id"],
                            "name": root["name"],
                            "type": 1,
                            "options": interactions.nest_options(root, nesting, options),
                        }
                        record, payload = interactions.base_payload(
                            backend,
                            type=2,
                            channel_id=channel.id,
                            guild_id=guild.id,
                            user_id=member.id,
                            data=data,
                        )
                        key = str(record.id)
                        waiters[key] = loop.create_future()
                        started = time.perf_counter()
                        backend.emit("INTERACTION_CREATE", payload)
                        await asyncio.wait_for(waiters[key], 30)
                        latencies.append((answered[key] - started) * 1000)

                wall, cpu = time.perf_counter(), time.process_time()
                if profile is not None:
                    profile.enable()
                await asyncio.gather(*(one(n) for n in range(count)))
                if profile is not None:
                    profile.disable()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                await env.settle()
        finally:
            await bot.close()
            await services.close()
    latencies.sort()
    return {
        "measure": f"/resource x{count}, {in_flight} in flight; CPU ms per command",
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "max_ms": latencies[-1],
        "per_second": count / wall,
        "value": cpu * 1000 / count,
    }


# Where each profiled function's own time goes; the first matching part of its file wins.
CPU_GROUPS = (
    ("ours: search (bot/search/)", (str(REPO_ROOT / "bot" / "search") + "/",)),
    ("ours: the rest (bot/, cogs/)", (str(REPO_ROOT / "bot") + "/", str(REPO_ROOT / "cogs") + "/")),
    ("SimCord", ("/simcord/",)),
    ("discord.py", ("/discord/",)),
)
OTHER_GROUP = "asyncio, stdlib, C calls, harness"


def _cpu_split(count: int, in_flight: int, cpu_ms_per_command: float) -> list[dict[str, Any]]:
    """Our code's CPU per command, apart from SimCord's and discord.py's.

    A profiled run gives each group's share of the time; the shares are applied to the CPU
    per command of the unprofiled run, so the profiler's own overhead does not count.
    """
    profile = cProfile.Profile()
    asyncio.run(_latency(count, in_flight, profile))
    shares = {name: 0.0 for name, _ in CPU_GROUPS} | {OTHER_GROUP: 0.0}
    for (filename, _line, _name), (_calls, _primitive, own, _cumulative, _callers) in (
        pstats.Stats(profile).stats.items()  # type: ignore[attr-defined]
    ):
        group = next((n for n, parts in CPU_GROUPS if any(p in filename for p in parts)), None)
        shares[group or OTHER_GROUP] += own
    total = sum(shares.values()) or 1.0
    return [
        {
            "measure": f"CPU ms per command: {name} ({own / total:.0%})",
            "p50_ms": None,
            "p99_ms": None,
            "max_ms": None,
            "per_second": None,
            "value": cpu_ms_per_command * own / total,
        }
        for name, own in shares.items()
    ]


def run(quick: bool) -> list[dict[str, Any]]:
    count = 50 if quick else 1000
    busy = asyncio.run(_latency(count, min(200, count)))
    # One in flight: the latency a member sees when nothing is queued ahead (with 200 in
    # flight the figure is mostly SimCord's queue).
    idle = asyncio.run(_latency(count // 5, 1))
    return [busy, idle, *_cpu_split(count // 5, min(200, count), busy["value"])]
