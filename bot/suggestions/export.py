"""Approved suggestions → catalog YAML entries, printed or appended to the section files.

Appending is a text operation: the new items are added after the last line of the
file's ``entries:`` list, with the file's own indentation, so comments, key order and
quoting of everything already there stay byte-for-byte the same. The result is parsed
again before it replaces the file; if the old entries did not survive unchanged, nothing is
written.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.catalog.layout import ENTRIES_DIR
from bot.catalog.model import Catalog
from bot.catalog.urls import normalize_url
from bot.markup import truncate
from bot.suggestions.model import Suggestion

SLUG_MAX = 48
DESCRIPTION_MAX = 1024
_TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")
_ENTRIES_LINE = re.compile(r"^entries\s*:\s*(\[\s*\])?\s*(#.*)?$")
_ITEM_LINE = re.compile(r"^(\s*)-\s")


class ExportError(Exception):
    """A section file cannot be appended to safely; the message names the file."""


@dataclass(frozen=True, slots=True)
class Exported:
    suggestion_id: int
    entry_id: str
    section: str
    path: Path | None = None  # None when printed rather than written


@dataclass(frozen=True, slots=True)
class Skipped:
    suggestion_id: int
    reason: str


def slug_for(title: str, taken: set[str], fallback: str) -> str:
    """A new entry id from the title: ASCII words joined by ``-``, unique among ``taken``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > SLUG_MAX:
            break
        slug = candidate
    slug = slug or fallback
    unique, number = slug, 2
    while unique in taken:
        unique = f"{slug}-{number}"
        number += 1
    taken.add(unique)
    return unique


def entry_dict(suggestion: Suggestion, entry_id: str) -> dict[str, Any]:
    """The catalog entry, keys in the catalog's usual order."""
    description = " ".join(suggestion.reason.split())
    return {
        "id": entry_id,
        "title": suggestion.title,
        "url": suggestion.url,
        "kind": suggestion.kind,
        "description": truncate(description, DESCRIPTION_MAX),
    }


def comment_for(suggestion: Suggestion) -> str:
    who = "an anonymous member" if suggestion.anonymous else f"member {suggestion.author_id}"
    decided = ""
    if suggestion.decided_by:
        decided = f", approved by {suggestion.decided_by}"
        if suggestion.decided_at:
            decided += f" on {suggestion.decided_at.date().isoformat()}"
    return (
        f"# From Discord suggestion #{suggestion.id} by {who}{decided} "
        f"(votes +{suggestion.tally.up}/-{suggestion.tally.down}).\n"
        "# The description is the member's reason: reword it before merging."
    )


def item_text(suggestion: Suggestion, entry_id: str, indent: str) -> str:
    dumped = yaml.safe_dump(
        [entry_dict(suggestion, entry_id)],
        sort_keys=False,
        allow_unicode=True,
        width=96,
        default_flow_style=False,
    )
    lines = [*comment_for(suggestion).splitlines(), *dumped.rstrip("\n").splitlines()]
    return "".join(f"{indent}{line}\n" for line in lines)


@dataclass(frozen=True, slots=True)
class Plan:
    """Which suggestions become which entries, and which are left out and why."""

    items: tuple[tuple[Suggestion, str], ...]
    skipped: tuple[Skipped, ...]


def plan_export(suggestions: Iterable[Suggestion], catalog: Catalog) -> Plan:
    taken = {entry.id for entry in catalog.entries}
    listed = {normalize_url(url) for entry in catalog.entries for url in entry.all_urls}
    sections = {section.id for section in catalog.sections}
    items: list[tuple[Suggestion, str]] = []
    skipped: list[Skipped] = []
    for suggestion in suggestions:
        if suggestion.normalized_url in listed:
            skipped.append(
                Skipped(suggestion.id, "its URL is already in the catalog; run mark-merged")
            )
            continue
        if suggestion.section not in sections:
            skipped.append(
                Skipped(suggestion.id, f"section {suggestion.section!r} no longer exists")
            )
            continue
        listed.add(suggestion.normalized_url)
        items.append((suggestion, slug_for(suggestion.title, taken, f"suggestion-{suggestion.id}")))
    return Plan(tuple(items), tuple(skipped))


