"""The one thing the outbox needs from Discord, and the two ways it can say "not now"."""

from __future__ import annotations

from typing import Literal, Protocol

from bot.outbox.message import Payload

FailureScope = Literal["channel", "message"]


class DeliveryError(Exception):
    """Base of the errors a :class:`Sender` raises."""


class RetryLater(DeliveryError):
    """Try again later: rate limited (429), Discord unwell (5xx), network trouble.

    ``retry_after`` (seconds) is honoured when Discord says how long to wait; without it
    the outbox backs off exponentially.
    """

    def __init__(self, retry_after: float | None = None, reason: str = "") -> None:
        self.retry_after = retry_after
        self.reason = reason or "temporary failure"
        super().__init__(
            self.reason if retry_after is None else f"{self.reason} (retry after {retry_after:g} s)"
        )


class PermanentFailure(DeliveryError):
    """Retrying cannot help until a human acts.

    ``scope="channel"``: the channel is gone or the bot lost access to it, so nothing more is
    sent there (pending messages wait). ``scope="message"``: only this message is impossible
    (e.g. it was deleted before it could be published); the channel keeps flowing.
    """

    def __init__(self, reason: str, *, scope: FailureScope = "channel") -> None:
        self.reason = reason
        self.scope: FailureScope = scope
        super().__init__(reason)


class Sender(Protocol):
    """Posting primitives; the Discord implementation is ``bot.discord.sender.DiscordSender``."""

    async def post(self, channel_id: int, payload: Payload, *, nonce: str) -> int:
        """Send ``payload`` (content + embeds), return the new message id.

        ``nonce`` is the same on every attempt for one message; Discord drops a copy sent
        with the same nonce shortly after the first (``enforce_nonce``) and returns it.
        """
        ...

    async def find_posted(self, channel_id: int, marker: str, *, limit: int) -> int | None:
        """The id of the bot's own message carrying ``marker`` among the ``limit`` latest."""
        ...

    async def announces(self, channel_id: int) -> bool:
        """Whether ``channel_id`` is an announcement channel, whose servers' followers get
        what is published in it. The one rule: every post there is published."""
        ...

    async def crosspost(self, channel_id: int, message_id: int) -> None:
        """Publish to following servers; "already crossposted" counts as success."""
        ...
