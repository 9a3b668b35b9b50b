"""Settings of a running bot: the environment over an optional ``ml-audio-bot.toml``.

Every setting has one name in the TOML file and one environment variable; the environment
wins, so a container can override a mounted file. The token is the exception: it is read
from ``DISCORD_TOKEN`` only (a secret never belongs in a file that may be committed), it
is left out of ``repr`` and no log line ever shows it.

``load_config`` checks everything at once and raises one ``ConfigError`` whose lines each
name a key and say what it expects, so a maintainer fixes all mistakes in one go.

Adding settings for a new area (suggestions, deadlines, feeds, ...):

1. add a field with a default to ``Config`` in the "area settings" block;
2. add a ``Setting`` to ``SETTINGS`` in the matching block, naming the TOML key, the
   environment variable, the parser (``_snowflake``, ``_snowflakes``, ``_positive_int``,
   ``_text``, ``_path``, ``_flag``, ...) and one line of help (the README table and
   ``ml-audio-bot config`` print it);
3. document it in ``ml-audio-bot.example.toml``.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.deadlines.reminders import DEFAULT_OFFSETS, parse_offsets
from bot.paths import DEFAULT_DATABASE_PATH, catalog_dir

DEFAULT_CONFIG_FILE = Path("ml-audio-bot.toml")
CONFIG_FILE_ENV = "ML_AUDIO_BOT_CONFIG"
TOKEN_ENV = "DISCORD_TOKEN"  # noqa: S105 (the variable name, not a secret)
DEFAULT_SOURCE_URL = "https://github.com/ml-audio-bot/ml-audio-bot"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")

# A snowflake is a positive 64-bit integer; real ids have at least 17 digits, but tests
# and SimCord use small ones, so only the range is checked.
_MAX_SNOWFLAKE = (1 << 64) - 1


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
        return replace(self, **changes)


Parser = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Setting:
    """How one ``Config`` field is read: its TOML key, its variable and its parser."""

    field: str
    toml_key: str
    env: str
    parse: Parser
    help: str


class _Invalid(ValueError):
    """A parser's complaint: what it expected, without the key (added by the caller)."""


# -- parsers: each takes a TOML value or an environment string ------------------------------


def _snowflake(value: Any) -> int:
    expected = "a Discord id (a positive whole number, e.g. 123456789012345678)"
    if isinstance(value, bool):
        raise _Invalid(expected)
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            raise _Invalid(f"{expected}, got {_shown(value)}")
        value = int(text)
    if not isinstance(value, int) or not 0 < value <= _MAX_SNOWFLAKE:
        raise _Invalid(f"{expected}, got {_shown(value)}")
    return value


def _list_items(value: Any, expected: str) -> list[Any]:
    """A TOML list, or the environment's comma- or space-separated text, as a list."""
    if isinstance(value, str):
        return [part for part in re.split(r"[,\s]+", value.strip()) if part]
    if isinstance(value, list):
        return value
    raise _Invalid(f"{expected}, got {_shown(value)}")


def _snowflakes(value: Any) -> tuple[int, ...]:
    expected = "a list of Discord ids (in the environment: comma-separated numbers)"
    items = _list_items(value, expected)
    try:
        ids = tuple(_snowflake(item) for item in items)
    except _Invalid as exc:
        raise _Invalid(f"{expected}; {exc}") from None
    if len(set(ids)) != len(ids):
        raise _Invalid(f"{expected} without duplicates")
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
        raise _Invalid(f"{expected}, got {_shown(value)}")
    return value


def _shard_ids(value: Any) -> tuple[int, ...]:
    expected = "a list of shard numbers starting at 0 (in the environment: comma-separated)"
    items = _list_items(value, expected)
    ids: list[int] = []
    for item in items:
        if isinstance(item, str) and item.isdigit():
            item = int(item)
        if isinstance(item, bool) or not isinstance(item, int) or item < 0:
            raise _Invalid(f"{expected}, got {_shown(item)}")
        ids.append(item)
    if not ids or len(set(ids)) != len(ids):
        raise _Invalid(f"{expected}, at least one and without duplicates")
    return tuple(ids)


