"""The edit loop: what the author typed survives a refused edit, in the edit form."""

from __future__ import annotations

import pytest
import simcord

from bot.services import Services
from tests.e2e.conftest import DemoGuild
from tests.e2e.suggestions.test_suggest import (
    REASON,
    last,
    posted,
    reply_text,
    settle_edits,
    sg,
    suggest,
)

pytestmark = [pytest.mark.e2e, pytest.mark.bot_config(suggestions_edit_delay=0.01)]
__all__ = ["sg"]  # the fixture, imported for pytest


def form_values(result: simcord.InteractionResult) -> dict[str, str | None]:
    assert result.modal is not None, result
    values: dict[str, str | None] = {}
    for row in result.modal["components"]:
        component = row["component"] if "component" in row else row["components"][0]
        values[component["custom_id"]] = component.get("value")
    return values


async def test_a_refused_edit_reopens_the_edit_form_with_the_text_and_then_applies(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await suggest(sg.alice, sg.general)
    shown = await sg.alice.slash(sg.general, "suggestions edit", id=1)
    refused = await sg.alice.submit_modal(
        shown, {"title": "Ping @everyone", "url": "https://arxiv.org/abs/1905.00078",
                "reason": REASON},
    )  # fmt: skip
    assert "Title: remove @everyone/@here; suggestions cannot ping." in reply_text(refused)
    reopened = await sg.alice.click(last(refused), label="Fix and resubmit")
    assert reopened.modal is not None
    assert reopened.modal["title"] == "Edit suggestion #1"
    assert form_values(reopened) == {
        "title": "Ping @everyone",
        "url": "https://arxiv.org/abs/1905.00078",
        "reason": REASON,
    }
    fixed = await sg.alice.submit_modal(
        reopened, {"title": "A readable review", "url": "https://arxiv.org/abs/1905.00078",
                   "reason": REASON},
    )  # fmt: skip
    assert reply_text(fixed) == "Suggestion #1 is updated."
    await settle_edits(simcord_env, services)
    (message,) = posted(sg.suggestions)
    assert message.embeds[0].title == "#1 · A readable review"
