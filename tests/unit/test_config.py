"""Settings: environment over file, one clear line per mistake, the token kept secret."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from bot.config import (
    DEFAULT_SOURCE_URL,
    SETTINGS,
    Config,
    ConfigError,
    application_id_from_token,
    describe,
    load_config,
)

# Shaped like a real token (id.timestamp.hmac) but not one.
APP_ID = 1234567890123456789
FAKE_TOKEN = base64.b64encode(str(APP_ID).encode()).decode().rstrip("=") + ".GaBcDe.fake-signature"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "ml-audio-bot.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults_without_file_or_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./ml-audio-bot.toml here
    config = load_config({})
    assert config.token == ""
    assert config.guild_ids == ()
    assert str(config.database_path) == "data/ml-audio-bot.sqlite3"
    assert config.catalog_path.name == "catalog"
    assert config.source_url == DEFAULT_SOURCE_URL
    assert config.shard_count is None


def test_file_values_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
guild_ids = [111111111111111111, 222222222222222222]
announcements_channel_id = 333333333333333333
maintainer_role_ids = [444444444444444444]
database_path = "/data/bot.sqlite3"
database_url = "postgresql://bot@db:5432/ml_audio_bot"
shard_count = 4
shard_ids = [0, 1]
log_format = "json"
""",
    )
    config = load_config({}, path)
    assert config.guild_ids == (111111111111111111, 222222222222222222)
    assert config.announcements_channel_id == 333333333333333333
    assert config.maintainer_role_ids == (444444444444444444,)
    assert config.database_path == Path("/data/bot.sqlite3")
    assert config.database_url == "postgresql://bot@db:5432/ml_audio_bot"
    assert (config.shard_count, config.shard_ids) == (4, (0, 1))
    assert config.log_format == "json"


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "guild_ids = [111111111111111111]\nlog_level = 'DEBUG'\n")
    config = load_config(
        {"ML_AUDIO_BOT_GUILD_IDS": "5, 6", "ML_AUDIO_BOT_LOG_LEVEL": "warning"}, path
    )
    assert config.guild_ids == (5, 6)
    assert config.log_level == "WARNING"


def test_config_file_can_be_named_in_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "log_channel_id = 77\n")
    assert load_config({"ML_AUDIO_BOT_CONFIG": str(path)}).log_channel_id == 77


def test_a_named_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config({"ML_AUDIO_BOT_CONFIG": str(tmp_path / "nope.toml")})


