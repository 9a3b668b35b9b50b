"""Reading the settings: the environment over the TOML file, every mistake at once."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.config.model import (
    CONFIG_FILE_ENV,
    DEFAULT_CONFIG_FILE,
    TOKEN_ENV,
    Config,
    ConfigError,
)
from bot.config.settings import SETTINGS, InvalidSetting
from bot.storage.urls import is_postgres
from bot.storage.urls import shown as shown_url


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
        except InvalidSetting as exc:
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
        url = values.get("database_url") or ""
        if too_big:
            problems.append(
                f"shard_ids: expected numbers from 0 to {shard_count - 1} "
                f"(shard_count is {shard_count}), got {too_big[0]}"
            )
        elif set(shard_ids) != set(range(shard_count)) and not is_postgres(url):
            # The other shards run in other processes, which must share this database: an
            # SQLite file serves one process (its leases are taken back at every start).
            problems.append(
                "shard_ids: processes that each run some of the shards share one database; "
                "set database_url to a PostgreSQL database (an SQLite file serves one process)"
            )
    return problems


def describe(config: Config) -> list[tuple[str, str, str]]:
    """``(key, environment variable, effective value)`` rows; the token shows as set/unset."""
    rows = [("token", TOKEN_ENV, "set" if config.token else "not set")]
    for setting in SETTINGS:
        value = getattr(config, setting.field)
        if isinstance(value, tuple):
            shown = ", ".join(str(v) for v in value) or "(none)"
        elif setting.field == "database_url":
            shown = shown_url(value)  # a Config built by hand may carry a password
        else:
            shown = "(not set)" if value is None else str(value)
        rows.append((setting.toml_key, setting.env, shown))
    return rows
