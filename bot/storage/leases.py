"""Work claimed, not assumed: the one convention for leases shared by every worker.

Several bot processes (shards) may share one PostgreSQL database, and each runs the
workers (outbox delivery, feed polling, deadline reminders, deadline sync). Every unit of
work is claimed before it is done, by writing a lease on its row:

- two columns on the table whose rows are the work: ``lease_holder TEXT`` (who holds it,
  :func:`holder_name`) and ``lease_until TEXT`` (ISO UTC, :func:`lease_until`; the same
  text format as the other timestamps, so that text comparison orders them);
- a row may be claimed when it is due and ``lease_until IS NULL OR lease_until < now``;
- the claim is one ``UPDATE … WHERE key IN (SELECT key … LIMIT n`` + :func:`skip_locked`
  ``) RETURNING …``, written by :func:`claim_sql` with its parameters from
  :func:`claim_params`: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets processes claim
  different rows at the same time without waiting for each other; on SQLite one statement
  is atomic anyway (and one process runs the workers);
- the holder finishes the work and clears (:data:`RELEASE`) or advances the row in the same
  statement that records the result, guarded by :data:`HELD` (``lease_holder = ?``) so that
  a holder whose lease expired (it was stopped, or too slow) never overwrites what another
  holder did; a check of :data:`HELD` inside a transaction locks the rows with
  :func:`for_update`;
- a process that dies loses its leases when they expire (:data:`DEFAULT_LEASE`), and the
  next claim by another process picks the work up. What the work sends must therefore be
  safe to repeat after a crash: the outbox checks its marker before resending.

Times come from the worker's clock (tests advance it), not from the database's.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, overload

from bot.storage.interface import Storage
from bot.storage.tables import quoted, tables_with_columns

# Long enough for a slow send with retries, short enough that work of a killed process is
# resumed within a couple of minutes.
DEFAULT_LEASE = timedelta(seconds=120)

#: The ``SET`` assignments that give a lease back (the work is done, or left for others).
RELEASE = "lease_holder = NULL, lease_until = NULL"

#: The guard of every write by a holder: one parameter, the holder's name.
HELD = "lease_holder = ?"

# The format :func:`timestamp` writes and :func:`parse` reads.
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@cache
def holder_name() -> str:
    """This process's name in ``lease_holder``: host, pid and a random part (pids repeat
    across restarts and containers)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def timestamp(moment: datetime) -> str:
    """The text stored for a lease time: ISO UTC with milliseconds, ``…T12:00:00.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


@overload
def parse(text: str) -> datetime: ...
@overload
def parse(text: None) -> None: ...
@overload
def parse(text: str | None) -> datetime | None: ...
def parse(text: str | None) -> datetime | None:
    """The moment a lease time's text stands for (the inverse of :func:`timestamp`);
    None for no lease."""
    return None if text is None else datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def lease_until(now: datetime, lease: timedelta = DEFAULT_LEASE) -> str:
    return timestamp(now + lease)


def shared(db: Storage) -> bool:
    """Whether other processes may work on ``db`` too: a PostgreSQL database may be shared
    by several shard processes; an SQLite file is used by one process."""
    return db.dialect == "postgresql"


def skip_locked(db: Storage) -> str:
    """The row-locking clause of a claim's inner ``SELECT`` for this backend."""
    return " FOR UPDATE SKIP LOCKED" if db.dialect == "postgresql" else ""


def for_update(db: Storage) -> str:
    """The clause that locks the rows a ``SELECT`` inside a transaction reads until it
    ends, for this backend: PostgreSQL's ``FOR UPDATE``; nothing on SQLite, where the
    transaction keeps every other writer out anyway."""
    return " FOR UPDATE" if db.dialect == "postgresql" else ""


def claim_sql(
    db: Storage,
    table: str,
    key: str,
    where: str,
    *,
    returning: str = "*",
    own: bool = False,
    order_by: str | None = None,
) -> str:
    """The claim statement on ``table``: lease the rows matching ``where`` (the caller's
    conditions: due, wanted, …) that nobody holds, and return ``returning`` of them.

    ``table``, ``key``, ``where``, ``returning`` and ``order_by`` are the caller's fixed
    SQL text (never user input). With ``own``, a row this holder already leases may be
    claimed again (to resume work of an interrupted pass). The parameters, in order, are
    :func:`claim_params`'s.
    """
    free = "lease_until IS NULL OR lease_until < ?" + (f" OR {HELD}" if own else "")
    order = f" ORDER BY {order_by}" if order_by else ""
    return (
        f"UPDATE {table} SET lease_holder = ?, lease_until = ? "  # noqa: S608 (fixed text)
        f"WHERE {key} IN (SELECT {key} FROM {table} WHERE ({where}) AND ({free})"
        f"{order}{skip_locked(db)}) RETURNING {returning}"
    )


def claim_params(
    holder: str,
    now: datetime,
    where_params: Iterable[Any] = (),
    *,
    lease: timedelta = DEFAULT_LEASE,
    own: bool = False,
) -> list[Any]:
    """The parameters of :func:`claim_sql` (same ``own``): the lease written, the
    caller's ``where_params``, then the lease conditions."""
    return [
        holder,
        lease_until(now, lease),
        *where_params,
        timestamp(now),
        *((holder,) if own else ()),
    ]


async def release_leases(db: Storage, *, holder_prefix: str | None = None) -> int:
    """Clear leases so that their work is taken up at once instead of when they expire;
    return how many were cleared.

    - At a clean stop, ``holder_prefix=holder_name()``: the workers have stopped, so the
      leases this process still holds name work it will not finish.
    - At start on SQLite, no prefix: only one process works on an SQLite file, so every
      lease left there belongs to a run that ended (a crash, a kill) and nobody else will
      finish its work.

    Every table with a ``lease_holder`` column is covered (read from the database, so a
    component that adds leases later needs no change here).
    """
    cleared = 0
    for table in await tables_with_columns(db, ("lease_holder", "lease_until")):
        # The name comes from the database's own catalogue, quoted.
        sql = f"UPDATE {quoted(table)} SET {RELEASE}"  # noqa: S608
        if holder_prefix is None:
            cleared += await db.execute(sql + " WHERE lease_holder IS NOT NULL")
        else:
            cleared += await db.execute(
                sql + " WHERE substr(lease_holder, 1, ?) = ?", (len(holder_prefix), holder_prefix)
            )
    return cleared
