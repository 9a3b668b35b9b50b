"""A throw-away PostgreSQL 15 server for the tests: Debian's ``initdb`` and ``pg_ctl`` in a
temporary folder, listening on 127.0.0.1 only, on a free port, with its unix socket in that
folder. Nothing outside the folder is touched; stopping the server removes it.

initdb refuses to run as root, so as root (CI) the server runs as the ``postgres`` system
user that Debian's package creates, via ``runuser``; the folder is created for that user.

When the binaries are missing the tests that need the server skip, unless
``REQUIRE_POSTGRES=1`` (CI): then they fail, so that a missing server never passes silently.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
SUPERUSER = "ml_audio_bot_test"
# pg_ctl waits this long for the server to accept connections (it comes up in well under a
# second on an idle machine; the margin is for a loaded 2-core one).
START_TIMEOUT = 15
# initdb writes a few MB and fsyncs nothing (--no-sync); generous for a loaded machine.
INITDB_TIMEOUT = 60.0
# Settings for a server whose data is thrown away: durability only costs time here.
_THROWAWAY_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class PostgresStartError(RuntimeError):
    """The server did not come up; the message carries its log."""


@dataclass
class PostgresServer:
    """A running test server. Connect over TCP as :data:`SUPERUSER` with ``password``."""

    folder: Path
    port: int
    password: str = field(repr=False)
    host: str = "127.0.0.1"

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def log_file(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """A ``postgresql://`` URL without the password (that comes from the environment)."""
        return f"postgresql://{user}@{self.host}:{self.port}/{database}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def binaries_present() -> bool:
    return all((POSTGRES_BIN / name).is_file() for name in ("initdb", "pg_ctl", "postgres"))


def require_binaries() -> None:
    """Skip the calling test when PostgreSQL 15 is not installed (fail under REQUIRE_POSTGRES)."""
    if binaries_present():
        return
    message = f"PostgreSQL 15 not found in {POSTGRES_BIN} (Debian package postgresql-15)"
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(message + " (REQUIRE_POSTGRES=1)")
    pytest.skip(message)


def _as_server_user() -> list[str]:
    """The command prefix that runs a binary as a user initdb accepts."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(command: list[str], timeout: float) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout)


def _make_folder() -> Path:
    # Under /tmp rather than pytest's tmp_path: the postgres user must be able to reach it,
    # and the unix socket path must stay short (about 100 bytes at most).
    folder = Path(tempfile.mkdtemp(prefix="ml-audio-bot-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres", group="postgres")
    return folder


def _initdb(server: PostgresServer) -> None:
    pwfile = server.folder / "pwfile"
    pwfile.write_text(server.password + "\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, user="postgres", group="postgres")
    pwfile.chmod(0o600)
    try:
        _run(
            [
                *_as_server_user(),
                str(POSTGRES_BIN / "initdb"),
                "--pgdata",
                str(server.data_dir),
                "--username",
                SUPERUSER,
                "--pwfile",
                str(pwfile),
                # TCP logins need the password (the tests check how a wrong one is reported);
                # the unix socket in the private folder is trusted.
                "--auth-host=scram-sha-256",
                "--auth-local=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            timeout=INITDB_TIMEOUT,
        )
    except subprocess.CalledProcessError as exc:
        raise PostgresStartError(f"initdb failed:\n{exc.stdout}\n{exc.stderr}") from None
    finally:
        pwfile.unlink(missing_ok=True)


def _pg_ctl_start(server: PostgresServer) -> None:
    options = [
        f"-p {server.port}",
        f"-k {server.folder}",
        "-c listen_addresses=127.0.0.1",
        *(f"-c {setting}" for setting in _THROWAWAY_SETTINGS),
    ]
    command = [
        *_as_server_user(),
        str(POSTGRES_BIN / "pg_ctl"),
        "start",
        "--wait",
        f"--timeout={START_TIMEOUT}",
        "--pgdata",
        str(server.data_dir),
        "--log",
        str(server.log_file),
        "-o",
        " ".join(options),
    ]
    try:
        _run(command, timeout=START_TIMEOUT + 10)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        stop(server)  # it may have started late: never leave one behind
        raise PostgresStartError(
            f"PostgreSQL did not accept connections on 127.0.0.1:{server.port} within "
            f"{START_TIMEOUT} s; its log:\n{server.log_tail()}"
        ) from None


def start(attempts: int = 3) -> PostgresServer:
    """Create, start and return a server; raise :class:`PostgresStartError` with its log.

    The free port is found by binding and releasing it, so another process can take it in
    between; then the start is retried on a new port (a bounded number of times).
    """
    folder = _make_folder()
    server = PostgresServer(folder=folder, port=_free_port(), password=secrets.token_urlsafe(18))
    try:
        _initdb(server)
        for attempt in range(1, attempts + 1):
            try:
                _pg_ctl_start(server)
                return server
            except PostgresStartError:
                port_taken = "could not bind" in server.log_tail()
                if attempt == attempts or not port_taken:
                    raise
                server.port = _free_port()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    raise AssertionError("unreachable")  # the loop returns or raises


def stop(server: PostgresServer) -> None:
    """Stop the server at once (its data is thrown away) and remove its folder."""
    pid_file = server.data_dir / "postmaster.pid"
    if pid_file.exists():
        try:
            _run(
                [
                    *_as_server_user(),
                    str(POSTGRES_BIN / "pg_ctl"),
                    "stop",
                    "--mode=immediate",
                    "--wait",
                    f"--timeout={START_TIMEOUT}",
                    "--pgdata",
                    str(server.data_dir),
                ],
                timeout=START_TIMEOUT + 10,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            _kill_postmaster(pid_file)
    shutil.rmtree(server.folder, ignore_errors=True)


def _kill_postmaster(pid_file: Path) -> None:
    """Last resort when pg_ctl could not stop it: SIGKILL the postmaster (its children exit
    when it is gone)."""
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 9)
    except (OSError, ValueError, IndexError):
        pass
