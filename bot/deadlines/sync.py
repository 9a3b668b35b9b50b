"""Following the upstream deadline files (``sources.yaml``) and recording what changed.

One :meth:`DeadlineSync.run` fetches every due source with the feeds' :class:`Fetcher`
(conditional GET, size cap, timeouts, every redirect checked), reads each answer with the
importer of its format, and compares the edition's own source (the preferred one that has
the edition) with what the bot serves (reviewed YAML + runtime layer):

* an edition the bot does not have is added;
* a deadline the own source moved, or announced after a TBA, is updated, written to the
  audit trail and announced through the outbox, keyed by edition, kind and new time, so a
  repeated or interrupted sync announces it exactly once;
* another source saying something else is recorded as a disagreement, never settled.

Only editions that are not over are followed: history is the reviewed YAML's business.
A source that fails backs off, and is disabled after ``MAX_FAILURES`` failures in a row
with one notice in the log channel. Everything one run finds is stored in one transaction.

Several bot processes may share one database: each source is claimed with a lease before
it is fetched (``bot.storage.leases``), so two processes never fetch and apply the same
source at once; one that dies mid-sync loses its leases when they expire, and another
process syncs those sources then.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from bot.clock import Clock
from bot.deadlines.importers import run_import
from bot.deadlines.importers.common import ImportedEdition, SeriesIndex
from bot.deadlines.model import Deadline, DeadlineBook, Edition
from bot.deadlines.sources import DeadlineSource
from bot.deadlines.sync_store import (
    DeadlineSyncStore,
    Disagreement,
    RuntimeLayer,
    SourceState,
    layered_book,
)
from bot.feeds.fetch import Fetcher, FetchError
from bot.markup import timestamp_and_countdown
from bot.outbox import Outbox, OutgoingMessage
from bot.storage.leases import holder_name

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = timedelta(days=1)
MAX_FAILURES = 5
FIRST_RETRY = timedelta(hours=1)
# 23:59:59 and 23:59 are the same deadline; sources differ in how they write it.
SAME = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Change:
    """One change sync made to the served data."""

    edition: Edition  # as served after the change
    what: str  # "added", "extended", "moved earlier", "announced"
    kind: str | None  # the deadline kind; None for a new edition
    before: Deadline | None
    after: Deadline | None
    source_url: str

    def line(self) -> str:
        if self.kind is None:
            return f"{self.edition.title}: new edition ({len(self.edition.deadlines)} deadlines)"
        was = f" (was {self.before.local_text()})" if self.before else ""
        now = self.after.local_text() if self.after else "TBA"
        return f"{self.edition.title}: {self.kind} deadline {self.what}: {now}{was}"

    def message_key(self) -> str | None:
        at = self.after.at if self.after else None
        if self.kind is None or at is None:
            return None
        return f"deadline-change:{self.edition.id}:{self.kind}:{at.isoformat()}"

    def announcement(self) -> str:
        assert self.after is not None
        assert self.after.at is not None
        verb = {"extended": "extended to", "moved earlier": "moved earlier to"}.get(
            self.what, "announced:"
        )
        return (
            f"⏰ {self.edition.title}: {self.after.title.lower()} deadline {verb} "
            f"{timestamp_and_countdown(self.after.at)} ({self.after.local_text()})"
        )


@dataclass(slots=True)
class SyncReport:
    changes: list[Change] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    fetched: int = 0
    not_modified: int = 0
    failed: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    announced: int = 0
    busy: list[str] = field(default_factory=list)  # being synced by another process

    def lines(self) -> list[str]:
        lines = [change.line() for change in self.changes]
        lines += [
            f"{d.edition_id}: {d.kind} deadline: sources disagree: {d.chosen}, {d.text}"
            for d in self.disagreements
        ]
        lines += [f"failed: {line}" for line in self.failed]
        lines += [f"disabled after {MAX_FAILURES} failures: {url}" for url in self.disabled]
        lines += [f"left to another process syncing it now: {url}" for url in self.busy]
        lines.append(
            f"{self.fetched} fetched, {self.not_modified} unchanged (304), "
            f"{len(self.failed)} failed; {len(self.changes)} changes"
        )
        return lines


@dataclass(frozen=True, slots=True)
class SyncTargets:
    """Where sync posts: announcements (published) and notices for maintainers."""

    outbox: Callable[[], Outbox | None]
    channel_id: Callable[[], int | None]
    log_channel_id: Callable[[], int | None]


class DeadlineSync:
    def __init__(
        self,
        store: DeadlineSyncStore,
        fetcher: Fetcher,
        clock: Clock,
        *,
        sources: Callable[[], Sequence[DeadlineSource]],
        reviewed: Callable[[], DeadlineBook],
        targets: SyncTargets | None = None,
        interval: timedelta = DEFAULT_INTERVAL,
        on_change: Callable[[RuntimeLayer], None] | None = None,
        holder: str | None = None,
    ) -> None:
        self.store = store
        self.holder = holder or holder_name()  # the name on this process's leases
        self.fetcher = fetcher
        self.clock = clock
        self.sources = sources
        self._reviewed = reviewed
        self.targets = targets
        self.interval = interval
        self.on_change = on_change

    async def run(self, *, dry_run: bool = False, force: bool = False) -> SyncReport:
        """Sync every due source (every source with ``force``); with ``dry_run`` nothing
        is stored or announced, and the report says what would change.

        Several processes may sync from one database. Each source is claimed before it is
        fetched (a lease, ``bot.storage.leases``); one that another process is syncing is
        left to it (``report.busy``). What the sources say is compared with the served
        data inside the transaction that stores the result, so every process builds on
        what the others committed, and a change is recorded and announced once.
        """
        now = self.clock.now()
        report = SyncReport()
        sources = list(self.sources())
        if dry_run:
            fetched = await self._fetch_unclaimed(sources, now, force, report)
            if fetched:
                await self._compare_all(sources, fetched, now, report)
            return report
        await self.store.add_sources([s.url for s in sources])
        wanted = [s for s in sources if self._wanted(await self.store.source(s.url), now, force)]
        claimed = await self.store.claim([s.url for s in wanted], self.holder, now)
        report.busy = [s.url for s in wanted if s.url not in claimed]
        fetched = {}
        try:
            fetched = await self._fetch_claimed(
                [s for s in wanted if s.url in claimed], now, force, report
            )
            if fetched:
                await self._apply(sources, fetched, now, report)
        except Exception:
            # Another process (or our next run) may take them at once, not after the lease.
            await self.store.release(sorted(claimed), self.holder)
            raise
        if fetched and self.on_change is not None:
            self.on_change(await self.store.layer())
        return report

    async def _apply(
        self,
        sources: list[DeadlineSource],
        fetched: dict[str, SourceState],
        now: datetime,
        report: SyncReport,
    ) -> None:
        """Store what was fetched, and the changes it makes, in one transaction."""
        async with self.store.db.transaction():
            for url, state in fetched.items():
                if not await self.store.save_claimed(state, now, self.holder):
                    # Our lease ran out and another process synced it: its result stands.
                    log.warning("deadline source %s: lease lost, another process synced it", url)
                    if url in report.disabled:
                        report.disabled.remove(url)
            conferences = await self._compare_all(sources, {}, now, report)
            for change in report.changes:
                await self.store.save_edition(change.edition, change.source_url, now)
                await self.store.audit(
                    now,
                    change.edition.id,
                    change.what if change.kind is None else f"{change.kind} {change.what}",
                    change.before.local_text() if change.before else None,
                    change.after.local_text() if change.after else None,
                    change.source_url,
                )
            await self.store.replace_disagreements(conferences, report.disagreements)
            report.announced = await self._announce(report, now)

    async def _compare_all(
        self,
        sources: list[DeadlineSource],
        fetched: dict[str, SourceState],
        now: datetime,
        report: SyncReport,
    ) -> list[str]:
        """Compare every conference's sources (stored state, or ``fetched``) with the
        served data; the conferences compared."""
        states = {
            s.url: fetched[s.url] if s.url in fetched else await self.store.source(s.url)
            for s in sources
        }
        served = layered_book(self._reviewed(), await self.store.layer())
        conferences = sorted({s.conference for s in sources})
        for conference in conferences:
            own = sorted(
                (s for s in sources if s.conference == conference), key=lambda s: s.priority
            )
            self._compare(conference, own, states, served, now, report)
        return conferences

    async def next_due(self) -> datetime | None:
        """When a source is next due, or, while another process holds it, when its lease
        runs out at the latest (the holder may have died)."""
        moments = []
        for source in self.sources():
            state = await self.store.source(source.url)
            if state.disabled:
                continue
            moment = state.due_at or self.clock.now()
            if state.lease_until is not None:
                moment = max(moment, state.lease_until)
            moments.append(moment)
        return min(moments) if moments else None

    @staticmethod
    def _wanted(state: SourceState, now: datetime, force: bool) -> bool:
        return not state.disabled and (force or state.is_due(now))

    async def _fetch_unclaimed(
        self, sources: list[DeadlineSource], now: datetime, force: bool, report: SyncReport
    ) -> dict[str, SourceState]:
        """Fetch without leases (a dry run stores nothing, so it claims nothing)."""
        fetched: dict[str, SourceState] = {}
        for source in sources:
            state = await self.store.source(source.url)
            if self._wanted(state, now, force):
                fetched[source.url] = await self._fetch(source, state, now, report)
        return fetched

    async def _fetch_claimed(
        self, claimed: list[DeadlineSource], now: datetime, force: bool, report: SyncReport
    ) -> dict[str, SourceState]:
        """Fetch the sources this process holds; the leases are renewed before each fetch
        (one fetch is bounded by the fetcher's timeouts, well within a lease)."""
        fetched: dict[str, SourceState] = {}
        held = [s.url for s in claimed]
        for source in claimed:
            # Read again under the lease: another process may have synced it just before.
            state = await self.store.source(source.url)
            if not self._wanted(state, now, force):
                await self.store.release([source.url], self.holder)
                held.remove(source.url)
                continue
            still = await self.store.renew(held, self.holder, self.clock.now())
            for url in [u for u in held if u not in still]:
                log.warning("deadline source %s: lease lost before it was stored", url)
                held.remove(url)
                fetched.pop(url, None)
            if source.url in still:
                fetched[source.url] = await self._fetch(source, state, now, report)
        return fetched

    # -- fetching --------------------------------------------------------------------------

    async def _fetch(
        self, source: DeadlineSource, state: SourceState, now: datetime, report: SyncReport
    ) -> SourceState:
        try:
            result = await self.fetcher.fetch(
                source.url, etag=state.etag, last_modified=state.last_modified
            )
        except FetchError as error:
            return self._failed(source, state, now, str(error), report)
        if result.not_modified:
            report.not_modified += 1
            return replace(state, failures=0, last_error=None, due_at=now + self.interval)
        editions, problem = self._parse(source, result.body)
        if problem is not None:
            return self._failed(source, state, now, problem, report)
        report.fetched += 1
        return replace(
            state,
            etag=result.etag,
            last_modified=result.last_modified,
            editions=tuple(editions),
            failures=0,
            last_error=None,
            due_at=now + self.interval,
        )

    def _failed(
        self,
        source: DeadlineSource,
        state: SourceState,
        now: datetime,
        why: str,
        report: SyncReport,
    ) -> SourceState:
        failures = state.failures + 1
        report.failed.append(f"{source.url}: {why}")
        log.warning("deadline source %s failed (%d in a row): %s", source.url, failures, why)
        disabled = failures >= MAX_FAILURES
        if disabled:
            report.disabled.append(source.url)
        # The old editions are kept: a broken file must not take announced deadlines away.
        retry = min(self.interval, FIRST_RETRY * 2 ** (failures - 1))
        return replace(
            state, failures=failures, disabled=disabled, last_error=why[:300], due_at=now + retry
        )

    def _parse(self, source: DeadlineSource, body: bytes) -> tuple[list[Edition], str | None]:
        name = Path(urlsplit(source.url).path).name or "source.yml"
        with tempfile.TemporaryDirectory(prefix="deadline-sync-") as folder:
            path = Path(folder) / name
            path.write_bytes(body)
            result = run_import(source.importer, [path], SeriesIndex(self._reviewed()))
        editions = [
            _edition(imported, source)
            for imported in result.editions
            if imported.series == source.conference
        ]
        # A file that cannot be read at all is broken; rejected editions (the importers'
        # plausibility checks) are only left out, as `deadlines import` does.
        broken = [note for note in result.errors if not note.conference]
        if broken and not result.editions:
            return [], f"not readable as {source.importer}: {broken[0].message}"
        return editions, None

    # -- comparing -------------------------------------------------------------------------

    def _compare(
        self,
        conference: str,
        sources: list[DeadlineSource],
        states: dict[str, SourceState],
        served: DeadlineBook,
        now: datetime,
        report: SyncReport,
    ) -> None:
        series = served.get(conference)
        if series is None:
            return
        years = sorted({e.year for s in sources for e in states[s.url].editions})
        for year in years:
            offers = [
                (source, edition)
                for source in sources
                for edition in states[source.url].editions
                if edition.year == year
            ]
            own_source, own = offers[0]
            if not _is_current(own, now):
                continue
            current = next((e for e in series.editions if e.year == year), None)
            if current is None:
                report.changes.append(Change(own, "added", None, None, None, own_source.url))
                report.changes += [
                    Change(own, "announced", d.kind, None, d, own_source.url)
                    for d in own.deadlines
                    if d.is_reminded and d.at is not None and d.at > now
                ]
                result = own
            else:
                result = self._updated(current, own, own_source, now, report)
            for source, edition in offers[1:]:
                report.disagreements += _disagreements(result, own_source, source, edition, now)

    def _updated(
        self,
        current: Edition,
        own: Edition,
        source: DeadlineSource,
        now: datetime,
        report: SyncReport,
    ) -> Edition:
        deadlines = list(current.deadlines)
        changes: list[tuple[str, str, Deadline | None, Deadline]] = []
        for new in own.deadlines:
            if new.at is None:
                continue  # a source going back to TBA is not news; the date stays
            index = next((i for i, d in enumerate(deadlines) if d.kind == new.kind), None)
            old = deadlines[index] if index is not None else None
            what = _what_changed(old, new, now)
            if what is None:
                continue
            if index is None:
                deadlines.append(new)
            else:
                deadlines[index] = new
            changes.append((what, new.kind, old, new))
        if not changes:
            return current
        updated = replace(current, deadlines=tuple(deadlines))
        for what, kind, old, new in changes:
            report.changes.append(Change(updated, what, kind, old, new, source.url))
        return updated

    # -- posting ---------------------------------------------------------------------------

    async def _announce(self, report: SyncReport, now: datetime) -> int:
        if self.targets is None:
            return 0
        outbox, channel = self.targets.outbox(), self.targets.channel_id()
        if outbox is None:
            return 0
        announced = 0
        if channel is not None:
            for change in report.changes:
                key = change.message_key()
                if key is None or change.after is None or change.after.at is None:
                    continue
                if change.after.at <= now:
                    continue
                message = OutgoingMessage(
                    key=key,
                    channel_id=channel,
                    content=change.announcement(),
                    expires_at=change.after.at,
                )
                announced += int(await outbox.enqueue(message))
        log_channel = self.targets.log_channel_id()
        if log_channel is not None:
            for url in report.disabled:
                await outbox.enqueue(
                    OutgoingMessage(
                        key=f"deadline-source-disabled:{url}:{now.isoformat()}",
                        channel_id=log_channel,
                        content=(
                            f"Deadline source disabled after {MAX_FAILURES} failures in a row: "
                            f"<{url}>. Fix or replace it in catalog/deadlines/sources.yaml."
                        ),
                    )
                )
        return announced


def _edition(imported: ImportedEdition, source: DeadlineSource) -> Edition:
    return Edition(
        id=f"{imported.series}-{imported.year}",
        series=imported.series,
        name=imported.name,
        year=imported.year,
        deadlines=tuple(imported.deadlines),
        start=imported.start,
        end=imported.end,
        place=imported.place,
        link=imported.link,
        source=imported.source or source.url,
        note=imported.note,
    )


def _is_current(edition: Edition, now: datetime) -> bool:
    """Not over: a deadline still ahead, or a TBA one of this year or later."""
    for deadline in edition.deadlines:
        at = deadline.at
        if at is not None and at > now:
            return True
        if at is None and edition.year >= now.year:
            return True
    return not edition.deadlines and edition.year >= now.year


def _what_changed(old: Deadline | None, new: Deadline, now: datetime) -> str | None:
    new_at = new.at
    assert new_at is not None
    if old is None or old.at is None:
        return "announced" if new_at > now else None
    if abs(new_at - old.at) < SAME:
        return None
    if max(new_at, old.at) <= now:
        return None  # both passed: history
    return "extended" if new_at > old.at else "moved earlier"


def _disagreements(
    chosen: Edition, own: DeadlineSource, other: DeadlineSource, edition: Edition, now: datetime
) -> list[Disagreement]:
    found = []
    for theirs in edition.deadlines:
        mine = chosen.deadline(theirs.kind)
        if mine is None or mine.at is None or theirs.at is None:
            continue
        if abs(mine.at - theirs.at) < SAME or max(mine.at, theirs.at) <= now:
            continue
        found.append(
            Disagreement(
                chosen.id,
                theirs.kind,
                other.name,
                f"{own.name} {_day(mine)}",
                f"{other.name} {_day(theirs)}",
            )
        )
    return found


def _day(deadline: Deadline) -> str:
    assert deadline.local is not None
    return f"{deadline.local.day} {deadline.local.strftime('%b')}"
