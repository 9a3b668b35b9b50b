"""``ml-audio-bot db migrate|backup|copy`` on both backends, with toy components standing in
for the bot's (``bot.schemas`` is patched), and the real components copied to PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot import schemas
from bot.cli import main
from bot.storage import open_storage
from tests.postgres import PostgresServer
from tests.unit.storage.toys import TOYS, everything, fill, migrate


@pytest.fixture
def toys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(schemas, "_COMPONENTS", TOYS)
    monkeypatch.chdir(tmp_path)  # no ml-audio-bot.toml of the developer's
    for name in ("ML_AUDIO_BOT_DATABASE", "ML_AUDIO_BOT_DATABASE_URL", "ML_AUDIO_BOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def filled(url: str) -> None:
    async def work() -> None:
        db = await open_storage(url)
        try:
            await migrate(db)
            await fill(db)
        finally:
            await db.close()

    asyncio.run(work())


def contents(url: str) -> dict[str, list[tuple[object, ...]]]:
    async def work() -> dict[str, list[tuple[object, ...]]]:
        db = await open_storage(url)
        try:
            return await everything(db)
        finally:
            await db.close()

    return asyncio.run(work())


@pytest.mark.usefixtures("toys")
def test_migrate_brings_every_component_up_on_both_backends(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lite = tmp_path / "bot.sqlite3"
    assert main(["db", "migrate", "--database", str(lite)]) == 0
    out = capsys.readouterr().out
    assert "toy_people: v0 → v2" in out
    assert "toy_tags: v0 → v1" in out

    assert main(["db", "migrate", "--database-url", pg_url]) == 0
    assert "toy_people: v0 → v2" in capsys.readouterr().out
    assert main(["db", "migrate", "--database-url", pg_url]) == 0  # nothing left to do
    out = capsys.readouterr().out
    assert "toy_people: v2\n" in out
    assert "every component at its newest version" in out


@pytest.mark.usefixtures("toys")
def test_migrate_uses_the_configured_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ML_AUDIO_BOT_DATABASE_URL", f"sqlite:///{tmp_path / 'url.sqlite3'}")
    assert main(["db", "migrate"]) == 0
    assert (tmp_path / "url.sqlite3").exists()
    assert "toy_tags: v0 → v1" in capsys.readouterr().out


@pytest.mark.usefixtures("toys")
def test_copy_sqlite_to_postgres_prints_every_table_the_same(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    filled(source)

    assert main(["db", "copy", source, pg_url]) == 0

    out = capsys.readouterr().out
    lines = out.splitlines()
    assert " ".join(lines[0].split()) == "table rows SRC rows DST checksum SRC checksum DST"
    rows = {line.split()[0]: line.split() for line in lines[1:-1]}
    assert set(rows) == {"schema_migrations", "toy_notes", "toy_people", "toy_tags"}
    assert rows["toy_tags"][1:3] == ["4", "4"]
    assert all(row[-1] == "same" and row[3] == row[4] for row in rows.values())
    assert lines[-1].startswith("copied 13 rows in 4 tables")
    assert "password" not in out
    assert contents(pg_url) == contents(source)


@pytest.mark.usefixtures("toys")
def test_copy_refuses_a_target_that_is_not_empty_in_one_line(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    filled(source)
    filled(pg_url)
    before = contents(pg_url)

    assert main(["db", "copy", source, pg_url]) == 2

    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "is not empty (toy_notes has 3 rows): copy into a new, empty database" in err
    assert contents(pg_url) == before


@pytest.mark.usefixtures("toys")
def test_copy_postgres_to_sqlite_reports_a_difference_and_exits_1(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.unit.storage.toys import MISMATCHED

    monkeypatch.setattr(schemas, "_COMPONENTS", MISMATCHED)
    filled(pg_url)

    assert main(["db", "copy", pg_url, f"sqlite:///{tmp_path / 'copy.sqlite3'}"]) == 1

    captured = capsys.readouterr()
    people = next(line for line in captured.out.splitlines() if line.startswith("toy_people"))
    assert people.split()[1:3] == ["3", "3"]
    assert people.endswith("DIFFERENT")
    assert "DIFFERENT: toy_people in" in captured.err


@pytest.mark.usefixtures("toys")
def test_a_password_in_a_url_is_refused_without_showing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["db", "copy", f"sqlite:///{tmp_path}/a", "postgresql://bot:s3cr3t@127.0.0.1/db"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "without a password" in err
    assert "ML_AUDIO_BOT_DATABASE_PASSWORD" in err
    assert "s3cr3t" not in err


@pytest.mark.usefixtures("toys")
def test_backup_of_sqlite_is_an_online_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bot.sqlite3"
    filled(f"sqlite:///{source}")
    target = tmp_path / "backups" / "b.sqlite3"

    assert main(["db", "backup", str(target), "--database", str(source)]) == 0

    assert contents(f"sqlite:///{target}") == contents(f"sqlite:///{source}")
    assert main(["db", "backup", str(target), "--database", str(source)]) == 1  # exists


@pytest.mark.usefixtures("toys")
def test_backup_of_postgres_is_an_sqlite_file_that_db_copy_restores(
    tmp_path: Path, pg_url: str, other_pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    filled(pg_url)
    target = tmp_path / "pg-backup.sqlite3"

    assert main(["db", "backup", str(target), "--database-url", pg_url]) == 0

    out = capsys.readouterr().out
    assert "4 tables, 13 rows, checksums equal" in out
    with sqlite3.connect(target) as lite:  # an ordinary SQLite file
        assert lite.execute("SELECT COUNT(*) FROM toy_tags").fetchone() == (4,)
    assert main(["db", "copy", f"sqlite:///{target}", other_pg_url]) == 0
    assert contents(other_pg_url) == contents(pg_url)


@pytest.mark.usefixtures("toys")
def test_copy_from_a_missing_sqlite_file_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing.sqlite3"
    target = tmp_path / "target.sqlite3"
    assert main(["db", "copy", f"sqlite:///{missing}", f"sqlite:///{target}"]) == 1
    assert "no database here" in capsys.readouterr().err
    assert not missing.exists()
    assert not target.exists()


@pytest.mark.usefixtures("toys")
def test_config_checks_a_postgres_database_without_writing_or_showing_the_password(
    pg_url: str,
    postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ML_AUDIO_BOT_DATABASE_URL", pg_url)

    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert f"database: OK, schema empty ({pg_url})" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert rows["database_url"][1:] == ["ML_AUDIO_BOT_DATABASE_URL", pg_url]
    assert postgres_server.password not in out
    assert "schema_migrations" not in contents_tables(pg_url)  # nothing was written

    filled(pg_url)
    assert main(["config"]) == 0
    assert "database: OK, schema toy_people v2, toy_tags v1" in capsys.readouterr().out

    monkeypatch.setenv("ML_AUDIO_BOT_DATABASE_PASSWORD", "wrong")
    assert main(["config"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "refused the login" in err
    assert "ML_AUDIO_BOT_DATABASE_PASSWORD" in err
    assert "wrong" not in err.replace("wrong password", "")


def contents_tables(url: str) -> set[str]:
    from bot.storage.tables import read_tables

    async def work() -> set[str]:
        # Read through asyncpg's pool without open_storage, which would create the table.
        import os

        from bot.storage.postgres import PostgresDatabase

        db = await PostgresDatabase._connect(
            url, os.environ.get("ML_AUDIO_BOT_DATABASE_PASSWORD"), 1, 10.0
        )
        try:
            return set(await read_tables(db))
        finally:
            await db.close()

    return asyncio.run(work())
