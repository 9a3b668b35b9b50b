"""Point discord.py at another Discord API server (``DISCORD_API_BASE``).

discord.py builds every REST URL, including the interaction webhooks, from the class
attribute ``discord.http.Route.BASE``; its own ``_set_api_version`` changes it the same way.
The gateway address is the class attribute ``DiscordWebSocket.DEFAULT_GATEWAY``, which a
non-sharded client (or one with a fixed shard count) uses without asking Discord; so when
the API lives elsewhere, ``use_gateway_from_api`` asks that server's ``GET /gateway/bot``
and connects where it says, as Discord's docs recommend. Both are process-wide, which is
right: one process talks to one API.
"""

from __future__ import annotations

from collections.abc import Callable

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route


def use_api_base(base: str) -> Callable[[], None]:
    """Send every REST call to ``base`` (e.g. ``http://127.0.0.1:8080/api/v10``).

    Returns a function that restores the previous base and gateway (tests call it).
    """
    previous_base = Route.BASE
    previous_gateway = DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = base.rstrip("/")

    def restore() -> None:
        Route.BASE = previous_base
        DiscordWebSocket.DEFAULT_GATEWAY = previous_gateway

    return restore


async def use_gateway_from_api(http: HTTPClient) -> str:
    """Connect the gateway where the API server's ``GET /gateway/bot`` says; return the URL.

    Call after ``login``. Raises ``discord.GatewayNotFound`` when the server cannot say.
    """
    _shards, url, _limits = await http.get_bot_gateway()
    gateway = yarl.URL(url)
    if gateway.scheme not in ("ws", "wss"):
        raise discord.GatewayNotFound()  # type: ignore[no-untyped-call]
    DiscordWebSocket.DEFAULT_GATEWAY = gateway
    return str(gateway)
