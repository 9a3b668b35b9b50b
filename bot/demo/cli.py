"""``ml-audio-bot demo`` (what ``make demo`` runs): the real bot in a simulated Discord server.

ml-audio-bot demo                      scripted session; in a terminal, then the browser preview
ml-audio-bot demo --no-preview         only the transcript (what CI and pipes get anyway)
ml-audio-bot demo --database PATH      keep the SQLite file (default: a fresh temporary one)
ml-audio-bot demo --port 8765          serve the preview on a fixed port of 127.0.0.1
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

from bot.paths import catalog_dir


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="play the bot in a simulated Discord server (no token, no internet)",
        description=(
            "Build a demo server in SimCord, play a scripted session with the real bot and "
            "print it. In a terminal, then serve a Discord-like page on 127.0.0.1 to try "
            "the bot by hand until Ctrl-C."
        ),
    )
    parser.add_argument(
        "--no-preview",
        action="store_true",
        help="exit after the transcript even in a terminal",
    )
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        help="SQLite file to use (default: a fresh file in a temporary folder, removed after)",
    )
    parser.add_argument(
        "--catalog",
        type=Path,
        default=None,
        help="catalog folder (default: $ML_AUDIO_BOT_CATALOG or the repository's catalog/)",
    )
    parser.add_argument(
        "--port", type=_port, default=0, help="preview port on 127.0.0.1 (default: any free one)"
    )
    parser.add_argument(
        "--scene",
        action="append",
        default=[],
        metavar="KEY",
        help="play only this scene (repeatable), e.g. resource-wavenet",
    )
    parser.set_defaults(handler=run)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"--port takes a number from 0 to 65535, not {text!r}")
    return int(text)


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("simcord") is None:
        print(
            "ml-audio-bot demo needs SimCord, a development dependency: run `make demo` "
            "in a clone of the repository (the Docker image leaves it out).",
            file=sys.stderr,
        )
        return 2
    # Imported here: discord.py and SimCord are heavy, and other commands never need them.
    from bot.config import Config
    from bot.datafile import DataFileError
    from bot.demo.session import DemoOptions, collect_scenes
    from bot.demo.session import run as run_demo

    known = [scene.key for scene in collect_scenes()]
    unknown = [key for key in args.scene if key not in known]
    if unknown:
        print(
            f"ml-audio-bot demo: no scene {', '.join(map(repr, unknown))}; "
            f"the scenes are: {', '.join(known)}",
            file=sys.stderr,
        )
        return 2

    interactive = not args.no_preview and sys.stdin.isatty() and sys.stdout.isatty()
    options = DemoOptions(
        database_path=args.database,
        interactive=interactive,
        port=args.port,
        scene_keys=tuple(args.scene),
    )
    base = Config(catalog_path=args.catalog or catalog_dir())
    try:
        return run_demo(base, options)
    except DataFileError as error:
        print(f"ml-audio-bot demo: {error}", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
