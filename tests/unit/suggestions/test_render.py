"""What members see: everything they typed shows literally, within Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.markup import embed_length
from bot.markup import escape_markdown as escape
from bot.suggestions.model import Status, Suggestion, Tally
from bot.suggestions.render import decision_text, suggestion_embed


def make(**changes: object) -> Suggestion:
    base: dict[str, object] = {
        "id": 7,
        "guild_id": 1,
        "author_id": 2,
        "anonymous": False,
        "title": "T",
        "url": "https://x.org/",
        "normalized_url": "https://x.org",
        "section": "books",
        "kind": "book",
        "reason": "R",
        "status": Status.PENDING,
        "created_at": datetime(2026, 11, 25, tzinfo=UTC),
        "updated_at": datetime(2026, 11, 25, tzinfo=UTC),
        "tally": Tally(3, 1),
    }
    base.update(changes)
    return Suggestion(**base)  # type: ignore[arg-type]


def test_markdown_and_mentions_are_escaped() -> None:
    assert escape("**b** _i_ `c` [l](u) # h > q ~~s~~ |x|") == (
        "\\*\\*b\\*\\* \\_i\\_ \\`c\\` \\[l\\]\\(u\\) # h > q \\~\\~s\\~\\~ \\|x\\|"
    )
    assert escape("@everyone") == "@\u200beveryone"


def test_the_longest_allowed_texts_fit_in_one_embed() -> None:
    embed = suggestion_embed(
        make(title="W" * 200, reason="x " * 500, url="https://a.org/" + "p" * 480)
    )
    assert len(embed["title"]) <= 256
    assert embed_length(embed) <= 6000
    assert embed["footer"]["text"] == "suggestion #7"


def test_status_line_names_who_decided_and_why() -> None:
    decided = make(
        status=Status.REJECTED,
        decided_by=99,
        decided_at=datetime(2026, 11, 26, tzinfo=UTC),
        decision_note="off *topic*",
    )
    assert (
        decision_text(decided) == "Rejected by <@99> on <t:1795651200:f>\nReason: off \\*topic\\*"
    )
    assert decision_text(make()) == "Open for votes"
    duplicate = make(status=Status.DUPLICATE, decided_by=99, decision_note="suggestion:3")
    assert decision_text(duplicate).endswith("Duplicate of suggestion #3")
