"""Leases end with the process that holds them: released at a clean stop, and on SQLite
(one process per file) taken back at the next start, so work that a stopped or crashed run
had claimed goes out at once instead of minutes later when its leases expire."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config
from bot.outbox import OutgoingMessage
from bot.services import build_services
from bot.storage import Storage, open_storage
from bot.storage.backends import PASSWORD_VARIABLE
from bot.storage.leases import holder_name, release_leases
from tests.shared_data import REPO_ROOT
from tests.storage_backends import Backend

DEAD = "other-host:4242:dead00"
FAR = "2999-01-01T00:00:00.000Z"


async def _work_table(db: Storage) -> None:
    await db.execute(
        "CREATE TABLE work (id INTEGER PRIMARY KEY, lease_holder TEXT, lease_until TEXT)"
    )
    await db.execute("CREATE TABLE unrelated (id INTEGER PRIMARY KEY, lease_holder TEXT)")
    mine = f"{holder_name()}:ab12"
    for row_id, holder in ((1, mine), (2, DEAD), (3, None)):
        await db.execute(
            "INSERT INTO work (id, lease_holder, lease_until) VALUES (?, ?, ?)",
            (row_id, holder, FAR if holder else None),
        )
    await db.execute("INSERT INTO unrelated (id, lease_holder) VALUES (1, ?)", (mine,))


async def _holders(db: Storage, table: str = "work") -> list[str | None]:
    rows = await db.fetchall(f"SELECT lease_holder FROM {table} ORDER BY id")
    return [row["lease_holder"] for row in rows]


async def test_a_clean_stop_releases_only_this_process_leases(storage: Storage) -> None:
    await _work_table(storage)
    assert await release_leases(storage, holder_prefix=holder_name()) == 1
    assert await _holders(storage) == [None, DEAD, None]
    row = await storage.fetchone("SELECT lease_until FROM work WHERE id = 1")
    assert row is not None
    assert row["lease_until"] is None
    # A table without both lease columns is not work: left alone.
    assert await _holders(storage, "unrelated") == [f"{holder_name()}:ab12"]


async def test_release_without_a_prefix_takes_back_every_lease(storage: Storage) -> None:
    await _work_table(storage)
    assert await release_leases(storage) == 2
    assert await _holders(storage) == [None, None, None]


def _config(url: str) -> Config:
    return Config(database_url=url, catalog_path=REPO_ROOT / "catalog")


async def _leased_announcement(url: str, holder: str) -> None:
    """What a run leaves behind when it dies right after claiming an announcement."""
    services = await build_services(_config(url))
    try:
        assert services.outbox is not None
        await services.outbox.enqueue(OutgoingMessage("news:1", 42, content="hello"))
        await services.database.execute(
            "UPDATE outbox_items SET lease_holder = ?, lease_until = ?", (holder, FAR)
        )
    finally:
        await services.database.close()  # not services.close(): the run "died"


async def _announcement_holder(url: str, environ: dict[str, str]) -> str | None:
    db = await open_storage(url, environ=environ)
    try:
        row = await db.fetchone("SELECT lease_holder FROM outbox_items WHERE key = 'news:1'")
        assert row is not None
        holder: str | None = row["lease_holder"]
        return holder
    finally:
        await db.close()


async def test_the_next_start_on_sqlite_takes_over_what_a_crashed_run_claimed(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    await _leased_announcement(url, DEAD)
    services = await build_services(_config(url))
    try:
        assert await _announcement_holder(url, {}) is None
    finally:
        await services.close()


async def test_on_postgresql_another_process_lease_survives_a_start_and_a_stop(
    storage_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    if storage_backend.name != "postgres":
        pytest.skip("the PostgreSQL half of the rule (SQLite takes every lease back)")
    for key, value in storage_backend.environ.items():
        monkeypatch.setenv(key, value)
    assert PASSWORD_VARIABLE in storage_backend.environ
    url, env = storage_backend.url, storage_backend.environ
    await _leased_announcement(url, DEAD)
    services = await build_services(_config(url))
    await services.close()
    # Shard processes share the database: a live sibling's claim is never taken away.
    assert await _announcement_holder(url, env) == DEAD


async def test_a_clean_stop_hands_over_what_this_process_had_claimed(
    storage_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in storage_backend.environ.items():
        monkeypatch.setenv(key, value)
    url, env = storage_backend.url, storage_backend.environ
    services = await build_services(_config(url))
    assert services.outbox is not None
    await services.outbox.enqueue(OutgoingMessage("news:1", 42, content="hello"))
    await services.database.execute(
        "UPDATE outbox_items SET lease_holder = ?, lease_until = ?",
        (f"{holder_name()}:beef", FAR),
    )
    await services.close()
    assert await _announcement_holder(url, env) is None
