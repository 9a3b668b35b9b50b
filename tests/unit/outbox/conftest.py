from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.outbox import Outbox, OutboxProblem
from bot.storage import Database
from tests.unit.outbox.fakes import FakeDiscord

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with await Database.open(tmp_path / "bot.sqlite3") as database:
        yield database


@pytest.fixture
def problems() -> list[OutboxProblem]:
    return []


@pytest.fixture
async def outbox(db: Database, clock: FakeClock, problems: list[OutboxProblem]) -> Outbox:
    async def remember(problem: OutboxProblem) -> None:
        problems.append(problem)

    box = Outbox(db, clock, on_problem=remember)
    await box.setup()
    return box


@pytest.fixture
def discord() -> FakeDiscord:
    return FakeDiscord()
