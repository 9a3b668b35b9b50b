from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.outbox import Outbox, OutboxProblem
from bot.storage import Storage
from tests.unit.outbox.fakes import FakeDiscord

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def db(storage: Storage) -> Storage:
    """The outbox's store tests run on both backends (``storage``: SQLite and PostgreSQL)."""
    return storage


@pytest.fixture
def problems() -> list[OutboxProblem]:
    return []


@pytest.fixture
async def outbox(db: Storage, clock: FakeClock, problems: list[OutboxProblem]) -> Outbox:
    async def remember(problem: OutboxProblem) -> None:
        problems.append(problem)

    box = Outbox(db, clock, on_problem=remember)
    await box.setup()
    return box


@pytest.fixture
def discord() -> FakeDiscord:
    return FakeDiscord()
