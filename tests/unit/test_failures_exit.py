"""A database or catalog the bot cannot use: every command says so in one line and exits 2.

Each case runs ``python -m bot COMMAND`` as a real process under a timeout (a hang fails
the test) against one broken file, and checks what a maintainer or a supervisor sees: exit
status 2, exactly one line on stderr naming the file and what to do, and the file left
byte for byte as it was. The cases run in a few threads: each is a process start.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.config import Config
from bot.schemas import known_schema_versions
from bot.services import build_services
from bot.storage import command_sync
from tests.shared_data import REPO_ROOT

# A well-formed token that no Discord accepts; the commands must fail before using it.
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GfAkEt.not-a-real-signature-but-long-enough"
DEADLINE = 60.0  # seconds; a bound on a hang (a locked file takes the 5 s busy timeout)
CATALOG = REPO_ROOT / "catalog"

COMMANDS: dict[str, tuple[str, ...]] = {
    "run": ("run",),
    "sync": ("sync",),
    "config": ("config",),
    "outbox status": ("outbox", "status"),
    "outbox list": ("outbox", "list"),
    "suggestions export": ("suggestions", "export"),
    "suggestions mark-merged": ("suggestions", "mark-merged", "1"),
    "db backup": ("db", "backup", "{work}/backup.sqlite3"),
    "feeds poll": ("feeds", "poll", "--once", "--dry-run"),
    "deadlines check": ("deadlines", "check"),
}
# The commands that load the catalog (before they touch the database, if they do).
CATALOG_COMMANDS = ("run", "sync", "config", "suggestions export")
DATABASE_COMMANDS = tuple(name for name in COMMANDS if not name.startswith("deadlines"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on: any attempt to reach Discord fails there."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def needs_unprivileged() -> list[str] | None:
    """How to run a child that file permissions apply to: as is, or (as root) in a user
    namespace, where root's own files obey their mode bits. ``None``: not possible here."""
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    probe = subprocess.run([unshare, "--user", "true"], capture_output=True, timeout=10)
    return [unshare, "--user"] if probe.returncode == 0 else None


@dataclass
class Case:
    """One command against one broken file, and what the maintainer must be told."""

    command: str
    fault: str
    work: Path  # the process's working folder (no ml-audio-bot.toml in it)
    database: Path
    catalog: Path = CATALOG
    guarded: Path | None = None  # the file that must stay byte for byte as it was
    expected: tuple[str, ...] = ()  # fragments of the one line
    unprivileged: bool = False
    before: str = ""
    folder_before: set[str] = field(default_factory=set)
    result: subprocess.CompletedProcess[str] | None = None
    skipped: str | None = None


def make_healthy_database(path: Path) -> None:
    """A database as the bot leaves it: every component migrated, some rows, WAL mode."""

    async def build() -> None:
        config = Config(database_path=path, catalog_path=CATALOG)
        services = await build_services(config)
        database = services.database
        try:
            # The connected bot migrates this one too.
            await database.migrate(command_sync.COMPONENT, command_sync.MIGRATIONS)
            for number in range(60):  # a few pages of rows, so there is a middle to damage
                await database.execute(
                    "INSERT INTO command_sync (application_id, scope, tree_hash) VALUES (?, ?, ?)",
                    (number, f"guild:{number}", "0" * 400),
                )
        finally:
            await services.close()

    asyncio.run(build())


def damage_a_middle_page(path: Path) -> None:
    """Overwrite the b-tree page nearest the middle of the file with garbage."""
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE rootpage > 1 "
            "ORDER BY abs(rootpage - ?) LIMIT 1",
            (pages // 2,),
        ).fetchone()
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start : start + page_size] = bytes([0xA5]) * page_size
    path.write_bytes(bytes(data))


def mark_newer(path: Path) -> None:
    """A version of the outbox tables this program has never heard of."""
    newer = known_schema_versions()["outbox"] + 1
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO schema_migrations (component, version, description) VALUES (?, ?, ?)",
            ("outbox", newer, "written by a later ml-audio-bot"),
        )
    conn.close()


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "bot.sqlite3"
    make_healthy_database(path)
    assert not path.with_name("bot.sqlite3-wal").exists()
    return path


def prepare(case: Case, healthy: Path) -> None:
    """Break the case's file (or catalog) the way its fault says."""
    data = case.database.parent
    data.mkdir(parents=True)
    if case.fault != "not a database":
        shutil.copyfile(healthy, case.database)
    db = str(case.database)
    if case.fault == "not a database":
        case.database.write_text("name,url\nWaveNet,https://arxiv.org/abs/1609.03499\n")
        case.expected = (db, "is not an SQLite database", "set database_path")
    elif case.fault == "damaged page":
        damage_a_middle_page(case.database)
        case.expected = (db, "is damaged", "restore the file from a backup")
    elif case.fault == "newer schema":
        mark_newer(case.database)
        known = known_schema_versions()["outbox"]
        newer = f"outbox schema v{known + 1}, newer than this ml-audio-bot knows (v{known})"
        case.expected = (db, newer, "run the newer ml-audio-bot")
    elif case.fault == "read-only file":
        case.database.chmod(0o444)
        case.unprivileged = True
        case.expected = (db, "is read-only", "writable by the user running the bot")
    elif case.fault == "read-only folder":
        data.chmod(0o555)
        case.unprivileged = True
        case.expected = (db, "read-only folder", "writable by the user running the bot")
    elif case.fault == "locked":
        case.expected = (db, "is locked by another process", "stop the other program")
    elif case.fault == "missing catalog":
        case.catalog = case.work / "no-catalog-here"
        case.expected = (str(case.catalog), "catalog folder not found", "catalog check")
    elif case.fault == "unreadable catalog":
        case.catalog = case.work / "catalog"
        shutil.copytree(CATALOG, case.catalog)
        (case.catalog / "sections.yaml").chmod(0)
        case.unprivileged = True
        case.expected = (str(case.catalog), "cannot read file", "catalog check")
    else:
        raise AssertionError(case.fault)
    case.guarded = case.database
    case.before = sha256(case.database)
    case.folder_before = set(os.listdir(data))


