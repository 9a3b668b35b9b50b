"""Running the bot for real: ``ml-audio-bot run`` and ``ml-audio-bot sync``.

Exit codes: 0 after a clean stop (SIGTERM/SIGINT), 2 for a setting, token, catalog or
database a human must fix (one line on stderr, no traceback), 1 for anything else (logged
with its traceback). A catalog or database problem is raised on to ``bot.cli.main``, which
words it for every command alike, after everything opened here was closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from typing import TextIO

import discord

from bot.config import Config, ConfigError
from bot.datafile import DataFileError
from bot.discord.api import use_api_base, use_gateway_from_api
from bot.discord.client import MLAudioBot, create_bot
from bot.discord.heartbeat import HeartbeatWriter
from bot.discord.logging import setup_logging
from bot.discord.sender import DiscordClock
from bot.health import health_file
from bot.services import Services, build_services
from bot.storage import DatabaseError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
LOGIN_REJECTED = (
    "Discord rejected DISCORD_TOKEN (401 Unauthorized): copy a fresh token from "
    "https://discord.com/developers/applications (Bot → Reset Token)"
)


class _Stop(Exception):
    """A problem a human must fix, already phrased for them."""


def run(config: Config, *, err: TextIO | None = None) -> int:
    """``ml-audio-bot run``: connect, serve until SIGTERM/SIGINT, stop cleanly."""
    return _main(config, _serve, err=err)


def sync(config: Config, guild_id: int | None, *, err: TextIO | None = None) -> int:
    """``ml-audio-bot sync [--guild ID]``: push the slash commands now, whatever is stored."""

    async def push(bot: MLAudioBot) -> None:
        outcomes = await bot.sync_application_commands(
            force=True, guild_ids=(guild_id,) if guild_id is not None else None
        )
        for outcome in outcomes:
            print(f"synced {outcome.commands} commands to {outcome.scope}")

    return _main(config, push, sync_on_login=False, err=err)


def _main(
    config: Config,
    action: Callable[[MLAudioBot], object],
    *,
    sync_on_login: bool = True,
    err: TextIO | None = None,
) -> int:
    stream = err or sys.stderr
    try:
        config.require_token()
    except ConfigError as exc:
        print(f"ml-audio-bot: {exc}", file=stream)
        return EXIT_USAGE
    setup_logging(config, stream)
    try:
        return asyncio.run(_session(config, action, sync_on_login=sync_on_login))
    except _Stop as exc:
        print(f"ml-audio-bot: {exc}", file=stream)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK
    except (DataFileError, DatabaseError):
        raise  # a problem to fix, not a crash: bot.cli.main prints it in one line
    except Exception:
        log.exception("the bot stopped on an unexpected error")
        return EXIT_FAILED


async def _session(
    config: Config, action: Callable[[MLAudioBot], object], *, sync_on_login: bool
) -> int:
    # Before any network: a catalog or database that cannot be used ends the run here.
    services = await build_services(config, clock=DiscordClock())
    restore = use_api_base(config.api_base) if config.api_base else None
    serving = action is _serve
    bot = create_bot(services, auto_sync=sync_on_login, run_workers=serving)
    try:
        try:
            await bot.login(config.token)
        except discord.LoginFailure:
            raise _Stop(LOGIN_REJECTED) from None
        if config.api_base and serving:
            gateway = await use_gateway_from_api(bot.http)
            log.info("using API %s and gateway %s", config.api_base, gateway)
        result = action(bot)
        if asyncio.iscoroutine(result):
            await result
        return EXIT_OK
    except discord.PrivilegedIntentsRequired:
        raise _Stop("Discord refused an intent; this bot needs no privileged intent") from None
    except (discord.HTTPException, discord.GatewayNotFound, OSError) as exc:
        log.error("cannot reach Discord: %s", exc)
        return EXIT_FAILED
    finally:
        await bot.close()
        await services.close()
        if restore is not None:
            restore()
        log.info("stopped")


async def _serve(bot: MLAudioBot) -> None:
    """Connect and serve until the gateway ends or a stop signal arrives."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    reloads = ReloadOnSignal(bot.services)
    with contextlib.suppress(NotImplementedError, AttributeError):  # no SIGHUP on Windows
        loop.add_signal_handler(signal.SIGHUP, reloads.request)
    connection = asyncio.create_task(bot.connect(reconnect=True), name="gateway")
    stopper = asyncio.create_task(stop.wait(), name="stop-signal")
    # The heartbeat file behind `ml-audio-bot health` (the container's HEALTHCHECK).
    heartbeat = HeartbeatWriter(bot, bot.services, health_file())
    await heartbeat.start()
    try:
        done, _pending = await asyncio.wait(
            {connection, stopper}, return_when=asyncio.FIRST_COMPLETED
        )
        if stopper in done:
            log.info("stop signal received: finishing in-flight interactions")
            await bot.close()  # waits for in-flight interactions, stops workers, disconnects
        else:
            stopper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await connection  # re-raises a gateway failure (e.g. PrivilegedIntentsRequired)
    finally:
        await reloads.finish()
        await heartbeat.stop()


class ReloadOnSignal:
    """SIGHUP → ``/catalog reload`` (``docker kill -s HUP``); the result goes to the log.

    A signal handler cannot await: each signal starts a task, and the reloader runs them
    one after the other. ``finish`` waits for them before the bot stops.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        self._tasks: set[asyncio.Task[None]] = set()

    def request(self) -> None:
        log.info("SIGHUP received: reloading the catalog")
        task = asyncio.create_task(self._reload(), name="catalog-reload")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reload(self) -> None:
        reloader = self.services.reloader
        if reloader is None:
            log.error("SIGHUP: this bot was built without a catalog reloader")
            return
        try:
            await reloader.reload("SIGHUP")  # logs the changes, or each file:line
        except Exception:
            log.exception("SIGHUP: the catalog reload failed; the old catalog still serves")

    async def finish(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