def _seconds(value: Any) -> float:
    expected = "a number of seconds between 0 and 600"
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise _Invalid(f"{expected}, got {_shown(value)}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 600:
        raise _Invalid(f"{expected}, got {_shown(value)}")
    return float(value)


def _path(value: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(f"a file path, got {_shown(value)}")
    return Path(value.strip()).expanduser()


def _http_url(value: Any) -> str:
    expected = "an http(s) URL such as http://127.0.0.1:8080/api/v10"
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value.strip()):
        raise _Invalid(f"{expected}, got {_shown(value)}")
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
            raise _Invalid(f"one of {', '.join(options)}, got {_shown(value)}")
        return str(text)

    return parse


def _offsets(value: Any) -> tuple[timedelta, ...]:
    """``"30d,7d,1d,3h"`` (a TOML list of such strings works too)."""
    text = ",".join(map(str, value)) if isinstance(value, list) else value
    if not isinstance(text, str):
        raise _Invalid(f'offsets like "30d,7d,1d,3h", got {_shown(value)}')
    try:
        return parse_offsets(text)
    except ValueError as error:
        raise _Invalid(str(error)) from None


def _host_list(value: Any) -> tuple[str, ...]:
    """Host names or IP addresses; in the environment comma-separated (feeds)."""
    expected = "a list of host names or IP addresses (in the environment: comma-separated)"
    hosts: list[str] = []
    for item in _list_items(value, expected):
        if not isinstance(item, str) or not re.fullmatch(r"[A-Za-z0-9.:_-]{1,253}", item.strip()):
            raise _Invalid(f"{expected}, got {_shown(item)}")
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
    raise _Invalid(f"true or false, got {_shown(value)}")


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
        f"SQLite file (default {DEFAULT_DATABASE_PATH})",
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


def load_config(environ: Mapping[str, str] | None = None, path: Path | None = None) -> Config:
    """Read and check the settings.

    ``path`` is the TOML file; ``None`` means ``$ML_AUDIO_BOT_CONFIG`` or, when that is
    unset, ``./ml-audio-bot.toml`` if it exists. A missing explicitly named file is an
    error; a missing default file is not (the environment alone is enough).
    """
    env = dict(os.environ if environ is None else environ)
    problems: list[str] = []
    values: dict[str, Any] = {}

    file_path, explicit = _config_file(env, path)
    file_values, file_text = _read_toml(file_path, explicit, problems)
    known = {s.toml_key for s in SETTINGS}
    for key in file_values:
        if key == "token":
            problems.append(
                f"{file_path}:{_line_of(file_text, key)}: token: do not put the token in a "
                f"file; set the {TOKEN_ENV} environment variable instead"
            )
        elif key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                f"{file_path}:{_line_of(file_text, key)}: unknown key {key!r}{hint}; "
                f"see ml-audio-bot.example.toml"
            )

    for setting in SETTINGS:
        raw_env = env.get(setting.env)
        if raw_env is not None and raw_env.strip():
            where, raw = setting.env, raw_env
        elif setting.toml_key in file_values:
            where = f"{file_path}:{_line_of(file_text, setting.toml_key)}: {setting.toml_key}"
            raw = file_values[setting.toml_key]
        else:
            continue
        try:
            values[setting.field] = setting.parse(raw)
        except _Invalid as exc:
            problems.append(f"{where}: expected {exc}")

    token = env.get(TOKEN_ENV, "").strip()
    token_problem = _check_token(token)
    if token_problem:
        problems.append(f"{TOKEN_ENV}: {token_problem}")
    values["token"] = token

    problems.extend(_check_combinations(values))
    if problems:
        raise ConfigError(problems)
    # A parser returns None for an empty optional value: the field keeps its default.
    return Config(**{k: v for k, v in values.items() if v is not None})


def _config_file(env: Mapping[str, str], path: Path | None) -> tuple[Path, bool]:
    if path is not None:
        return path, True
    named = env.get(CONFIG_FILE_ENV, "").strip()
    if named:
        return Path(named).expanduser(), True
    return DEFAULT_CONFIG_FILE, False


def _read_toml(path: Path, explicit: bool, problems: list[str]) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            problems.append(
                f"{path}: config file not found (named by {CONFIG_FILE_ENV} or --config)"
            )
        return {}, ""
    except OSError as exc:
        problems.append(f"{path}: cannot read config file: {exc.strerror or exc}")
        return {}, ""
    except UnicodeDecodeError:
        problems.append(f"{path}: config file is not UTF-8 text")
        return {}, ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = re.search(r"\s*\(at line (\d+), column \d+\)", message)
        if at:
            line, message = int(at.group(1)), message[: at.start()] + message[at.end() :]
        else:
            line = text.count("\n") + 1
        problems.append(f"{path}:{line}: not valid TOML: {message}")
        return {}, text
    return data, text


def _line_of(text: str, key: str) -> int:
    """The line where ``key = ...`` is written, for ``file:line`` messages (1 if unknown)."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _check_token(token: str) -> str | None:
    if not token:
        return None  # only ``run`` and ``sync`` need one; they call require_token()
    if token.lower().startswith("bot "):
        return "paste the token alone, without the 'Bot ' prefix"
    if any(ch.isspace() for ch in token) or token.count(".") != 2:
        return (
            "does not look like a bot token (three dot-separated parts); copy it again "
            "from the Developer Portal (Bot → Reset Token)"
        )
    return None


def _check_combinations(values: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    shard_ids = values.get("shard_ids")
    shard_count = values.get("shard_count")
    if shard_ids is not None and shard_count is None:
        problems.append("shard_ids: also set shard_count (the total number of shards)")
    elif shard_ids is not None and shard_count is not None:
        too_big = [i for i in shard_ids if i >= shard_count]
        if too_big:
            problems.append(
                f"shard_ids: expected numbers from 0 to {shard_count - 1} "
                f"(shard_count is {shard_count}), got {too_big[0]}"
            )
    return problems


def application_id_from_token(token: str) -> int | None:
    """Decode the id in a bot token's first part, or ``None`` if it is not one."""
    head = token.split(".", 1)[0]
    if not head:
        return None
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(decoded) if decoded.isdigit() and 0 < int(decoded) <= _MAX_SNOWFLAKE else None


def describe(config: Config) -> list[tuple[str, str, str]]:
    """``(key, environment variable, effective value)`` rows; the token shows as set/unset."""
    rows = [("token", TOKEN_ENV, "set" if config.token else "not set")]
    for setting in SETTINGS:
        value = getattr(config, setting.field)
        if isinstance(value, tuple):
            shown = ", ".join(str(v) for v in value) or "(none)"
        else:
            shown = "(not set)" if value is None else str(value)
        rows.append((setting.toml_key, setting.env, shown))
    return rows
