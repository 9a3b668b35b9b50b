"""The catalog a running bot serves, as one immutable snapshot, and reloading it in place.

Everything read from ``catalog/`` (entries and sections, the search index built from them,
deadlines, feeds) lives in one frozen :class:`CatalogSnapshot`. ``Services`` holds exactly
one and readers take it (or a field of it) in a single attribute read, so a reload that
swaps it with one assignment on the event loop is seen by every reader at once: an
autocomplete in flight keeps the index it started with and never sees half of a new one.

:class:`CatalogReloader` (``/catalog reload`` and SIGHUP) reads and validates the whole
folder in a worker thread and swaps only a valid snapshot in; when anything is wrong the
old snapshot keeps serving and the result lists every ``file:line``. One reload runs at a
time; a second request waits for the first and then reads the files afresh.

A reload that succeeds is recorded in the database as a new generation
(``bot.reload.store``); the other processes sharing a PostgreSQL database follow it with
:meth:`CatalogReloader.follow` (``bot.reload.follow``), each from its own files. A reload
made to follow is never recorded again, so one request is one generation, not a storm.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import subprocess
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot import markup
from bot.catalog.loader import check_catalog
from bot.catalog.model import Catalog
from bot.clock import Clock
from bot.config import Config
from bot.datafile.problems import Problem
from bot.deadlines.age import DataAge
from bot.deadlines.conferences import DEADLINES_DIR
from bot.deadlines.loader import load_deadlines
from bot.deadlines.model import DeadlineBook
from bot.feeds.catalog import load_feeds
from bot.feeds.model import FeedSpec
from bot.feeds.wiring import feeds_path
from bot.outbox import Outbox, OutgoingMessage
from bot.reload.store import RecordedReload, ReloadLog
from bot.search import SearchIndex
from bot.storage.leases import holder_name

log = logging.getLogger(__name__)

# Characters of a content hash shown as the catalog's version (as short as a git hash).
VERSION_LENGTH = 12
# A log channel notice stays well inside Discord's 2000 characters.
NOTICE_LIMIT = 1800
# The one log line of a reload that could not follow another process's stays readable.
FOLLOW_LOG_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class CatalogInfo:
    """What ``/about`` says about the catalog: size, last change, version, when loaded."""

    entries: int
    sections: int
    updated: datetime | None
    # "git" when ``updated`` is the last commit touching the folder, "files" for mtimes.
    updated_from: str | None = None
    # The short commit of a folder without uncommitted changes, else a hash of its files.
    version: str | None = None
    # "git" or "files", like ``updated_from``.
    version_from: str | None = None
    loaded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CatalogSnapshot:
    """Everything the bot serves from ``catalog/``, loaded together, replaced together."""

    catalog: Catalog
    search: SearchIndex
    info: CatalogInfo
    deadlines: DeadlineBook = field(default_factory=DeadlineBook)
    feeds: tuple[FeedSpec, ...] = ()
    # When catalog/deadlines last changed ("data as of …" in every deadline view).
    deadlines_age: DataAge | None = None


@dataclass(frozen=True, slots=True)
class CatalogChanges:
    """What a reload changed, in the words a maintainer checks it by."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    sections: tuple[int, int]
    editions: tuple[int, int]
    feeds_added: tuple[str, ...]
    feeds_removed: tuple[str, ...]
    version: tuple[str | None, str | None]

    def lines(self) -> list[str]:
        before, after = self.version
        lines = [f"Version {before or '?'} → {after or '?'}" if before != after else ""]
        lines += [
            f"Entries: {len(self.added)} added, {len(self.removed)} removed, "
            f"{len(self.changed)} changed",
            *_named("added", self.added),
            *_named("removed", self.removed),
            f"Sections: {_counts(self.sections)}",
            f"Deadline editions: {_counts(self.editions)}",
            f"Feeds: {len(self.feeds_added)} added, {len(self.feeds_removed)} removed",
            *_named("new feeds", self.feeds_added),
            *_named("no longer polled", self.feeds_removed),
        ]
        return [line for line in lines if line]


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """The snapshot served after a reload, and why it is still the old one if it is."""

    snapshot: CatalogSnapshot
    problems: tuple[Problem, ...] = ()
    changes: CatalogChanges | None = None
    # What happened after the swap (suggestions now in the catalog marked merged, ...).
    notes: tuple[str, ...] = ()
    # The generation recorded for the other processes, and within how many seconds they
    # follow it; both None when no other process shares the database (SQLite).
    generation: int | None = None
    followers_within: float | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_lines(self, base: Path | None = None) -> list[str]:
        return [problem.format(base) for problem in self.problems]

    def summary(self, base: Path | None = None) -> list[str]:
        """Lines for a maintainer: what changed, or every problem (``file:line: ...``)."""
        if not self.ok:
            count = markup.plural(len(self.problems), "problem")
            return [
                f"The catalog was not reloaded: {count} to fix. Still serving version "
                f"{self.snapshot.info.version or '?'}.",
                *self.problem_lines(base),
            ]
        assert self.changes is not None
        return ["Catalog reloaded.", *self.changes.lines(), *self.notes, *self._followers()]

    def _followers(self) -> list[str]:
        if self.generation is None or self.followers_within is None:
            return []
        return [
            f"This process serves it now; the other processes sharing the database reload "
            f"their own catalog/ within {self.followers_within:.0f} s (reload #{self.generation})."
        ]


