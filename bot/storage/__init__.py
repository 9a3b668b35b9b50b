"""Storage shared by every feature (per-area migrations): SQLite by default, PostgreSQL by
``database_url`` (see ``bot.storage.backends``)."""

from bot.storage.backends import open_storage
from bot.storage.database import Database, DatabaseError, Migration
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
