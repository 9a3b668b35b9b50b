"""Suggestions that cannot be abused, end to end: hostile links through the real modal,
blocked members, links locked by votes, and a message a moderator deleted staying down."""

from __future__ import annotations

import pytest
import simcord

from bot.discord.client import create_bot
from bot.services import Services
from tests.e2e.conftest import DemoGuild
from tests.e2e.suggestions.test_suggest import REASON, posted, reply_text, settle_edits, sg, suggest

pytestmark = [pytest.mark.e2e, pytest.mark.bot_config(suggestions_edit_delay=0.01)]
__all__ = ["sg"]  # the fixture, imported for pytest


def field(message: simcord.ResponseMessage | object, name: str) -> str:
    embed = message.embeds[0]  # type: ignore[attr-defined]
    return next(f.value or "" for f in embed.fields if f.name == name)


async def test_a_link_that_would_plant_a_second_link_is_refused_in_the_form(
    sg: DemoGuild,
) -> None:
    result = await suggest(
        sg.alice, sg.general, url="https://a.com/x>[click](https://evil.example)"
    )
    assert "URL: a link cannot contain these as typed; write \\> as %3E." in reply_text(result)
    local = await suggest(sg.alice, sg.general, url="https://[::1]/admin")
    assert "URL: ::1 is a loopback address" in reply_text(local)
    assert posted(sg.suggestions) == []


async def test_a_look_alike_host_is_posted_in_punycode_and_flagged_for_maintainers(
    sg: DemoGuild,
) -> None:
    result = await suggest(sg.alice, sg.general, url="https://\u0430rxiv.org/abs/1905.00078")
    assert "Thanks! Your suggestion is #1" in reply_text(result)
    (message,) = posted(sg.suggestions)
    assert message.embeds[0].url == "https://xn--rxiv-43d.org/abs/1905.00078"
    assert field(message, "Link").splitlines() == [
        "<https://xn--rxiv-43d.org/abs/1905.00078>",
        "Host: \u0430rxiv.org (xn--rxiv-43d.org)",
        "⚠ possible look-alike domain: its name mixes Cyrillic and Latin letters "
        "(maintainers, check)",
    ]


async def test_a_blocked_member_gets_no_form_and_cannot_edit_their_suggestion(
    sg: DemoGuild,
) -> None:
    await suggest(sg.alice, sg.general)
    await sg.carol.slash(sg.general, "suggestions block", member=sg.alice, reason="spam")
    shown = await sg.alice.slash(sg.general, "suggest", section="key-papers")
    assert shown.modal is None
    assert reply_text(shown) == (
        "You cannot make suggestions on this server (spam). "
        "Ask a maintainer if you think this is a mistake."
    )
    edit = await sg.alice.slash(sg.general, "suggestions edit", id=1)
    assert edit.modal is None
    assert reply_text(edit).startswith("You cannot edit suggestions on this server (spam).")


async def test_once_voted_the_link_stays_but_title_and_reason_can_change(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    await sg.bob.click(message, custom_id="sg:up:1")
    shown = await sg.alice.slash(sg.general, "suggestions edit", id=1)
    moved = await sg.alice.submit_modal(
        shown, {"title": "Bait", "url": "https://other.example/", "reason": REASON}
    )
    assert "already has votes, so its link cannot change" in reply_text(moved)
    shown = await sg.alice.slash(sg.general, "suggestions edit", id=1)
    retitled = await sg.alice.submit_modal(
        shown,
        {"title": "Deep learning for audio, a review", "url": "https://arxiv.org/abs/1905.00078",
         "reason": REASON},
    )  # fmt: skip
    assert reply_text(retitled) == "Suggestion #1 is updated."
    await settle_edits(simcord_env, services)
    (message,) = posted(sg.suggestions)
    assert message.embeds[0].title == "#1 · Deep learning for audio, a review"
    assert message.embeds[0].url == "https://arxiv.org/abs/1905.00078"
    assert "\nedited by the author <t:" in field(message, "Status")


async def test_a_message_a_moderator_deleted_stays_down_until_a_maintainer_reposts_it(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    await sg.carol.delete(message)
    # The author's edit makes the bot update the message and find it gone.
    shown = await sg.alice.slash(sg.general, "suggestions edit", id=1)
    await sg.alice.submit_modal(
        shown, {"title": "Retitled review", "url": "https://arxiv.org/abs/1905.00078",
                "reason": REASON},
    )  # fmt: skip
    await settle_edits(simcord_env, services)
    await simcord_env.restart_bot(create_bot(services))
    await simcord_env.settle()
    assert posted(sg.suggestions) == []  # not posted again on its own, even after a restart
    shown_to_carol = await sg.carol.slash(sg.general, "suggestions show", id=1)
    assert shown_to_carol.response is not None
    assert "`/suggestions repost 1`" in field(shown_to_carol.response, "Message")
    refused = await sg.bob.slash(sg.general, "suggestions repost", id=1)
    assert reply_text(refused) == "Only maintainers can repost a suggestion. Nothing was changed."
    reposted = await sg.carol.slash(sg.general, "suggestions repost", id=1)
    assert reply_text(reposted).startswith("Suggestion #1 is posted again: https://discord.com/")
    (again,) = posted(sg.suggestions)
    assert again.embeds[0].title == "#1 · Retitled review"
    twice = await sg.carol.slash(sg.general, "suggestions repost", id=1)
    assert "was not reposted: its message is still there" in reply_text(twice)
    assert len(posted(sg.suggestions)) == 1
