"""Storage shared by every feature (per-area migrations): SQLite by default, PostgreSQL by
``database_url`` (see ``bot.storage.backends``).

The names are imported on first use (``bot.lazy``), so that commands which never open
the database load neither sqlite3, aiosqlite nor asyncpg.
"""

from typing import TYPE_CHECKING

from bot.lazy import lazy_exports

if TYPE_CHECKING:
    from bot.storage.backends import open_storage
    from bot.storage.database import Database, Migration
    from bot.storage.errors import DatabaseError
    from bot.storage.interface import Row, Storage
    from bot.storage.postgres import PostgresDatabase

__all__ = [
    "Database",
    "DatabaseError",
    "Migration",
    "PostgresDatabase",
    "Row",
    "Storage",
    "open_storage",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "Database": "bot.storage.database",
        "Migration": "bot.storage.database",
        "DatabaseError": "bot.storage.errors",
        "PostgresDatabase": "bot.storage.postgres",
        "Row": "bot.storage.interface",
        "Storage": "bot.storage.interface",
        "open_storage": "bot.storage.backends",
    },
)
