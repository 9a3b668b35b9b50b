"""The demo transcript shows a message the way a member sees it, in plain terminal text."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.demo.render import (
    BOX_WIDTH,
    TextStyle,
    plain,
    relative_time,
    render_choices,
    render_components,
    render_message,
)

PAGER = [
    {
        "type": 1,
        "components": [
            {"type": 2, "style": 2, "label": "◀ Previous", "custom_id": "p", "disabled": True},
            {"type": 2, "style": 2, "label": "1 / 3", "custom_id": "n", "disabled": True},
            {"type": 2, "style": 2, "label": "Next ▶", "custom_id": "x"},
        ],
    },
    {
        "type": 1,
        "components": [
            {
                "type": 3,
                "custom_id": "jump",
                "placeholder": "Jump to page…",
                "options": [{"label": "1", "value": "0"}, {"label": "2", "value": "1"}],
            }
        ],
    },
]


def test_buttons_read_like_buttons_and_disabled_ones_say_so() -> None:
    lines = render_components(PAGER)

    assert lines[0] == "[◀ Previous (disabled)] [1 / 3 (disabled)] [Next ▶]"
    assert lines[1] == "[Jump to page… ▾ 2 options]"


def test_embed_is_a_box_with_title_link_fields_and_footer_within_80_columns() -> None:
    embed = {
        "title": "WaveNet: A Generative Model for Raw Audio",
        "url": "https://arxiv.org/abs/1609.03499",
        "description": "Dilated causal convolutions " * 10,
        "fields": [
            {"name": "Kind", "value": "paper", "inline": True},
            {"name": "Related", "value": "• [WaveRNN](https://arxiv.org/abs/1802.08435)"},
        ],
        "footer": {"text": "id: wavenet"},
    }

    lines = render_message("ML-Audio Bot", "", [embed], [])

    text = "\n".join(lines)
    assert "■ WaveNet: A Generative Model for Raw Audio" in text
    assert "https://arxiv.org/abs/1609.03499" in text
    assert "Kind: paper" in text
    assert "• WaveRNN" in text
    assert "1802.08435" not in text  # link targets are noise in a terminal
    assert "id: wavenet" in text
    box = [line for line in lines if "│" in line or "┌" in line or "└" in line]
    assert {len(line) for line in box} == {len(box[0])}  # every line of the box aligned
    assert len(box[0]) + len("   ") <= 80  # the transcript indents by 3: fits a terminal
    assert max(len(line) for line in lines) <= BOX_WIDTH + 6


def test_ephemeral_and_edited_replies_are_marked() -> None:
    assert render_message("Bot", "hi", [], [], ephemeral=True)[0] == "Bot  (only you can see this)"
    assert render_message("Bot", "hi", [], [], edited=True)[0] == "Bot  (edited)"


def test_markdown_becomes_plain_text_but_names_keep_underscores() -> None:
    assert plain("**bold** *it* `code` [text](https://x.org) snake_case") == (
        "bold it code text snake_case"
    )


def test_timestamps_and_mentions_read_as_the_client_shows_them() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    names = {("channel", 7): "announcements", ("role", 9): "Maintainers"}
    style = TextStyle(now=now, names=lambda kind, ident: names.get((kind, ident)))
    deadline = int(datetime(2026, 1, 31, 11, 59, tzinfo=UTC).timestamp())

    text = style.plain(f"due <t:{deadline}:F> (<t:{deadline}:R>) in <#7> for <@&9>, not <@5>")

    assert text == (
        "due Saturday 31 January 2026 11:59 UTC (in a month) in #announcements "
        "for @Maintainers, not @user"
    )


def test_relative_time_rounds_like_discord() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def at(days: float) -> str:
        return relative_time(datetime.fromtimestamp(now.timestamp() + days * 86400, UTC), now)

    assert at(0.0001) == "in a few seconds"
    assert at(3) == "in 3 days"
    assert at(60) == "in 2 months"
    assert at(-2) == "2 days ago"
    assert at(800) == "in 2 years"


def test_long_suggestions_and_indented_lines_stay_readable() -> None:
    (line,) = render_choices([{"name": "Wave-U-Net: " + "very long title " * 10, "value": "x"}])
    lines = render_message("Bot", "  • " + "indented text that wraps " * 6, [], [])

    assert len(line) <= BOX_WIDTH + 4
    assert line.endswith("…")
    assert all(text.startswith("    ") for text in lines[1:])  # message indent + its own


def test_emoji_buttons_show_their_emoji_and_count() -> None:
    row = {
        "type": 1,
        "components": [
            {"type": 2, "style": 2, "label": "2", "emoji": {"name": "👍"}, "custom_id": "up"},
            {"type": 2, "style": 2, "emoji": {"name": "👎"}, "custom_id": "down"},
        ],
    }

    assert render_components([row]) == ["[👍 2] [👎]"]
