"""The list of database components ``open_database`` checks, and closing on a failed start."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from bot.config import Config
from bot.outbox import Outbox
from bot.schemas import known_schema_versions
from bot.services import build_services
from bot.storage import DatabaseError
from tests.shared_data import REPO_ROOT
from tests.sqlite_threads import connection_threads, connection_threads_left


def test_every_component_that_migrates_is_known() -> None:
    """A store missing here would not be protected from a newer file at open."""
    known = known_schema_versions()
    found = {}
    for source in (REPO_ROOT / "bot").rglob("*.py"):
        if re.search(r"\.migrate\(COMPONENT, MIGRATIONS\)", source.read_text()):
            module = ".".join(source.relative_to(REPO_ROOT).with_suffix("").parts)
            loaded = importlib.import_module(module)
            found[loaded.COMPONENT] = len(loaded.MIGRATIONS)
    assert found, "no store found: the pattern above is out of date"
    assert found == known


async def test_a_failed_start_after_opening_closes_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its worker thread is not a daemon: left open it would keep ``run`` from exiting."""

    async def locked(self: Outbox) -> None:
        raise DatabaseError(str(tmp_path), "is locked by another process", "stop it")

    monkeypatch.setattr(Outbox, "setup", locked)
    threads = connection_threads()
    config = Config(database_path=tmp_path / "bot.sqlite3", catalog_path=REPO_ROOT / "catalog")

    with pytest.raises(DatabaseError, match="locked") as raised:
        await build_services(config)

    # ``raised`` keeps the failed frames (and whatever they opened) alive, as the traceback
    # does in a real start-up, so garbage collection cannot stand in for closing.
    assert connection_threads_left(threads) == [], raised.traceback
