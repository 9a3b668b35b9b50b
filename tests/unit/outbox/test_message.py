"""What is stored and sent: the marker, and messages refused before they are stored."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.outbox import MAX_PLAIN_CONTENT, OutgoingMessage, marker_for, render_payload
from bot.outbox.message import payload_has_marker


def test_the_marker_goes_into_the_last_embed_footer_after_its_text() -> None:
    message = OutgoingMessage(
        "suggestion-approved:42",
        1,
        embeds=({"title": "A"}, {"title": "B", "footer": {"text": "Suggestion #42"}}),
    )
    payload = render_payload(message)
    marker = marker_for("suggestion-approved:42")
    assert payload["embeds"][0] == {"title": "A"}
    assert payload["embeds"][1]["footer"]["text"] == f"Suggestion #42 · {marker}"
    assert payload_has_marker(payload, marker)
    assert not payload_has_marker(payload, marker_for("suggestion-approved:43"))
    # The caller's dicts are not modified.
    assert message.embeds[1]["footer"] == {"text": "Suggestion #42"}


def test_plain_content_gets_the_marker_as_a_small_subtext_line() -> None:
    payload = render_payload(OutgoingMessage("k", 1, content="Hello"))
    assert payload["content"] == f"Hello\n-# {marker_for('k')}"
    assert payload_has_marker(payload, marker_for("k"))


def test_markers_are_stable_and_distinct() -> None:
    assert marker_for("feed:a:1") == marker_for("feed:a:1")
    assert marker_for("feed:a:1") != marker_for("feed:a:2")
    assert len(marker_for("x")) == len("ref ") + 12


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"key": " ", "content": "x"}, "key must be"),
        ({"key": "k" * 201, "content": "x"}, "key must be"),
        ({"channel_id": 0, "content": "x"}, "channel_id must be"),
        ({"content": "   "}, "needs content or at least one embed"),
        ({"content": "x" * (MAX_PLAIN_CONTENT + 1)}, f"the limit is {MAX_PLAIN_CONTENT}"),
        ({"embeds": tuple({"title": str(n)} for n in range(11))}, "Discord allows 10"),
        ({"embeds": ({"footer": {"text": "f" * 2048}},)}, "no room for the outbox marker"),
        ({"embeds": ({"title": object()},)}, "plain JSON data"),
        ({"content": "x", "not_before": datetime(2027, 1, 1)}, "not_before must be timezone-aware"),  # noqa: DTZ001
    ],
)
def test_bad_messages_are_refused_with_what_to_fix(kwargs: dict[str, object], problem: str) -> None:
    arguments: dict[str, object] = {"key": "k", "channel_id": 1, **kwargs}
    with pytest.raises(ValueError, match=problem):
        OutgoingMessage(**arguments)  # type: ignore[arg-type]


def test_content_may_use_the_full_length_when_embeds_carry_the_marker() -> None:
    message = OutgoingMessage("k", 1, content="x" * 2000, embeds=({"title": "t"},))
    assert len(render_payload(message)["content"]) == 2000
