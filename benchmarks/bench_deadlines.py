"""Deadline reminders: planning for many editions, and loading the real catalog data.

Planning runs every few minutes in the bot, over every edition, so it must stay cheap as
the data grows: the rows time one planning pass over N synthetic editions (four reminded
deadlines each, across a year, in a mix of AoE, fixed offsets and DST zones), the search
for the next wake-up time, and the reminders found due in a simulated month of passes.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from bot.clock import FakeClock
from bot.deadlines.conferences import DEADLINES_DIR
from bot.deadlines.loader import load_deadlines
from bot.deadlines.model import Deadline, DeadlineBook, Edition, Series
from bot.deadlines.reminders import next_due, plan_reminders
from bot.deadlines.timezones import parse_timezone
from bot.paths import catalog_dir

ZONES = ("AoE", "UTC-7", "America/Los_Angeles", "Europe/Paris", "Asia/Seoul")
KINDS = ("abstract", "paper", "supplementary", "camera-ready")
START = datetime(2027, 1, 1, tzinfo=UTC)


def synthetic_book(editions: int) -> DeadlineBook:
    series = []
    per_series = 10
    for number in range(0, editions, per_series):
        made = []
        for offset in range(min(per_series, editions - number)):
            index = number + offset
            zone = parse_timezone(ZONES[index % len(ZONES)])
            base = (START + timedelta(hours=(index * 7919) % (365 * 24))).replace(tzinfo=None)
            deadlines = tuple(
                Deadline(kind, zone, base + timedelta(days=3 * k)) for k, kind in enumerate(KINDS)
            )
            made.append(Edition(f"c{number}-{index}", f"c{number}", f"C{number}", 2027, deadlines))
        series.append(Series(f"c{number}", f"C{number}", tuple(made)))
    return DeadlineBook(tuple(series))


def _timed(function: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = function()
    return value, (time.perf_counter() - started) * 1000


def run(quick: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    sizes = (100, 1_000) if quick else (1_000, 10_000)
    for size in sizes:
        book = synthetic_book(size)
        clock = FakeClock(START + timedelta(days=90))
        plan, plan_ms = _timed(
            partial(plan_reminders, book, clock, clock.now() - timedelta(hours=1))
        )
        _, next_ms = _timed(partial(next_due, book, clock.now()))
        # A month of daily passes (the bot plans every few minutes; a day keeps it short).
        passes = 10 if quick else 30
        year_clock = FakeClock(START - timedelta(days=31))
        since: datetime | None = year_clock.now()
        due = 0
        started = time.perf_counter()
        for _ in range(passes):
            year_clock.advance(86_400)
            due += len(plan_reminders(book, year_clock, since, grace=timedelta(days=2)).send)
            since = year_clock.now()
        year_ms = (time.perf_counter() - started) * 1000
        rows.append(
            {
                "editions": size,
                "plan_ms": plan_ms,
                "next_due_ms": next_ms,
                "due_in_one_pass": len(plan.send),
                "passes": passes,
                "passes_ms": year_ms,
                "reminders_found": due,
            }
        )
    result, load_ms = _timed(partial(load_deadlines, catalog_dir() / DEADLINES_DIR))
    rows.append(
        {
            "editions": f"catalog ({len(result.book.editions)})",
            "plan_ms": load_ms,
            "next_due_ms": None,
            "due_in_one_pass": None,
            "passes": None,
            "passes_ms": None,
            "reminders_found": None,
        }
    )
    return rows
