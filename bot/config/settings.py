"""The per-setting table: each ``Config`` field's TOML key, variable, parser and help."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.config.model import LOG_FORMATS, LOG_LEVELS, MAX_SNOWFLAKE
from bot.deadlines.reminders import parse_offsets
from bot.paths import DEFAULT_DATABASE_PATH
from bot.storage.urls import PASSWORD_VARIABLE, URL_FORMS, url_problem

Parser = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Setting:
    """How one ``Config`` field is read: its TOML key, its variable and its parser."""

    field: str
    toml_key: str
    env: str
    parse: Parser
    help: str


class InvalidSetting(ValueError):
    """A parser's complaint: what it expected, without the key (added by the caller)."""


# -- parsers: each takes a TOML value or an environment string ------------------------------


def _snowflake(value: Any) -> int:
    expected = "a Discord id (a positive whole number, e.g. 123456789012345678)"
    if isinstance(value, bool):
        raise InvalidSetting(expected)
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            raise InvalidSetting(f"{expected}, got {_shown(value)}")
        value = int(text)
    if not isinstance(value, int) or not 0 < value <= MAX_SNOWFLAKE:
        raise InvalidSetting(f"{expected}, got {_shown(value)}")
    return value


def _list_items(value: Any, expected: str) -> list[Any]:
    """A TOML list, or the environment's comma- or space-separated text, as a list."""
    if isinstance(value, str):
        return [part for part in re.split(r"[,\s]+", value.strip()) if part]
    if isinstance(value, list):
        return value
    raise InvalidSetting(f"{expected}, got {_shown(value)}")


def _snowflakes(value: Any) -> tuple[int, ...]:
    expected = "a list of Discord ids (in the environment: comma-separated numbers)"
    items = _list_items(value, expected)
    try:
        ids = tuple(_snowflake(item) for item in items)
    except InvalidSetting as exc:
        raise InvalidSetting(f"{expected}; {exc}") from None
    if len(set(ids)) != len(ids):
        raise InvalidSetting(f"{expected} without duplicates")
    return ids


def _optional_snowflake(value: Any) -> int | None:
    if isinstance(value, str) and not value.strip():
        return None
    return _snowflake(value)


def _positive_int(value: Any) -> int:
    expected = "a whole number of at least 1"
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidSetting(f"{expected}, got {_shown(value)}")
    return value


def _shard_ids(value: Any) -> tuple[int, ...]:
    expected = "a list of shard numbers starting at 0 (in the environment: comma-separated)"
    items = _list_items(value, expected)
    ids: list[int] = []
    for item in items:
        if isinstance(item, str) and item.isdigit():
            item = int(item)
        if isinstance(item, bool) or not isinstance(item, int) or item < 0:
            raise InvalidSetting(f"{expected}, got {_shown(item)}")
        ids.append(item)
    if not ids or len(set(ids)) != len(ids):
        raise InvalidSetting(f"{expected}, at least one and without duplicates")
    return tuple(ids)


def _seconds(value: Any) -> float:
    expected = "a number of seconds between 0 and 600"
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise InvalidSetting(f"{expected}, got {_shown(value)}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 600:
        raise InvalidSetting(f"{expected}, got {_shown(value)}")
    return float(value)


def _path(value: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise InvalidSetting(f"a file path, got {_shown(value)}")
    return Path(value.strip()).expanduser()


def _database_url(value: Any) -> str | None:
    if not isinstance(value, str):
        raise InvalidSetting(f"{URL_FORMS}, got {_shown(value)}")
    text = value.strip()
    if not text:
        return None  # the default: sqlite:///{database_path}
    problem = url_problem(text)
    if problem is not None:
        raise InvalidSetting(problem)
    return text


def _http_url(value: Any) -> str:
    expected = "an http(s) URL such as http://127.0.0.1:8080/api/v10"
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value.strip()):
        raise InvalidSetting(f"{expected}, got {_shown(value)}")
    return value.strip().rstrip("/")


def _optional_http_url(value: Any) -> str | None:
    if isinstance(value, str) and not value.strip():
        return None
    return _http_url(value)


def _choice(options: tuple[str, ...], *, upper: bool = False) -> Parser:
    def parse(value: Any) -> str:
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str):
            text = text.upper() if upper else text.lower()
        if text not in options:
            raise InvalidSetting(f"one of {', '.join(options)}, got {_shown(value)}")
        return str(text)

    return parse


