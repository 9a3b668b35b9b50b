"""Helpers to write small deadline catalogs for tests, and the outbox on either backend."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.clock import Clock
from bot.outbox import Outbox
from bot.storage import Storage


async def open_outbox(db: Storage, clock: Clock) -> Outbox:
    """The real outbox on ``db`` (its keys are what make each announcement posted once)."""
    outbox = Outbox(db, clock)
    await outbox.setup()
    return outbox


ENTRIES = """\
section: conferences
entries:
  - id: icassp
    title: ICASSP
    kind: conference
    description: Signal processing.
  - id: ismir
    title: ISMIR
    kind: conference
    description: Music information retrieval.
"""
SECTIONS = """\
sections:
  - id: conferences
    title: Conferences
    order: 1
"""


class CatalogFolder:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "entries").mkdir(parents=True)
        (root / "deadlines").mkdir()
        (root / "sections.yaml").write_text(SECTIONS, encoding="utf-8")
        (root / "entries" / "conferences.yaml").write_text(ENTRIES, encoding="utf-8")

    def series(self, name: str, text: str) -> Path:
        path = self.root / "deadlines" / f"{name}.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path


@pytest.fixture
def catalog(tmp_path: Path) -> CatalogFolder:
    return CatalogFolder(tmp_path / "catalog")


ICASSP = """\
conference: icassp
name: ICASSP
tags: [audio, speech]
editions:
  - year: 2027
    start: 2027-05-16
    end: 2027-05-21
    place: Toronto, Canada
    link: https://2027.ieeeicassp.org/
    source: ccfddl/ccf-deadlines@5f8dce347bc1:conference/CG/icassp.yml#L42
    timezone: AoE
    deadlines:
      - kind: paper
        at: '2026-09-16 23:59'
      - kind: camera-ready
        at: TBA
"""
