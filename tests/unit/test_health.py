"""``ml-audio-bot health`` says healthy only for a fresh heartbeat of a connected bot."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.health import Heartbeat, check_health, health_file, write_heartbeat

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def beat(*, age: float = 5, ready: bool = True, database_ok: bool = True) -> Heartbeat:
    return Heartbeat(
        written_at=NOW - timedelta(seconds=age),
        ready=ready,
        database_ok=database_ok,
        latency_ms=42.0,
        pid=1,
    )


def test_a_fresh_beat_of_a_connected_bot_is_healthy(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    write_heartbeat(path, beat())

    report = check_health(path, now=NOW)

    assert report.healthy
    assert "latency 42 ms" in report.message


@pytest.mark.parametrize(
    ("heartbeat", "reason"),
    [
        (beat(age=91), "last heartbeat 91 s ago"),
        (beat(ready=False), "not connected"),
        (beat(database_ok=False), "database did not answer"),
    ],
    ids=["stale", "disconnected", "database"],
)
def test_unhealthy_states_say_why(tmp_path: Path, heartbeat: Heartbeat, reason: str) -> None:
    path = tmp_path / "health.json"
    write_heartbeat(path, heartbeat)

    report = check_health(path, now=NOW)

    assert not report.healthy
    assert reason in report.message


def test_missing_or_garbled_file_is_unhealthy(tmp_path: Path) -> None:
    missing = check_health(tmp_path / "absent", now=NOW)
    garbled_path = tmp_path / "garbled"
    garbled_path.write_text("{not json", encoding="utf-8")
    garbled = check_health(garbled_path, now=NOW)

    assert not missing.healthy
    assert "not serving" in missing.message
    assert not garbled.healthy
    assert "unreadable" in garbled.message


def test_health_file_location_can_be_overridden() -> None:
    assert health_file({"ML_AUDIO_BOT_HEALTH_FILE": "/data/h.json"}) == Path("/data/h.json")
    assert health_file({}).name == "ml-audio-bot.health"


def test_cli_exit_code_is_what_docker_expects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "health.json"
    write_heartbeat(path, Heartbeat(datetime.now(UTC), ready=True, database_ok=True))

    assert main(["health", "--file", str(path)]) == 0
    write_heartbeat(path, Heartbeat(datetime.now(UTC), ready=False, database_ok=True))
    assert main(["health", "--file", str(path)]) == 1
    assert "not connected" in capsys.readouterr().err


def test_two_writes_at_once_both_land_and_leave_no_temporary_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both writes finish their temporary file before either renames it: with one shared
    # temporary name, the second rename found nothing and the beat raised.
    path = tmp_path / "health.json"
    both_written = threading.Barrier(2, timeout=10)
    rename = Path.replace

    def rename_after_both_wrote(self: Path, target: str | Path) -> Path:
        both_written.wait()
        return rename(self, target)

    monkeypatch.setattr(Path, "replace", rename_after_both_wrote)
    with ThreadPoolExecutor(max_workers=2) as pool:
        writes = [pool.submit(write_heartbeat, path, beat(age=age)) for age in (1, 2)]
        for write in writes:
            write.result(timeout=10)

    assert check_health(path, now=NOW).healthy
    assert [p.name for p in tmp_path.iterdir()] == ["health.json"]
    assert path.stat().st_mode & 0o777 == 0o644  # readable by a health check of any user


def test_a_failed_write_leaves_the_last_beat_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "health.json"
    write_heartbeat(path, beat())

    def disk_full(self: Path, target: str | Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_heartbeat(path, beat(ready=False))

    assert check_health(path, now=NOW).healthy  # the previous beat is still there
    assert [p.name for p in tmp_path.iterdir()] == ["health.json"]