def _offsets(value: Any) -> tuple[timedelta, ...]:
    """``"30d,7d,1d,3h"`` (a TOML list of such strings works too)."""
    text = ",".join(map(str, value)) if isinstance(value, list) else value
    if not isinstance(text, str):
        raise InvalidSetting(f'offsets like "30d,7d,1d,3h", got {_shown(value)}')
    try:
        return parse_offsets(text)
    except ValueError as error:
        raise InvalidSetting(str(error)) from None


def _host_list(value: Any) -> tuple[str, ...]:
    """Host names or IP addresses; in the environment comma-separated (feeds)."""
    expected = "a list of host names or IP addresses (in the environment: comma-separated)"
    hosts: list[str] = []
    for item in _list_items(value, expected):
        if not isinstance(item, str) or not re.fullmatch(r"[A-Za-z0-9.:_-]{1,253}", item.strip()):
            raise InvalidSetting(f"{expected}, got {_shown(item)}")
        hosts.append(item.strip().lower())
    return tuple(dict.fromkeys(hosts))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _flag(value: Any) -> bool:
    """true/false in TOML; in the environment 1/0, true/false, yes/no, on/off."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
    raise InvalidSetting(f"true or false, got {_shown(value)}")


# -- the settings -----------------------------------------------------------------------------

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "application_id",
        "application_id",
        "DISCORD_APPLICATION_ID",
        _optional_snowflake,
        "Application ID (Developer Portal → General Information); default: read from the token",
    ),
    Setting(
        "guild_ids",
        "guild_ids",
        "ML_AUDIO_BOT_GUILD_IDS",
        _snowflakes,
        "servers whose commands are synced per server (instant); empty: global commands",
    ),
    Setting(
        "home_guild_id",
        "home_guild_id",
        "ML_AUDIO_BOT_HOME_GUILD_ID",
        _optional_snowflake,
        "the server whose maintainers run the bot; default: the only server it is in",
    ),
    Setting(
        "announcements_channel_id",
        "announcements_channel_id",
        "ML_AUDIO_BOT_ANNOUNCEMENTS_CHANNEL_ID",
        _optional_snowflake,
        "announcement channel for new resources, deadlines and feed items",
    ),
    Setting(
        "suggestions_channel_id",
        "suggestions_channel_id",
        "ML_AUDIO_BOT_SUGGESTIONS_CHANNEL_ID",
        _optional_snowflake,
        "channel where suggested resources are reviewed",
    ),
    Setting(
        "log_channel_id",
        "log_channel_id",
        "ML_AUDIO_BOT_LOG_CHANNEL_ID",
        _optional_snowflake,
        "channel for maintainer-facing notices",
    ),
    Setting(
        "maintainer_role_ids",
        "maintainer_role_ids",
        "ML_AUDIO_BOT_MAINTAINER_ROLE_IDS",
        _snowflakes,
        "roles allowed to review suggestions and run maintainer commands",
    ),
    Setting(
        "database_path",
        "database_path",
        "ML_AUDIO_BOT_DATABASE",
        _path,
        f"SQLite file (default {DEFAULT_DATABASE_PATH}); used when database_url is not set",
    ),
    Setting(
        "database_url",
        "database_url",
        "ML_AUDIO_BOT_DATABASE_URL",
        _database_url,
        "sqlite:///path or postgresql://user@host:port/db, without password "
        f"(that comes from {PASSWORD_VARIABLE} or PGPASSWORD); default sqlite:///database_path",
    ),
    Setting(
        "catalog_path",
        "catalog_path",
        "ML_AUDIO_BOT_CATALOG",
        _path,
        "catalog folder (sections.yaml + entries/); default: the repository's catalog/",
    ),
    Setting(
        "shard_count",
        "shard_count",
        "ML_AUDIO_BOT_SHARD_COUNT",
        _positive_int,
        "total number of shards over all processes; unset: one connection",
    ),
    Setting(
        "shard_ids",
        "shard_ids",
        "ML_AUDIO_BOT_SHARD_IDS",
        _shard_ids,
        "shards this process runs (needs shard_count); default: all of them",
    ),
    Setting(
        "api_base",
        "api_base",
        "DISCORD_API_BASE",
        _optional_http_url,
        "Discord REST base URL, e.g. a shared rate-limit proxy; default: Discord itself",
    ),
    Setting(
        "log_level",
        "log_level",
        "ML_AUDIO_BOT_LOG_LEVEL",
        _choice(LOG_LEVELS, upper=True),
        "DEBUG, INFO, WARNING or ERROR",
    ),
    Setting(
        "log_format",
        "log_format",
        "ML_AUDIO_BOT_LOG_FORMAT",
        _choice(LOG_FORMATS),
        "text (key=value lines) or json (one object per line)",
    ),
    Setting(
        "source_url",
        "source_url",
        "ML_AUDIO_BOT_SOURCE_URL",
        _http_url,
        "source code link shown by /about",
    ),
    Setting(
        "shutdown_grace",
        "shutdown_grace",
        "ML_AUDIO_BOT_SHUTDOWN_GRACE",
        _seconds,
        "seconds in-flight commands get to finish on SIGTERM/SIGINT",
    ),
    # -- area settings: suggestions, deadlines, feeds add their Setting lines below ------
    # -- suggestions -----------------------------------------------------------------------
    Setting(
        "suggestions_max_pending",
        "suggestions_max_pending",
        "ML_AUDIO_BOT_SUGGESTIONS_MAX_PENDING",
        _positive_int,
        "suggestions one member may have waiting for review (default 5)",
    ),
    Setting(
        "suggestions_max_per_day",
        "suggestions_max_per_day",
        "ML_AUDIO_BOT_SUGGESTIONS_MAX_PER_DAY",
        _positive_int,
        "suggestions one member may make in 24 hours (default 10)",
    ),
    Setting(
        "suggestions_allow_anonymous",
        "suggestions_allow_anonymous",
        "ML_AUDIO_BOT_SUGGESTIONS_ALLOW_ANONYMOUS",
        _flag,
        "let members hide their name on a suggestion (maintainers still see it in the audit log)",
    ),
    Setting(
        "suggestions_forum_channel_id",
        "suggestions_forum_channel_id",
        "ML_AUDIO_BOT_SUGGESTIONS_FORUM_CHANNEL_ID",
        _optional_snowflake,
        "forum channel: each suggestion becomes a post there instead of a message",
    ),
    Setting(
        "suggestions_threads",
        "suggestions_threads",
        "ML_AUDIO_BOT_SUGGESTIONS_THREADS",
        _flag,
        "open a discussion thread under each suggestion when the channel allows (default true)",
    ),
    Setting(
        "suggestions_edit_delay",
        "suggestions_edit_delay",
        "ML_AUDIO_BOT_SUGGESTIONS_EDIT_DELAY",
        _seconds,
        "seconds votes are gathered before a suggestion's message is edited (default 2)",
    ),
    # -- end of suggestions ----------------------------------------------------------------
    # -- feeds -----------------------------------------------------------------------------
    Setting(
        "feeds_enabled",
        "feeds_enabled",
        "ML_AUDIO_BOT_FEEDS_ENABLED",
        _flag,
        "poll RSS/Atom feeds in the background and announce new items (default true)",
    ),
    Setting(
        "feeds_file",
        "feeds_file",
        "ML_AUDIO_BOT_FEEDS_FILE",
        _path,
        "feeds list (default: feeds.yaml in the catalog folder)",
    ),
    Setting(
        "feeds_allowed_hosts",
        "feeds_allowed_hosts",
        "ML_AUDIO_BOT_FEEDS_ALLOWED_HOSTS",
        _host_list,
        "hosts feeds may use although they resolve to private addresses (e.g. 127.0.0.1)",
    ),
    Setting(
        "feeds_interval_minutes",
        "feeds_interval_minutes",
        "ML_AUDIO_BOT_FEEDS_INTERVAL_MINUTES",
        _positive_int,
        "minutes between two polls of a feed unless it sets its own (default 30)",
    ),
    Setting(
        "feeds_max_age_days",
        "feeds_max_age_days",
        "ML_AUDIO_BOT_FEEDS_MAX_AGE_DAYS",
        _positive_int,
        "feed items older than this many days are not announced (default 7)",
    ),
    Setting(
        "feeds_start_delay",
        "feeds_start_delay",
        "ML_AUDIO_BOT_FEEDS_START_DELAY",
        _seconds,
        "seconds after start-up before the first feed poll (default 60)",
    ),
    # -- end of feeds ----------------------------------------------------------------------
    # -- deadlines -------------------------------------------------------------------------
    Setting(
        "deadline_reminder_offsets",
        "deadline_reminder_offsets",
        "ML_AUDIO_BOT_DEADLINE_REMINDER_OFFSETS",
        _offsets,
        "how long before each deadline reminders are announced (default 30d,7d,1d,3h)",
    ),
    Setting(
        "deadlines_sync_enabled",
        "deadlines_sync_enabled",
        "ML_AUDIO_BOT_DEADLINES_SYNC_ENABLED",
        _flag,
        "follow the upstream files of catalog/deadlines/sources.yaml daily (default true)",
    ),
    # -- end of deadlines ------------------------------------------------------------------
)