def _named(label: str, ids: Sequence[str]) -> list[str]:
    return [f"  {label}: " + markup.truncate(", ".join(ids), 300)] if ids else []


def _counts(pair: tuple[int, int]) -> str:
    before, after = pair
    return f"{after}" if before == after else f"{before} → {after}"


# -- reading the folder (in a worker thread) ---------------------------------------------


def read_snapshot(config: Config, now: datetime) -> tuple[CatalogSnapshot | None, list[Problem]]:
    """Load and check all of ``catalog/`` strictly; the snapshot only when nothing is wrong.

    Blocking (files, YAML, git, index build): call it through ``asyncio.to_thread``.
    """
    path = config.catalog_path
    checked = check_catalog(path)
    deadlines = load_deadlines(path / DEADLINES_DIR)
    known = {entry.id for entry in checked.catalog} if checked.catalog is not None else None
    feeds = load_feeds(feeds_path(config), known)
    problems = sorted(
        (*checked.problems, *deadlines.problems, *feeds.problems), key=Problem.sort_key
    )
    if problems or checked.catalog is None:
        return None, problems
    snapshot = CatalogSnapshot(
        catalog=checked.catalog,
        search=SearchIndex.build(checked.catalog),
        info=describe_catalog(checked.catalog, path, loaded_at=now),
        deadlines=deadlines.book,
        feeds=feeds.feeds,
        deadlines_age=describe_deadlines(path),
    )
    return snapshot, []


def compare(old: CatalogSnapshot, new: CatalogSnapshot) -> CatalogChanges:
    before = {entry.id: entry for entry in old.catalog}
    after = {entry.id: entry for entry in new.catalog}
    old_feeds = {spec.id for spec in old.feeds}
    new_feeds = {spec.id for spec in new.feeds}
    return CatalogChanges(
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        # Entry equality ignores where it was read from: moved lines are no change.
        changed=tuple(sorted(i for i in after.keys() & before.keys() if after[i] != before[i])),
        sections=(len(old.catalog.sections), len(new.catalog.sections)),
        editions=(_editions(old.deadlines), _editions(new.deadlines)),
        feeds_added=tuple(sorted(new_feeds - old_feeds)),
        feeds_removed=tuple(sorted(old_feeds - new_feeds)),
        version=(old.info.version, new.info.version),
    )


def _editions(book: DeadlineBook) -> int:
    return sum(len(series.editions) for series in book.series)


def describe_catalog(
    catalog: Catalog, path: Path, *, loaded_at: datetime | None = None
) -> CatalogInfo:
    """Size, last change and version of the catalog in ``path``: from git, else its files."""
    commit = _last_commit(path)
    version: str | None = None
    version_from: str | None = None
    if commit is not None and _is_clean(path):
        version, version_from = commit[0], "git"
    else:
        # Edited but not committed (or no git): the commit would name other content.
        version = content_hash(path)
        version_from = "files" if version else None
    updated: datetime | None = None
    updated_from: str | None = None
    if commit is not None:
        updated, updated_from = commit[1], "git"
    else:
        updated = _newest_mtime(path)
        updated_from = "files" if updated else None
    return CatalogInfo(
        entries=len(catalog),
        sections=len(catalog.sections),
        updated=updated,
        updated_from=updated_from,
        version=version,
        version_from=version_from,
        loaded_at=loaded_at,
    )


