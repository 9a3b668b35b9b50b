"""Is the running bot healthy? A heartbeat file the bot writes and ``ml-audio-bot health`` reads.

A Discord bot serves no HTTP port a container runtime could probe, so while it serves, the
bot rewrites a small JSON file every ``HEARTBEAT_INTERVAL`` seconds: whether its gateway
session is ready, its latency, whether the database answered. ``ml-audio-bot health`` (the
Docker ``HEALTHCHECK``) reads it: healthy when the file is fresh and both checks passed.
A hung event loop stops the writes, so a stale file means unhealthy too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

HEALTH_FILE_ENV = "ML_AUDIO_BOT_HEALTH_FILE"
HEARTBEAT_INTERVAL = 30.0  # seconds between writes
DEFAULT_MAX_AGE = 90.0  # a beat older than this (three missed writes) means the bot is stuck


def health_file(environ: Mapping[str, str] | None = None) -> Path:
    """``$ML_AUDIO_BOT_HEALTH_FILE``, else ``ml-audio-bot.health`` in the temporary folder."""
    environ = os.environ if environ is None else environ
    override = environ.get(HEALTH_FILE_ENV)
    if override:
        return Path(override)
    import tempfile  # here: it loads random and shutil, which `ml-audio-bot --help` skips

    return Path(tempfile.gettempdir()) / "ml-audio-bot.health"


@dataclass(frozen=True, slots=True)
class Heartbeat:
    written_at: datetime
    ready: bool  # the gateway session is up (READY received, not closed)
    database_ok: bool
    latency_ms: float | None = None  # gateway heartbeat round trip, when known
    pid: int = 0

    def to_json(self) -> str:
        data = asdict(self)
        data["written_at"] = self.written_at.isoformat()
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Heartbeat:
        data = json.loads(text)
        return cls(
            written_at=datetime.fromisoformat(data["written_at"]),
            ready=bool(data["ready"]),
            database_ok=bool(data["database_ok"]),
            latency_ms=data.get("latency_ms"),
            pid=int(data.get("pid", 0)),
        )


def write_heartbeat(path: Path, beat: Heartbeat) -> None:
    """Replace the file atomically, so a reader never sees half a beat.

    Every write has its own temporary file: two writes at once (the worker's beat and one
    asked for directly, each in its own thread) once shared a name, and the slower one's
    rename found its file already moved.
    """
    import tempfile  # here, as in health_file: `ml-audio-bot --help` does not load it

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(beat.to_json())
        # mkstemp makes it private; a health check may run as another user, and a beat
        # holds nothing secret.
        temporary.chmod(0o644)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class HealthReport:
    healthy: bool
    message: str


def check_health(
    path: Path, *, now: datetime | None = None, max_age: float = DEFAULT_MAX_AGE
) -> HealthReport:
    """Read the heartbeat at ``path`` and say, in one line, whether the bot is healthy."""
    now = now or datetime.now(UTC)
    try:
        beat = Heartbeat.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return HealthReport(False, f"no heartbeat at {path}: the bot is not serving (yet)")
    except (OSError, ValueError, KeyError, TypeError) as error:
        return HealthReport(False, f"unreadable heartbeat at {path}: {error}")
    age = (now - beat.written_at).total_seconds()
    if age > max_age:
        return HealthReport(False, f"last heartbeat {age:.0f} s ago (limit {max_age:.0f} s)")
    if not beat.ready:
        return HealthReport(False, "not connected to Discord's gateway")
    if not beat.database_ok:
        return HealthReport(False, "the database did not answer")
    latency = f", latency {beat.latency_ms:.0f} ms" if beat.latency_ms is not None else ""
    return HealthReport(True, f"healthy: connected{latency}, heartbeat {age:.0f} s ago")
