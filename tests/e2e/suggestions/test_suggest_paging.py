"""``/suggestions list`` defers before reading, then pages through a followup it still controls."""

from __future__ import annotations

import pytest
import simcord

from bot.discord.paging import DEFAULT_TIMEOUT
from bot.services import Services
from bot.suggestions.model import Draft
from bot.suggestions.outcomes import Created
from tests.e2e.conftest import DemoGuild
from tests.e2e.suggestions.test_suggest import last, reply_text, sg

pytestmark = [pytest.mark.e2e, pytest.mark.bot_config(suggestions_edit_delay=0.01)]
__all__ = ["sg"]  # the fixture, imported for pytest

SUGGESTIONS = 12  # two pages of ten


async def store_suggestions(services: Services, guild_id: int, count: int) -> None:
    """Suggestions stored straight through the service, one per author to stay under limits."""
    assert services.suggestions is not None
    for i in range(count):
        draft = Draft(
            f"Listing candidate {i:02d}",
            f"https://listing.example/{i}",
            "key-papers",
            "A resource stored only so that the listing has more than one page to show.",
        )
        outcome = await services.suggestions.submit(guild_id, 5000 + i, draft, confirm_similar=True)
        assert isinstance(outcome, Created), outcome


async def list_suggestions(
    env: simcord.Env, member: simcord.MemberActor, channel: simcord.ChannelHandle
) -> tuple[simcord.InteractionResult, int]:
    """Run /suggestions list; also return the callback type of its first answer."""
    before = len(env.http_requests)
    result = await member.slash(channel, "suggestions list")
    first = next(r for r in env.http_requests[before:] if r.path.endswith("/callback"))
    return result, first.json["type"]


def controls_disabled(result: simcord.InteractionResult) -> list[bool]:
    """Whether each button and menu on the listing is disabled (raw component payloads)."""
    rows = last(result).components
    return [bool(c.get("disabled", False)) for row in rows for c in row["components"]]


def descriptions(result: simcord.InteractionResult) -> str:
    return last(result).embeds[0].description or ""


async def test_list_defers_first_then_pages_with_next(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await store_suggestions(services, sg.guild.id, SUGGESTIONS)

    result, first_type = await list_suggestions(simcord_env, sg.alice, sg.general)

    assert first_type == 5  # deferred ("thinking…") before the database read
    assert result.ephemeral
    assert "Listing candidate 11" in descriptions(result)  # newest first
    assert "Listing candidate 01" not in descriptions(result)
    await sg.alice.click(last(result), label="Next ▶")
    assert "Listing candidate 01" in descriptions(result)
    assert "Listing candidate 11" not in descriptions(result)
    await sg.alice.click(last(result), label="◀ Previous")
    assert "Listing candidate 11" in descriptions(result)


async def test_deferred_listing_disables_its_controls_on_timeout(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await store_suggestions(services, sg.guild.id, SUGGESTIONS)
    result, _ = await list_suggestions(simcord_env, sg.alice, sg.general)
    assert not all(controls_disabled(result))

    await simcord_env.advance_time(DEFAULT_TIMEOUT + 1)

    disabled = controls_disabled(result)
    assert disabled
    assert all(disabled)
    with pytest.raises(simcord.SetupError, match="disabled"):
        await sg.alice.click(last(result), label="Next ▶")


async def test_an_empty_list_is_a_deferral_then_a_hint(
    sg: DemoGuild, simcord_env: simcord.Env
) -> None:
    result, first_type = await list_suggestions(simcord_env, sg.bob, sg.general)

    assert first_type == 5
    assert "No suggestions yet. Propose one with `/suggest`." in reply_text(result)
    assert result.ephemeral


async def test_stopping_the_bot_disables_a_deferred_listing(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await store_suggestions(services, sg.guild.id, SUGGESTIONS)
    result, _ = await list_suggestions(simcord_env, sg.alice, sg.general)

    await simcord_env.bot.close()

    assert all(controls_disabled(result))
