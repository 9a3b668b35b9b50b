"""``ml-audio-bot suggestions export|mark-merged`` and ``ml-audio-bot db backup``.

They open the same database file as the bot (WAL lets them run while it is up) and read
the catalog folder, so a maintainer can turn approved suggestions into a catalog change:

    ml-audio-bot suggestions export            # print the YAML entries
    ml-audio-bot suggestions export --write    # append them to catalog/entries/<section>.yaml
    ml-audio-bot catalog check && git commit … # review, reword the descriptions, commit
    ml-audio-bot suggestions mark-merged 12 14 # close them
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "suggestions", help="export approved suggestions to the catalog, mark them merged"
    )
    commands = parser.add_subparsers(dest="suggestions_command", metavar="ACTION")

    def show_help(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return EXIT_USAGE

    parser.set_defaults(handler=show_help)

    export = commands.add_parser(
        "export",
        help="print approved, not yet merged suggestions as catalog YAML (or --write them)",
    )
    mode = export.add_mutually_exclusive_group()
    mode.add_argument(
        "--json", action="store_true", help="print everything (all suggestions, votes, audit log)"
    )
    mode.add_argument(
        "--write",
        action="store_true",
        help="append the entries to catalog/entries/<section>.yaml instead of printing",
    )
    _add_locations(export, catalog=True)
    export.set_defaults(handler=run_export)

    merged = commands.add_parser(
        "mark-merged", help="close approved suggestions whose entries are in the catalog now"
    )
    merged.add_argument("ids", nargs="+", type=_suggestion_id, metavar="ID")
    _add_locations(merged, catalog=False)
    merged.set_defaults(handler=run_mark_merged)

    db = subparsers.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION")

    def show_db_help(args: argparse.Namespace) -> int:
        db.print_help(sys.stderr)
        return EXIT_USAGE

    db.set_defaults(handler=show_db_help)
    backup = db_commands.add_parser(
        "backup", help="copy the live database to PATH (SQLite online backup; safe while running)"
    )
    backup.add_argument("path", type=Path, metavar="PATH")
    _add_locations(backup, catalog=False)
    backup.set_defaults(handler=run_backup)


def _suggestion_id(text: str) -> int:
    value = text.removeprefix("#")
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a suggestion number (like 12 or #12)")
    return int(value)


def _add_locations(parser: argparse.ArgumentParser, *, catalog: bool) -> None:
    parser.add_argument(
        "--database", type=Path, help="SQLite file (default: the bot's configured database)"
    )
    if catalog:
        parser.add_argument(
            "--catalog", type=Path, help="catalog folder (default: the configured catalog)"
        )


def _locations(args: argparse.Namespace) -> tuple[Path, Path]:
    from bot.config import ConfigError, load_config

    database: Path | None = args.database
    catalog: Path | None = getattr(args, "catalog", None)
    if database is None or catalog is None:
        # Only what is missing comes from the bot's settings (environment / TOML file).
        try:
            config = load_config()
        except ConfigError as exc:
            raise _Fail("\n".join(exc.lines)) from exc
        database = database or config.database_path
        catalog = catalog or config.catalog_path
    return database, catalog


class _Fail(Exception):
    """A problem to print on stderr before exiting with ``EXIT_PROBLEMS``."""


def _run(args: argparse.Namespace, job: Any) -> int:
    import asyncio  # here, not at the top: `ml-audio-bot --help` needs no event loop

    try:
        args.database, args.catalog = _locations(args)
        if not args.database.exists():
            raise _Fail(f"{args.database}: no database here (the bot creates it on first start)")
        return int(asyncio.run(job(args)))
    except _Fail as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS


def run_export(args: argparse.Namespace) -> int:
    return _run(args, _export)


def run_mark_merged(args: argparse.Namespace) -> int:
    return _run(args, _mark_merged)


def run_backup(args: argparse.Namespace) -> int:
    if args.path.exists():
        print(f"error: {args.path}: already exists; choose a new file name", file=sys.stderr)
        return EXIT_PROBLEMS
    return _run(args, _backup)


async def _open_service(database: Path, catalog_dir: Path | None) -> Any:
    """The suggestion service on the database; the caller closes the returned database.

    A catalog or database that cannot be used raises ``CatalogError`` / ``DatabaseError``,
    which ``bot.cli.main`` reports in one line.
    """
    from bot.catalog.loader import load_catalog
    from bot.catalog.model import Catalog
    from bot.clock import SystemClock
    from bot.schemas import open_database
    from bot.suggestions.service import SuggestionService
    from bot.suggestions.store import SuggestionStore

    catalog = Catalog((), ())
    if catalog_dir is not None:
        catalog = load_catalog(catalog_dir)
    db = await open_database(database)
    try:
        service = SuggestionService(SuggestionStore(db), SystemClock(), lambda: catalog)
        await service.setup()
    except BaseException:
        await db.close()  # its worker thread would keep the process alive
        raise
    return service, db


async def _export(args: argparse.Namespace) -> int:
    from bot.suggestions.export import ExportError, append_to_catalog, export_text, plan_export

    catalog_dir: Path = args.catalog
    service, db = await _open_service(args.database, catalog_dir)
    try:
        if args.json:
            print(json.dumps(await dump_everything(service), indent=2, ensure_ascii=False))
            return EXIT_OK
        plan = plan_export(await service.exportable(), service.catalog)
        for skipped in plan.skipped:
            print(f"skipped #{skipped.suggestion_id}: {skipped.reason}", file=sys.stderr)
        if not plan.items:
            print("nothing to export: no approved suggestions waiting", file=sys.stderr)
            return EXIT_OK
        if not args.write:
            sys.stdout.write(export_text(plan))
            return EXIT_OK
        try:
            exported = append_to_catalog(plan, catalog_dir)
        except ExportError as exc:
            raise _Fail(str(exc)) from exc
        for item in exported:
            print(f"#{item.suggestion_id} → {item.path} as '{item.entry_id}'")
        ids = " ".join(str(item.suggestion_id) for item in exported)
        print(
            "next: reword the descriptions, run `ml-audio-bot catalog check`, commit, then "
            f"`ml-audio-bot suggestions mark-merged {ids}`"
        )
        return EXIT_OK
    finally:
        await db.close()


async def _mark_merged(args: argparse.Namespace) -> int:
    service, db = await _open_service(args.database, None)
    try:
        results = await service.mark_merged(args.ids)
    finally:
        await db.close()
    failed = False
    for suggestion_id, result in results:
        print(f"#{suggestion_id}: {result}")
        failed = failed or result not in ("merged", "already merged")
    return EXIT_PROBLEMS if failed else EXIT_OK


async def _backup(args: argparse.Namespace) -> int:
    from bot.schemas import open_database

    async with await open_database(args.database) as db:
        await db.backup(args.path)
    print(f"backed up {args.database} to {args.path}")
    return EXIT_OK


async def dump_everything(service: Any) -> dict[str, Any]:
    """Every suggestion (all statuses), vote, audit row and blocklist entry, for audits."""
    from bot.suggestions.model import Status

    store = service.store
    suggestions = await store.in_order(tuple(Status))
    return {
        "suggestions": [
            {
                "id": s.id,
                "guild_id": s.guild_id,
                "author_id": s.author_id,
                "anonymous": s.anonymous,
                "title": s.title,
                "url": s.url,
                "section": s.section,
                "kind": s.kind,
                "reason": s.reason,
                "status": s.status.value,
                "decided_by": s.decided_by,
                "decided_at": s.decided_at.isoformat() if s.decided_at else None,
                "decision_note": s.decision_note,
                "created_at": s.created_at.isoformat(),
                "updated_at": s.updated_at.isoformat(),
                "message": {"channel_id": s.channel_id, "message_id": s.message_id},
                "thread_id": s.thread_id,
                "votes": {"up": s.tally.up, "down": s.tally.down},
            }
            for s in suggestions
        ],
        "votes": await store.dump_votes(),
        "audit": [
            {
                "id": e.id,
                "guild_id": e.guild_id,
                "suggestion_id": e.suggestion_id,
                "actor_id": e.actor_id,
                "action": e.action,
                "detail": e.detail,
                "at": e.at.isoformat(),
            }
            for e in await store.audit_log()
        ],
        "blocklist": [
            {
                "guild_id": b.guild_id,
                "user_id": b.user_id,
                "reason": b.reason,
                "added_by": b.added_by,
                "added_at": b.added_at.isoformat(),
            }
            for b in await store.blocklist(None)
        ],
    }
