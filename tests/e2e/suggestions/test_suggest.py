"""/suggest end to end: the real bot on SimCord, from the modal to the vote and the review."""

from __future__ import annotations

from typing import Any

import discord
import pytest
import simcord

from bot.services import Services
from bot.suggestions import Status, Tally
from tests.e2e.conftest import DemoGuild

pytestmark = [pytest.mark.e2e, pytest.mark.bot_config(suggestions_edit_delay=0.01)]

REASON = "A clear review of deep learning for audio that a student can read in an evening."


@pytest.fixture
def sg(demo: DemoGuild, services: Services) -> DemoGuild:
    """The demo server with the bot pointed at its channels and maintainer role."""
    services.config = services.config.with_overrides(
        suggestions_channel_id=demo.suggestions.id,
        announcements_channel_id=demo.announcements.id,
        maintainer_role_ids=(demo.maintainers.id,),
    )
    return demo


async def suggest(
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    *,
    title: str = "Deep Learning for Audio Signal Processing",
    url: str = "https://arxiv.org/abs/1905.00078",
    reason: str = REASON,
    section: str = "key-papers",
    **options: Any,
) -> simcord.InteractionResult:
    shown = await member.slash(channel, "suggest", section=section, **options)
    assert shown.modal is not None, shown
    return await member.submit_modal(shown, {"title": title, "url": url, "reason": reason})


def last(result: simcord.InteractionResult) -> simcord.ResponseMessage:
    """The message the member sees last (a followup, or the response itself)."""
    message = result.followups[-1] if result.followups else result.response
    assert message is not None, result
    return message


def inject_clicks(
    env: simcord.Env, guild_id: int, message: discord.Message, clicks: list[tuple[int, str]]
) -> list[Any]:
    """Queue many button clicks at once (the actor API runs one at a time); then settle.

    Each ``(user_id, custom_id)`` becomes an INTERACTION_CREATE like a real click's.
    """
    from simcord import interactions
    from simcord.backend import serializers

    backend = env.backend
    stored = backend.get_message(message.channel.id, message.id)
    records = []
    for user_id, custom_id in clicks:
        record, payload = interactions.base_payload(
            backend,
            type=3,
            channel_id=message.channel.id,
            guild_id=guild_id,
            user_id=user_id,
            data={"custom_id": custom_id, "component_type": 2},
        )
        payload["message"] = dict(serializers.message_payload(backend, stored))
        record.source_message_id = stored.id
        backend.emit("INTERACTION_CREATE", payload)
        records.append(record)
    return records


def reply_text(result: simcord.InteractionResult) -> str:
    messages = [m for m in [result.response, *result.followups] if m is not None]
    return "\n".join(m.content for m in messages)


def posted(channel: simcord.ChannelHandle) -> list[discord.Message]:
    return [
        m
        for m in channel.history()
        if m.embeds and "suggestion #" in (m.embeds[0].footer.text or "")
    ]


async def settle_edits(env: simcord.Env, services: Services) -> None:
    """Let debounced message edits run."""
    await env.advance_time(1)
    await env.settle()


async def test_a_member_suggests_and_it_is_posted_for_votes_with_a_thread(
    sg: DemoGuild, services: Services
) -> None:
    result = await suggest(sg.alice, sg.general)
    assert "Thanks! Your suggestion is #1" in reply_text(result)
    (message,) = posted(sg.suggestions)
    embed = message.embeds[0]
    assert embed.title == "#1 · Deep Learning for Audio Signal Processing"
    assert embed.footer.text == "suggestion #1"
    labels = [c.label for row in message.components for c in row.children]  # type: ignore[attr-defined]
    assert labels == ["0", "0", "Voters", "Approve", "Reject", "Duplicate"]
    assert [t.name for t in sg.suggestions.threads] == [
        "#1 Deep Learning for Audio Signal Processing"
    ]
    stored = await services.suggestions.store.get(1)  # type: ignore[union-attr]
    assert stored is not None
    assert (stored.status, stored.author_id, stored.message_id) == (
        Status.PENDING,
        sg.alice.id,
        message.id,
    )


