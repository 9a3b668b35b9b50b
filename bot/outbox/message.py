"""What a feature hands to the outbox, and how the outbox marks it before sending.

Every message the outbox sends carries a short *marker* (``ref 1a2b3c4d5e6f``): in the
footer of the last embed, or as a small subtext line under plain content. After a crash
the outbox cannot know whether its last send reached Discord; the marker lets it find
the message in the channel and adopt it instead of posting a second copy. The marker
is derived from the idempotency key, so it is the same in every process that ever
handles the item.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_FOOTER = 2048
MAX_KEY = 200
MARKER_PREFIX = "ref "
# "\n-# ref 1a2b3c4d5e6f": Discord renders "-# " as small grey subtext.
_CONTENT_MARKER_ROOM = len("\n-# ") + len(MARKER_PREFIX) + 12
#: The longest ``content`` a message without embeds may have (the marker needs the rest).
MAX_PLAIN_CONTENT = MAX_CONTENT - _CONTENT_MARKER_ROOM

Payload = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message the bot posts on its own.

    ``key`` is the idempotency key, unique forever (``"suggestion-approved:42"``): enqueueing
    the same key twice stores it once. ``embeds`` are Discord API embed dicts
    (``discord.Embed.to_dict()`` in adapters). Whether it is published to following servers
    is not the feature's choice: every post in an announcement channel is (the sender
    knows the channel's type, see ``Sender.announces``). ``not_before`` delays it;
    ``expires_at`` drops it, logged, if it could not be posted by then (a reminder for a
    deadline that has passed is worse than none). ``components`` are Discord API action
    rows of buttons (custom ids handled by a ``DynamicItem``, or links): they must work
    without this process, since the message outlives it.
    """

    key: str
    channel_id: int
    content: str = ""
    embeds: tuple[dict[str, Any], ...] = field(default=())
    not_before: datetime | None = None
    expires_at: datetime | None = None
    components: tuple[dict[str, Any], ...] = field(default=())

    def __post_init__(self) -> None:
        problems = list(_problems(self))
        if problems:
            raise ValueError(f"outbox message {self.key!r}: " + "; ".join(problems))


def _problems(message: OutgoingMessage) -> list[str]:
    problems: list[str] = []
    if not message.key.strip() or len(message.key) > MAX_KEY:
        problems.append(f"key must be 1-{MAX_KEY} characters")
    if isinstance(message.channel_id, bool) or message.channel_id <= 0:
        problems.append("channel_id must be a positive Discord id")
    if not message.content.strip() and not message.embeds:
        problems.append("needs content or at least one embed")
    limit = MAX_CONTENT if message.embeds else MAX_PLAIN_CONTENT
    if len(message.content) > limit:
        problems.append(f"content is {len(message.content)} characters, the limit is {limit}")
    problems.extend(_component_problems(message.components))
    if len(message.embeds) > MAX_EMBEDS:
        problems.append(f"{len(message.embeds)} embeds, Discord allows {MAX_EMBEDS}")
    if message.embeds:
        if not all(isinstance(embed, dict) for embed in message.embeds):
            problems.append("embeds must be dicts (discord.Embed.to_dict())")
        else:
            footer = _footer_text(message.embeds[-1])
            if len(footer) + len(" · ") + len(marker_for(message.key)) > MAX_FOOTER:
                problems.append("the last embed's footer leaves no room for the outbox marker")
            try:
                json.dumps(list(message.embeds))
            except (TypeError, ValueError):
                problems.append("embeds must be plain JSON data")
    for name in ("not_before", "expires_at"):
        value = getattr(message, name)
        if value is not None and value.tzinfo is None:
            problems.append(f"{name} must be timezone-aware")
    return problems


MAX_ACTION_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80


def _component_problems(rows: tuple[dict[str, Any], ...]) -> list[str]:
    """Action rows of buttons only, within Discord's counts and lengths."""
    if len(rows) > MAX_ACTION_ROWS:
        return [f"{len(rows)} action rows, Discord allows {MAX_ACTION_ROWS}"]
    for row in rows:
        buttons = row.get("components") if isinstance(row, dict) else None
        if row.get("type") != 1 or not isinstance(buttons, list):
            return ["components must be action rows (type 1)"]
        if not 1 <= len(buttons) <= MAX_ROW_BUTTONS:
            return [f"an action row holds 1-{MAX_ROW_BUTTONS} buttons"]
        for button in buttons:
            if not isinstance(button, dict) or button.get("type") != 2:
                return ["only buttons (type 2) may be sent through the outbox"]
            if len(str(button.get("custom_id") or button.get("url") or "")) > MAX_CUSTOM_ID:
                return [f"a button's custom_id is longer than {MAX_CUSTOM_ID}"]
            if len(str(button.get("label") or "")) > MAX_BUTTON_LABEL:
                return [f"a button's label is longer than {MAX_BUTTON_LABEL}"]
    return []


def marker_for(key: str) -> str:
    """The marker put into the message of ``key``: short, stable, unlikely to collide."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"{MARKER_PREFIX}{digest}"


def render_payload(message: OutgoingMessage) -> dict[str, Any]:
    """The exact JSON the sender posts: content and embeds with the marker added."""
    marker = marker_for(message.key)
    rows = {"components": [dict(row) for row in message.components]} if message.components else {}
    if not message.embeds:
        return {"content": f"{message.content}\n-# {marker}", "embeds": [], **rows}
    embeds = [dict(embed) for embed in message.embeds]
    last = embeds[-1]
    footer = dict(last.get("footer") or {})
    text = _footer_text(last)
    footer["text"] = f"{text} · {marker}" if text else marker
    last["footer"] = footer
    return {"content": message.content, "embeds": embeds, **rows}


def payload_has_marker(payload: Payload, marker: str) -> bool:
    """Whether a message (as API JSON: content + embeds) carries ``marker``."""
    if marker in str(payload.get("content") or ""):
        return True
    return any(
        marker in _footer_text(embed)
        for embed in payload.get("embeds") or ()
        if isinstance(embed, Mapping)
    )


def _footer_text(embed: Mapping[str, Any]) -> str:
    footer = embed.get("footer")
    if isinstance(footer, Mapping):
        return str(footer.get("text") or "")
    return ""
