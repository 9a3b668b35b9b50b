"""compose.example.yaml is what an operator copies to run two shard processes on
PostgreSQL: each bot service must be a configuration the bot accepts, the shards must be
split without gap or overlap, and the password must never sit in the database URL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Config, load_config
from tests.shared_data import REPO_ROOT

COMPOSE = REPO_ROOT / "compose.example.yaml"
_VARIABLE = re.compile(r"\$\{(\w+):\?[^}]*\}")


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = yaml.safe_load(COMPOSE.read_text())["services"]
    return services


def _bot_services() -> dict[str, dict[str, Any]]:
    return {
        name: s for name, s in _services().items() if "DISCORD_TOKEN" in s.get("environment", {})
    }


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """The service's environment as docker compose would pass it, with .env values filled in."""
    filled = {
        "DISCORD_TOKEN": "MTAx.GAbCdE.fake-token-for-the-test",
        "POSTGRES_PASSWORD": "secret",
        "HOME_GUILD_ID": "42",
    }
    return {
        key: _VARIABLE.sub(lambda m: filled[m.group(1)], str(value))
        for key, value in service["environment"].items()
    }


def _load(service: dict[str, Any], folder: Path) -> Config:
    empty = folder / "ml-audio-bot.toml"  # settings from the environment only
    empty.write_text("")
    return load_config(_environment(service), path=empty)


def test_every_shard_process_is_a_configuration_the_bot_accepts(tmp_path: Path) -> None:
    bots = _bot_services()
    assert len(bots) == 2
    for service in bots.values():
        config = _load(service, tmp_path)
        assert config.database_url.startswith("postgresql://")
        assert "secret" not in config.database_url  # the password comes from the environment
        assert config.home_guild_id == 42


def test_the_shards_are_split_between_the_processes_without_gap_or_overlap(
    tmp_path: Path,
) -> None:
    configs = [_load(service, tmp_path) for service in _bot_services().values()]
    counts = {c.shard_count for c in configs}
    assert len(counts) == 1
    (count,) = counts
    assert count is not None
    run = sorted(i for c in configs for i in (c.shard_ids or ()))
    assert run == list(range(count))
    assert len({c.database_url for c in configs}) == 1  # one database shared by all


def test_the_bots_wait_for_a_healthy_postgresql_15() -> None:
    services = _services()
    assert services["postgres"]["image"].startswith("postgres:15")
    assert "healthcheck" in services["postgres"]
    for service in _bot_services().values():
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["restart"] == "unless-stopped"


@pytest.mark.parametrize(
    "key", ["DISCORD_TOKEN", "POSTGRES_PASSWORD", "ML_AUDIO_BOT_DATABASE_PASSWORD"]
)
def test_secrets_come_from_the_operators_env_file_not_the_example(key: str) -> None:
    services = _services()
    values = [s["environment"][key] for s in services.values() if key in s.get("environment", {})]
    assert values
    assert all(_VARIABLE.fullmatch(value) for value in values)
