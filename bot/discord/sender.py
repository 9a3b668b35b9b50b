"""The outbox's Discord side: post with a nonce, find our own marked message, publish.

``DiscordSender`` implements ``bot.outbox.Sender`` with discord.py and turns Discord's
answers into the outbox's two kinds of "not now":

* ``RetryLater`` — 429 (with its ``retry_after``), 5xx, network trouble. discord.py has
  already retried these a few times with the same request, nonce included.
* ``PermanentFailure`` — the channel is gone (10003) or the bot lost access (50001,
  50013): the outbox blocks the channel and keeps its messages. A message deleted before
  it could be published (10008) or refused as malformed (400) fails alone.

"Already crossposted" (40033) is success: it is what a retry after a lost reply sees.
``announces`` is the one rule of what is published: every post in an announcement (news)
channel. A publication asked for in another channel (a row stored before the channel was
changed) is skipped with one warning per channel: there are no followers to reach.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, NoReturn, TypeVar

import aiohttp
import discord

from bot.clock import Clock
from bot.outbox import Outbox, OutboxProblem, OutboxWorker, PermanentFailure, RetryLater
from bot.outbox.message import Payload, payload_has_marker

log = logging.getLogger(__name__)

T = TypeVar("T")

ALREADY_CROSSPOSTED = 40033
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
_CHANNEL_GONE = {UNKNOWN_CHANNEL, MISSING_ACCESS, MISSING_PERMISSIONS}
# When Discord gives no retry_after with a 429 (e.g. a Cloudflare limit).
DEFAULT_RATE_LIMIT_WAIT = 60.0
MAX_HISTORY_SCAN = 100

_PostableChannel = discord.TextChannel | discord.Thread | discord.VoiceChannel


class DiscordClock:
    """The bot's time as discord.py sees it (SimCord's virtual time under test)."""

    def now(self) -> datetime:
        return discord.utils.utcnow()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class DiscordSender:
    """``bot.outbox.Sender`` over a logged-in discord.py client."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client
        self._warned_not_news: set[int] = set()

    async def post(self, channel_id: int, payload: Payload, *, nonce: str) -> int:
        channel = await self._channel(channel_id)
        embeds = [discord.Embed.from_dict(dict(embed)) for embed in payload.get("embeds") or ()]
        view = _buttons_view(payload.get("components") or ())
        content = payload.get("content") or None
        quiet = discord.AllowedMentions.none()

        async def send() -> discord.Message:
            # nonce: discord.py sends enforce_nonce with it.
            if view is None:
                return await channel.send(
                    content=content, embeds=embeds, nonce=nonce, allowed_mentions=quiet
                )
            return await channel.send(
                content=content, embeds=embeds, nonce=nonce, allowed_mentions=quiet, view=view
            )

        message = await _mapped(f"post to channel {channel_id}", send)
        return message.id

    async def find_posted(self, channel_id: int, marker: str, *, limit: int) -> int | None:
        channel = await self._channel(channel_id)
        me = self._client.user
        limit = max(1, min(limit, MAX_HISTORY_SCAN))

        async def scan() -> int | None:
            async for message in channel.history(limit=limit):
                if me is not None and message.author.id != me.id:
                    continue
                seen = {"content": message.content, "embeds": [e.to_dict() for e in message.embeds]}
                if payload_has_marker(seen, marker):
                    return message.id
            return None

        return await _mapped(f"read history of channel {channel_id}", scan)

    async def announces(self, channel_id: int) -> bool:
        return _is_announcement_channel(await self._channel(channel_id))

    async def crosspost(self, channel_id: int, message_id: int) -> None:
        channel = await self._channel(channel_id)
        if not _is_announcement_channel(channel):
            if channel_id not in self._warned_not_news:
                self._warned_not_news.add(channel_id)
                log.warning(
                    "outbox: channel %d is not an announcement channel; messages are posted "
                    "there but cannot be published to following servers",
                    channel_id,
                )
            return
        try:
            await _mapped(
                f"publish message {message_id} in channel {channel_id}",
                lambda: channel.get_partial_message(message_id).publish(),
            )
        except _AlreadyCrossposted:
            log.info("outbox: message %d was already published", message_id)

    async def _channel(self, channel_id: int) -> _PostableChannel:
        channel: Any = self._client.get_channel(channel_id)
        if channel is None:
            channel = await _mapped(
                f"look up channel {channel_id}", lambda: self._client.fetch_channel(channel_id)
            )
        if not isinstance(channel, _PostableChannel):
            raise PermanentFailure(
                f"channel {channel_id} is a {type(channel).__name__}: it takes no messages"
            )
        return channel


