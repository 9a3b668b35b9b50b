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

# Modules that expose ``register(subparsers: argparse._SubParsersAction) -> None``.
# Each sub-command sets ``handler`` (args -> exit code) with ``set_defaults``.
COMMAND_MODULES: tuple[str, ...] = (
    "bot.catalog.cli",
    "bot.search.cli",
    "bot.discord.cli",
    "bot.demo.cli",
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
        return 2
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `ml-audio-bot catalog render | head` must not end in a traceback.
        sys.stderr.close()
        return 0