def test_every_mistake_gets_one_line_naming_its_key_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """# comment
guild_ids = ["abc"]
suggestions_channel_id = -5
gild_ids = [1]
shard_ids = [0]
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_config({"ML_AUDIO_BOT_LOG_LEVEL": "LOUD", "DISCORD_API_BASE": "ftp://x"}, path)
    lines = caught.value.lines
    assert len(lines) == 6, lines
    text = "\n".join(lines)
    assert f"{path}:2: guild_ids: expected a list of Discord ids" in text
    assert f"{path}:3: suggestions_channel_id: expected a Discord id" in text
    assert f"{path}:4: unknown key 'gild_ids' (did you mean 'guild_ids'?)" in text
    assert "ML_AUDIO_BOT_LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR" in text
    assert "DISCORD_API_BASE: expected an http(s) URL" in text
    assert "shard_ids: also set shard_count" in text


def test_invalid_toml_is_reported_with_its_position(tmp_path: Path) -> None:
    path = write(tmp_path, "log_level = 'INFO'\nguild_ids = = [1]\n")
    with pytest.raises(ConfigError) as caught:
        load_config({}, path)
    assert caught.value.lines == [f"{path}:2: not valid TOML: Invalid value"]


def test_shard_ids_must_be_below_shard_count() -> None:
    with pytest.raises(ConfigError, match="shard_ids: expected numbers from 0 to 1"):
        load_config({"ML_AUDIO_BOT_SHARD_COUNT": "2", "ML_AUDIO_BOT_SHARD_IDS": "1,2"})


@pytest.mark.parametrize("url", [None, "sqlite:///data/bot.sqlite3"])
def test_a_process_running_only_some_shards_needs_postgresql(url: str | None) -> None:
    """Shard processes share one database; an SQLite file serves one process (the bot takes
    back every lease in it at start), so splitting the shards over it is refused."""
    env = {"ML_AUDIO_BOT_SHARD_COUNT": "2", "ML_AUDIO_BOT_SHARD_IDS": "1"}
    if url is not None:
        env["ML_AUDIO_BOT_DATABASE_URL"] = url
    with pytest.raises(ConfigError) as error:
        load_config(env)
    [line] = error.value.lines
    assert line.startswith("shard_ids: ")
    assert "PostgreSQL" in line
    # All shards in one process, or some of them over PostgreSQL: fine.
    assert load_config({**env, "ML_AUDIO_BOT_SHARD_IDS": "0,1"}).shard_ids == (0, 1)
    postgres = {**env, "ML_AUDIO_BOT_DATABASE_URL": "postgresql://bot@db:5432/ml"}
    assert load_config(postgres).shard_ids == (1,)


def test_api_base_loses_its_trailing_slash() -> None:
    config = load_config({"DISCORD_API_BASE": "http://127.0.0.1:8080/api/v10/"})
    assert config.api_base == "http://127.0.0.1:8080/api/v10"


def test_token_only_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, f'token = "{FAKE_TOKEN}"\n')
    with pytest.raises(ConfigError) as caught:
        load_config({}, path)
    assert "set the DISCORD_TOKEN environment variable" in str(caught.value)
    assert FAKE_TOKEN not in str(caught.value)


def test_token_is_never_shown() -> None:
    config = load_config({"DISCORD_TOKEN": FAKE_TOKEN})
    assert config.token == FAKE_TOKEN
    assert FAKE_TOKEN not in repr(config)
    assert FAKE_TOKEN not in str(describe(config))


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("Bot " + FAKE_TOKEN, "without the 'Bot ' prefix"),
        ("not-a-token", "does not look like a bot token"),
    ],
)
def test_malformed_tokens_are_explained_without_echoing_them(token: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({"DISCORD_TOKEN": token})
    assert message in str(caught.value)
    assert token not in str(caught.value)


def test_require_token_says_what_to_set() -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN is not set"):
        Config().require_token()


def test_application_id_comes_from_the_token_unless_set() -> None:
    assert application_id_from_token(FAKE_TOKEN) == APP_ID
    assert application_id_from_token("garbage") is None
    assert Config(token=FAKE_TOKEN).resolved_application_id() == APP_ID
    assert Config(token=FAKE_TOKEN, application_id=9).resolved_application_id() == 9


def test_every_setting_is_a_config_field_and_documented_in_the_example() -> None:
    example = (Path(__file__).resolve().parents[2] / "ml-audio-bot.example.toml").read_text()
    for setting in SETTINGS:
        assert hasattr(Config(), setting.field)
        assert setting.toml_key in example, setting.toml_key
        assert setting.env in example, setting.env


def test_the_example_file_loads() -> None:
    example = Path(__file__).resolve().parents[2] / "ml-audio-bot.example.toml"
    load_config({}, example)


# -- database_url ---------------------------------------------------------------------------


def test_database_url_defaults_to_the_sqlite_file_of_database_path(tmp_path: Path) -> None:
    assert (
        load_config({}, write(tmp_path, "")).database_url == "sqlite:///data/ml-audio-bot.sqlite3"
    )
    path = write(tmp_path, 'database_path = "/data/bot.sqlite3"\n')
    assert load_config({}, path).database_url == "sqlite:////data/bot.sqlite3"
    assert Config(database_path=tmp_path / "x.db").database_url == f"sqlite:///{tmp_path}/x.db"


def test_database_url_from_the_file_and_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, 'database_url = "postgresql://bot@db.internal:5432/ml_audio_bot"\n')
    assert load_config({}, path).database_url == "postgresql://bot@db.internal:5432/ml_audio_bot"
    env = {"ML_AUDIO_BOT_DATABASE_URL": "sqlite:///elsewhere.sqlite3"}
    assert load_config(env, path).database_url == "sqlite:///elsewhere.sqlite3"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bot:hunter2secret@db:5432/ml",
        "postgres://bot@db/ml?password=hunter2secret",
        "sqlite://:hunter2secret@/x",
        "postgresql:bot:hunter2secret@db/ml",  # slashes forgotten: no authority part
        "ml:hunter2secret@db:5432/ml",
    ],
)
def test_a_password_in_database_url_is_refused_in_one_line_without_showing_it(
    tmp_path: Path, url: str
) -> None:
    path = write(tmp_path, f'database_url = "{url}"\n')
    for environ, where in (
        ({}, f"{path}:1: database_url"),
        ({"ML_AUDIO_BOT_DATABASE_URL": url}, "ML_AUDIO_BOT_DATABASE_URL"),
    ):
        with pytest.raises(ConfigError) as error:
            load_config(environ, path)
        [line] = error.value.lines
        assert line.startswith(f"{where}: expected a URL without a password")
        assert "ML_AUDIO_BOT_DATABASE_PASSWORD (or PGPASSWORD)" in line
        assert "hunter2secret" not in line


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("mysql://bot@db/ml", "got 'mysql://bot@db/ml'"),
        ("sqlite:///", "no file named"),
        ("postgresql://bot@db:port/ml", "the port is not a number"),
        ("postgresql:/ml", "two slashes before the host"),
    ],
)
def test_other_database_urls_are_explained(url: str, hint: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config({"ML_AUDIO_BOT_DATABASE_URL": url})
    [line] = error.value.lines
    assert "sqlite:///path/to/file.sqlite3 or postgresql://user@host:port/database" in line
    assert hint in line


def test_database_url_is_shown_without_a_password() -> None:
    rows = {
        key: value
        for key, _env, value in describe(Config(database_url="postgresql://bot:pw@db/ml"))
    }
    assert rows["database_url"] == "postgresql://bot@db/ml"


def test_a_database_path_override_means_that_sqlite_file() -> None:
    """The --database PATH options: a file, whatever database_url said."""
    config = Config(database_url="postgresql://bot@db/ml")
    assert (
        config.with_overrides(database_path=Path("x.sqlite3")).database_url == "sqlite:///x.sqlite3"
    )
    assert config.with_overrides(log_level="DEBUG").database_url == "postgresql://bot@db/ml"
