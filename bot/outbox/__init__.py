"""The durable outbox: every message the bot posts on its own goes through it.

    outbox = Outbox(db, clock)
    await outbox.setup()
    await outbox.enqueue(OutgoingMessage("suggestion-approved:42", channel_id, embeds=(e,)))
    worker = OutboxWorker(outbox, DiscordSender(bot), clock)   # started by the runtime

See ``bot/outbox/outbox.py`` for how exactly-once delivery works. The names below are
imported on first use (``bot.lazy``), so ``ml-audio-bot --help`` does not load asyncio.
"""

from typing import TYPE_CHECKING

from bot.lazy import lazy_exports

if TYPE_CHECKING:
    from bot.outbox.message import MAX_PLAIN_CONTENT, OutgoingMessage, marker_for, render_payload
    from bot.outbox.outbox import (
        DEFAULT_PUBLISH_BUDGET,
        DEFAULT_PUBLISH_WINDOW,
        Outbox,
        ProblemHook,
    )
    from bot.outbox.records import BlockedChannel, OutboxItem, OutboxProblem, PassResult, State
    from bot.outbox.sender import DeliveryError, PermanentFailure, RetryLater, Sender
    from bot.outbox.store import OutboxStore
    from bot.outbox.worker import OutboxWorker

__all__ = [
    "DEFAULT_PUBLISH_BUDGET",
    "DEFAULT_PUBLISH_WINDOW",
    "MAX_PLAIN_CONTENT",
    "BlockedChannel",
    "DeliveryError",
    "Outbox",
    "OutboxItem",
    "OutboxProblem",
    "OutboxStore",
    "OutboxWorker",
    "OutgoingMessage",
    "PassResult",
    "PermanentFailure",
    "ProblemHook",
    "RetryLater",
    "Sender",
    "State",
    "marker_for",
    "render_payload",
]

__getattr__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(
            ("MAX_PLAIN_CONTENT", "OutgoingMessage", "marker_for", "render_payload"),
            "bot.outbox.message",
        ),
        **dict.fromkeys(
            ("DEFAULT_PUBLISH_BUDGET", "DEFAULT_PUBLISH_WINDOW", "Outbox", "ProblemHook"),
            "bot.outbox.outbox",
        ),
        **dict.fromkeys(
            ("BlockedChannel", "OutboxItem", "OutboxProblem", "PassResult", "State"),
            "bot.outbox.records",
        ),
        **dict.fromkeys(
            ("DeliveryError", "PermanentFailure", "RetryLater", "Sender"), "bot.outbox.sender"
        ),
        "OutboxStore": "bot.outbox.store",
        "OutboxWorker": "bot.outbox.worker",
    },
)
