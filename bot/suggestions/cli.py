"""``ml-audio-bot suggestions export|mark-merged`` (``db backup`` is in ``bot.storage.cli``).

They open the same database as the bot (SQLite's WAL lets them run while it is up) and read
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


def _suggestion_id(text: str) -> int:
    value = text.removeprefix("#")
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a suggestion number (like 12 or #12)")
    return int(value)


def _add_locations(parser: argparse.ArgumentParser, *, catalog: bool) -> None:
    from bot.storage.cli import add_database_options

    add_database_options(parser)
    if catalog:
        parser.add_argument(
            "--catalog", type=Path, help="catalog folder (default: the configured catalog)"
        )


def _locations(args: argparse.Namespace) -> tuple[str, Path]:
    """The database URL and the catalog folder: the command line's, else the settings'."""
    from bot.config import ConfigError, load_config
    from bot.storage.cli import requested_url

    database = requested_url(args)
    catalog: Path | None = getattr(args, "catalog", None)
    if database is None or catalog is None:
        # Only what is missing comes from the bot's settings (environment / TOML file).
        try:
            config = load_config()
        except ConfigError as exc:
            raise _Fail("\n".join(exc.lines)) from exc
        database = database or config.database_url
        catalog = catalog or config.catalog_path
    return database, catalog


class _Fail(Exception):
    """A problem to print on stderr before exiting with ``EXIT_PROBLEMS``."""


def _run(args: argparse.Namespace, job: Any) -> int:
    import asyncio  # here, not at the top: `ml-audio-bot --help` needs no event loop

    from bot.storage.cli import missing_file

    try:
        args.database_url, args.catalog = _locations(args)
        missing = missing_file(args.database_url)
        if missing is not None:
            raise _Fail(missing)
        return int(asyncio.run(job(args)))
    except _Fail as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS


def run_export(args: argparse.Namespace) -> int:
    return _run(args, _export)


def run_mark_merged(args: argparse.Namespace) -> int:
    return _run(args, _mark_merged)


async def _open_service(database: str, catalog_dir: Path | None) -> Any:
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
    service, db = await _open_service(args.database_url, catalog_dir)
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
    service, db = await _open_service(args.database_url, None)
    try:
        results = await service.mark_merged(args.ids)
    finally:
        await db.close()
    failed = False
    for suggestion_id, result in results:
        print(f"#{suggestion_id}: {result}")
        failed = failed or result not in ("merged", "already merged")
    return EXIT_PROBLEMS if failed else EXIT_OK


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