def export_text(plan: Plan) -> str:
    """One YAML document per section, each a valid ``entries/<section>.yaml`` on its own."""
    documents: list[str] = []
    for section, items in _by_section(plan.items).items():
        body = "".join(item_text(s, entry_id, "  ") for s, entry_id in items)
        documents.append(
            f"# catalog/{ENTRIES_DIR}/{section}.yaml\nsection: {section}\nentries:\n{body}"
        )
    return "---\n".join(documents)


def append_to_catalog(plan: Plan, catalog_dir: Path) -> list[Exported]:
    """Append each section's new items to its file (created when missing).

    Every file's new text is built and checked before the first one is written, so a file
    that cannot be appended to safely stops the export with nothing changed.
    """
    writes: list[tuple[Path, str]] = []
    exported: list[Exported] = []
    for section, items in _by_section(plan.items).items():
        path = catalog_dir / ENTRIES_DIR / f"{section}.yaml"
        writes.append((path, appended_text(path, section, items)))
        exported += [Exported(s.id, entry_id, section, path) for s, entry_id in items]
    for path, text in writes:
        _write_atomically(path, text)
    return exported


def appended_text(path: Path, section: str, items: Sequence[tuple[Suggestion, str]]) -> str:
    if not path.exists():
        body = "".join(item_text(s, entry_id, "  ") for s, entry_id in items)
        return f"section: {section}\nentries:\n{body}"
    text = path.read_text(encoding="utf-8")
    try:
        before = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ExportError(f"{path}: not valid YAML ({exc}); fix it before exporting") from exc
    if not isinstance(before, dict) or before.get("section") != section:
        raise ExportError(f"{path}: expected 'section: {section}' and an 'entries:' list")
    old_entries = before.get("entries") or []
    if not isinstance(old_entries, list):
        raise ExportError(f"{path}: expected 'section: {section}' and an 'entries:' list")
    lines = text.splitlines(keepends=True)
    entries_at = _entries_line(lines, path)
    indent = "  "
    for line in lines[entries_at + 1 :]:
        match = _ITEM_LINE.match(line)
        if match:
            indent = match[1]
            break
    header = _ENTRIES_LINE.match(lines[entries_at].rstrip("\n"))
    if header is not None and header[1]:
        lines[entries_at] = "entries:\n"  # "entries: []" becomes a block list
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    new_text = "".join(lines) + "".join(item_text(s, eid, indent) for s, eid in items)
    after_entries = (yaml.safe_load(new_text) or {}).get("entries") or []
    if after_entries[: len(old_entries)] != old_entries or len(after_entries) != len(
        old_entries
    ) + len(items):
        raise ExportError(f"{path}: appending would change existing entries; nothing written")
    return new_text


def _entries_line(lines: list[str], path: Path) -> int:
    found = [i for i, line in enumerate(lines) if _ENTRIES_LINE.match(line.rstrip("\n"))]
    if len(found) != 1:
        raise ExportError(f"{path}: cannot find the top-level 'entries:' line")
    later_keys = [
        i + 1 for i, line in enumerate(lines) if i > found[0] and _TOP_LEVEL_KEY.match(line)
    ]
    if later_keys:
        raise ExportError(
            f"{path}:{later_keys[0]}: 'entries:' must be the last key to append safely; "
            "move it to the end or print with `suggestions export` and paste by hand"
        )
    return found[0]


def _by_section(
    items: Iterable[tuple[Suggestion, str]],
) -> dict[str, list[tuple[Suggestion, str]]]:
    grouped: dict[str, list[tuple[Suggestion, str]]] = {}
    for suggestion, entry_id in items:
        grouped.setdefault(suggestion.section, []).append((suggestion, entry_id))
    return grouped


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