def describe_deadlines(catalog_path: Path) -> DataAge | None:
    """When each file of ``catalog/deadlines`` last changed, and the newest of them.

    A committed file changed at its last commit; an edited or new one at its mtime (its
    commit would be older than what is served). None when there is no file at all.
    """
    folder = catalog_path / DEADLINES_DIR
    try:
        files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    except OSError:
        return None
    committed = _file_commits(folder)
    dirty = _dirty_names(folder)
    changed: dict[str, datetime] = {}
    from_files = False
    for file in files:
        moment = committed.get(file.name) if file.name not in dirty else None
        if moment is None:
            moment = _newest_mtime_of([file])
            from_files = True
        if moment is not None:
            changed[file.stem] = moment  # the file is named after its series
    if not changed:
        return None
    source = "catalog/deadlines, " + ("file dates" if from_files else "last commit")
    return DataAge(max(changed.values()), source, changed)


def _file_commits(folder: Path) -> dict[str, datetime]:
    """The date of the last commit of each file in ``folder``, by file name (one git call)."""
    found = _git(folder, "log", "--format=@%cI", "--name-only", "--relative", "--", ".")
    dates: dict[str, datetime] = {}
    current: datetime | None = None
    for line in (found or "").splitlines():
        if line.startswith("@"):
            try:
                current = datetime.fromisoformat(line[1:]).astimezone(UTC)
            except ValueError:
                current = None
        elif line and current is not None:
            dates.setdefault(line, current)  # newest first: the first date seen is the last
    return dates


def _dirty_names(folder: Path) -> set[str]:
    """Names of the files in ``folder`` with changes git has not committed (or untracked)."""
    found = _git(folder, "status", "--porcelain", "--untracked-files=all", "--", ".")
    return {line[3:].rsplit("/", 1)[-1] for line in (found or "").splitlines() if line}


def content_hash(path: Path) -> str | None:
    """A short hash of every file's name and bytes below ``path``; None when unreadable."""
    digest = hashlib.sha256()
    try:
        files = sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    except OSError:
        return None
    return digest.hexdigest()[:VERSION_LENGTH] if files else None


