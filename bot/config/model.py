"""The validated settings (``Config``), their error type and the names they use."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.deadlines.reminders import DEFAULT_OFFSETS
from bot.paths import DEFAULT_DATABASE_PATH, catalog_dir
from bot.storage.urls import sqlite_url

DEFAULT_CONFIG_FILE = Path("ml-audio-bot.toml")
CONFIG_FILE_ENV = "ML_AUDIO_BOT_CONFIG"
TOKEN_ENV = "DISCORD_TOKEN"  # noqa: S105 (the variable name, not a secret)
DEFAULT_SOURCE_URL = "https://github.com/ml-audio-bot/ml-audio-bot"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")

# A snowflake is a positive 64-bit integer; real ids have at least 17 digits, but tests
# and SimCord use small ones, so only the range is checked.
MAX_SNOWFLAKE = (1 << 64) - 1


class ConfigError(Exception):
    """One or more settings are wrong; ``lines`` has one message per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class Config:
    """Validated settings. Build it with ``load_config``; tests may call it directly."""

    token: str = field(default="", repr=False)
    application_id: int | None = None
    guild_ids: tuple[int, ...] = ()
    # The one server whose maintainers run the bot (bot.maintainers); None: the only server.
    home_guild_id: int | None = None
    announcements_channel_id: int | None = None
    suggestions_channel_id: int | None = None
    log_channel_id: int | None = None
    maintainer_role_ids: tuple[int, ...] = ()
    database_path: Path = DEFAULT_DATABASE_PATH
    # sqlite:///path or postgresql://user@host:port/db, never with a password (see
    # bot.storage.urls). Left empty it is made sqlite:///{database_path}, so an install
    # that only ever set database_path keeps its file.
    database_url: str = ""
    catalog_path: Path = field(default_factory=catalog_dir)
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    api_base: str | None = None
    log_level: str = "INFO"
    log_format: str = "text"
    source_url: str = DEFAULT_SOURCE_URL
    # Seconds that in-flight interactions get to finish when the bot is told to stop.
    shutdown_grace: float = 10.0
    # -- area settings: suggestions, deadlines, feeds add their fields below this line ---
    # -- suggestions (bot/suggestions, cogs/suggestions.py) ------------------------------
    suggestions_max_pending: int = 5
    suggestions_max_per_day: int = 10
    suggestions_allow_anonymous: bool = False
    suggestions_forum_channel_id: int | None = None
    suggestions_threads: bool = True
    suggestions_edit_delay: float = 2.0
    # -- end of suggestions ------------------------------------------------------------
    # -- feeds (bot/feeds, cogs/feeds.py) ------------------------------------------------
    # On: a deployment with an announcement channel announces feeds without an extra switch.
    # Tests and the demo turn it off explicitly (they must never fetch the internet).
    feeds_enabled: bool = True
    feeds_file: Path | None = None
    feeds_allowed_hosts: tuple[str, ...] = ()
    feeds_interval_minutes: int = 30
    feeds_max_age_days: int = 7
    feeds_start_delay: float = 60.0
    # -- end of feeds --------------------------------------------------------------------
    # -- deadlines (bot/deadlines, cogs/deadlines.py) -------------------------------------
    deadline_reminder_offsets: tuple[timedelta, ...] = DEFAULT_OFFSETS
    # On, like feeds: a deployment follows the upstream deadline files without a switch.
    # Tests and the demo turn it off explicitly (they must never fetch the internet).
    deadlines_sync_enabled: bool = True
    # -- end of deadlines --------------------------------------------------------------

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", sqlite_url(self.database_path))

    @property
    def has_token(self) -> bool:
        return bool(self.token)

    def require_token(self) -> str:
        """The token, or a ``ConfigError`` telling the maintainer what to set."""
        if not self.token:
            raise ConfigError(
                [
                    f"{TOKEN_ENV} is not set: copy the bot token from "
                    "https://discord.com/developers/applications (Bot → Reset Token) and run "
                    f"`{TOKEN_ENV}=... make run`"
                ]
            )
        return self.token

    def resolved_application_id(self) -> int | None:
        """The application id from the settings, else the one encoded in the token.

        A bot token starts with the base64 of the bot user's id, which is the application
        id for every application made since 2018; ``application_id`` overrides it.
        """
        if self.application_id is not None:
            return self.application_id
        return application_id_from_token(self.token)

    def with_overrides(self, **changes: Any) -> Config:
        """A copy with ``changes``. A new ``database_path`` without a ``database_url`` means
        that SQLite file (the ``--database PATH`` options), whatever the URL said."""
        if "database_path" in changes and "database_url" not in changes:
            changes["database_url"] = ""
        return replace(self, **changes)


def application_id_from_token(token: str) -> int | None:
    """Decode the id in a bot token's first part, or ``None`` if it is not one."""
    head = token.split(".", 1)[0]
    if not head:
        return None
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(decoded) if decoded.isdigit() and 0 < int(decoded) <= MAX_SNOWFLAKE else None
