"""The lease statements every store builds from ``bot.storage.leases``, on both backends:
a claim takes free and expired rows only, ``own`` lets a holder resume its rows, a write
guarded by ``HELD`` changes nothing for a holder that lost the row, and lease times read
back as the moments written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.storage import Storage, leases

NOW = datetime(2030, 5, 1, 12, 0, 0, 250_000, tzinfo=UTC)
ME = "me:1:aaaaaa"
OTHER = "other:2:bbbbbb"


async def _work(db: Storage) -> None:
    """Rows 1-2 free, 3 held by another until later, 4 another's expired lease, 5 mine,
    6 free but not wanted (``wanted = 0``)."""
    await db.execute(
        "CREATE TABLE work (id INTEGER PRIMARY KEY, wanted INTEGER NOT NULL, "
        "lease_holder TEXT, lease_until TEXT)"
    )
    later = leases.lease_until(NOW)
    earlier = leases.timestamp(NOW - timedelta(seconds=1))
    rows = [
        (1, 1, None, None),
        (2, 1, None, None),
        (3, 1, OTHER, later),
        (4, 1, OTHER, earlier),
        (5, 1, ME, later),
        (6, 0, None, None),
    ]
    for row in rows:
        await db.execute(
            "INSERT INTO work (id, wanted, lease_holder, lease_until) VALUES (?, ?, ?, ?)", row
        )


async def _claim(db: Storage, holder: str, *, own: bool = False) -> list[int]:
    rows = await db.fetchall(
        leases.claim_sql(db, "work", "id", "wanted = ?", returning="id", own=own),
        leases.claim_params(holder, NOW, (1,), own=own),
    )
    return sorted(int(row["id"]) for row in rows)


async def _holders(db: Storage) -> dict[int, str | None]:
    rows = await db.fetchall("SELECT id, lease_holder FROM work ORDER BY id")
    return {int(row["id"]): row["lease_holder"] for row in rows}


async def test_a_claim_takes_wanted_rows_that_nobody_holds(storage: Storage) -> None:
    await _work(storage)
    assert await _claim(storage, ME) == [1, 2, 4]
    assert await _holders(storage) == {1: ME, 2: ME, 3: OTHER, 4: ME, 5: ME, 6: None}
    row = await storage.fetchone("SELECT lease_until FROM work WHERE id = 1")
    assert row is not None
    assert leases.parse(row["lease_until"]) == NOW + leases.DEFAULT_LEASE
    # Everything is held now, by me or by another: a second claim gets nothing.
    assert await _claim(storage, OTHER) == []
    assert await _claim(storage, ME) == []


async def test_with_own_a_holder_takes_back_its_unexpired_rows_too(storage: Storage) -> None:
    await _work(storage)
    assert await _claim(storage, ME, own=True) == [1, 2, 4, 5]
    assert await _claim(storage, ME, own=True) == [1, 2, 4, 5]
    # The other holder gets only its own row back, none of mine.
    assert await _claim(storage, OTHER, own=True) == [3]


async def test_the_holder_guard_keeps_a_lost_lease_from_writing(storage: Storage) -> None:
    await _work(storage)
    release = f"UPDATE work SET {leases.RELEASE} WHERE id = ? AND {leases.HELD}"
    assert await storage.execute(release, (3, ME)) == 0
    assert await storage.execute(release, (5, ME)) == 1
    async with storage.transaction() as db:
        held = await db.fetchall(
            f"SELECT id FROM work WHERE {leases.HELD}{leases.for_update(db)}", (OTHER,)
        )
    assert sorted(int(row["id"]) for row in held) == [3, 4]
    assert await _holders(storage) == {1: None, 2: None, 3: OTHER, 4: OTHER, 5: None, 6: None}
    row = await storage.fetchone("SELECT lease_until FROM work WHERE id = 5")
    assert row is not None
    assert row["lease_until"] is None


def test_a_lease_time_reads_back_as_the_moment_written() -> None:
    paris = timezone(timedelta(hours=2))
    moment = datetime(2030, 5, 1, 14, 0, 0, 123_456, tzinfo=paris)
    text = leases.timestamp(moment)
    assert text == "2030-05-01T12:00:00.123Z"
    assert leases.parse(text) == moment.replace(microsecond=123_000)
    assert leases.parse(text).tzinfo is UTC
    assert leases.parse(None) is None
    # Text order is time order, which is what the claim's ``lease_until < ?`` relies on.
    later = leases.timestamp(moment + timedelta(milliseconds=1))
    assert text < later
    assert leases.parse(text) < leases.parse(later)