def _git(path: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 (our own fixed arguments, no shell)
            ["git", *args],  # noqa: S607 (git from PATH)
            cwd=path,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _last_commit(path: Path) -> tuple[str, datetime] | None:
    """Short hash and date of the last commit touching ``path``."""
    found = _git(path, "log", "-1", "--format=%h %cI", "--", ".")
    if not found:
        return None
    short, _, stamp = found.partition(" ")
    try:
        return short, datetime.fromisoformat(stamp).astimezone(UTC)
    except ValueError:
        return None


def _is_clean(path: Path) -> bool:
    return _git(path, "status", "--porcelain", "--", ".") == ""


def _newest_mtime(path: Path) -> datetime | None:
    try:
        return _newest_mtime_of([p for p in path.rglob("*") if p.is_file()])
    except OSError:
        return None


def _newest_mtime_of(files: Sequence[Path]) -> datetime | None:
    try:
        stamps = [file.stat().st_mtime for file in files]
    except OSError:
        return None
    return datetime.fromtimestamp(max(stamps), UTC) if stamps else None


# -- reloading ---------------------------------------------------------------------------

# Puts a valid snapshot in service (one assignment), then does what follows from it
# (re-plan reminders, store new feeds, ...); returns notes for the maintainer.
Install = Callable[[CatalogSnapshot], Awaitable[Sequence[str]]]


class CatalogReloader:
    """Reads ``catalog/`` again and swaps the snapshot in only when all of it is valid.

    With ``reloads`` (the database's record of reloads), a reload asked for here is recorded
    as the next generation, and :meth:`follow` reloads for a generation another process
    recorded. ``generation`` is the newest one this process's catalog reflects: on a shared
    database the one recorded last before its files were read at start (``bot.services``),
    then each one reloaded or followed here; None when it was never read (the follower
    then takes every recorded generation as newer).
    """

    def __init__(
        self,
        config: Callable[[], Config],
        clock: Clock,
        current: Callable[[], CatalogSnapshot],
        install: Install,
        *,
        outbox: Callable[[], Outbox | None] = lambda: None,
        log_channel: Callable[[], int | None] = lambda: None,
        reloads: ReloadLog | None = None,
        holder: str | None = None,
        followers_within: float | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.current = current
        self.install = install
        self.outbox = outbox
        self.log_channel = log_channel
        self.reloads = reloads
        # Which process recorded a generation (``bot.storage.leases.holder_name``).
        self.holder = holder or holder_name()
        # Said in the reply when other processes follow (a shared database), else None.
        self.followers_within = followers_within
        self.generation: int | None = None
        self._lock = asyncio.Lock()
        self._count = 0

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def adopt(self, generation: int) -> None:
        """This process's catalog already reflects ``generation`` (read at start, or
        reloaded here): following it would only read the same files again."""
        self.generation = max(self.generation or 0, generation)

    async def reload(self, requested_by: str) -> ReloadResult:
        """Reload now (after any reload already running); never raises for bad files."""
        async with self._lock:
            config = self.config()
            new, problems = await asyncio.to_thread(read_snapshot, config, self.clock.now())
            old = self.current()
            if new is None:
                result = ReloadResult(old, tuple(problems))
                for line in result.problem_lines(config.catalog_path.parent):
                    log.error("catalog reload: %s", line)
                log.warning(
                    "catalog reload (%s) refused: %s; still serving version %s",
                    requested_by,
                    markup.plural(len(problems), "problem"),
                    old.info.version,
                )
            else:
                notes = [*await self.install(new)]
                recorded = await self._record(new, requested_by)
                if recorded is None and self.reloads is not None and self.followers_within:
                    notes.append(
                        "The other processes were not told (the database did not answer, "
                        "see the log): send them SIGHUP."
                    )
                result = ReloadResult(
                    new,
                    changes=compare(old, new),
                    notes=tuple(notes),
                    generation=recorded.generation if recorded else None,
                    followers_within=self.followers_within if recorded else None,
                )
                log.info("catalog reloaded (%s): %s", requested_by, "; ".join(result.summary()[1:]))
            await self._notify(result, requested_by, config.catalog_path.parent)
            return result

    async def _record(self, new: CatalogSnapshot, requested_by: str) -> RecordedReload | None:
        """Tell the other processes (through the database); None when that failed."""
        if self.reloads is None:
            return None
        try:
            recorded = await self.reloads.record(new.info.version, requested_by, self.holder)
        except Exception:  # the reload here is done; only the others miss it
            log.exception("catalog reload: could not record it for the other processes")
            return None
        self.adopt(recorded.generation)
        return recorded

    async def follow(self, recorded: RecordedReload) -> ReloadResult | None:
        """Reload this process's own files because another process recorded ``recorded``.

        None when this process already reflects that generation (it reloaded since). Never
        recorded again (no storm), and tried once: a reload that fails here keeps the old
        snapshot, logs one line and waits for the next generation.
        """
        async with self._lock:
            if self.generation is not None and recorded.generation <= self.generation:
                return None
            # Before reading: whatever happens now, this generation is not tried again.
            self.adopt(recorded.generation)
            asked = (
                f"reload #{recorded.generation} asked by {recorded.requested_by} "
                f"in {recorded.holder}"
            )
            config = self.config()
            base = config.catalog_path.parent
            new, problems = await asyncio.to_thread(read_snapshot, config, self.clock.now())
            old = self.current()
            if new is None:
                result = ReloadResult(old, tuple(problems))
                log.warning(
                    "%s",
                    markup.truncate(
                        f"catalog not reloaded to follow {asked}: "
                        f"{markup.plural(len(problems), 'problem')} here "
                        f"({'; '.join(result.problem_lines(base))}); still serving version "
                        f"{old.info.version}, until the next reload",
                        FOLLOW_LOG_LIMIT,
                    ),
                )
                # Only a failure is worth a notice: the maintainer who asked was told that
                # this process would follow.
                await self._notify(
                    result,
                    f"{recorded.requested_by}, followed by {self.holder}",
                    base,
                    key=f"catalog-follow:{recorded.generation}:{self.holder}",
                )
            else:
                notes = await self.install(new)
                result = ReloadResult(new, changes=compare(old, new), notes=tuple(notes))
                changed = "; ".join(result.summary()[1:])
                log.info("catalog reloaded to follow %s: %s", asked, changed)
            return result

    async def _notify(
        self, result: ReloadResult, requested_by: str, base: Path, *, key: str | None = None
    ) -> None:
        """Tell the log channel (when one is set) what happened; best effort."""
        channel, box = self.log_channel(), self.outbox()
        if channel is None or box is None:
            return
        self._count += 1
        now = self.clock.now()
        lines = [f"Catalog reload requested by {requested_by}:", *result.summary(base)]
        notice = OutgoingMessage(
            key=key or f"catalog-reload:{now.isoformat()}:{self._count}",
            channel_id=channel,
            content=markup.join_lines(lines, NOTICE_LIMIT),
        )
        try:
            await box.enqueue(notice)
        except Exception:  # the reload itself is done; a lost notice must not undo it
            log.exception("could not queue the catalog reload notice")
