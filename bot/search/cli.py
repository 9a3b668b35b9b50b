"""``ml-audio-bot search`` (filled in by the search work)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    subparsers.add_parser("search", help="search the catalog")
