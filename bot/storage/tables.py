"""What tables a database holds, read from the database itself, on both backends.

``db copy`` and ``db backup`` copy whatever the components' migrations created, so a table
added by a later migration is copied without anyone listing it here. PostgreSQL is read in
the connection's current schema (``search_path``), SQLite's own tables (``sqlite_*``) are
left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.storage.interface import Storage

MIGRATIONS_TABLE = "schema_migrations"


@dataclass(frozen=True, slots=True)
class Table:
    """One table: its columns in order, its primary key and the tables it references."""

    name: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    references: frozenset[str]


def quoted(name: str) -> str:
    """``name`` as an SQL identifier (the same quoting on both backends)."""
    return '"' + name.replace('"', '""') + '"'


async def read_tables(db: Storage) -> dict[str, Table]:
    """Every table of ``db`` by name."""
    if db.dialect == "postgresql":
        return await _postgres_tables(db)
    return await _sqlite_tables(db)


async def stored_versions(db: Storage) -> dict[str, int]:
    """``{component: version}`` recorded in ``schema_migrations``, by component name."""
    rows = await db.fetchall(
        "SELECT component, MAX(version) AS version FROM schema_migrations "
        "GROUP BY component ORDER BY component"
    )
    return {str(row["component"]): int(row["version"]) for row in rows}


async def tables_with_columns(db: Storage, columns: Sequence[str]) -> list[str]:
    """The names of the tables that have every one of ``columns`` (one query)."""
    marks = ", ".join("?" for _ in columns)  # placeholders only: the names are parameters
    if db.dialect == "postgresql":
        sql = (
            "SELECT table_name AS name FROM information_schema.columns "  # noqa: S608
            f"WHERE table_schema = current_schema() AND column_name IN ({marks}) "
            "GROUP BY table_name HAVING COUNT(*) = ? ORDER BY table_name"
        )
    else:
        sql = (
            "SELECT m.name AS name FROM sqlite_master AS m "  # noqa: S608
            "JOIN pragma_table_info(m.name) AS c "
            f"WHERE m.type = 'table' AND c.name IN ({marks}) "
            "GROUP BY m.name HAVING COUNT(*) = ? ORDER BY m.name"
        )
    rows = await db.fetchall(sql, (*columns, len(columns)))
    return [str(row["name"]) for row in rows]


async def _sqlite_tables(db: Storage) -> dict[str, Table]:
    names = [
        str(row["name"])
        for row in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' ORDER BY name"
        )
    ]
    tables: dict[str, Table] = {}
    for name in names:
        info = await db.fetchall(f"PRAGMA table_info({quoted(name)})")
        keys = sorted((int(row["pk"]), str(row["name"])) for row in info if int(row["pk"]) > 0)
        foreign = await db.fetchall(f"PRAGMA foreign_key_list({quoted(name)})")
        tables[name] = Table(
            name,
            tuple(str(row["name"]) for row in info),
            tuple(column for _, column in keys),
            frozenset(str(row["table"]) for row in foreign),
        )
    return tables


async def _postgres_tables(db: Storage) -> dict[str, Table]:
    names = [
        str(row["name"])
        for row in await db.fetchall(
            "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
            "ORDER BY table_name"
        )
    ]
    tables: dict[str, Table] = {}
    for name in names:
        columns = await db.fetchall(
            "SELECT column_name AS name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (name,),
        )
        keys = await db.fetchall(
            "SELECT a.attname AS name FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
            "WHERE i.indrelid = to_regclass(quote_ident(?)) AND i.indisprimary "
            "ORDER BY array_position(i.indkey::int2[], a.attnum)",
            (name,),
        )
        referenced = await db.fetchall(
            "SELECT DISTINCT parent.relname AS name FROM pg_constraint k "
            "JOIN pg_class parent ON parent.oid = k.confrelid "
            "WHERE k.conrelid = to_regclass(quote_ident(?)) AND k.contype = 'f'",
            (name,),
        )
        tables[name] = Table(
            name,
            tuple(str(row["name"]) for row in columns),
            tuple(str(row["name"]) for row in keys),
            frozenset(str(row["name"]) for row in referenced),
        )
    return tables


async def sequences(db: Storage, table: Table) -> dict[str, str]:
    """``{column: sequence}`` of a PostgreSQL table's identity (or serial) columns."""
    found: dict[str, str] = {}
    for column in table.columns:
        row = await db.fetchone(
            "SELECT pg_get_serial_sequence(quote_ident(?), ?) AS seq", (table.name, column)
        )
        if row is not None and row["seq"] is not None:
            found[column] = str(row["seq"])
    return found


def foreign_key_order(tables: Mapping[str, Table]) -> list[str]:
    """Table names with every referenced table before the tables referencing it (a table
    referencing itself is fine: its rows are copied in primary-key order). Ties by name."""
    done: list[str] = []
    placed: set[str] = set()
    waiting = sorted(tables)
    while waiting:
        ready = [
            name
            for name in waiting
            if all(
                parent in placed or parent == name or parent not in tables
                for parent in tables[name].references
            )
        ]
        if not ready:
            raise ValueError(f"foreign keys form a cycle among {', '.join(waiting)}")
        done += ready
        placed.update(ready)
        waiting = [name for name in waiting if name not in placed]
    return done


def missing_and_extra(expected: Iterable[str], found: Iterable[str]) -> tuple[list[str], list[str]]:
    """What ``found`` lacks of ``expected``, and what it has besides, both sorted."""
    wanted, present = set(expected), set(found)
    return sorted(wanted - present), sorted(present - wanted)


def select_all(table: Table, columns: Sequence[str]) -> str:
    # Names from the database's own catalogue, quoted: no user text reaches the statement.
    return f"SELECT {', '.join(map(quoted, columns))} FROM {quoted(table.name)}"  # noqa: S608
