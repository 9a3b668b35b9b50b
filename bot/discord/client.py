"""The Discord bot: loads the cogs, syncs commands when they changed, shuts down cleanly.

``create_bot(services)`` builds it; nothing here reads the environment or opens files, so
the same bot runs for real (``bot.discord.runtime``), in the SimCord tests and in the demo.

Extension points for a new area:

* **a cog**: write ``cogs/<area>.py`` with ``async def setup(bot: MLAudioBot)`` that adds a
  ``commands.Cog`` built from ``bot.services`` (never from globals), and append
  ``"cogs.<area>"`` to ``EXTENSIONS``. Its slash commands are synced automatically the
  next time the bot starts, because the command tree's hash changes.
* **a background worker**: ``services.add_worker(...)`` in ``bot.services.build_services``;
  ``setup_hook`` starts it, ``close`` stops it after in-flight interactions finished.
* **components**: views and buttons call ``admit`` in ``interaction_check``; forms derive
  from ``AdmittedModal``. Admitted interactions are the in-flight work a shutdown waits for.
* **errors**: raise ``bot.discord.errors.UserFacingError("what to fix")`` from a command
  for a clean ephemeral refusal; anything else is logged with a reference and the user
  gets an apology. Components get the same by calling ``report_failure`` in ``on_error``
  (``bot.discord.paging.PagedView`` shows how), and ``admit`` in ``interaction_check``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Any, Protocol, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot import maintainers
from bot.discord.errors import report_failure
from bot.discord.logging import log_interaction, start_clock
from bot.discord.permissions import intents
from bot.discord.replies import tell
from bot.discord.sender import outbox_worker
from bot.discord.sync import SyncOutcome, sync_commands
from bot.outbox import OutboxWorker
from bot.services import Services
from bot.storage.command_sync import CommandSyncState

log = logging.getLogger(__name__)

# Cog modules loaded at start, in order. Areas append theirs (see the module docstring).
EXTENSIONS: list[str] = [
    "cogs.resources",
    "cogs.sections",
    "cogs.meta",
    "cogs.suggestions",
    "cogs.deadlines",
    "cogs.announcements",
    "cogs.feeds",
    "cogs.catalog",
]


class RetiringView(Protocol):
    """A view that can disable its controls on its message (see ``MLAudioBot.keep_view``)."""

    async def retire(self) -> None: ...


class BotCommandTree(app_commands.CommandTree["MLAudioBot"]):
    """Admits interactions while the bot is not shutting down; reports every failure."""

    async def interaction_check(self, interaction: discord.Interaction[MLAudioBot], /) -> bool:
        return await self.client.admit(interaction)

    async def on_error(
        self, interaction: discord.Interaction[MLAudioBot], error: app_commands.AppCommandError, /
    ) -> None:
        await report_failure(interaction, error)


class MLAudioBot(commands.Bot):
    """The bot, one gateway connection. ``ShardedMLAudioBot`` runs several shards."""

    def __init__(
        self,
        services: Services,
        *,
        auto_sync: bool = True,
        run_workers: bool = True,
        **options: Any,
    ) -> None:
        super().__init__(
            # Slash commands only; without the message content intent a prefix is moot.
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=BotCommandTree,
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            max_messages=None,
            **options,
        )
        self.services = services
        self.auto_sync = auto_sync
        self.run_workers = run_workers
        self.sync_outcomes: list[SyncOutcome] = []
        self._accepting = True
        self._workers_started = False
        self._outbox_worker: OutboxWorker | None = None
        self._shutdown_started = False
        self._in_flight: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()
        self._live_views: weakref.WeakSet[RetiringView] = weakref.WeakSet()

    # -- start -----------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        """After login, before the gateway: cogs, command sync if needed, workers.

        Never in ``on_ready``: that fires again after every reconnect.
        """
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.auto_sync:
            await self.sync_application_commands(force=False)
        if self.run_workers:
            await self.services.start_workers()
            self._workers_started = True
            await self._start_outbox_worker()

    async def _start_outbox_worker(self) -> None:
        """Deliver the outbox through this client (one per bot object, so restarts are clean)."""
        outbox = self.services.outbox
        if outbox is None or self._outbox_worker is not None:
            return
        self._outbox_worker = outbox_worker(
            self,
            outbox,
            self.services.clock,
            log_channel_id=lambda: self.services.config.log_channel_id,
        )
        await self._outbox_worker.start()

    async def sync_application_commands(
        self, *, force: bool, guild_ids: tuple[int, ...] | None = None
    ) -> list[SyncOutcome]:
        """Sync the configured scopes (or ``guild_ids``) if changed, or always with ``force``."""
        application_id = self.application_id
        if application_id is None:
            raise RuntimeError("sync needs the application id: call it after login")
        scopes = self.services.config.guild_ids if guild_ids is None else guild_ids
        try:
            self.sync_outcomes = await sync_commands(
                self.tree,
                CommandSyncState(self.services.database),
                application_id,
                scopes,
                force=force,
            )
        except discord.HTTPException as exc:
            if force:
                raise
            # Serving the commands Discord already has beats not starting at all.
            log.error("command sync failed (will retry on next start): %s", exc)
        return self.sync_outcomes

    async def on_ready(self) -> None:
        log.info(
            "ready as %s (id %s) in %d servers",
            self.user,
            self.user.id if self.user else "?",
            len(self.guilds),
        )
        warning = self.home_warning()
        if warning is not None:
            log.warning("%s", warning)

    # -- the home server (bot.maintainers) ---------------------------------------------------

    def _home_inputs(self) -> tuple[int | None, list[int], bool]:
        config = self.services.config
        # A process running some of the shards sees only their servers: no guessing then.
        return config.home_guild_id, [g.id for g in self.guilds], config.shard_ids is None

    def home_guild_id(self) -> int | None:
        """The server whose maintainers run the bot, or None while that is ambiguous."""
        configured, guild_ids, sees_all = self._home_inputs()
        return maintainers.resolve_home(configured, guild_ids, sees_every_guild=sees_all)

    def home_warning(self) -> str | None:
        """What is wrong with the home server setting (start-up log, ``/about``), if anything."""
        configured, guild_ids, sees_all = self._home_inputs()
        return maintainers.home_warning(configured, guild_ids, sees_every_guild=sees_all)

    async def on_app_command_completion(
        self, interaction: discord.Interaction[MLAudioBot], command: Any
    ) -> None:
        log_interaction(interaction, "ok")

    # -- interactions ----------------------------------------------------------------------

    async def admit(self, interaction: discord.Interaction[discord.Client]) -> bool:
        """Start timing and track the interaction; refuse politely while shutting down."""
        start_clock(interaction)
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        if self._accepting:
            return True
        if interaction.type is discord.InteractionType.autocomplete:
            # Autocomplete takes only choices (a message would be a 400): offer none.
            if not interaction.response.is_done():
                with contextlib.suppress(discord.HTTPException):
                    await interaction.response.autocomplete([])
        elif not interaction.response.is_done():
            await tell(interaction, "I'm restarting right now; please try again in a minute.")
        log_interaction(interaction, "refused", reason="shutting-down")
        return False

    def keep_view(self, view: RetiringView) -> None:
        """Have ``view`` disable its controls when the bot stops.

        Views live in memory only: after a restart their buttons would answer nothing
        ("This interaction failed"). Disabling them on the way out leaves no dead button.
        """
        self._live_views.add(view)

    # -- stop ------------------------------------------------------------------------------

    async def close(self) -> None:
        """Stop taking interactions, let running ones finish, stop workers, disconnect.

        The database belongs to whoever built the services and is closed by them after
        this returns (``bot.discord.runtime`` does).
        """
        if not self._shutdown_started:
            self._shutdown_started = True
            self._accepting = False
            await self._wait_for_in_flight(self.services.config.shutdown_grace)
            await self._retire_views(self.services.config.shutdown_grace)
            if self._workers_started:
                await self.services.stop_workers()
                self._workers_started = False
            if self._outbox_worker is not None:
                # Last: the other workers feed it; what they queued stays stored anyway.
                await self._outbox_worker.stop()
                self._outbox_worker = None
        await super().close()

    async def _wait_for_in_flight(self, grace: float) -> None:
        current = asyncio.current_task()
        running = [t for t in self._in_flight if t is not current and not t.done()]
        if not running:
            return
        log.info("waiting up to %.0f s for %d interaction(s) to finish", grace, len(running))
        _done, pending = await asyncio.wait(running, timeout=grace)
        if pending:
            log.warning("%d interaction(s) still running after %.0f s", len(pending), grace)

    async def _retire_views(self, grace: float) -> None:
        views = list(self._live_views)
        if not views:
            return
        retiring = asyncio.gather(*(view.retire() for view in views), return_exceptions=True)
        try:
            results = await asyncio.wait_for(retiring, timeout=max(grace, 0.1))
        except TimeoutError:
            log.warning("gave up disabling %d message controls after %.0f s", len(views), grace)
            return
        for result in results:
            if isinstance(result, BaseException):
                log.warning("could not disable a message's controls: %s", result)


class ShardedMLAudioBot(MLAudioBot, commands.AutoShardedBot):
    """Several shards in one process (``shard_count`` with optional ``shard_ids``)."""


def create_bot(
    services: Services,
    *,
    auto_sync: bool = True,
    run_workers: bool = True,
) -> MLAudioBot:
    """The bot for ``services``; sharded when the config asks for shards."""
    config = services.config
    if config.shard_count is None:
        return MLAudioBot(services, auto_sync=auto_sync, run_workers=run_workers)
    return ShardedMLAudioBot(
        services,
        auto_sync=auto_sync,
        run_workers=run_workers,
        shard_count=config.shard_count,
        shard_ids=list(config.shard_ids) if config.shard_ids is not None else None,
    )


async def admit(interaction: discord.Interaction[discord.Client]) -> bool:
    """``interaction_check`` for views: the bot's admission rules, or just timing."""
    if isinstance(interaction.client, MLAudioBot):
        return await interaction.client.admit(interaction)
    start_clock(interaction)
    return True


def bot_interaction(
    interaction: discord.Interaction[discord.Client],
) -> discord.Interaction[MLAudioBot]:
    """``interaction`` as the bot's own, for component callbacks.

    discord.py types a component's callbacks for any client; the bot's components only
    ever run in an ``MLAudioBot``, and this says so once (and checks it).
    """
    if not isinstance(interaction.client, MLAudioBot):
        raise TypeError("this component needs an MLAudioBot (bot.discord.client.create_bot)")
    return cast("discord.Interaction[MLAudioBot]", interaction)


class AdmittedModal(discord.ui.Modal):
    """A form whose submission the bot admits like any interaction.

    Admission is what makes a shutdown wait for it: a member who pressed Submit just
    before SIGTERM gets their answer (and what they typed is stored), as with a button.
    Every modal of the bot derives from this one.
    """

    async def interaction_check(self, interaction: discord.Interaction[discord.Client], /) -> bool:
        return await admit(interaction)


def services_of(bot: commands.Bot) -> Services:
    """The services of the bot loading an extension (cogs call it in ``setup``)."""
    if not isinstance(bot, MLAudioBot):
        raise TypeError("cogs need an MLAudioBot (bot.discord.client.create_bot)")
    return bot.services
