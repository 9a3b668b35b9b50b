"""The core services a running bot hands to every cog, explicitly (no module globals).

``Services`` is built once per process by ``build_services`` and passed to
``bot.discord.client.create_bot``; each cog reads ``bot.services``. Tests build their own, with a
fake clock or an in-memory database.

Extending it for a new area (suggestions, outbox, deadlines, feeds):

* **a service**: add a field (default ``None`` so older callers keep working) in the
  "area services" block and create it in ``build_services`` after the database is open,
  running the area's migrations there (``await database.migrate("suggestions", [...])``),
  and list a new component in ``bot.schemas`` so a newer file is refused at open;
* **a background worker**: any object with ``name``, ``async start()`` and
  ``async stop()`` (see ``BackgroundWorker``); ``services.add_worker(worker)`` in
  ``build_services``. The bot starts every worker in ``setup_hook`` (after login, before
  the gateway connects) and stops them in ``close`` after in-flight interactions finished
  and before the database closes. ``stop`` must return promptly and leave nothing half
  written (finish or roll back the current item).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from bot.catalog.loader import load_catalog
from bot.catalog.model import Catalog
from bot.clock import Clock, FollowingClock, SystemClock
from bot.config import Config
from bot.deadlines.age import DataAge
from bot.deadlines.model import DeadlineBook
from bot.deadlines.scheduler import ReminderScheduler
from bot.deadlines.sync import DeadlineSync, SyncTargets
from bot.deadlines.sync_store import DeadlineSyncStore, RuntimeLayer, layered_book
from bot.deadlines.wiring import (
    build_deadline_sync,
    build_reminder_worker,
    build_sync_worker,
    load_deadline_book,
)
from bot.feeds.service import FeedService
from bot.feeds.wiring import build_feeds, load_feeds_or_log
from bot.outbox import Outbox
from bot.reload.follow import FOLLOW_INTERVAL, ReloadFollower
from bot.reload.reloader import (
    CatalogInfo,
    CatalogReloader,
    CatalogSnapshot,
    Install,
    describe_catalog,
    describe_deadlines,
)
from bot.reload.store import ReloadLog
from bot.schemas import open_database
from bot.search import SearchIndex
from bot.storage.interface import Storage
from bot.storage.leases import holder_name, release_leases, shared
from bot.storage.tables import stored_versions
from bot.storage.urls import is_postgres
from bot.suggestions.service import SuggestionService
from bot.suggestions.wiring import build_service as build_suggestion_service

log = logging.getLogger(__name__)


@runtime_checkable
class BackgroundWorker(Protocol):
    """A long-running job (outbox drain, feed poller, deadline reminders)."""

    name: str

    async def start(self) -> None:
        """Begin working (create the task); return at once."""
        ...

    async def stop(self) -> None:
        """Stop and wait until the current item is finished or rolled back."""
        ...


__all__ = ["CatalogInfo", "Services", "build_services", "describe_catalog"]


@dataclass
class Services:
    """Everything the cogs need. Built by ``build_services``; closed by its builder."""

    config: Config
    # Catalog, search index, deadlines and feeds: replaced as one by ``/catalog reload``.
    # Read them at call time (``services.catalog``), never keep one across an ``await``.
    snapshot: CatalogSnapshot
    clock: Clock
    database: Storage
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    workers: list[BackgroundWorker] = field(default_factory=list)
    # -- area services: suggestions, outbox, deadlines, feeds add their fields below ------
    # Everything the bot posts on its own goes through it; its Discord worker is started by
    # the bot (``bot.discord.client``), since sending needs the logged-in client.
    outbox: Outbox | None = None
    suggestions: SuggestionService | None = None
    feeds: FeedService | None = None
    reloader: CatalogReloader | None = None
    # What ``deadlines sync`` found, served on top of the reviewed catalog/deadlines.
    deadline_layer: RuntimeLayer = field(default_factory=RuntimeLayer)
    deadline_sync: DeadlineSync | None = None
    _reviewed_deadlines: DeadlineBook | None = None

    @property
    def catalog(self) -> Catalog:
        return self.snapshot.catalog

    @property
    def search(self) -> SearchIndex:
        return self.snapshot.search

    @property
    def catalog_info(self) -> CatalogInfo:
        return self.snapshot.info

    @property
    def deadlines(self) -> DeadlineBook:
        """What the bot serves: the reviewed data with the runtime layer on top."""
        return self.snapshot.deadlines

    @deadlines.setter
    def deadlines(self, book: DeadlineBook) -> None:
        """Serve ``book`` as the reviewed data (the runtime layer stays on top)."""
        self._reviewed_deadlines = book
        self.snapshot = replace(self.snapshot, deadlines=layered_book(book, self.deadline_layer))

    @property
    def reviewed_deadlines(self) -> DeadlineBook:
        """catalog/deadlines alone, as last loaded (sync compares upstream with it)."""
        if self._reviewed_deadlines is None:
            return self.snapshot.deadlines
        return self._reviewed_deadlines

    def install_deadline_layer(self, layer: RuntimeLayer) -> None:
        """Serve a new runtime layer at once (one snapshot assignment, like a reload)."""
        reviewed = self.reviewed_deadlines
        self.deadline_layer = layer
        self.deadlines = reviewed

    @property
    def deadlines_age(self) -> DataAge | None:
        """ "Data as of …" of the deadlines served (the newest of their sources)."""
        return self.snapshot.deadlines_age

    def add_worker(self, worker: BackgroundWorker) -> None:
        self.workers.append(worker)

    async def start_workers(self) -> None:
        for worker in self.workers:
            log.info("starting worker %s", worker.name)
            await worker.start()

    async def stop_workers(self) -> None:
        """Stop every worker, newest first; one failing to stop does not keep others running."""
        for worker in reversed(self.workers):
            try:
                await worker.stop()
            except Exception:
                log.exception("worker %s failed to stop cleanly", worker.name)
            else:
                log.info("stopped worker %s", worker.name)

    async def schema_versions(self) -> dict[str, int]:
        """``{component: version}`` of the database, for ``/about`` (a real read: defer first)."""
        return await stored_versions(self.database)

    async def close(self) -> None:
        """Close the database (after the bot closed, so no handler still writes).

        The workers have stopped by now, so the leases this process still holds name work
        it will not finish: they are released first, and another process (or the next
        start) takes that work up at once instead of when the leases expire.
        """
        try:
            released = await release_leases(self.database, holder_prefix=holder_name())
        except Exception:
            log.exception("could not release this process's leases; they expire on their own")
        else:
            if released:
                log.info("released %d lease(s) of work this process did not finish", released)
        await self.database.close()


async def build_services(
    config: Config,
    *,
    clock: Clock | None = None,
    catalog: Catalog | None = None,
    search: SearchIndex | None = None,
    database: Storage | None = None,
) -> Services:
    """Load the catalog, build the search index and open the database.

    ``catalog``/``search``/``database`` may be passed in (tests share one immutable
    catalog and index between many bots). Raises ``bot.datafile.CatalogError``
    for a broken catalog and ``bot.storage.DatabaseError`` for a database it cannot use
    (after closing what it opened).

    A database other processes share (PostgreSQL) is opened first, to read which reload
    generation the files are about to reflect (:func:`_generation_before_reading`); an
    SQLite file only after the catalog proved valid, so a broken catalog leaves it alone.
    """
    opened: Storage | None = None
    if database is None and is_postgres(config.database_url):
        database = opened = await open_database(config.database_url)
    try:
        generation = await _generation_before_reading(database)
        if catalog is None:
            catalog = await asyncio.to_thread(load_catalog, config.catalog_path)
        if search is None:
            search = await asyncio.to_thread(SearchIndex.build, catalog)
        if database is None:
            database = opened = await open_database(config.database_url)
        return await _build_areas(config, clock, catalog, search, database, generation)
    except BaseException:
        # The caller never gets the database to close; its worker thread (not a daemon)
        # would keep the process alive after the failure.
        if opened is not None:
            await opened.close()
        raise


async def _generation_before_reading(database: Storage | None) -> int | None:
    """The newest reload generation recorded on a shared database, read BEFORE this
    process reads its catalog files (None on SQLite, where no other process records any).

    Whatever was recorded up to now is in the files read next, so this process adopts it
    without following it; a reload recorded from now on is newer and is followed, even
    if the two happen at once (one reload too many rather than one missed). Generations
    only: the clocks of the processes sharing the database may disagree.
    """
    if database is None or not shared(database):
        return None
    reloads = ReloadLog(database, SystemClock())  # only read here: its clock is not used
    await reloads.setup()
    latest = await reloads.latest()
    return latest.generation if latest is not None else 0


async def _build_areas(
    config: Config,
    clock: Clock | None,
    catalog: Catalog,
    search: SearchIndex,
    database: Storage,
    generation: int | None = None,
) -> Services:
    """The services around an open database: each area migrates its tables and starts.

    ``generation``: the newest reload recorded before the catalog files were read.
    """
    clock = clock or SystemClock()
    info = await asyncio.to_thread(
        describe_catalog, catalog, config.catalog_path, loaded_at=clock.now()
    )
    services = Services(
        config=config,
        snapshot=CatalogSnapshot(
            catalog,
            search,
            info,
            # At start, the valid part of deadlines and feeds (problems are logged);
            # a reload is stricter: it keeps the old snapshot until every problem is fixed.
            deadlines=await asyncio.to_thread(load_deadline_book, config.catalog_path),
            feeds=tuple(await asyncio.to_thread(load_feeds_or_log, config)),
            deadlines_age=await asyncio.to_thread(describe_deadlines, config.catalog_path),
        ),
        clock=clock,
        database=database,
        started_at=clock.now(),
    )
    if not shared(database):
        # One process works on an SQLite file: leases left in it are those of a run that
        # ended without releasing them (a crash, a kill). Their work starts again now.
        released = await release_leases(database)
        if released:
            log.info("took back %d lease(s) left by a previous run", released)
    # -- area services: create them here (after the database is open) -------------------
    # Workers built once keep following services.clock: tests and the demo swap it.
    following = FollowingClock(lambda: services.clock)
    services.outbox = Outbox(database, services.clock)
    await services.outbox.setup()
    services.suggestions = await build_suggestion_service(
        config,
        database,
        services.clock,
        lambda: services.catalog,
        outbox=lambda: services.outbox,
        announcement_channel=lambda: services.config.announcements_channel_id,
    )
    reminders = await build_reminder_worker(
        database,
        following,
        outbox=lambda: services.outbox,
        book=lambda: services.deadlines,
        channel_id=lambda: services.config.announcements_channel_id,
        offsets=lambda: services.config.deadline_reminder_offsets,
    )
    services.add_worker(reminders)
    # The runtime layer, after the reminder worker migrated the deadlines tables.
    services.install_deadline_layer(await DeadlineSyncStore(database).layer())

    def layer_changed(layer: RuntimeLayer) -> None:
        services.install_deadline_layer(layer)
        reminders.wake()  # re-plans the reminders of moved deadlines at once

    services.deadline_sync = build_deadline_sync(
        config,
        database,
        following,
        reviewed=lambda: services.reviewed_deadlines,
        targets=SyncTargets(
            outbox=lambda: services.outbox,
            channel_id=lambda: services.config.announcements_channel_id,
            log_channel_id=lambda: services.config.log_channel_id,
        ),
        on_change=layer_changed,
    )
    services.add_worker(build_sync_worker(services.deadline_sync, following, config))
    feeds = await build_feeds(
        config,
        database,
        services.clock,
        outbox=lambda: services.outbox,
        current_config=lambda: services.config,
        specs=lambda: services.snapshot.feeds,
    )
    services.feeds = feeds.service
    services.add_worker(feeds.worker)  # also closes the feeds' HTTP session on stop
    # Every successful reload is recorded; on a database other processes share
    # (PostgreSQL), each of them follows it from its own files within FOLLOW_INTERVAL.
    reloads = ReloadLog(database, following)
    await reloads.setup()
    is_shared = shared(database)
    services.reloader = CatalogReloader(
        lambda: services.config,
        following,
        lambda: services.snapshot,
        _installer(services, reminders),
        outbox=lambda: services.outbox,
        log_channel=lambda: services.config.log_channel_id,
        reloads=reloads,
        followers_within=FOLLOW_INTERVAL if is_shared else None,
    )
    if generation is not None:
        services.reloader.adopt(generation)  # already in the files this process read
    if is_shared:
        services.add_worker(ReloadFollower(services.reloader, reloads, following))
    return services


def _installer(services: Services, reminders: ReminderScheduler) -> Install:
    """Serve a reloaded snapshot, then bring what depends on it up to date."""

    async def install(snapshot: CatalogSnapshot) -> Sequence[str]:
        # One assignment: readers see the old or the new, whole; the runtime layer of
        # deadline sync stays on top of the reloaded deadlines.
        services._reviewed_deadlines = snapshot.deadlines
        services.snapshot = replace(
            snapshot, deadlines=layered_book(snapshot.deadlines, services.deadline_layer)
        )
        reminders.wake()  # re-plans from services.deadlines at once
        notes: list[str] = []
        if services.feeds is not None:
            try:
                await services.feeds.catalog_changed()
            except Exception:
                log.exception("reloaded feeds could not be stored")
                notes.append("New feeds could not be stored (see the log); reload again.")
        if services.suggestions is not None:
            try:
                merged = await services.suggestions.reconcile_with_catalog()
            except Exception:  # the reload itself is done; the next one tries again
                log.exception("suggestions could not be matched with the reloaded catalog")
                merged = []
            notes += [
                f"Suggestion #{one.id} is now {entry.id}: marked merged." for one, entry in merged
            ]
        return notes

    return install
