"""What only the PostgreSQL backend and the URL choice do: ``?`` made into ``$n``, opening
errors a maintainer can act on, and the password kept out of every message, log and repr."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tests.postgres
from bot.storage import Database, DatabaseError, Migration, PostgresDatabase, open_storage
from bot.storage.backends import PASSWORD_VARIABLE
from bot.storage.faults import BUSY, describe_fault
from bot.storage.postgres import changed_rows, numbered_placeholders, redacted
from tests.postgres import PostgresServer
from tests.storage_backends import Backend

# -- placeholders (no server needed) ------------------------------------------------------


def test_placeholders_are_numbered_outside_quotes_and_comments() -> None:
    sql = (
        "SELECT \"odd?name\", 'it''s ?' FROM t -- why?\n"
        "WHERE a = ? /* or ? */ AND b IN (?, ?) AND c - 1 > ? / 2"
    )
    assert numbered_placeholders(sql) == (
        "SELECT \"odd?name\", 'it''s ?' FROM t -- why?\n"
        "WHERE a = $1 /* or ? */ AND b IN ($2, $3) AND c - 1 > $4 / 2"
    )


def test_an_unterminated_string_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="unterminated"):
        numbered_placeholders("SELECT 'open ? FROM t WHERE a = ?")


_LITERALS = st.text(alphabet="ab ?'-/*\n", max_size=8).map(
    lambda s: "'" + s.replace("'", "''") + "'"
)
_CODE = st.text(alphabet="abc =(),.<>1+\n", min_size=1, max_size=8)


@given(st.lists(st.one_of(st.just("?"), _LITERALS, _CODE), max_size=12))
def test_each_placeholder_gets_the_next_number_and_nothing_else_changes(
    pieces: list[str],
) -> None:
    expected: list[str] = []
    for piece in pieces:
        expected.append(
            f"${sum(e.startswith('$') for e in expected) + 1}" if piece == "?" else piece
        )
    assert numbered_placeholders("".join(pieces)) == "".join(expected)


def test_command_status_gives_the_rows_changed() -> None:
    assert changed_rows("UPDATE 3") == 3
    assert changed_rows("INSERT 0 1") == 1
    assert changed_rows("DELETE 0") == 0
    assert changed_rows("CREATE TABLE") == -1


def test_a_password_is_cut_out_of_a_url() -> None:
    assert redacted("postgresql://bot:s3cret@db.local:5433/audio") == (
        "postgresql://bot@db.local:5433/audio"
    )
    assert redacted("postgresql://bot@db.local/audio") == "postgresql://bot@db.local/audio"
    assert redacted("postgresql://bot@db.local/audio?password=s3cret&sslmode=require") == (
        "postgresql://bot@db.local/audio?sslmode=require"
    )


# -- choosing the backend ------------------------------------------------------------------


async def test_sqlite_urls_open_the_file_they_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    relative = await open_storage("sqlite:///data/bot.sqlite3")
    await relative.close()
    assert isinstance(relative, Database)
    assert (tmp_path / "data" / "bot.sqlite3").is_file()
    absolute = await open_storage(f"sqlite:///{tmp_path / 'abs.sqlite3'}")
    await absolute.close()
    assert (tmp_path / "abs.sqlite3").is_file()


async def test_an_unknown_url_is_refused_with_the_forms_that_work() -> None:
    with pytest.raises(DatabaseError, match=r"not a database URL.*sqlite:///.*postgresql://"):
        await open_storage("mysql://bot:hunter2@db/audio")
    with pytest.raises(DatabaseError) as caught:
        await open_storage("mysql://bot:hunter2@db/audio")
    assert "hunter2" not in str(caught.value)


# -- opening a PostgreSQL database ---------------------------------------------------------


async def test_the_password_comes_from_the_environment_and_is_never_shown(
    postgres_server: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = postgres_server.password
    env = {"ML_AUDIO_BOT_DATABASE_PASSWORD": secret}
    db = await open_storage(postgres_server.url(), environ=env)
    try:
        assert isinstance(db, PostgresDatabase)
        await db.migrate("notes", [Migration(1, "notes", "", "CREATE TABLE notes (id INT)")])
        assert secret not in repr(db)
    finally:
        await db.close()

    wrong = "not-the-" + secret
    with pytest.raises(DatabaseError) as refused:
        await open_storage(postgres_server.url(), environ={"ML_AUDIO_BOT_DATABASE_PASSWORD": wrong})
    message = str(refused.value)
    assert "refused the login" in message
    assert "ML_AUDIO_BOT_DATABASE_PASSWORD" in message
    assert "\n" not in message

    refusals = [message]
    for in_url in (
        postgres_server.url().replace("@", f":{secret}@", 1),
        postgres_server.url() + f"?password={secret}",
    ):
        with pytest.raises(DatabaseError, match="has a password in its URL") as in_url_refused:
            await open_storage(in_url, environ=env)
        refusals.append(str(in_url_refused.value))

    for text in [*refusals, caplog.text]:
        assert secret not in text
        assert wrong not in text


async def test_a_missing_database_is_named_with_what_to_do(
    postgres_server: PostgresServer,
) -> None:
    env = {"ML_AUDIO_BOT_DATABASE_PASSWORD": postgres_server.password}
    with pytest.raises(DatabaseError, match=r"/no_such_db does not exist on the server; create"):
        await open_storage(postgres_server.url("no_such_db"), environ=env)


async def test_a_server_that_is_down_is_reported_as_unreachable() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DatabaseError, match=r"cannot be reached .*start the PostgreSQL server"):
        await open_storage(f"postgresql://bot@127.0.0.1:{port}/audio", environ={})


async def test_a_migration_without_its_postgresql_script_is_refused(
    postgres_server: PostgresServer,
) -> None:
    env = {"ML_AUDIO_BOT_DATABASE_PASSWORD": postgres_server.password}
    db = await open_storage(postgres_server.url(), environ=env)
    try:
        with pytest.raises(ValueError, match=r"'sqlite_only' lack postgres_sql: \[1\]"):
            await db.migrate("sqlite_only", [Migration(1, "t", "CREATE TABLE t (id INTEGER)")])
        assert await db.schema_version("sqlite_only") == 0
    finally:
        await db.close()


# -- the test server itself ----------------------------------------------------------------


def test_missing_binaries_skip_but_fail_when_postgres_is_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tests.postgres, "POSTGRES_BIN", tmp_path / "absent")
    monkeypatch.delenv("REQUIRE_POSTGRES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL 15 not found"):
        tests.postgres.require_binaries()
    monkeypatch.setenv("REQUIRE_POSTGRES", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_POSTGRES=1"):
        tests.postgres.require_binaries()


def test_the_test_server_listens_on_loopback_only(postgres_server: PostgresServer) -> None:
    settings = (postgres_server.data_dir / "postmaster.pid").read_text().splitlines()
    assert str(postgres_server.port) in settings
    assert "127.0.0.1" in settings  # the address it listens on, as the server recorded it


async def test_a_transaction_stuck_in_another_process_is_reported_busy_not_waited_for(
    backend: Backend,
) -> None:
    """A stuck (or suspended) process holding the transaction lock must not hang the
    others: past ``busy_timeout`` their transaction fails as "lock not available", which
    features report as a busy database (as SQLite's busy timeout does)."""
    if backend.name != "postgres":
        pytest.skip("SQLite's busy timeout: tests/unit/storage/test_database.py")
    stuck = await backend.open()
    waiting = await PostgresDatabase.open(
        backend.url, password=backend.environ[PASSWORD_VARIABLE], busy_timeout=0.2
    )
    held, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with stuck.transaction():
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    try:
        await asyncio.wait_for(held.wait(), timeout=10)

        async def enter() -> None:
            async with waiting.transaction():
                pass

        with pytest.raises(asyncpg.LockNotAvailableError) as raised:
            # Bounded: without the timeout the wait would last as long as the holder.
            await asyncio.wait_for(enter(), timeout=10)
        assert describe_fault(raised.value, waiting.dialect) == BUSY
    finally:
        release.set()
        await holder
        await stuck.close()
        await waiting.close()