def run_case(case: Case, port: int, prefix: list[str] | None) -> None:
    if case.unprivileged and prefix is None:
        case.skipped = "as root without user namespaces, file modes do not apply"
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ML_AUDIO_BOT_"))}
    env.update(
        DISCORD_TOKEN=TOKEN,
        DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
        ML_AUDIO_BOT_DATABASE=str(case.database),
        ML_AUDIO_BOT_CATALOG=str(case.catalog),
        ML_AUDIO_BOT_HEALTH_FILE=str(case.work / "health.json"),
        PYTHONPATH=str(REPO_ROOT),
    )
    argv = [arg.format(work=case.work) for arg in COMMANDS[case.command]]
    command = [*(prefix if case.unprivileged and prefix else []), sys.executable, "-m", "bot"]
    try:
        case.result = subprocess.run(
            [*command, *argv],
            cwd=case.work,
            env=env,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"{case.command} with a {case.fault}: still running") from exc


def hold_exclusive_lock(path: Path) -> sqlite3.Connection:
    """Another process's view: a writer that took the file and does not let go."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN EXCLUSIVE")
    return conn


DATABASE_FAULTS = (
    "not a database",
    "damaged page",
    "newer schema",
    "read-only file",
    "read-only folder",
    "locked",
)
CATALOG_FAULTS = ("missing catalog", "unreadable catalog")
MATRIX = [
    *((command, fault) for command in DATABASE_COMMANDS for fault in DATABASE_FAULTS),
    *((command, fault) for command in CATALOG_COMMANDS for fault in CATALOG_FAULTS),
    # It reads only catalog/deadlines, and used to find nothing in a mistyped folder: "ok".
    ("deadlines check", "missing catalog"),
]


@pytest.fixture(scope="module")
def outcomes(
    tmp_path_factory: pytest.TempPathFactory, healthy: Path
) -> Iterator[dict[tuple[str, str], Case]]:
    root = tmp_path_factory.mktemp("cases")
    cases: dict[tuple[str, str], Case] = {}
    for number, (command, fault) in enumerate(MATRIX):
        work = root / f"case-{number}"
        work.mkdir()
        case = Case(command, fault, work, work / "data" / "bot.sqlite3")
        prepare(case, healthy)
        cases[(command, fault)] = case
    locks = [hold_exclusive_lock(c.database) for c in cases.values() if c.fault == "locked"]
    port, prefix = closed_port(), needs_unprivileged()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            runs = [pool.submit(run_case, case, port, prefix) for case in cases.values()]
            for finished in runs:
                finished.result()
    finally:
        for lock in locks:
            lock.execute("ROLLBACK")
            lock.close()
    yield cases
    for case in cases.values():  # let pytest clean up the read-only folders
        case.database.parent.chmod(0o755)


@pytest.mark.parametrize(("command", "fault"), MATRIX, ids=[f"{c}-{f}" for c, f in MATRIX])
def test_says_what_to_fix_in_one_line_exits_2_and_leaves_the_file_alone(
    outcomes: dict[tuple[str, str], Case], command: str, fault: str
) -> None:
    case = outcomes[(command, fault)]
    if case.skipped:
        pytest.skip(case.skipped)
    assert case.result is not None
    err = case.result.stderr
    lines = err.strip().splitlines()

    assert case.result.returncode == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("ml-audio-bot: "), err
    for fragment in case.expected:
        assert fragment in lines[0], err
    assert case.guarded is not None
    assert sha256(case.guarded) == case.before
    assert set(os.listdir(case.database.parent)) == case.folder_before  # no -wal, no -journal
    assert not (case.work / "backup.sqlite3").exists()


def test_config_reports_the_catalog_and_the_schema_it_checked(
    healthy: Path, tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    shutil.copyfile(healthy, database)
    before = sha256(database)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ML_AUDIO_BOT_"))}
    env.update(ML_AUDIO_BOT_DATABASE=str(database), ML_AUDIO_BOT_CATALOG=str(CATALOG))

    done = subprocess.run(
        [sys.executable, "-m", "bot", "config"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )

    assert done.returncode == 0, done.stderr
    assert "catalog: OK, " in done.stdout
    versions = ", ".join(f"{k} v{v}" for k, v in sorted(known_schema_versions().items()))
    assert f"database: OK, schema {versions} ({database})" in done.stdout
    assert sha256(database) == before


def test_config_does_not_create_a_missing_database(tmp_path: Path) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ML_AUDIO_BOT_"))}
    env.update(ML_AUDIO_BOT_DATABASE=str(database), ML_AUDIO_BOT_CATALOG=str(CATALOG))

    done = subprocess.run(
        [sys.executable, "-m", "bot", "config"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )

    assert done.returncode == 0, done.stderr
    assert f"database: {database} does not exist yet" in done.stdout
    assert not database.parent.exists()
