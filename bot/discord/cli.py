"""``ml-audio-bot run | sync | invite-url | config``: the bot's own sub-commands.

Registering them imports nothing from discord.py: the handlers import it when they run,
so ``ml-audio-bot catalog check`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Config

EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    run = subparsers.add_parser(
        "run", help="run the bot on Discord (needs DISCORD_TOKEN)", description=_RUN_HELP
    )
    _config_option(run)
    run.set_defaults(handler=_run)

    sync = subparsers.add_parser(
        "sync",
        help="register the slash commands with Discord now",
        description="Push the slash commands to Discord even if they look unchanged "
        "(normally the bot syncs by itself on start, only when they changed).",
    )
    _config_option(sync)
    sync.add_argument("--guild", type=int, metavar="ID", help="sync to this server only (instant)")
    sync.set_defaults(handler=_sync)

    invite = subparsers.add_parser(
        "invite-url", help="print the link that adds the bot to a server"
    )
    _config_option(invite)
    invite.add_argument(
        "--application-id", type=int, metavar="ID", help="default: from settings or token"
    )
    invite.set_defaults(handler=_invite_url)

    show = subparsers.add_parser(
        "config",
        help="check the settings, the catalog and the database, and print them",
        description="Print the effective settings, then load the catalog and check the "
        "database (it opens, is undamaged, writable, and its schema is not newer than this "
        "version knows) without changing it. Exit 2 with one line naming what to fix.",
    )
    _config_option(show)
    show.set_defaults(handler=_show_config)


_RUN_HELP = (
    "Connect to Discord with DISCORD_TOKEN and serve until SIGTERM or Ctrl-C. Settings come "
    "from the environment and ml-audio-bot.toml (see ml-audio-bot.example.toml)."
)


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="settings file (default: $ML_AUDIO_BOT_CONFIG or ./ml-audio-bot.toml)",
    )


def _load(args: argparse.Namespace) -> Config | None:
    # Imported here: settings pull in the reminder offsets and asyncio, which
    # `ml-audio-bot --help` does not need.
    from bot.config import ConfigError, load_config

    try:
        return load_config(path=args.config)
    except ConfigError as exc:
        for line in exc.lines:
            print(f"ml-audio-bot: {line}", file=sys.stderr)
        return None


def _run(args: argparse.Namespace) -> int:
    config = _load(args)
    if config is None:
        return EXIT_USAGE
    from bot.discord import runtime

    return runtime.run(config)


def _sync(args: argparse.Namespace) -> int:
    config = _load(args)
    if config is None:
        return EXIT_USAGE
    from bot.discord import runtime

    return runtime.sync(config, args.guild)


def _invite_url(args: argparse.Namespace) -> int:
    config = _load(args)
    if config is None:
        return EXIT_USAGE
    application_id = args.application_id or config.resolved_application_id()
    if application_id is None:
        print(
            "ml-audio-bot: set DISCORD_APPLICATION_ID (Developer Portal → General Information "
            "→ Application ID), DISCORD_TOKEN, or pass --application-id",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from bot.discord.permissions import PERMISSIONS, invite_url, required_permissions

    print(invite_url(application_id))
    print(
        f"permissions {required_permissions().value} = "
        + ", ".join(name for name, _ in PERMISSIONS),
        file=sys.stderr,
    )
    for name, reason in PERMISSIONS:
        print(f"  {name}: {reason}", file=sys.stderr)
    return 0


def _show_config(args: argparse.Namespace) -> int:
    from bot.config import describe

    config = _load(args)
    if config is None:
        return EXIT_USAGE
    rows = describe(config)
    width = max(len(key) for key, _env, _value in rows)
    env_width = max(len(env) for _key, env, _value in rows)
    for key, env, value in rows:
        print(f"{key.ljust(width)}  {env.ljust(env_width)}  {value}")
    # The settings can be right while the files they name are not: check those too.
    # A problem raises CatalogError / DatabaseError, which bot.cli.main prints in one line.
    print(_catalog_status(config.catalog_path))
    print(_database_status(config.database_url))
    return 0


def _catalog_status(folder: Path) -> str:
    from bot.catalog.loader import load_catalog

    catalog = load_catalog(folder)
    return f"catalog: OK, {len(catalog)} entries in {len(catalog.sections)} sections ({folder})"


def _database_status(url: str) -> str:
    """One line on the database ``url`` names (SQLite file or PostgreSQL), checked without
    writing; shown without any password."""
    import asyncio

    from bot.schemas import check_database
    from bot.storage.urls import shown, sqlite_path

    where = sqlite_path(url) or shown(url)
    versions = asyncio.run(check_database(url))
    if versions is None:
        return f"database: {where} does not exist yet; the bot creates it on first start"
    schema = ", ".join(f"{name} v{version}" for name, version in sorted(versions.items()))
    return f"database: OK, schema {schema or 'empty'} ({where})"
