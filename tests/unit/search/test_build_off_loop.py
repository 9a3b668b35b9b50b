"""The index is built in a worker thread, at start and on reload: the bot keeps answering.

A build takes seconds at 100 000 entries. Run on the event loop it would freeze every
interaction meanwhile. Here the build is made to wait until a heartbeat task on the loop
has ticked a few times: on the loop, the heartbeat could never tick, and the build gives
up waiting (bounded) and records that it did.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.catalog.model import Catalog
from bot.config import Config
from bot.search import SearchIndex
from bot.services import build_services

TICKS_DURING_BUILD = 3
# Bounds, not expectations: a build on the loop waits this long once, then fails the test.
WAIT_FOR_HEARTBEAT_S = 10.0
HEARTBEAT_PERIOD_S = 0.01
MAX_HEARTBEATS = 3_000


class Probe:
    """A build that waits for the loop's heartbeat, and the heartbeat that it waits for."""

    def __init__(self, real_build: Callable[[Catalog], SearchIndex]) -> None:
        self.real_build = real_build
        self.building = threading.Event()
        self.ticked = threading.Event()
        self.loop_ran_during_build: list[bool] = []
        self.armed = True

    def build(self, catalog: Catalog) -> SearchIndex:
        if not self.armed:
            return self.real_build(catalog)
        self.building.set()
        self.loop_ran_during_build.append(self.ticked.wait(WAIT_FOR_HEARTBEAT_S))
        self.building.clear()
        self.ticked.clear()
        return self.real_build(catalog)

    async def heartbeat(self) -> None:
        ticks = 0
        for _ in range(MAX_HEARTBEATS):
            await asyncio.sleep(HEARTBEAT_PERIOD_S)
            ticks = ticks + 1 if self.building.is_set() else 0
            if ticks >= TICKS_DURING_BUILD:
                self.ticked.set()


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Probe:
    probe = Probe(SearchIndex.build)
    monkeypatch.setattr(SearchIndex, "build", staticmethod(probe.build))
    return probe


async def test_the_start_builds_the_index_off_the_event_loop(
    probe: Probe, catalog_dir: Path, tmp_path: Path
) -> None:
    config = Config(database_path=tmp_path / "bot.sqlite3", catalog_path=catalog_dir)
    heartbeat = asyncio.create_task(probe.heartbeat())
    try:
        services = await build_services(config)
        await services.close()
    finally:
        heartbeat.cancel()
    assert probe.loop_ran_during_build == [True]


async def test_a_reload_builds_the_index_off_the_event_loop(
    probe: Probe, catalog_dir: Path, tmp_path: Path
) -> None:
    from tests.unit.reload.test_reloader import Holder, first_snapshot, make_reloader

    catalog = tmp_path / "catalog"
    shutil.copytree(catalog_dir, catalog)
    probe.armed = False  # the first snapshot is the test's own doing
    holder = Holder(first_snapshot(catalog))
    probe.armed = True
    heartbeat = asyncio.create_task(probe.heartbeat())
    try:
        result = await make_reloader(catalog, holder).reload("test")
    finally:
        heartbeat.cancel()
    assert result.ok, result.problem_lines()
    assert probe.loop_ran_during_build == [True]
