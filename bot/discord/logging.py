"""Logging for the running bot: key=value (or JSON) lines, secrets redacted, one per interaction.

``setup_logging(config)`` installs one handler on the root logger with ``RedactSecrets``,
so nothing any library logs (discord.py, aiohttp, ours) can print the token, even inside a
traceback. ``log_event`` writes ``event key=value ...`` lines whose fields also reach the
JSON formatter as real keys, so a log pipeline can filter on ``outcome=error``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

import discord

from bot.config import Config

REDACTED = "[redacted]"
interactions_log = logging.getLogger("bot.interactions")


class RedactSecrets(logging.Filter):
    """Replace every secret in a record (message, arguments, traceback) with ``[redacted]``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Short strings would redact ordinary words; tokens are ~70 characters.
        self._secrets = tuple(s for s in secrets if len(s) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {
                k: self._clean(v) if isinstance(v, str) else v for k, v in fields.items()
            }
        return True

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class KeyValueFormatter(logging.Formatter):
    """``2026-11-25T15:00:00.123Z INFO bot.interactions interaction command=/resource ...``."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        line = (
            f"{stamp.replace('+00:00', 'Z')} {record.levelname} {record.name} {record.getMessage()}"
        )
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        data: dict[str, Any] = {
            "ts": stamp.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update(fields)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = record.exc_text
        return json.dumps(data, default=str, ensure_ascii=False)


def setup_logging(config: Config, stream: TextIO | None = None) -> logging.Handler:
    """Route every log record through one redacting handler; return that handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if config.log_format == "json" else KeyValueFormatter())
    handler.addFilter(RedactSecrets([config.token]))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(config.log_level)
    # discord.py's gateway chatter is DEBUG noise unless asked for.
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(config.log_level)))
    return handler


def log_event(logger: logging.Logger, level: int, event: str, **fields: Any) -> None:
    """Log ``event k=v ...``; values with spaces are quoted so lines stay machine-readable."""
    parts = [event, *(f"{key}={_value(value)}" for key, value in fields.items())]
    logger.log(level, " ".join(parts), extra={"fields": {"event": event, **fields}})


def _value(value: Any) -> str:
    text = "-" if value is None else str(value)
    return (
        json.dumps(text, ensure_ascii=False)
        if (not text or any(c in text for c in ' "=\n'))
        else text
    )


def start_clock(interaction: discord.Interaction[discord.Client]) -> None:
    """Remember when handling began, for the latency of ``log_interaction``."""
    interaction.extras.setdefault("started", time.perf_counter())


def log_interaction(
    interaction: discord.Interaction[discord.Client],
    outcome: str,
    *,
    level: int = logging.INFO,
    **fields: Any,
) -> None:
    """The one line per interaction: what, who, where, how long, how it ended.

    Only the first call per interaction writes: a command that logged its own outcome
    (``refused``, ``not-found``) is not logged again as ``ok`` when it returns.
    """
    if interaction.extras.get("logged"):
        return
    interaction.extras["logged"] = True
    started = interaction.extras.get("started")
    latency = (time.perf_counter() - started) * 1000 if isinstance(started, float) else None
    log_event(
        interactions_log,
        level,
        "interaction",
        command=describe_interaction(interaction),
        user=interaction.user.id,
        guild=interaction.guild_id,
        channel=interaction.channel_id,
        latency_ms=f"{latency:.1f}" if latency is not None else None,
        outcome=outcome,
        **fields,
    )


def describe_interaction(interaction: discord.Interaction[discord.Client]) -> str:
    """``/resource`` for commands, ``component:page:next`` for buttons and menus."""
    if interaction.command is not None:
        return "/" + interaction.command.qualified_name
    data: Mapping[str, Any] = interaction.data or {}
    custom_id = data.get("custom_id")
    if custom_id:
        return f"component:{custom_id}"
    name = data.get("name")
    return f"/{name}" if name else str(interaction.type.name)
