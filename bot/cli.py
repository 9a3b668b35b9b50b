"""The ``ml-audio-bot`` command line.

Each area registers its own sub-commands (``register(subparsers)`` in its ``cli`` module),
so this file only lists the areas. Handlers import what they need when they run, so that
``ml-audio-bot catalog check`` never pays for importing discord.py.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from bot import __version__
from bot.catalog.problems import CatalogError
from bot.storage.database import DatabaseError

EXIT_USAGE = 2

# Modules that expose ``register(subparsers: argparse._SubParsersAction) -> None``.
# Each sub-command sets ``handler`` (args -> exit code) with ``set_defaults``.
COMMAND_MODULES: tuple[str, ...] = (
    "bot.catalog.cli",
    "bot.search.cli",
    "bot.discord_cli",
    "bot.discord_demo_cli",
    "bot.health_cli",
    "bot.deadlines.cli",
    "bot.suggestions.cli",
    "bot.outbox.cli",
    "bot.feeds.cli",
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ml-audio-bot",
        description="The ML-Audio reading list as a Discord bot, and its maintenance tools.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except DatabaseError as exc:
        # Every command that opens the database ends the same way: one line naming the
        # file and what to do, exit 2 (a supervisor's restart will not fix it).
        print(f"ml-audio-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CatalogError as exc:
        print(f"ml-audio-bot: {exc.one_line()}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `ml-audio-bot catalog render | head` must not end in a traceback.
        sys.stderr.close()
        return 0
