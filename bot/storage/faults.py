"""Which database failures a member is told about, in one sentence, on either backend.

Backend knowledge (SQLite's messages, PostgreSQL's SQLSTATE classes) kept beside the
backends, for every feature that turns a failed change into a reply.

A failure of the database itself (read-only, busy, full, unreachable) becomes a sentence
safe to show; a failure that means a bug (a broken constraint, bad SQL) is not translated
and propagates, so that it is seen in the logs rather than explained away.
"""

from __future__ import annotations

import sqlite3
import sys

READ_ONLY = "the bot's database is read-only right now"
BUSY = "the bot's database is busy (locked by another program)"
DISK = "the bot's database cannot be written (disk problem)"
UNREACHABLE = "the bot's database cannot be reached right now"
REFUSED = "the bot's database refused the change"

# PostgreSQL error classes (the first two characters of SQLSTATE) that are the server's
# state, not the statement's fault: connection (08), transaction state incl. read-only (25),
# rollback on conflict or deadlock (40), insufficient resources (53), lock not available
# (55), operator intervention incl. shutdown and statement timeout (57), system error (58).
_POSTGRES_CLASSES = {
    "08": UNREACHABLE,
    "25": READ_ONLY,
    "40": BUSY,
    "53": DISK,
    "55": BUSY,
    "57": UNREACHABLE,
    "58": DISK,
}


def describe_fault(exc: BaseException, dialect: str) -> str | None:
    """The sentence for a failure of the database, or None when ``exc`` is not one.

    ``dialect`` is the backend's (``Storage.dialect``): a lost connection (``OSError``)
    only means the database on PostgreSQL, which is reached over the network.
    """
    if isinstance(exc, sqlite3.Error):
        return None if isinstance(exc, sqlite3.IntegrityError) else _describe_sqlite(exc)
    if dialect == "postgresql":
        return _describe_postgres(exc)
    return None


def _describe_sqlite(exc: sqlite3.Error) -> str:
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return READ_ONLY
    if "locked" in text or "busy" in text:
        return BUSY
    if "disk" in text or "full" in text:
        return DISK
    return REFUSED


def _describe_postgres(exc: BaseException) -> str | None:
    # A process with a PostgreSQL database has asyncpg loaded; looking it up rather than
    # importing it keeps it out of SQLite-only processes.
    asyncpg = sys.modules.get("asyncpg")
    if asyncpg is None:
        return None
    if isinstance(exc, asyncpg.PostgresError):
        state = str(getattr(exc, "sqlstate", "") or "")
        return _POSTGRES_CLASSES.get(state[:2])
    if isinstance(exc, asyncpg.InterfaceError | OSError | TimeoutError):
        # The pool lost or could not open its connection to the server.
        return UNREACHABLE
    return None
