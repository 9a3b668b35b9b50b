"""SQLite storage shared by every feature (one connection owner, per-area migrations).

``Database``, ``DatabaseError`` and ``Migration`` are imported on first use (``bot.lazy``),
so that commands which never open the database do not load sqlite3 and aiosqlite.
"""

from typing import TYPE_CHECKING

from bot.lazy import lazy_exports

if TYPE_CHECKING:
    from bot.storage.database import Database, Migration
    from bot.storage.errors import DatabaseError

__all__ = ["Database", "DatabaseError", "Migration"]

__getattr__ = lazy_exports(
    __name__,
    {**dict.fromkeys(__all__, "bot.storage.database"), "DatabaseError": "bot.storage.errors"},
)