def _is_announcement_channel(channel: _PostableChannel) -> bool:
    return isinstance(channel, discord.TextChannel) and channel.is_news()


class _AlreadyCrossposted(Exception):
    pass


async def _mapped(action: str, call: Callable[[], Awaitable[T]]) -> T:
    """Run one Discord call, translating its failures for the outbox."""
    try:
        return await call()
    except discord.RateLimited as exc:
        raise RetryLater(exc.retry_after, f"{action}: rate limited") from exc
    except discord.HTTPException as exc:
        _raise_for_http(action, exc)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise RetryLater(None, f"{action}: {type(exc).__name__}: {exc}") from exc


def _raise_for_http(action: str, exc: discord.HTTPException) -> NoReturn:
    what = f"{action}: {exc.status} {exc.text or exc.response.reason} (code {exc.code})"
    if exc.code == ALREADY_CROSSPOSTED:
        raise _AlreadyCrossposted from exc
    if exc.status == 429:
        raise RetryLater(_retry_after(exc), what) from exc
    if exc.status >= 500:
        raise RetryLater(None, what) from exc
    if exc.code in _CHANNEL_GONE or (exc.status in (403, 404) and exc.code != UNKNOWN_MESSAGE):
        raise PermanentFailure(what, scope="channel") from exc
    raise PermanentFailure(what, scope="message") from exc


def _retry_after(exc: discord.HTTPException) -> float:
    header = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return float(header) if header is not None else DEFAULT_RATE_LIMIT_WAIT
    except ValueError:
        return DEFAULT_RATE_LIMIT_WAIT


def log_channel_reporter(
    client: discord.Client, channel_id: Callable[[], int | None]
) -> Callable[[OutboxProblem], Awaitable[None]]:
    """An ``Outbox.on_problem`` hook that tells the maintainers' log channel.

    Sent directly, not through the outbox: if the log channel itself is the one that is
    gone, the outbox's log line is all there can be, and it must not queue up forever.
    """

    async def report(problem: OutboxProblem) -> None:
        target = channel_id()
        if target is None or target == problem.channel_id:
            return
        channel = client.get_channel(target)
        if not isinstance(channel, _PostableChannel):
            log.warning("outbox: log channel %s not available for: %s", target, problem.describe())
            return
        try:
            await channel.send(
                f"⚠️ {problem.describe()}", allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as exc:
            log.warning("outbox: could not tell the log channel %s: %s", target, exc)

    return report


def outbox_worker(
    client: discord.Client,
    outbox: Outbox,
    clock: Clock,
    *,
    log_channel_id: Callable[[], int | None] = lambda: None,
) -> OutboxWorker:
    """The outbox's background worker for a bot: Discord sender, problems to the log channel.

    Wiring (runtime): ``services.add_worker(outbox_worker(bot, services.outbox, clock,
    log_channel_id=lambda: services.config.log_channel_id))`` once the bot object exists.
    """
    outbox.on_problem = log_channel_reporter(client, log_channel_id)
    return OutboxWorker(outbox, DiscordSender(client), clock)


def _buttons_view(rows: Any) -> discord.ui.View | None:
    """A view carrying the payload's buttons, only to send them.

    Their clicks are handled by the ``DynamicItem`` matching each custom id (registered by
    the cog that owns it), in this process or the next; so the view is stopped before it
    is sent and discord.py does not keep it waiting for clicks.
    """
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for number, row in enumerate(rows):
        for button in row.get("components") or ():
            view.add_item(
                discord.ui.Button(
                    style=discord.ButtonStyle(int(button.get("style") or 2)),
                    label=button.get("label"),
                    custom_id=button.get("custom_id"),
                    url=button.get("url"),
                    row=number,
                )
            )
    view.stop()
    return view
