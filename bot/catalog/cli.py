"""``ml-audio-bot catalog check|render`` (filled in by the catalog work)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    subparsers.add_parser("catalog", help="validate or render the catalog")
