"""Loading the deadline data for the running bot, which must start even if the data is bad."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.deadlines.conferences import DEADLINES_DIR
from bot.deadlines.loader import load_deadlines
from bot.deadlines.model import DeadlineBook

log = logging.getLogger(__name__)


def load_deadline_book(catalog_path: Path) -> DeadlineBook:
    """The valid part of ``catalog/deadlines``; each problem is logged (``deadlines check``
    lists them with file:line), so one bad edition does not hide every other deadline."""
    result = load_deadlines(catalog_path / DEADLINES_DIR)
    for problem in result.problems:
        log.warning("deadline data: %s", problem.format())
    return result.book
