"""``ml-audio-bot outbox status|list|unblock|retry``: what the bot still has to post, and why.

    ml-audio-bot outbox status                  counts, blocked channels, failed messages
    ml-audio-bot outbox list --state posted     messages waiting for their publication
    ml-audio-bot outbox unblock 123456789       after fixing the channel or permissions
    ml-audio-bot outbox retry deadline:ismir-2027:paper:7d

They work on the bot's database file while the bot runs (SQLite WAL). A running bot
notices an unblock or retry at its next look at the outbox (within the hour, sooner when
anything else is enqueued), or at once when restarted.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.outbox import Outbox, OutboxItem

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
STATES = ("pending", "posting", "posted", "done", "failed", "expired", "cancelled")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "outbox", help="messages the bot posts on its own: status, blocked channels, retries"
    )
    commands = parser.add_subparsers(dest="outbox_command", metavar="ACTION")

    def show_help(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return EXIT_USAGE

    parser.set_defaults(handler=show_help)

    status = commands.add_parser("status", help="counts per state, blocked channels, failures")
    _add_database(status)
    status.set_defaults(handler=lambda args: _run(args, _status))

    listing = commands.add_parser("list", help="stored messages, oldest first")
    listing.add_argument("--state", choices=STATES, action="append", help="only these states")
    listing.add_argument("--channel", type=_snowflake, help="only this channel id")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    _add_database(listing)
    listing.set_defaults(handler=lambda args: _run(args, _list))

    unblock = commands.add_parser(
        "unblock", help="resume posting to a channel the bot had stopped posting to"
    )
    unblock.add_argument("channel", type=_snowflake, metavar="CHANNEL_ID")
    _add_database(unblock)
    unblock.set_defaults(handler=lambda args: _run(args, _unblock))

    retry = commands.add_parser("retry", help="try a failed message again")
    retry.add_argument("key", metavar="KEY")
    _add_database(retry)
    retry.set_defaults(handler=lambda args: _run(args, _retry))


def _add_database(parser: argparse.ArgumentParser) -> None:
    from bot.storage.cli import add_database_options

    add_database_options(parser)


def _snowflake(text: str) -> int:
    if not text.isdigit() or not 15 <= len(text) <= 20:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Discord id (15-20 digits)")
    return int(text)


def _run(args: argparse.Namespace, action: Any) -> int:
    import asyncio  # here, not at the top: `ml-audio-bot --help` needs no event loop

    try:
        database = _database(args)
    except _Fail as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    result: int = asyncio.run(_with_outbox(database, action, args))
    return result


def _database(args: argparse.Namespace) -> str:
    """The database URL: ``--database``/``--database-url``, else the settings'."""
    from bot.storage.cli import missing_file, requested_url

    database = requested_url(args)
    if database is None:
        from bot.config import ConfigError, load_config

        try:
            database = load_config().database_url
        except ConfigError as exc:
            raise _Fail("\n".join(exc.lines)) from exc
    missing = missing_file(database)
    if missing is not None:
        raise _Fail(missing)
    return database


async def _with_outbox(database: str, action: Any, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.outbox import Outbox
    from bot.schemas import opened_database

    async with opened_database(database) as db:
        outbox = Outbox(db, SystemClock())
        await outbox.setup()
        result: int = await action(outbox, args)
        return result


async def _status(outbox: Outbox, args: argparse.Namespace) -> int:
    from bot.outbox import State

    counts = await outbox.counts()
    print("messages: " + ", ".join(f"{state.value} {counts[state]}" for state in State))
    blocked = await outbox.blocked_channels()
    for channel in blocked:
        print(
            f"BLOCKED channel {channel.channel_id} since {channel.blocked_at:%Y-%m-%d %H:%M} UTC, "
            f"{channel.waiting} waiting: {channel.reason}\n"
            f"  fix it, then: ml-audio-bot outbox unblock {channel.channel_id}"
        )
    failed = await outbox.items(states=[State.FAILED])
    for item in failed:
        print(
            f"FAILED {item.key} (channel {item.channel_id}): {item.last_error}\n"
            f"  to try again: ml-audio-bot outbox retry {item.key}"
        )
    return EXIT_PROBLEMS if blocked or failed else EXIT_OK


async def _list(outbox: Outbox, args: argparse.Namespace) -> int:
    from bot.outbox import State

    states = [State(name) for name in args.state] if args.state else None
    items = await outbox.items(states=states, channel_id=args.channel, limit=max(1, args.limit))
    for item in items:
        if args.json:
            print(json.dumps(_as_json(item), ensure_ascii=False))
        else:
            print(_as_line(item))
    if not items and not args.json:
        print("no messages match")
    return EXIT_OK


def _as_line(item: OutboxItem) -> str:
    publish = " +publish" if item.publish else ""
    extra = f" — {item.last_error}" if item.last_error else ""
    return (
        f"{item.created_at:%Y-%m-%d %H:%M} {item.state.value:<9} {item.key} "
        f"→ channel {item.channel_id}{publish} (attempts {item.attempts}){extra}"
    )


def _as_json(item: OutboxItem) -> dict[str, Any]:
    def moment(value: Any) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "key": item.key,
        "channel_id": item.channel_id,
        "state": item.state.value,
        "publish": item.publish,
        "attempts": item.attempts,
        "message_id": item.message_id,
        "last_error": item.last_error,
        "created_at": moment(item.created_at),
        "not_before": moment(item.not_before),
        "posted_at": moment(item.posted_at),
        "published_at": moment(item.published_at),
    }


async def _unblock(outbox: Outbox, args: argparse.Namespace) -> int:
    if await outbox.unblock(args.channel):
        print(
            f"channel {args.channel} unblocked; its waiting messages will be posted in order "
            "(a running bot resumes within the hour, or at once when restarted)"
        )
        return EXIT_OK
    print(f"channel {args.channel} is not blocked", file=sys.stderr)
    return EXIT_PROBLEMS


async def _retry(outbox: Outbox, args: argparse.Namespace) -> int:
    if await outbox.retry_failed(args.key):
        print(f"{args.key} will be tried again")
        return EXIT_OK
    item = await outbox.get(args.key)
    reason = "no message has this key" if item is None else f"it is {item.state.value}, not failed"
    print(f"cannot retry {args.key}: {reason}", file=sys.stderr)
    return EXIT_PROBLEMS


class _Fail(Exception):
    pass
