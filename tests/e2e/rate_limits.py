"""Rate limits that discord.py waits out, on SimCord.

A 429 whose ``retry_after`` is short is never seen by the bot's code: discord.py's
``HTTPClient.request`` sleeps that long and sends the request again. SimCord's HTTP client
replaces ``request`` and so raises an injected 429 at once; ``wait_out_429s`` puts that
waiting back, so a test sees what the bot really lives through: the call just takes
``retry_after`` seconds (of SimCord's virtual time) longer.
"""

from __future__ import annotations

import asyncio
import fnmatch
from collections.abc import Callable
from typing import Any

import discord
import pytest
import simcord

# A request is retried at most this often after a 429 (discord.py's own bound is 5).
MAX_TRIES = 5


def wait_out_429s(
    env: simcord.Env,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
    *,
    retry_after: float,
    times: int = 1,
    while_waiting: Callable[[], object] = lambda: None,
) -> None:
    """Answer the next ``times`` ``method path`` calls with 429; the bot waits and retries.

    ``path`` is an fnmatch pattern of the API path, as for ``env.inject_error``.
    ``while_waiting`` runs as each wait begins: what happens to the bot meanwhile.
    """
    env.inject_error(method, path, status=429, message="You are being rate limited.", times=times)
    http = env.bot.http
    real_request = http.request

    async def request(route: Any, **kwargs: Any) -> Any:
        for attempt in range(MAX_TRIES):
            try:
                return await real_request(route, **kwargs)
            except discord.HTTPException as error:
                if error.status != 429 or attempt == MAX_TRIES - 1:
                    raise
                if route.method != method or not fnmatch.fnmatch(_path(route.url), path):
                    raise
                while_waiting()
                await asyncio.sleep(retry_after)
        raise AssertionError("unreachable: the loop returns or raises")

    monkeypatch.setattr(http, "request", request)


def _path(url: str) -> str:
    # "https://discord.com/api/v10/channels/1/followers?x=1" -> "/channels/1/followers"
    path = url.split("?", 1)[0]
    marker = "/api/v"
    start = path.find(marker)
    if start == -1:
        return path
    rest = path[start + len(marker) :]
    return rest[rest.find("/") :]
