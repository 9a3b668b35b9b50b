"""A recording stand-in for Discord's REST API, for the multi-process test (issue 15).

Why it exists: the multi-process test runs several *worker processes* that deliver the
outbox through the real ``DiscordSender`` over discord.py's real HTTP client, and SIGKILLs
them at random points. SimCord (which the e2e tests use) runs the bot inside the test's own
process, so it cannot serve processes that come and go; this stand-in is an ordinary HTTP
server on 127.0.0.1 that outlives every worker and keeps a record of every call, from
which the test decides whether anything was posted twice.

It is NOT a Discord simulator: it answers only the routes the outbox's sender uses, with
the smallest JSON discord.py accepts, and nothing else (no gateway, no permissions):

- ``GET /users/@me`` and ``GET /oauth2/applications/@me`` (``Client.login``),
  ``GET /channels/{id}`` (``fetch_channel``);
- ``POST /channels/{id}/messages``, honouring ``nonce`` + ``enforce_nonce`` like Discord: a
  second send with the same nonce in the same channel creates nothing and returns the
  message the first one created;
- ``GET /channels/{id}/messages?limit=N`` (newest first, ``before`` ignored: the outbox
  reads at most one page);
- ``POST /channels/{id}/messages/{message_id}/crosspost``: publishes once; again gives
  Discord's 400 with code 40033 "already crossposted".
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

API_PREFIX = "/api/v10"
BOT_USER_ID = 900_000_000_000_000_001
GUILD_ID = 900_000_000_000_000_002
# Discord's "This message has already been crossposted".
ALREADY_CROSSPOSTED = 40033
_TEXT, _NEWS = 0, 5


@dataclass
class PostCall:
    """One ``POST …/messages`` as received."""

    channel_id: int
    nonce: str | None
    payload: dict[str, Any]
    message_id: int
    created: bool  # False: an earlier send with the same nonce had created the message


@dataclass
class CrosspostCall:
    channel_id: int
    message_id: int
    published: bool  # False: it had been published already (answered 40033)


@dataclass
class Record:
    """Everything the workers asked for, in arrival order."""

    posts: list[PostCall] = field(default_factory=list)
    crossposts: list[CrosspostCall] = field(default_factory=list)
    history_reads: int = 0
    channel_reads: int = 0
    logins: int = 0

    def created(self) -> list[PostCall]:
        """The posts that made a message: what members of the channel would see."""
        return [call for call in self.posts if call.created]


class DiscordStandIn:
    """The server; ``async with DiscordStandIn(channels) as standin`` runs it on loopback.

    ``channels`` maps channel id to whether it is an announcement (news) channel.
    ``latency`` (seconds) delays every answer, as Discord's round trip does: a worker then
    spends its time where a real one does, waiting for Discord, and that is where most
    SIGKILLs land.
    """

    def __init__(self, channels: dict[int, bool], *, latency: float = 0.0) -> None:
        self.channels = dict(channels)
        self.latency = latency
        self.record = Record()
        self._messages: dict[int, list[dict[str, Any]]] = {c: [] for c in channels}
        self._by_nonce: dict[tuple[int, str], dict[str, Any]] = {}
        self._published: set[int] = set()
        # Snowflake-sized ids, increasing like Discord's (newest is largest).
        self._ids = itertools.count(1_000_000_000_000_000_000)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    async def __aenter__(self) -> DiscordStandIn:
        app = web.Application(middlewares=[self._delay])
        app.router.add_get(API_PREFIX + "/users/@me", self._me)
        app.router.add_get(API_PREFIX + "/oauth2/applications/@me", self._application)
        app.router.add_get(API_PREFIX + "/channels/{channel}", self._channel)
        app.router.add_post(API_PREFIX + "/channels/{channel}/messages", self._post)
        app.router.add_get(API_PREFIX + "/channels/{channel}/messages", self._history)
        app.router.add_post(
            API_PREFIX + "/channels/{channel}/messages/{message}/crosspost", self._crosspost
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        # A socket bound here, so that the port is known and never raced for.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _delay(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.latency:
            await asyncio.sleep(self.latency)
        return await handler(request)

    # -- routes ---------------------------------------------------------------------------

    async def _me(self, request: web.Request) -> web.Response:
        self.record.logins += 1
        return _json(_user())

    async def _application(self, request: web.Request) -> web.Response:
        return _json(
            {
                "id": str(BOT_USER_ID),
                "name": "ml-audio-bot",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": _user(),
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _channel(self, request: web.Request) -> web.Response:
        self.record.channel_reads += 1
        channel_id = int(request.match_info["channel"])
        if channel_id not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        return _json(
            {
                "id": str(channel_id),
                "type": _NEWS if self.channels[channel_id] else _TEXT,
                "guild_id": str(GUILD_ID),
                "name": f"channel-{channel_id}",
                "position": 0,
                "permission_overwrites": [],
            }
        )

    async def _post(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        if channel_id not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        body = await request.json()
        nonce = body.get("nonce")
        nonce = None if nonce is None else str(nonce)
        earlier = self._by_nonce.get((channel_id, nonce)) if nonce else None
        if earlier is not None and body.get("enforce_nonce"):
            message, created = earlier, False
        else:
            message, created = self._create(channel_id, body, nonce), True
        self.record.posts.append(PostCall(channel_id, nonce, body, int(message["id"]), created))
        return _json(message)

    async def _history(self, request: web.Request) -> web.Response:
        self.record.history_reads += 1
        channel_id = int(request.match_info["channel"])
        if channel_id not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        limit = max(1, min(100, int(request.query.get("limit", "50"))))
        newest_first = list(reversed(self._messages[channel_id]))[:limit]
        return _json(newest_first)

    async def _crosspost(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        message_id = int(request.match_info["message"])
        message = next(
            (m for m in self._messages.get(channel_id, ()) if int(m["id"]) == message_id), None
        )
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if not self.channels[channel_id]:
            return _error(400, 50068, "Invalid message type")
        first = message_id not in self._published
        self.record.crossposts.append(CrosspostCall(channel_id, message_id, first))
        if not first:
            return _error(400, ALREADY_CROSSPOSTED, "This message has already been crossposted.")
        self._published.add(message_id)
        message["flags"] = int(message.get("flags", 0)) | 1  # CROSSPOSTED
        return _json(message)

    # -- helpers --------------------------------------------------------------------------

    def _create(self, channel_id: int, body: dict[str, Any], nonce: str | None) -> dict[str, Any]:
        message = {
            "id": str(next(self._ids)),
            "channel_id": str(channel_id),
            "guild_id": str(GUILD_ID),
            "type": 0,
            "author": _user(),
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "flags": 0,
            "nonce": nonce,
        }
        self._messages[channel_id].append(message)
        if nonce:
            self._by_nonce[(channel_id, nonce)] = message
        return message


def _user() -> dict[str, Any]:
    return {
        "id": str(BOT_USER_ID),
        "username": "ml-audio-bot",
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": True,
    }


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py decodes a body only when the type is exactly "application/json" (aiohttp's
    # json_response would add "; charset=utf-8").
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status=status)
