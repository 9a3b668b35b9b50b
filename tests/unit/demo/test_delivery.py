"""The demo's closing line about what was posted is worked out, never written in advance."""

from __future__ import annotations

from bot.demo.session import delivery_line


def test_one_message_posted_and_published_once() -> None:
    line = delivery_line("reminder", "announcements", [1], [True])
    assert line == "1 reminder in #announcements: posted and published once"


def test_a_second_copy_or_a_missed_publication_is_named() -> None:
    assert delivery_line("reminder", "announcements", [2], [True]) == (
        "1 reminder in #announcements: 1 posted more than once"
    )
    assert delivery_line("new paper", "news", [1, 1], [True, False]) == (
        "2 new papers in #news: 1 not published"
    )
    assert delivery_line("reminder", "announcements", [0], [False]) == (
        "1 reminder in #announcements: 1 not posted, 1 not published"
    )


def test_nothing_posted_is_said_plainly() -> None:
    assert delivery_line("reminder", "announcements", [], []) == (
        "0 reminders in #announcements: nothing was posted"
    )
