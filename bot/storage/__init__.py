"""SQLite storage shared by every feature (one connection owner, per-area migrations)."""

from bot.storage.database import Database, DatabaseError, Migration

__all__ = ["Database", "DatabaseError", "Migration"]
