"""A small catalog, a fake clock and a service on a fresh database of each backend.

``db`` is the ``storage`` fixture (tests/storage_backends.py): every test that uses it, or
the ``service`` built on it, runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.catalog.model import Catalog, Entry, Section
from bot.clock import FakeClock
from bot.storage import Storage
from bot.suggestions import Draft, SuggestionService, SuggestionSettings, SuggestionStore
from bot.suggestions.service import Announcement

GUILD = 1001
OTHER_GUILD = 2002
ALICE, BOB, CAROL, MAINTAINER = 11, 12, 13, 99

SECTIONS = (
    Section("key-papers", "Key Papers / Codes", 1),
    Section("tutorials", "Tutorials", 2),
    Section("books", "Books", 3),
)
ENTRIES = (
    Entry(
        "wavenet",
        "WaveNet: A Generative Model for Raw Audio",
        "key-papers",
        "paper",
        "Dilated causal convolutions that generate audio one sample at a time.",
        url="https://arxiv.org/pdf/1609.03499.pdf",
    ),
    Entry(
        "nndl-book",
        "Neural Networks and Deep Learning",
        "books",
        "book",
        "A free online book.",
        url="http://neuralnetworksanddeeplearning.com/",
    ),
    Entry(
        "fast-ai",
        "Fast.ai",
        "tutorials",
        "course",
        "Practical deep learning.",
        url="https://www.fast.ai",
    ),
)


def make_catalog(*extra: Entry) -> Catalog:
    return Catalog(SECTIONS, ENTRIES + extra)


def draft(
    title: str = "Deep Learning for Audio Signal Processing",
    url: str = "https://arxiv.org/abs/1905.00078",
    section: str = "key-papers",
    reason: str = "A clear review of the field that new students can read in an evening.",
    kind: str = "",
) -> Draft:
    return Draft(title, url, section, reason, kind)


class Announcements:
    """Records announcements; refuses a key it has seen, like the outbox."""

    def __init__(self) -> None:
        self.sent: list[Announcement] = []

    async def __call__(self, announcement: Announcement) -> bool:
        if any(a.key == announcement.key for a in self.sent):
            return False
        self.sent.append(announcement)
        return True


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))


@pytest.fixture
def db(storage: Storage) -> Storage:
    return storage


@pytest.fixture
def catalog_box() -> list[Catalog]:
    """The current catalog; tests replace ``[0]`` to simulate a reload."""
    return [make_catalog()]


@pytest.fixture
def announcements() -> Announcements:
    return Announcements()


ServiceFactory = Callable[..., SuggestionService]


@pytest.fixture
async def make_service(
    db: Storage, clock: FakeClock, catalog_box: list[Catalog], announcements: Announcements
) -> ServiceFactory:
    store = SuggestionStore(db)
    await store.setup()

    def build(**settings: object) -> SuggestionService:
        return SuggestionService(
            store,
            clock,
            lambda: catalog_box[0],
            SuggestionSettings(**settings),  # type: ignore[arg-type]
            announcer=announcements,
        )

    return build


@pytest.fixture
async def service(make_service: ServiceFactory) -> SuggestionService:
    return make_service()
