"""``ml-audio-bot health``: exit 0 when the running bot is healthy (the Docker HEALTHCHECK).

ml-audio-bot health                  reads $ML_AUDIO_BOT_HEALTH_FILE or /tmp/ml-audio-bot.health
ml-audio-bot health --max-age 120    accept an older heartbeat
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "health",
        help="exit 0 if the running bot is connected and its database answers",
        description=(
            "Read the heartbeat the serving bot writes every 30 s: healthy when it is fresh, "
            "the gateway session is up and the database answered. Exit 0 or 1."
        ),
    )
    parser.add_argument(
        "--file",
        type=Path,
        default=None,
        help="heartbeat file (default: $ML_AUDIO_BOT_HEALTH_FILE or ml-audio-bot.health in /tmp)",
    )
    parser.add_argument(
        "--max-age",
        type=float,
        default=None,
        help="seconds after which a heartbeat is stale (default: three missed beats, 90)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering the command for `ml-audio-bot --help`
    # should not load dataclasses and datetime.
    from bot.health import DEFAULT_MAX_AGE, check_health, health_file

    max_age = DEFAULT_MAX_AGE if args.max_age is None else args.max_age
    report = check_health(args.file or health_file(), max_age=max_age)
    print(report.message, file=sys.stdout if report.healthy else sys.stderr)
    return 0 if report.healthy else 1
