"""The ``ml-audio-bot`` command line.

Each area registers its own sub-commands (``register(subparsers)`` in its ``cli`` module),
so this file only lists the areas. Handlers import what they need when they run, so that
``ml-audio-bot catalog check`` never pays for importing discord.py.

Only the area of the command being run is imported: the others appear in the top-level
help through :data:`COMMANDS`, their name and one-line help, so ``ml-audio-bot --help``
imports argparse and this module and nothing else (``tests/unit/test_cli_startup.py``
checks that the listing equals what the areas register).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from bot import __version__

# typing costs a few milliseconds that `--help` would pay for annotations alone; mypy
# treats a variable named TYPE_CHECKING like typing.TYPE_CHECKING.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    Handler = Callable[[argparse.Namespace], int]

EXIT_USAGE = 2


class Command:
    """A top-level sub-command: the module that registers it and its one-line help."""

    __slots__ = ("help", "module", "name")

    def __init__(self, name: str, module: str, help: str) -> None:
        self.name = name
        self.module = module
        self.help = help


# Modules expose ``register(subparsers: argparse._SubParsersAction) -> None``, which adds
# these commands with exactly this help (a test compares); each sub-command sets
# ``handler`` (args -> exit code) with ``set_defaults``. The order is the help's order.
COMMANDS: tuple[Command, ...] = (
    Command("catalog", "bot.catalog.cli", "validate or render the catalog"),
    Command("search", "bot.search.cli", "search the catalog"),
    Command("run", "bot.discord.cli", "run the bot on Discord (needs DISCORD_TOKEN)"),
    Command("sync", "bot.discord.cli", "register the slash commands with Discord now"),
    Command("invite-url", "bot.discord.cli", "print the link that adds the bot to a server"),
    Command(
        "config",
        "bot.discord.cli",
        "check the settings, the catalog and the database, and print them",
    ),
    Command(
        "demo",
        "bot.demo.cli",
        "play the bot in a simulated Discord server (no token, no internet)",
    ),
    Command(
        "health",
        "bot.health_cli",
        "exit 0 if the running bot is connected and its database answers",
    ),
    Command("deadlines", "bot.deadlines.cli", "conference deadlines: check, import, export"),
    Command(
        "suggestions",
        "bot.suggestions.cli",
        "export approved suggestions to the catalog, mark them merged",
    ),
    Command("db", "bot.storage.cli", "database maintenance: migrate, backup, copy"),
    Command(
        "outbox",
        "bot.outbox.cli",
        "messages the bot posts on its own: status, blocked channels, retries",
    ),
    Command("feeds", "bot.feeds.cli", "RSS/Atom feeds: check the list, poll once"),
)

COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(command.module for command in COMMANDS))

# Dev-only packages that the wheel and the image leave out, and what their command says
# there instead of making every other command fail at start-up.
DEV_ONLY = {
    "bot.demo": (
        "demo",
        "ml-audio-bot demo needs the development install: run `make demo` in a clone of "
        "the repository (the Docker image leaves the demo out).",
    ),
}
MISSING_HELP = "(needs the development install)"


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``argv`` only what parsing ``argv`` needs.

    With ``argv``, only the area of the command it names is imported and registered; every
    other command is a placeholder with the same name and help, so the top-level help and
    argparse's errors read exactly as with everything registered.
    """
    parser = argparse.ArgumentParser(
        prog="ml-audio-bot",
        description="The ML-Audio reading list as a Discord bot, and its maintenance tools.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = None if argv is None else _named_module(argv)
    registered: set[str] = set()
    for command in COMMANDS:
        if argv is not None and command.module != wanted:
            _register_placeholder(subparsers, command)
        elif command.module not in registered:
            # The module adds all its commands at once (they are next to each other here).
            registered.add(command.module)
            _register_module(subparsers, command.module)
    return parser


def _named_module(argv: Sequence[str]) -> str | None:
    """The module of the command ``argv`` runs. The top-level options take no value, so the
    command is the first word that is not an option; None when that names no command."""
    word = next((word for word in argv if not word.startswith("-")), None)
    return next((command.module for command in COMMANDS if command.name == word), None)


def _register_module(subparsers: argparse._SubParsersAction[Any], module_name: str) -> None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as missing:
        package = module_name.rpartition(".")[0]
        if package not in DEV_ONLY or missing.name not in (package, module_name):
            raise
        _register_missing(subparsers, *DEV_ONLY[package])
        return
    module.register(subparsers)


def _register_placeholder(subparsers: argparse._SubParsersAction[Any], command: Command) -> None:
    """The command as the top-level help lists it, without importing its module."""
    package = command.module.rpartition(".")[0]
    help_text = command.help
    if package in DEV_ONLY and not _installed(package):
        help_text = MISSING_HELP
    # Never parses anything (a named command is always the real one), so no -h of its own,
    # which would cost a help formatter per placeholder.
    subparsers.add_parser(command.name, help=help_text, add_help=False)


def _installed(package: str) -> bool:
    # PathFinder rather than importlib.util.find_spec, which would import contextlib.
    from importlib.machinery import PathFinder

    parent, _, _name = package.rpartition(".")
    return PathFinder.find_spec(package, sys.modules[parent].__path__) is not None


def _register_missing(subparsers: argparse._SubParsersAction[Any], name: str, line: str) -> None:
    """A command whose package is not installed: it says what to do, on one line."""

    def explain(_args: argparse.Namespace) -> int:
        print(line, file=sys.stderr)
        return 2

    parser = subparsers.add_parser(name, help=MISSING_HELP)
    parser.set_defaults(handler=explain)


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    # Imported once a command runs, not for `--help`: bot.datafile loads dataclasses and
    # pathlib, which the help text does not need.
    from bot.datafile import DataFileError
    from bot.storage.errors import DatabaseError

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
