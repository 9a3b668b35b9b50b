"""``ml-audio-bot feeds poll --once [--dry-run]`` and ``ml-audio-bot feeds check``.

``poll --once`` runs one poll cycle outside the bot (cron-style use and debugging): new
items are queued in the database's outbox and the running bot posts them; with
``--dry-run`` it prints what would be announced and stores nothing about the feeds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("feeds", help="RSS/Atom feeds: check the list, poll once")
    commands = parser.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)

    check = commands.add_parser("check", help="validate the feeds file (file:line errors)")
    check.add_argument("--file", type=Path, help="feeds file (default: the configured one)")
    check.set_defaults(handler=_check)

    poll = commands.add_parser("poll", help="poll the feeds once and queue new items")
    poll.add_argument(
        "--once", action="store_true", required=True, help="one cycle, then exit (required)"
    )
    poll.add_argument(
        "--dry-run", action="store_true", help="show what would be announced; store nothing"
    )
    poll.add_argument("--all", action="store_true", help="poll every feed, not only due ones")
    poll.add_argument("--feed", action="append", default=[], help="only this feed id (repeat)")
    from bot.storage.cli import add_database_options

    add_database_options(poll)
    poll.set_defaults(handler=_poll)


def _config(args: argparse.Namespace) -> Any:
    from bot.config import ConfigError, load_config
    from bot.storage.cli import requested_url

    try:
        config = load_config()
    except ConfigError as error:
        for line in error.lines:
            print(f"config: {line}", file=sys.stderr)
        return None
    url = requested_url(args)  # --database PATH or --database-url URL
    if url is not None:
        config = config.with_overrides(database_url=url)
    if getattr(args, "file", None):
        config = config.with_overrides(feeds_file=args.file)
    return config


def _check(args: argparse.Namespace) -> int:
    from bot.catalog.loader import load_catalog
    from bot.datafile import DataFileError
    from bot.feeds.catalog import load_feeds
    from bot.feeds.wiring import feeds_path

    config = _config(args)
    if config is None:
        return 2
    path = feeds_path(config)
    if not path.exists():
        if config.feeds_file is not None:
            print(f"{path}: feeds file not found (named by feeds_file)", file=sys.stderr)
            return 1
        print(f"{path}: no feeds file, so no catalog feeds (feeds added with /feeds add work)")
        return 0
    try:
        known: set[str] | None = {entry.id for entry in load_catalog(config.catalog_path).entries}
    except DataFileError:
        known = None  # `catalog check` reports those; the feeds file is checked alone
    catalog = load_feeds(path, known)
    for problem in catalog.problems:
        print(problem.format(), file=sys.stderr)
    if catalog.problems:
        count = len(catalog.problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return 1
    print(f"{path}: {len(catalog.feeds)} feeds OK")
    return 0


def _poll(args: argparse.Namespace) -> int:
    import asyncio  # here, not at the top: `ml-audio-bot --help` needs no event loop

    config = _config(args)
    if config is None:
        return 2
    try:
        return asyncio.run(_poll_once(config, args))
    except KeyboardInterrupt:
        return 130


async def _poll_once(config: Any, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.feeds.wiring import build_feeds
    from bot.outbox import Outbox
    from bot.schemas import opened_database

    clock = SystemClock()
    async with opened_database(config.database_url) as storage:
        db = storage
        outbox = Outbox(db, clock)
        await outbox.setup()
        area = await build_feeds(config, db, clock, outbox=lambda: outbox)
        try:
            statuses = await (
                area.poller.statuses() if args.all or args.feed else area.poller.due()
            )
            if args.feed:
                wanted = set(args.feed)
                unknown = wanted - {s.spec.id for s in statuses}
                if unknown:
                    print(f"unknown feed: {', '.join(sorted(unknown))}", file=sys.stderr)
                    return 2
                statuses = [s for s in statuses if s.spec.id in wanted]
            if not statuses:
                print("no feed is due (use --all to poll every feed now)")
                return 0
            outcomes = await area.poller.poll_many(statuses, dry_run=args.dry_run)
        finally:
            await area.fetcher.close()
    failed = 0
    for outcome in outcomes:
        print(outcome.line())
        for item in outcome.announced:
            verb = "would announce" if args.dry_run else "queued"
            print(f"  {verb}: {item.title[:100]} <{item.link or 'no link'}>")
        failed += outcome.error is not None
    return 1 if failed == len(outcomes) else 0
