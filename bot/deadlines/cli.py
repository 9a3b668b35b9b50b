"""``ml-audio-bot deadlines check|import|ics``."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
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
    editions = sum(len(s.editions) for s in result.book.series)
    deadlines = sum(len(e.deadlines) for e in result.book.editions)
    print(f"ok: {len(result.book)} conferences, {editions} editions, {deadlines} deadlines")
    return 0


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
    from bot.reload import describe_deadlines

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
