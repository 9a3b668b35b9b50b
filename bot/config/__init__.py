"""Settings of a running bot: the environment over an optional ``ml-audio-bot.toml``.

Every setting has one name in the TOML file and one environment variable; the environment
wins, so a container can override a mounted file. The token is the exception: it is read
from ``DISCORD_TOKEN`` only (a secret never belongs in a file that may be committed), it
is left out of ``repr`` and no log line ever shows it.

``load_config`` checks everything at once and raises one ``ConfigError`` whose lines each
name a key and say what it expects, so a maintainer fixes all mistakes in one go.

The package: ``model`` (``Config``, ``ConfigError``, the constants), ``settings`` (the
per-setting table ``SETTINGS`` and its value parsers), ``loading`` (``load_config``:
environment, TOML file, cross-setting checks; ``describe``).

Adding settings for a new area (suggestions, deadlines, feeds, ...):

1. add a field with a default to ``Config`` (``bot/config/model.py``) in the "area
   settings" block;
2. add a ``Setting`` to ``SETTINGS`` (``bot/config/settings.py``) in the matching block,
   naming the TOML key, the environment variable, the parser (``_snowflake``,
   ``_snowflakes``, ``_positive_int``, ``_seconds``, ``_path``, ``_flag``, ...) and one
   line of help (the README table and ``ml-audio-bot config`` print it);
3. document it in ``ml-audio-bot.example.toml``.
"""

from bot.config.loading import describe, load_config
from bot.config.model import (
    CONFIG_FILE_ENV,
    DEFAULT_CONFIG_FILE,
    DEFAULT_SOURCE_URL,
    LOG_FORMATS,
    LOG_LEVELS,
    TOKEN_ENV,
    Config,
    ConfigError,
    application_id_from_token,
)
from bot.config.settings import SETTINGS, Setting

__all__ = [
    "CONFIG_FILE_ENV",
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_SOURCE_URL",
    "LOG_FORMATS",
    "LOG_LEVELS",
    "SETTINGS",
    "TOKEN_ENV",
    "Config",
    "ConfigError",
    "Setting",
    "application_id_from_token",
    "describe",
    "load_config",
]
