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
from typing import Any

from bot import __version__
from bot.datafile import DataFileError
from bot.storage.errors import DatabaseError

EXIT_USAGE = 2

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
    "bot.storage.cli",
)

Handler = Callable[[argparse.Namespace], int]

# Dev-only packages that the wheel and the image leave out, and what their command says
# there instead of making every other command fail at start-up.
DEV_ONLY = {
    "bot.demo": (
        "demo",
        "ml-audio-bot demo needs the development install: run `make demo` in a clone of "
        "the repository (the Docker image leaves the demo out).",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ml-audio-bot",
        description="The ML-Audio reading list as a Discord bot, and its maintenance tools.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            package = module_name.rpartition(".")[0]
            if package not in DEV_ONLY or missing.name not in (package, module_name):
                raise
            _register_missing(subparsers, *DEV_ONLY[package])
            continue
        module.register(subparsers)
    return parser


def _register_missing(subparsers: argparse._SubParsersAction[Any], name: str, line: str) -> None:
    """A command whose package is not installed: it says what to do, on one line."""

    def explain(_args: argparse.Namespace) -> int:
        print(line, file=sys.stderr)
        return 2

    parser = subparsers.add_parser(name, help="(needs the development install)")
    parser.set_defaults(handler=explain)


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
    except DataFileError as exc:
        print(f"ml-audio-bot: {exc.one_line()}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `ml-audio-bot catalog render | head` must not end in a traceback.
        sys.stderr.close()
        return 0
