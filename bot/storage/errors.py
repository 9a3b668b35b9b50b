"""What goes wrong with a database, importable without sqlite3 or aiosqlite.

``bot.cli.main`` catches it for every command, so it must not make ``--help`` load them.
"""

from __future__ import annotations


class DatabaseError(Exception):
    """The database file cannot be used as it is. ``str()`` is one line: the file, what is
    wrong, and what to do. ``Database.open`` raises it before writing anything; a migration
    step that fails this way is rolled back whole."""

    def __init__(self, path: str, problem: str, advice: str) -> None:
        self.path = path
        self.problem = problem
        self.advice = advice
        super().__init__(f"database {path} {problem}; {advice}")
