"""The durable outbox: every message the bot posts on its own goes through it.

    outbox = Outbox(db, clock)
    await outbox.setup()
    await outbox.enqueue(OutgoingMessage("suggestion-approved:42", channel_id, embeds=(e,)))
    worker = OutboxWorker(outbox, DiscordSender(bot), clock)   # started by the runtime

See ``bot/outbox/outbox.py`` for how exactly-once delivery works.
"""

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
