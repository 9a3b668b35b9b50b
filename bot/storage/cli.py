"""``ml-audio-bot db migrate|backup|copy``, and the database options every command shares.

    ml-audio-bot db migrate                      # every component to its newest version
    ml-audio-bot db backup backups/bot.sqlite3   # a consistent copy while the bot runs
    ml-audio-bot db copy sqlite:///data/ml-audio-bot.sqlite3 \\
        postgresql://ml_audio_bot@127.0.0.1:5432/ml_audio_bot

Commands that open the bot's database take ``--database PATH`` (an SQLite file) or
``--database-url URL``; without either they use ``database_url`` from the settings. The
password of a PostgreSQL URL comes from ``ML_AUDIO_BOT_DATABASE_PASSWORD`` (or
``PGPASSWORD``), never from the command line.

Heavy modules (asyncio, the database drivers, the stores) are imported inside the handlers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.storage.interface import Storage
    from bot.storage.transfer import CopyReport

EXIT_OK = 0
EXIT_DIFFERENT = 1
EXIT_USAGE = 2


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """``--database PATH`` (an SQLite file) or ``--database-url URL``; at most one."""
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--database",
        type=Path,
        metavar="PATH",
        help="SQLite file (default: the configured database_url)",
    )
    choice.add_argument(
        "--database-url",
        type=database_url_argument,
        metavar="URL",
        help="sqlite:///PATH or postgresql://USER@HOST:PORT/DB (default: the configured one; "
        "password from ML_AUDIO_BOT_DATABASE_PASSWORD or PGPASSWORD)",
    )


def database_url_argument(text: str) -> str:
    """An argparse type: a database URL, refused in one line (never echoing a password)."""
    from bot.storage.urls import url_problem

    problem = url_problem(text.strip())
    if problem is not None:
        raise argparse.ArgumentTypeError(f"expected {problem}")
    return text.strip()


def requested_url(args: argparse.Namespace) -> str | None:
    """The database the command line names (``--database`` / ``--database-url``), if any."""
    from bot.storage.urls import sqlite_url

    path: Path | None = getattr(args, "database", None)
    if path is not None:
        return sqlite_url(path)
    url: str | None = getattr(args, "database_url", None)
    return url


def missing_file(url: str) -> str | None:
    """For an SQLite URL whose file does not exist, the line saying so; else ``None``."""
    from bot.storage.urls import sqlite_path

    path = sqlite_path(url)
    if path is None or path == ":memory:" or Path(path).exists():
        return None
    return f"{path}: no database here (the bot creates it on first start)"


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    db = subparsers.add_parser("db", help="database maintenance: migrate, backup, copy")
    commands = db.add_subparsers(dest="db_command", metavar="ACTION")

    def show_help(args: argparse.Namespace) -> int:
        db.print_help(sys.stderr)
        return EXIT_USAGE

    db.set_defaults(handler=show_help)

    migrate = commands.add_parser(
        "migrate", help="bring every component of the database to its newest schema version"
    )
    add_database_options(migrate)
    migrate.set_defaults(handler=run_migrate)

    backup = commands.add_parser(
        "backup",
        help="copy the live database to a new SQLite file PATH, consistently, while the bot "
        "runs (PostgreSQL too: restore it with db copy)",
    )
    backup.add_argument("path", type=Path, metavar="PATH")
    add_database_options(backup)
    backup.set_defaults(handler=run_backup)

    copy = commands.add_parser(
        "copy",
        help="copy a whole installation from SRC to the new, empty DST (SQLite to PostgreSQL "
        "or back), then compare row counts and checksums of every table",
    )
    copy.add_argument("source", type=database_url_argument, metavar="SRC")
    copy.add_argument("target", type=database_url_argument, metavar="DST")
    copy.set_defaults(handler=run_copy)


def _configured_url(args: argparse.Namespace) -> str | None:
    """The command line's database, else the settings'; ``None`` after printing why not."""
    url = requested_url(args)
    if url is not None:
        return url
    from bot.config import ConfigError, load_config

    try:
        return load_config().database_url
    except ConfigError as exc:
        print("\n".join(exc.lines), file=sys.stderr)
        return None


def run_migrate(args: argparse.Namespace) -> int:
    import asyncio  # here, not at the top: `ml-audio-bot --help` needs no event loop

    url = _configured_url(args)
    if url is None:
        return EXIT_USAGE
    return asyncio.run(_migrate(url))


async def _migrate(url: str) -> int:
    from bot.schemas import components, opened_database
    from bot.storage.transfer import migrate_all

    async with opened_database(url) as db:
        changes = await migrate_all(db, components())
        where = db.path
    for component, before, after in changes:
        change = f"v{after}" if before == after else f"v{before} → v{after}"
        print(f"{component}: {change}")
    print(f"database {where}: every component at its newest version")
    return EXIT_OK


def run_backup(args: argparse.Namespace) -> int:
    import asyncio  # here: --help needs no event loop

    target: Path = args.path
    if target.exists():
        print(f"error: {target}: already exists; choose a new file name", file=sys.stderr)
        return EXIT_DIFFERENT
    url = _configured_url(args)
    if url is None:
        return EXIT_USAGE
    missing = missing_file(url)
    if missing is not None:
        print(f"error: {missing}", file=sys.stderr)
        return EXIT_DIFFERENT
    return asyncio.run(_backup(url, target))


async def _backup(url: str, target: Path) -> int:
    from bot.schemas import opened_database

    async with opened_database(url) as db:
        if db.dialect == "sqlite":
            await db.backup(target)  # SQLite's online backup: safe while the bot writes
            print(f"backed up {db.path} to {target}")
            return EXIT_OK
        report = await _snapshot_to_sqlite(db, target)
        if report is None:
            return EXIT_USAGE
        if not report.same:
            _print_report(report)
            print(f"error: {target} differs from {db.path}; removed it", file=sys.stderr)
            _remove_sqlite(target)
            return EXIT_DIFFERENT
        print(
            f"backed up {db.path} to {target}: {len(report.tables)} tables, "
            f"{report.rows} rows, checksums equal (restore: ml-audio-bot db copy "
            f"sqlite:///{target} postgresql://…)"
        )
        return EXIT_OK


async def _snapshot_to_sqlite(db: Storage, target: Path) -> CopyReport | None:
    """One consistent snapshot of a PostgreSQL database written as the SQLite file ``target``
    (no pg_dump needed in the image); ``None`` after printing a refusal."""
    from bot.schemas import components, known_schema_versions
    from bot.storage.database import Database
    from bot.storage.transfer import TransferError, copy_database

    try:
        async with await Database.open(target, known_versions=known_schema_versions()) as copy:
            return await copy_database(db, copy, components())
    except TransferError as exc:
        _remove_sqlite(target)
        print(f"ml-audio-bot: {exc}", file=sys.stderr)
        return None
    except BaseException:
        _remove_sqlite(target)
        raise


def run_copy(args: argparse.Namespace) -> int:
    import asyncio  # here: --help needs no event loop

    from bot.storage.urls import sqlite_path

    missing = missing_file(args.source)
    if missing is not None:
        print(f"error: {missing}", file=sys.stderr)
        return EXIT_DIFFERENT
    target_file = sqlite_path(args.target)
    created = target_file is not None and not Path(target_file).exists()
    try:
        result = asyncio.run(_copy(args.source, args.target))
    except BaseException:
        result = EXIT_USAGE
        raise
    finally:
        if created and result == EXIT_USAGE:
            _remove_sqlite(Path(str(target_file)))  # a refused copy leaves no new file behind
    return result


async def _copy(source: str, target: str) -> int:
    from bot.schemas import components, opened_database
    from bot.storage.transfer import TransferError, copy_database

    async with opened_database(source) as src, opened_database(target) as dst:
        try:
            report = await copy_database(src, dst, components())
        except TransferError as exc:
            print(f"ml-audio-bot: {exc}", file=sys.stderr)
            return EXIT_USAGE
        where = (src.path, dst.path)
    _print_report(report)
    versions = ", ".join(f"{name} v{version}" for name, version in sorted(report.versions.items()))
    if not report.same:
        different = [check.table for check in report.tables if not check.same]
        print(
            f"DIFFERENT: {', '.join(different)} in {where[1]} differ from {where[0]}; do not "
            "switch to it",
            file=sys.stderr,
        )
        return EXIT_DIFFERENT
    print(
        f"copied {report.rows} rows in {len(report.tables)} tables from {where[0]} to "
        f"{where[1]} ({versions}); every table the same"
    )
    return EXIT_OK


def _print_report(report: CopyReport) -> None:
    """One line per table: rows and checksum on each side, and whether they agree."""
    head = ("table", "rows SRC", "rows DST", "checksum SRC", "checksum DST", "")
    lines = [
        (
            check.table,
            str(check.source_rows),
            str(check.target_rows),
            check.source_checksum[:16],
            check.target_checksum[:16],
            "same" if check.same else "DIFFERENT",
        )
        for check in report.tables
    ]
    widths = [max(len(row[i]) for row in [head, *lines]) for i in range(len(head))]
    for row in [head, *lines]:
        cells = [
            cell.rjust(width) if i in (1, 2) else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


def _remove_sqlite(path: Path) -> None:
    """Remove a half-written SQLite file and the files SQLite keeps beside it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