async def test_invalid_input_gets_a_clear_message_and_the_modal_back_prefilled(
    sg: DemoGuild, services: Services
) -> None:
    result = await suggest(
        sg.alice, sg.general, title="Great @everyone read", url="javascript:alert(1)"
    )
    text = reply_text(result)
    assert "Title: remove @everyone/@here; suggestions cannot ping." in text
    assert "URL: only http:// and https:// links are accepted (this one is javascript)." in text
    assert posted(sg.suggestions) == []
    # "Fix and resubmit" reopens the form with everything typed still there.
    refusal = last(result)
    reopened = await sg.alice.click(refusal, label="Fix and resubmit")
    assert reopened.modal is not None
    defaults = {
        c["component"]["custom_id"] if "component" in c else c["components"][0]["custom_id"]: (
            c["component"] if "component" in c else c["components"][0]
        ).get("value")
        for c in reopened.modal["components"]
    }
    assert defaults == {
        "title": "Great @everyone read",
        "url": "javascript:alert(1)",
        "reason": REASON,
    }
    fixed = await sg.alice.submit_modal(
        reopened, {"title": "Great read", "url": "https://good.example/read", "reason": REASON}
    )
    assert "Thanks! Your suggestion is #1" in reply_text(fixed)


async def test_hostile_text_is_shown_literally_and_never_pings(sg: DemoGuild) -> None:
    title = "**Bold** `code` [click](https://evil.example) __x__ ~~y~~ # h"
    await suggest(sg.alice, sg.general, title=title, url="https://md.example/")
    (message,) = posted(sg.suggestions)
    embed = message.embeds[0]
    assert embed.title is not None
    assert "\\*\\*Bold\\*\\*" in embed.title
    assert "\\[click\\]\\(https" in embed.title
    assert message.mentions == []
    assert message.role_mentions == []
    assert not message.mention_everyone


async def test_catalog_url_in_another_spelling_is_refused_with_a_link_to_the_entry(
    sg: DemoGuild, services: Services
) -> None:
    wavenet = next(e for e in services.catalog.entries if e.url and "1609.03499" in e.url)
    result = await suggest(
        sg.alice, sg.general, title="WaveNet paper", url="http://www.arxiv.org/abs/1609.03499v2/"
    )
    text = reply_text(result)
    assert "That link is already in the reading list as **" in text
    assert f"(`{wavenet.id}`)" in text
    assert posted(sg.suggestions) == []


async def test_same_url_as_a_pending_suggestion_points_to_it(sg: DemoGuild) -> None:
    await suggest(sg.alice, sg.general)
    result = await suggest(
        sg.bob, sg.general, title="Another name", url="https://arxiv.org/pdf/1905.00078.pdf"
    )
    text = reply_text(result)
    assert (
        "That link was suggested already: **#1 Deep Learning for Audio Signal Processing**" in text
    )
    assert "Vote for it there instead." in text
    assert len(posted(sg.suggestions)) == 1


async def test_similar_title_warns_and_the_member_may_submit_anyway(
    sg: DemoGuild, services: Services
) -> None:
    entry = next(e for e in services.catalog.entries if e.url and "1609.03499" in e.url)
    result = await suggest(sg.alice, sg.general, title=entry.title, url="https://other.example/w")
    text = reply_text(result)
    assert "Something with a similar title exists:" in text
    assert f"(`{entry.id}`)" in text
    confirmed = await sg.alice.click(last(result), label="Submit anyway")
    assert "Thanks! Your suggestion is #1" in reply_text(confirmed)
    assert len(posted(sg.suggestions)) == 1


