"""``ml-audio-bot deadlines sync [--dry-run]``, ``deadlines export`` and the real sources.yaml."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.deadlines.conferences import DEADLINES_DIR
from bot.deadlines.loader import load_deadlines
from bot.deadlines.sources import load_sources, sources_path
from tests.shared_data import shared_path
from tests.unit.feeds.server import FeedServer

REPO_ROOT = Path(__file__).resolve().parents[3]
CATALOG = REPO_ROOT / "catalog"
# The shared copy each upstream repository's raw files correspond to, and its branch.
SHARED_COPIES = {
    "ccfddl/ccf-deadlines/main": "ccf-deadlines",
    "huggingface/ai-deadlines/main": "huggingface-ai-deadlines",
    "MTG/conferences/gh-pages": "mtg-conferences",
}


def test_the_shipped_sources_load_and_name_known_conferences() -> None:
    book = load_deadlines(CATALOG / DEADLINES_DIR).book
    result = load_sources(sources_path(CATALOG / DEADLINES_DIR), {s.id for s in book.series})
    assert result.problems == ()
    assert {s.importer for s in result.sources} == {"ccfddl", "huggingface", "mtg"}
    assert {"icassp", "interspeech", "ismir", "dafx"} <= {s.conference for s in result.sources}


def test_every_source_url_is_a_raw_file_of_a_shared_copy() -> None:
    for source in load_sources(sources_path(CATALOG / DEADLINES_DIR)).sources:
        parts = urlsplit(source.url)
        assert parts.scheme == "https", source.url
        assert parts.hostname == "raw.githubusercontent.com", source.url
        owner, repo, branch, *path = parts.path.strip("/").split("/")
        copy = SHARED_COPIES[f"{owner}/{repo}/{branch}"]
        assert shared_path("deadlines", copy, *path).is_file(), source.url


def test_an_unknown_importer_or_conference_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - conference: icassp\n    importer: ccfdl\n    url: https://example.org/a.yml\n"
        "  - conference: nope\n    importer: mtg\n    url: https://example.org/b.md\n",
        encoding="utf-8",
    )
    result = load_sources(path, {"icassp"})
    assert result.sources == ()
    assert [(p.line, p.message) for p in result.problems] == [
        (3, "unknown importer 'ccfdl' of source"),
        (5, "unknown conference 'nope': catalog/deadlines has no such file"),
    ]


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    feed_server = FeedServer()
    await feed_server.start()
    try:
        yield feed_server
    finally:
        await feed_server.stop()


async def cli(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ML_AUDIO_BOT_"))}
    env.update(
        ML_AUDIO_BOT_DATABASE=str(tmp_path / "bot.sqlite3"),
        ML_AUDIO_BOT_CATALOG=str(tmp_path / "catalog"),
        ML_AUDIO_BOT_FEEDS_ALLOWED_HOSTS="127.0.0.1",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "deadlines",
        *args,
        cwd=tmp_path,  # no ml-audio-bot.toml there
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_sync_prints_the_changes_and_export_writes_them(
    tmp_path: Path, server: FeedServer
) -> None:
    upstream = shared_path("deadlines", "ccf-deadlines", "conference", "CG", "icassp.yml")
    year = datetime.now(UTC).year + 2  # an edition still ahead whenever the test runs
    body = (
        upstream.read_bytes()
        + (
            f"    - year: {year}\n      id: icassp{year % 100}\n"
            f"      link: https://{year}.ieeeicassp.org/\n      timeline:\n"
            f"        - deadline: '{year - 1}-09-16 23:59:59'\n      timezone: UTC-12\n"
            f"      date: May 7-12, {year}\n      place: Lisbon, Portugal\n"
        ).encode()
    )
    url = server.document("/icassp.yml", body)
    shutil.copytree(CATALOG, tmp_path / "catalog")
    (tmp_path / "catalog" / "deadlines" / "sources.yaml").write_text(
        f"sources:\n  - conference: icassp\n    importer: ccfddl\n    url: {url}\n",
        encoding="utf-8",
    )
    code, out, err = await cli(tmp_path, "sync", "--dry-run")
    assert code == 0, err
    assert f"ICASSP {year}: new edition" in out
    assert "dry run: nothing stored" in out
    code, out, err = await cli(tmp_path, "export")
    assert (code, out) == (0, "")
    assert "nothing synced yet" in err

    code, out, err = await cli(tmp_path, "sync")
    assert code == 0, err
    assert f"ICASSP {year}: paper deadline announced: {year - 1}-09-16 23:59:59 UTC-12" in out
    code, out, err = await cli(tmp_path, "sync")
    assert "0 fetched, 1 unchanged (304), 0 failed; 0 changes" in out
    code, out, err = await cli(tmp_path, "export")
    assert code == 0, err
    assert out.startswith("# catalog/deadlines/icassp.yaml")
    assert f"year: {year}" in out
