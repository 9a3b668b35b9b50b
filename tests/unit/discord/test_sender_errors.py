"""How Discord refusals reach the outbox: wait, block the channel, fail the message, succeed."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot.discord.sender import _AlreadyCrossposted, _mapped
from bot.outbox import PermanentFailure, RetryLater


class _Response:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.reason = "Reason"
        self.headers = headers or {}


def http_error(status: int, code: int = 0, headers: dict[str, str] | None = None) -> Any:
    error_type: type[discord.HTTPException] = {
        403: discord.Forbidden,
        404: discord.NotFound,
    }.get(status, discord.HTTPException)
    return error_type(_Response(status, headers), {"code": code, "message": "msg"})  # type: ignore[arg-type]


async def outcome(error: BaseException) -> BaseException:
    async def failing() -> None:
        raise error

    with pytest.raises(Exception) as caught:  # noqa: PT011 — the type is what we inspect
        await _mapped("post to channel 1", failing)
    return caught.value


@pytest.mark.parametrize(
    ("error", "scope"),
    [
        (http_error(404, 10003), "channel"),  # channel deleted
        (http_error(403, 50001), "channel"),  # missing access
        (http_error(403, 50013), "channel"),  # missing permissions
        (http_error(404, 10008), "message"),  # message deleted before publishing
        (http_error(400, 50035), "message"),  # malformed message
    ],
)
async def test_permanent_failures_name_what_they_block(error: Any, scope: str) -> None:
    failure = await outcome(error)
    assert isinstance(failure, PermanentFailure)
    assert failure.scope == scope
    assert f"(code {error.code})" in failure.reason


async def test_rate_limits_wait_as_long_as_discord_says() -> None:
    limited = await outcome(http_error(429, headers={"Retry-After": "17.5"}))
    assert isinstance(limited, RetryLater)
    assert limited.retry_after == 17.5
    waited = await outcome(discord.RateLimited(42.0))
    assert isinstance(waited, RetryLater)
    assert waited.retry_after == 42.0
    unknown = await outcome(http_error(429))
    assert isinstance(unknown, RetryLater)
    assert unknown.retry_after is not None
    assert unknown.retry_after > 0


@pytest.mark.parametrize("error", [http_error(500), http_error(502), http_error(503), OSError()])
async def test_server_and_network_errors_are_retried_with_backoff(error: BaseException) -> None:
    retry = await outcome(error)
    assert isinstance(retry, RetryLater)
    assert retry.retry_after is None


async def test_already_crossposted_is_recognised() -> None:
    assert isinstance(await outcome(http_error(400, 40033)), _AlreadyCrossposted)
