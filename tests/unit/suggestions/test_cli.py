"""The maintainers' command line: export, --write + catalog check, mark-merged, db backup."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.catalog.loader import load_catalog
from bot.cli import main
from bot.clock import FakeClock
from bot.storage import Database
from bot.suggestions import SuggestionService, SuggestionStore
from bot.suggestions.outcomes import Created
from tests.unit.suggestions.conftest import ALICE, BOB, GUILD, MAINTAINER, draft
from tests.unit.suggestions.test_export import KEY_PAPERS_YAML, SECTIONS_YAML


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    (root / "entries").mkdir(parents=True)
    (root / "sections.yaml").write_text(SECTIONS_YAML)
    (root / "entries/key-papers.yaml").write_text(KEY_PAPERS_YAML)
    return root


def seed(database: Path, catalog_dir: Path) -> list[int]:
    """Two approved suggestions and a pending one, written as the bot would."""

    async def run() -> list[int]:
        catalog = load_catalog(catalog_dir)
        clock = FakeClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
        async with await Database.open(database) as db:
            service = SuggestionService(SuggestionStore(db), clock, lambda: catalog)
            await service.setup()
            ids = []
            for n, section in enumerate(["key-papers", "tutorials", "key-papers"]):
                outcome = await service.submit(
                    GUILD,
                    ALICE,
                    draft(title=f"Onset detection primer {n}", url=f"https://o{n}.org/",
                          section=section),
                    confirm_similar=True,
                )  # fmt: skip
                assert isinstance(outcome, Created)
                ids.append(outcome.suggestion.id)
            await service.vote(GUILD, ids[0], BOB, 1)  # type: ignore[arg-type]
            for sid in ids[:2]:
                await service.approve(GUILD, sid, MAINTAINER, is_maintainer=True)
            return ids

    return asyncio.run(run())


def test_export_prints_yaml_then_write_appends_and_mark_merged_closes(
    tmp_path: Path, catalog_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "bot.sqlite3"
    first, second, pending = seed(database, catalog_dir)
    where = ["--database", str(database), "--catalog", str(catalog_dir)]

    assert main(["suggestions", "export", *where]) == 0
    printed = capsys.readouterr().out
    documents = list(yaml.safe_load_all(printed))
    assert [[e["id"] for e in d["entries"]] for d in documents] == [
        ["onset-detection-primer-0"],
        ["onset-detection-primer-1"],
    ]
    assert f"suggestion #{first} by member {ALICE}" in printed
    assert "(votes +1/-0)" in printed

    assert main(["suggestions", "export", "--write", *where]) == 0
    out = capsys.readouterr().out
    assert f"suggestions mark-merged {first} {second}" in out
    assert main(["catalog", "check", str(catalog_dir)]) == 0
    assert "catalog OK: 3 entries" in capsys.readouterr().out

    assert (
        main(["suggestions", "mark-merged", str(first), f"#{second}", "--database", str(database)])
        == 0
    )
    assert capsys.readouterr().out == f"#{first}: merged\n#{second}: merged\n"
    assert main(["suggestions", "mark-merged", str(pending), "--database", str(database)]) == 1
    assert "only approved ones merge" in capsys.readouterr().out
    assert main(["suggestions", "export", *where]) == 0
    assert "nothing to export" in capsys.readouterr().err


def test_export_json_has_everything_for_audits(
    tmp_path: Path, catalog_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "bot.sqlite3"
    ids = seed(database, catalog_dir)
    assert main(["suggestions", "export", "--json", "--database", str(database),
                 "--catalog", str(catalog_dir)]) == 0  # fmt: skip
    dump = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in dump["suggestions"]] == ids
    assert [s["status"] for s in dump["suggestions"]] == ["approved", "approved", "pending"]
    assert dump["votes"][0]["user_id"] == BOB
    assert [e["action"] for e in dump["audit"]].count("approved") == 2


def test_db_backup_copies_a_live_database(
    tmp_path: Path, catalog_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "bot.sqlite3"
    seed(database, catalog_dir)
    target = tmp_path / "backups" / "copy.sqlite3"
    assert main(["db", "backup", str(target), "--database", str(database)]) == 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT COUNT(*) FROM suggestions").fetchone() == (3,)
    assert main(["db", "backup", str(target), "--database", str(database)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_missing_database_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.sqlite3"
    assert main(["suggestions", "mark-merged", "3", "--database", str(missing)]) == 1
    assert f"{missing}: no database here" in capsys.readouterr().err
    assert not missing.exists()


def test_export_into_a_copy_of_the_real_catalog_passes_catalog_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = Path(__file__).resolve().parents[3] / "catalog"
    copy = tmp_path / "catalog"
    shutil.copytree(real, copy)
    database = tmp_path / "bot.sqlite3"
    seed(database, copy)
    before = {p.name: p.read_text() for p in (copy / "entries").glob("*.yaml")}
    assert main(["suggestions", "export", "--write", "--database", str(database),
                 "--catalog", str(copy)]) == 0  # fmt: skip
    assert main(["catalog", "check", str(copy)]) == 0
    for name, text in before.items():
        assert (copy / "entries" / name).read_text().startswith(text)
    assert "catalog OK" in capsys.readouterr().out
