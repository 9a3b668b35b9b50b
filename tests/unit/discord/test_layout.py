"""The Discord adapter stays in small, typed modules (issue 11's layout rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ADAPTER_FILES = sorted([*(ROOT / "bot" / "discord").rglob("*.py"), *(ROOT / "cogs").glob("*.py")])
MAX_LINES = 500


def test_the_adapter_is_found() -> None:
    names = {path.name for path in ADAPTER_FILES}
    assert {"replies.py", "controller.py", "views.py", "announcements.py"} <= names


@pytest.mark.parametrize("path", ADAPTER_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_adapter_module_is_over_500_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


@pytest.mark.parametrize("path", ADAPTER_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_interactions_name_their_client(path: Path) -> None:
    # Interaction[Any] hides which bot a handler runs in; mypy then checks nothing about it.
    assert "Interaction[Any]" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "path",
    [p for p in ADAPTER_FILES if p.name != "replies.py"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_replies_go_through_the_one_helper_set(path: Path) -> None:
    # bot.discord.replies knows when to follow up, cuts to Discord's limits and pings
    # nobody; a direct call elsewhere is a second, diverging copy of those rules.
    text = path.read_text(encoding="utf-8")
    assert "response.send_message(" not in text
    assert "followup.send(" not in text
