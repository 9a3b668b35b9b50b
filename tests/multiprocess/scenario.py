"""The work the worker processes share, and how to read its outcome from the stand-in.

Used by the SIGKILL test and by ``benchmarks/bench_storage.py``, so both measure the same
thing: announcements enqueued into the outbox with unique keys, spread over announcement
and plain channels, and vote intentions (each a member, a suggestion and 👍 or 👎) dealt out
to the processes, one process per intention.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.outbox import OutgoingMessage, marker_for
from bot.storage import Storage
from bot.suggestions import SuggestionStore
from bot.suggestions.model import Tally
from bot.suggestions.store import NewSuggestion
from tests.multiprocess.standin import DiscordStandIn
from tests.multiprocess.worker import VoteIntention

GUILD_ID = 424_242_424_242_424_242
AUTHOR_ID = 111_111_111_111_111_111
FIRST_MEMBER_ID = 222_222_222_222_222_000
# Two announcement channels (posts are published) and one plain channel.
CHANNELS = {
    333_333_333_333_333_001: True,
    333_333_333_333_333_002: True,
    333_333_333_333_333_003: False,
}
_MARKER = re.compile(r"ref [0-9a-f]{12}")


async def create_suggestions(db: Storage, count: int) -> list[int]:
    """``count`` pending suggestions by one author, to be voted on; their ids."""
    store = SuggestionStore(db)
    await store.setup()
    now = datetime.now(UTC)
    ids = []
    for n in range(count):
        url = f"https://example.org/paper-{n}"
        new = NewSuggestion(
            GUILD_ID, AUTHOR_ID, False, f"Paper {n}", url, url, "key-papers", "paper", "r" * 20
        )
        created = await store.insert(new, now)
        assert created is not None, f"{url} was suggested already"
        ids.append(created)
    return ids


def deal_votes(
    suggestion_ids: list[int], members: int, processes: int, rng: random.Random
) -> list[tuple[VoteIntention, ...]]:
    """Every member votes once on every suggestion, 👍 or 👎 at random; the intentions are
    dealt out to ``processes`` in turn (one process per intention)."""
    intentions = [
        VoteIntention(sid, FIRST_MEMBER_ID + member, rng.choice((1, -1)))
        for member in range(members)
        for sid in suggestion_ids
    ]
    rng.shuffle(intentions)
    return [tuple(intentions[p::processes]) for p in range(processes)]


def expected_tallies(dealt: Iterable[Iterable[VoteIntention]]) -> dict[int, Tally]:
    up: Counter[int] = Counter()
    down: Counter[int] = Counter()
    for intentions in dealt:
        for intention in intentions:
            (up if intention.value == 1 else down)[intention.suggestion_id] += 1
    return {sid: Tally(up[sid], down[sid]) for sid in up.keys() | down.keys()}


def announcement(number: int) -> OutgoingMessage:
    """Announcement ``number``: an embed (the marker goes in its footer) or plain text."""
    channels = list(CHANNELS)
    channel = channels[number % len(channels)]
    key = f"announcement:{number}"
    if number % 2:
        return OutgoingMessage(key, channel, content=f"Announcement {number}")
    embed = {"title": f"Announcement {number}", "description": "Worth reading."}
    return OutgoingMessage(key, channel, embeds=(embed,))


def markers_of(payload: dict[str, Any]) -> list[str]:
    """The outbox markers a posted payload carries (content and embed footers)."""
    texts = [str(payload.get("content") or "")]
    for embed in payload.get("embeds") or ():
        texts.append(str((embed.get("footer") or {}).get("text") or ""))
    return [found for text in texts for found in _MARKER.findall(text)]


class Outcome:
    """What the stand-in saw, per announcement key."""

    def __init__(self, standin: DiscordStandIn, keys: Iterable[str]) -> None:
        by_marker = {marker_for(key): key for key in keys}
        self.keys = set(by_marker.values())
        record = standin.record
        self.created: Counter[str] = Counter()  # messages made per key
        self.requests: Counter[str] = Counter()  # POST …/messages per key
        self.strangers = 0  # messages whose marker is of no enqueued key
        message_key: dict[int, str] = {}
        for call in record.posts:
            found = [by_marker[m] for m in markers_of(call.payload) if m in by_marker]
            if not found:
                self.strangers += 1
                continue
            self.requests[found[0]] += 1
            if call.created:
                self.created[found[0]] += 1
                message_key[call.message_id] = found[0]
        self.published: Counter[str] = Counter(
            message_key.get(c.message_id, "?") for c in record.crossposts if c.published
        )
        self.crosspost_calls = len(record.crossposts)
        self.in_announcement_channels = {
            message_key[call.message_id]
            for call in record.posts
            if call.created and call.message_id in message_key and standin.channels[call.channel_id]
        }

    def twice(self) -> dict[str, int]:
        return {key: n for key, n in self.created.items() if n > 1}

    def sent_twice(self) -> dict[str, int]:
        return {key: n for key, n in self.requests.items() if n > 1}

    def missing(self) -> set[str]:
        return self.keys - set(self.created)

    def published_wrongly(self) -> dict[str, int]:
        """Announcement-channel messages not published exactly once, and any publication
        elsewhere."""
        wrong = {k: self.published[k] for k in self.in_announcement_channels}
        wrong = {k: n for k, n in wrong.items() if n != 1}
        wrong.update(
            {k: n for k, n in self.published.items() if k not in self.in_announcement_channels}
        )
        return wrong