async def test_votes_toggle_switch_and_the_message_shows_exact_counts(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    up, down = "sg:up:1", "sg:down:1"
    first = await sg.bob.click(message, custom_id=up)
    assert reply_text(first) == "Your vote on #1 is counted: 👍 (now 👍 1 · 👎 0)."
    switched = await sg.bob.click(message, custom_id=down)
    assert reply_text(switched) == "Your vote on #1 is switched to 👎 (now 👍 0 · 👎 1)."
    await sg.carol.click(message, custom_id=up)
    own = await sg.alice.click(message, custom_id=up)
    assert reply_text(own) == "This is your own suggestion; your vote would not count."
    await settle_edits(simcord_env, services)
    (message,) = posted(sg.suggestions)
    votes = next(f for f in message.embeds[0].fields if f.name == "Votes")
    assert votes.value == "👍 1 · 👎 1"
    removed = await sg.bob.click(message, custom_id=down)
    assert reply_text(removed) == "Your vote on #1 is removed (now 👍 1 · 👎 0)."


async def test_fifty_concurrent_clicks_by_one_member_count_at_most_once(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    records = inject_clicks(simcord_env, sg.guild.id, message, [(sg.bob.id, "sg:up:1")] * 50)
    await simcord_env.settle()
    results = [simcord.InteractionResult(simcord_env, r) for r in records]
    assert all(r.acknowledged for r in results)
    texts = [reply_text(r) for r in results]
    assert texts.count("Your vote on #1 is counted: 👍 (now 👍 1 · 👎 0).") == 25
    assert texts.count("Your vote on #1 is removed (now 👍 0 · 👎 0).") == 25
    store = services.suggestions.store  # type: ignore[union-attr]
    assert await store.tally(1) == Tally(0, 0)  # 50 toggles: on, off, … off
    await sg.bob.click(message, custom_id="sg:up:1")
    assert await store.tally(1) == Tally(1, 0)
    await settle_edits(simcord_env, services)
    (message,) = posted(sg.suggestions)
    assert next(f for f in message.embeds[0].fields if f.name == "Votes").value == "👍 1 · 👎 0"


async def test_non_maintainers_pressing_review_buttons_change_nothing(
    sg: DemoGuild, services: Services
) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    for label in ("Approve", "Reject", "Duplicate"):
        result = await sg.bob.click(message, label=label)
        assert result.modal is None
        assert reply_text(result).startswith("Only maintainers can review suggestions")
    voters = await sg.bob.click(message, label="Voters")
    assert reply_text(voters) == "Only maintainers can see who voted."
    stored = await services.suggestions.store.get(1)  # type: ignore[union-attr]
    assert stored is not None
    assert stored.status is Status.PENDING


async def test_maintainer_approves_message_shows_it_author_gets_a_dm_announcement_queued(
    sg: DemoGuild, services: Services, simcord_env: simcord.Env
) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    await sg.bob.click(message, custom_id="sg:up:1")
    voters = await sg.carol.click(message, label="Voters")
    assert voters.response is not None
    assert voters.response.embeds[0].fields[0].value == sg.bob.mention
    approved = await sg.carol.click(message, label="Approve")
    assert reply_text(approved).startswith("Approved suggestion #1.")
    await simcord_env.settle()
    (message,) = posted(sg.suggestions)
    status = next(f for f in message.embeds[0].fields if f.name == "Status").value
    assert status.startswith(f"Approved by {sg.carol.mention}")
    labels = [c.label for row in message.components for c in row.children]  # type: ignore[attr-defined]
    assert labels == ["Voters"]
    dms = sg.alice.user.dm_channel.history()
    assert [m.content for m in dms] == [
        "Good news: your suggestion #1 **Deep Learning for Audio Signal Processing** was "
        "approved. It will be added to the reading list with the next catalog update. Thank you!"
    ]
    audit = await services.suggestions.store.audit_log(suggestion_id=1)  # type: ignore[union-attr]
    assert [(e.action, e.actor_id) for e in audit][-1] == ("approved", sg.carol.id)
    row = await services.database.fetchone(
        "SELECT channel_id FROM outbox_items WHERE key = 'suggestion-approved:1'"
    )
    assert row is not None
    assert row["channel_id"] == sg.announcements.id
    # The bot's outbox worker delivers it: one announcement, published to followers.
    await simcord_env.settle()
    announced = list(sg.announcements.history())
    assert len(announced) == 1
    assert "Deep Learning for Audio Signal Processing" in str(
        [announced[0].content, *(e.to_dict() for e in announced[0].embeds)]
    )
    # Published like a deadline reminder, so servers that follow #announcements get it.
    # (SimCord 3.2.1 marks a published message IS_CROSSPOST where Discord sets CROSSPOSTED.)
    assert announced[0].flags.crossposted or announced[0].flags.is_crossposted


async def test_reject_asks_for_a_reason_and_shows_it(sg: DemoGuild, services: Services) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    asked = await sg.carol.click(message, label="Reject")
    assert asked.modal is not None
    done = await sg.carol.submit_modal(asked, {"value": "Too advanced for beginners"})
    assert reply_text(done).startswith("Rejected suggestion #1.")
    stored = await services.suggestions.store.get(1)  # type: ignore[union-attr]
    assert stored is not None
    assert (stored.status, stored.decision_note) == (Status.REJECTED, "Too advanced for beginners")
    dms = sg.alice.user.dm_channel.history()
    assert dms[-1].content.endswith("was not accepted. Reason: Too advanced for beginners")


async def test_two_maintainers_approve_and_reject_at_the_same_moment(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    admin = sg.guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    dave = sg.guild.add_member(simcord_env.create_user("dave"), roles=[admin])
    await simcord_env.settle()
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    asked = await sg.carol.click(message, label="Reject")  # carol is typing her reason…
    approved = await dave.click(message, label="Approve")  # …while dave approves
    assert reply_text(approved).startswith("Approved suggestion #1.")
    late = await sg.carol.submit_modal(asked, {"value": "Off topic"})
    assert reply_text(late) == (
        f"Suggestion #1 is already approved by {dave.mention}; nothing was changed."
    )
    stored = await services.suggestions.store.get(1)  # type: ignore[union-attr]
    assert stored is not None
    assert (stored.status, stored.decided_by) == (Status.APPROVED, dave.id)
    audit = await services.suggestions.store.audit_log(suggestion_id=1)  # type: ignore[union-attr]
    assert [e.action for e in audit] == ["created", "posted", "approved"]


async def test_duplicate_of_an_entry_and_of_an_unknown_target(
    sg: DemoGuild, services: Services
) -> None:
    entry = services.catalog.entries[0]
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    asked = await sg.carol.click(message, label="Duplicate")
    wrong = await sg.carol.submit_modal(asked, {"value": "no-such-entry-here"})
    assert "is neither a catalog entry id nor a suggestion number" in reply_text(wrong)
    asked = await sg.carol.click(message, label="Duplicate")
    done = await sg.carol.submit_modal(asked, {"value": entry.id})
    assert reply_text(done).startswith("Marked duplicate suggestion #1.")
    stored = await services.suggestions.store.get(1)  # type: ignore[union-attr]
    assert stored is not None
    assert stored.decision_note == f"entry:{entry.id}"


async def test_votes_and_reviews_from_another_server_are_refused(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await suggest(sg.alice, sg.general)
    other = simcord_env.create_guild("Elsewhere")
    channel = other.create_text_channel("general")
    admin_role = other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    stranger = other.add_member(simcord_env.create_user("stranger"), roles=[admin_role])
    await simcord_env.settle()
    # The same custom_id, as if a button were copied into another server's message.
    sent = await channel_message_with_button(simcord_env, channel, "sg:approve:1")
    services.config = services.config.with_overrides(home_guild_id=sg.guild.id)
    refused = await stranger.click(sent, custom_id="sg:approve:1")
    assert reply_text(refused).startswith(
        "You can review suggestions only in the bot's home server, **ML-Audio Study Group**"
    )
    stored = await services.suggestions.store.get(1)  # type: ignore[union-attr]
    assert stored is not None
    assert stored.status is Status.PENDING


async def channel_message_with_button(
    env: simcord.Env, channel: simcord.ChannelHandle, custom_id: str
) -> discord.Message:
    bot_channel = env.bot.get_channel(channel.id)
    assert isinstance(bot_channel, discord.TextChannel)
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="copied", custom_id=custom_id))
    message = await bot_channel.send("copied button", view=view)
    await env.settle()
    return message
