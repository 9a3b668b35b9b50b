"""Imported editions as catalog YAML (``catalog/deadlines/<conference>.yaml`` shape)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from bot.deadlines.importers.common import ImportedEdition
from bot.deadlines.model import Deadline


def edition_data(edition: ImportedEdition) -> dict[str, Any]:
    """One edition as plain data, keys in the order a maintainer reads them."""
    zones = {d.timezone.name for d in edition.deadlines}
    shared_zone = zones.pop() if len(zones) == 1 else None
    data: dict[str, Any] = {"year": edition.year}
    if edition.start:
        data["start"] = edition.start
    if edition.end:
        data["end"] = edition.end
    if edition.place:
        data["place"] = edition.place
    if edition.link:
        data["link"] = edition.link
    data["source"] = edition.source
    if edition.note:
        data["note"] = edition.note
    if shared_zone:
        data["timezone"] = shared_zone
    data["deadlines"] = [
        _deadline_data(d, with_zone=shared_zone is None) for d in edition.deadlines
    ]
    return data


def _deadline_data(deadline: Deadline, *, with_zone: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": deadline.kind}
    if deadline.label:
        data["label"] = deadline.label
    if deadline.local is None:
        data["at"] = "TBA"
    elif not deadline.time_stated:
        data["at"] = deadline.local.date().isoformat()
    elif deadline.local.second:
        data["at"] = deadline.local.strftime("%Y-%m-%d %H:%M:%S")
    else:
        data["at"] = deadline.local.strftime("%Y-%m-%d %H:%M")
    if with_zone:
        data["timezone"] = deadline.timezone.name
    return data


def dump_editions(editions: Iterable[ImportedEdition], indent: int = 2) -> str:
    """YAML list items for ``editions:``, indented by ``indent`` spaces."""
    text = _dump([edition_data(e) for e in editions])
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


def dump_series(series_id: str, name: str, editions: list[ImportedEdition]) -> str:
    head = _dump({"conference": series_id, "name": name})
    return head + "editions:\n" + dump_editions(sorted(editions, key=lambda e: e.year))


def _dump(data: object) -> str:
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
