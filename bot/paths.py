"""Where the project's files live, so that no module guesses on its own."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG_DIR = REPO_ROOT / "catalog"
DEFAULT_DATABASE_PATH = Path("data") / "ml-audio-bot.sqlite3"


def catalog_dir() -> Path:
    """The catalog folder: ``ML_AUDIO_BOT_CATALOG`` when set, else the repo's ``catalog/``."""
    override = os.environ.get("ML_AUDIO_BOT_CATALOG")
    return Path(override) if override else DEFAULT_CATALOG_DIR
