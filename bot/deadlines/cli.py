"""``ml-audio-bot deadlines check|import|ics``."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    from bot.storage.cli import add_database_options

    parser = subparsers.add_parser("deadlines", help="conference deadlines: check, import, export")
    commands = parser.add_subparsers(dest="deadlines_command", metavar="ACTION", required=True)

    check = commands.add_parser("check", help="validate catalog/deadlines (file:line errors)")
    check.add_argument("--catalog", type=Path, help="catalog folder (default: catalog/)")
    check.set_defaults(handler=_check)

    importer = commands.add_parser(
        "import", help="convert a public deadline format to catalog YAML, or merge it"
    )
    importer.add_argument(
        "--format", required=True, choices=("ai-deadlines", "ccfddl", "huggingface", "mtg")
    )
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importer.add_argument(
        "--merge", action="store_true", help="append new editions to catalog/deadlines"
    )
    importer.add_argument("--since", type=int, help="only editions of this year or later")
    importer.add_argument(
        "--only", help="only these conferences (comma-separated catalog ids)", default=""
    )
    importer.add_argument("--catalog", type=Path, help="catalog folder (default: catalog/)")
    importer.set_defaults(handler=_import)

    sync = commands.add_parser(
        "sync", help="follow the upstream files of sources.yaml once and print the changes"
    )
    sync.add_argument(
        "--dry-run", action="store_true", help="show what would change; store nothing"
    )
    add_database_options(sync)
    sync.set_defaults(handler=_sync)

    export = commands.add_parser(
        "export", help="write the synced runtime layer as catalog YAML, to merge by hand"
    )
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    add_database_options(export)
    export.set_defaults(handler=_export)

    ics = commands.add_parser(
        "ics", help="write an iCalendar file of every known deadline, past and coming"
    )
    ics.add_argument("--conference", help="only this conference (catalog id)")
    ics.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    ics.add_argument("--catalog", type=Path, help="catalog folder (default: catalog/)")
    ics.set_defaults(handler=_ics)


def _catalog(args: argparse.Namespace) -> Path:
    from bot.catalog.loader import require_catalog_folder
    from bot.paths import catalog_dir

    folder: Path = args.catalog or catalog_dir()
    require_catalog_folder(folder)  # else: "ok: 0 conferences" for a mistyped path
    return folder


def _check(args: argparse.Namespace) -> int:
    from bot.deadlines.conferences import DEADLINES_DIR, catalog_entry_ids
    from bot.deadlines.loader import load_deadlines

    root = _catalog(args)
    result = load_deadlines(root / DEADLINES_DIR, catalog_entry_ids(root))
    for problem in result.problems:
        print(problem.format(), file=sys.stderr)
    if result.problems:
        count = len(result.problems)
        print(
            f"{count} problem{'s' if count != 1 else ''} in {root / DEADLINES_DIR}", file=sys.stderr
        )
        return 1
    from bot.deadlines.sources import load_sources, sources_path

    sources = load_sources(sources_path(root / DEADLINES_DIR), {s.id for s in result.book.series})
    for problem in sources.problems:
        print(problem.format(), file=sys.stderr)
    if sources.problems:
        print(f"{len(sources.problems)} problems in the sources file", file=sys.stderr)
        return 1
    editions = sum(len(s.editions) for s in result.book.series)
    deadlines = sum(len(e.deadlines) for e in result.book.editions)
    print(
        f"ok: {len(result.book)} conferences, {editions} editions, {deadlines} deadlines, "
        f"{len(sources.sources)} upstream sources"
    )
    for line in _disagreement_lines(args):
        print(line)
    return 0


def _disagreement_lines(args: argparse.Namespace) -> list[str]:
    """The disagreements the last sync recorded, when a database is configured."""
    from bot.storage.cli import missing_file

    config = _config(args, quiet=True)
    if config is None or missing_file(config.database_url) is not None:
        return []
    import asyncio  # here: --help and check never need an event loop

    return asyncio.run(_recorded_disagreements(config))


async def _recorded_disagreements(config: Any) -> list[str]:
    from bot.deadlines.sync_store import DeadlineSyncStore
    from bot.schemas import opened_database
    from bot.storage.errors import DatabaseError

    try:
        async with opened_database(config.database_url) as db:
            if not await _has_layer(db):
                return []
            layer = await DeadlineSyncStore(db).layer()
    except DatabaseError as error:
        return [f"recorded disagreements not read: {error}"]
    return [
        f"{d.edition_id}: {d.kind} deadline: sources disagree: {d.chosen}, {d.text}"
        for d in layer.disagreements
    ]


def _import(args: argparse.Namespace) -> int:
    from bot.deadlines.conferences import DEADLINES_DIR, catalog_entry_ids
    from bot.deadlines.importers import run_import
    from bot.deadlines.importers.common import Note, SeriesIndex
    from bot.deadlines.importers.export import dump_series
    from bot.deadlines.importers.merge import merge_editions
    from bot.deadlines.loader import load_deadlines

    root = _catalog(args)
    directory = root / DEADLINES_DIR
    book = load_deadlines(directory).book
    missing = [path for path in args.files if not path.is_file()]
    for path in missing:
        print(f"{path}: no such file", file=sys.stderr)
    if missing:
        return 2
    result = run_import(args.format, list(args.files), SeriesIndex(book))
    editions = result.editions
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    left_out: Counter[str] = Counter()
    kept = []
    for edition in editions:
        if args.since is not None and edition.year < args.since:
            left_out[f"before {args.since}"] += 1
        elif only and edition.series not in only:
            left_out["other conferences (--only)"] += 1
        else:
            kept.append(edition)
    for reason, count in sorted(left_out.items()):
        result.notes.append(Note("info", "", None, "", f"{count} editions left out: {reason}"))
    for note in result.notes:
        print(note.format(), file=sys.stderr)
    if args.merge:
        report = merge_editions(directory, book, kept, catalog_entry_ids(root))
        for note in report.notes:
            print(note.format(), file=sys.stderr)
        for path in report.written:
            print(f"wrote {path}", file=sys.stderr)
        print(f"merged {report.added} new editions", file=sys.stderr)
    else:
        groups: dict[str, list[Any]] = {}
        for edition in kept:
            groups.setdefault(edition.series, []).append(edition)
        documents = [
            f"# catalog/deadlines/{series}.yaml\n" + dump_series(series, group[0].name, group)
            for series, group in sorted(groups.items())
        ]
        sys.stdout.write("---\n".join(documents))
    # Several notes can be about one refused edition; count the editions.
    errors = len({(note.file, note.conference) for note in result.errors})
    print(
        f"{len(kept)} editions imported, {errors} not imported because of errors",
        file=sys.stderr,
    )
    return 1 if errors else 0


def _ics(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.deadlines.calendar import build_calendar
    from bot.deadlines.conferences import DEADLINES_DIR
    from bot.deadlines.loader import load_deadlines
    from bot.reload.reloader import describe_deadlines

    root = _catalog(args)
    result = load_deadlines(root / DEADLINES_DIR)
    for problem in result.problems:
        print(problem.format(), file=sys.stderr)
    if result.problems:
        print("fix the problems above first (ml-audio-bot deadlines check)", file=sys.stderr)
        return 1
    if args.conference and result.book.get(args.conference) is None:
        known = ", ".join(s.id for s in result.book.series)
        print(f"unknown conference '{args.conference}' (known: {known})", file=sys.stderr)
        return 2
    age = describe_deadlines(root)
    data = build_calendar(result.book, SystemClock().now(), conference=args.conference, age=age)
    if args.output:
        args.output.write_bytes(data)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    if age is not None:
        print(f"data as of {age.as_of:%Y-%m-%d %H:%M} UTC ({age.source})", file=sys.stderr)
    return 0


def _config(args: argparse.Namespace, *, quiet: bool = False) -> Any:
    from bot.config import ConfigError, load_config
    from bot.storage.cli import requested_url

    try:
        config = load_config()
    except ConfigError as error:
        if not quiet:
            for line in error.lines:
                print(f"config: {line}", file=sys.stderr)
        return None
    url = requested_url(args)  # --database PATH or --database-url URL
    if url is not None:
        config = config.with_overrides(database_url=url)
    if getattr(args, "catalog", None):
        config = config.with_overrides(catalog_path=args.catalog)
    return config


def _sync(args: argparse.Namespace) -> int:
    config = _config(args)
    if config is None:
        return 2
    try:
        import asyncio  # here: --help and check never need an event loop

        return asyncio.run(_sync_once(config, dry_run=args.dry_run))
    except KeyboardInterrupt:
        return 130


async def _sync_once(config: Any, *, dry_run: bool) -> int:
    from bot.clock import SystemClock
    from bot.deadlines.scheduler import ReminderScheduler
    from bot.deadlines.sync import SyncTargets
    from bot.deadlines.wiring import build_deadline_sync, load_deadline_book
    from bot.outbox import Outbox
    from bot.schemas import opened_database

    clock = SystemClock()
    reviewed = load_deadline_book(config.catalog_path)
    async with opened_database(config.database_url) as storage:
        db = storage
        outbox = Outbox(db, clock)
        await outbox.setup()
        # The deadlines tables (reminder watermark and sync layer) are one component.
        await ReminderScheduler(db, outbox, clock, lambda: reviewed, lambda: None).setup()
        sync = build_deadline_sync(
            config,
            db,
            clock,
            reviewed=lambda: reviewed,
            targets=SyncTargets(
                outbox=lambda: outbox,
                channel_id=lambda: config.announcements_channel_id,
                log_channel_id=lambda: config.log_channel_id,
            ),
        )
        try:
            report = await sync.run(dry_run=dry_run, force=True)
        finally:
            await sync.fetcher.close()
    for line in report.lines():
        print(line)
    if dry_run:
        print("dry run: nothing stored, nothing announced")
    elif report.announced:
        print(f"{report.announced} announcements queued (the running bot posts them)")
    return 1 if report.failed and not (report.fetched or report.not_modified) else 0


def _export(args: argparse.Namespace) -> int:
    config = _config(args)
    if config is None:
        return 2
    import asyncio  # here: --help and check never need an event loop

    text = asyncio.run(_export_layer(config))
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


async def _export_layer(config: Any) -> str:
    from bot.deadlines.sync_store import DeadlineSyncStore, export_layer
    from bot.schemas import opened_database

    async with opened_database(config.database_url) as db:
        layer = await DeadlineSyncStore(db).layer() if await _has_layer(db) else None
    if layer is None or not layer.editions:
        print("the runtime layer is empty: nothing synced yet", file=sys.stderr)
        return ""
    return export_layer(layer)


async def _has_layer(db: Any) -> bool:
    return bool(await db.schema_version("deadlines") >= 2)
