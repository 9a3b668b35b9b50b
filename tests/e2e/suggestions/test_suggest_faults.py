"""Suggestions when things go wrong: restarts, a deleted channel, a read-only database,
Discord refusing a post; plus the member and maintainer commands around a suggestion."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest
import simcord

from bot.discord.client import create_bot
from bot.services import Services
from bot.suggestions import Status, Tally
from tests.e2e.conftest import DemoGuild
from tests.e2e.rate_limits import wait_out_429s
from tests.e2e.suggestions.test_suggest import inject_clicks, last, posted, reply_text, sg, suggest

pytestmark = [pytest.mark.e2e, pytest.mark.bot_config(suggestions_edit_delay=0.01)]
__all__ = ["sg"]  # the fixture, imported for pytest


async def test_buttons_keep_working_after_a_restart_without_reposting(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    await sg.bob.click(message, custom_id="sg:up:1")
    await simcord_env.restart_bot(create_bot(services))
    voted = await sg.carol.click(message, custom_id="sg:up:1")
    assert reply_text(voted) == "Your vote on #1 is counted: 👍 (now 👍 2 · 👎 0)."
    approved = await sg.carol.click(message, label="Approve")
    assert reply_text(approved).startswith("Approved suggestion #1.")
    assert len(posted(sg.suggestions)) == 1  # nothing re-sent after the restart


async def test_a_burst_of_votes_causes_few_message_edits_and_exact_counts(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    voters = [sg.guild.add_member(simcord_env.create_user(f"voter{n}")) for n in range(30)]
    await simcord_env.settle()
    edits_before = edits_of(simcord_env, message)
    clicks = [(v.id, "sg:up:1" if n % 3 else "sg:down:1") for n, v in enumerate(voters)]
    inject_clicks(simcord_env, sg.guild.id, message, clicks)
    await simcord_env.settle()
    await simcord_env.advance_time(1)
    await simcord_env.settle()
    assert await services.suggestions.store.tally(1) == Tally(20, 10)  # type: ignore[union-attr]
    (message,) = posted(sg.suggestions)
    assert next(f for f in message.embeds[0].fields if f.name == "Votes").value == "👍 20 · 👎 10"
    assert 1 <= edits_of(simcord_env, message) - edits_before <= 3


def edits_of(env: simcord.Env, message: discord.Message) -> int:
    path = f"/channels/{message.channel.id}/messages/{message.id}"
    return sum(1 for r in env.http_requests if r.method == "PATCH" and r.path == path)


async def test_a_deleted_suggestions_channel_keeps_the_suggestion_and_posts_it_later(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    simcord_env.backend.delete_channel(sg.suggestions.id)
    await simcord_env.settle()
    result = await suggest(sg.alice, sg.general)
    assert reply_text(result) == (
        "Your suggestion is saved as #1, but I could not post it for voting: the suggestions "
        "channel no longer exists. Nothing is lost: maintainers see it in `/suggestions list`, "
        "and it is posted as soon as the channel works again (at the bot's next start)."
    )
    stored = await services.suggestions.store.get(1)  # type: ignore[union-attr]
    assert stored is not None
    assert (stored.status, stored.message_id) == (Status.PENDING, None)
    # A maintainer makes a new channel and points the bot at it; the next start posts it.
    replacement = sg.guild.create_text_channel("suggestions-2")
    services.config = services.config.with_overrides(suggestions_channel_id=replacement.id)
    await simcord_env.restart_bot(create_bot(services))
    await simcord_env.settle()
    (message,) = posted(replacement)
    assert message.embeds[0].footer.text == "suggestion #1"
    await simcord_env.restart_bot(create_bot(services))
    await simcord_env.settle()
    assert len(posted(replacement)) == 1  # found by its marker, not posted twice


async def test_a_message_deleted_under_the_bot_is_forgotten_not_crashed_on(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await suggest(sg.alice, sg.general)
    assert len(posted(sg.suggestions)) == 1
    simcord_env.backend.delete_channel(sg.suggestions.id)
    await simcord_env.settle()
    await services.suggestions.vote(sg.guild.id, 1, sg.bob.id, 1)  # type: ignore[union-attr, arg-type]
    await bot_ui(simcord_env).refresh_message(1)
    stored = await services.suggestions.store.get(1)  # type: ignore[union-attr]
    assert stored is not None
    assert (stored.message_id, stored.tally) == (None, Tally(1, 0))


def bot_ui(env: simcord.Env) -> Any:
    from bot.discord.suggestions.controller import ui_of

    return ui_of(env.bot)


async def test_discord_refusing_the_post_keeps_the_suggestion(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    simcord_env.inject_error("POST", f"/channels/{sg.suggestions.id}/messages", status=500)
    result = await suggest(sg.alice, sg.general)
    assert "saved as #1, but I could not post it for voting: Discord did not accept" in (
        reply_text(result)
    )
    assert (await services.suggestions.store.page(sg.guild.id))[1] == 1  # type: ignore[union-attr]


async def test_a_read_only_database_gives_a_clear_message_and_keeps_the_text(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    await services.database.execute("PRAGMA query_only = ON")
    vote = await sg.bob.click(message, custom_id="sg:up:1")
    assert reply_text(vote).startswith(
        "I couldn't save that: the bot's database is read-only right now. Nothing was changed"
    )
    second = await suggest(sg.bob, sg.general, title="Another good one", url="https://b.example/")
    assert "read-only right now" in reply_text(second)
    await services.database.execute("PRAGMA query_only = OFF")
    reopened = await sg.bob.click(last(second), label="Fix and resubmit")
    assert reopened.modal is not None
    done = await sg.bob.submit_modal(
        reopened, {"title": "Another good one", "url": "https://b.example/", "reason": "x" * 20}
    )
    assert "Thanks! Your suggestion is #2" in reply_text(done)
    assert await services.suggestions.store.tally(1) == Tally(0, 0)  # type: ignore[union-attr]


async def test_authors_edit_and_withdraw_others_cannot(
    sg: DemoGuild, services: Services, simcord_env: simcord.Env
) -> None:
    await suggest(sg.alice, sg.general)
    stranger = await sg.bob.slash(sg.general, "suggestions edit", id=1)
    assert reply_text(stranger) == "Only the author can edit suggestion #1."
    shown = await sg.alice.slash(sg.general, "suggestions edit", id=1, section="tutorials")
    assert shown.modal is not None
    done = await sg.alice.submit_modal(
        shown,
        {
            "title": "Deep learning for audio, a review",
            "url": "https://arxiv.org/abs/1905.00078",
            "reason": "Still the best overview.",
        },
    )
    assert reply_text(done) == "Suggestion #1 is updated."
    await simcord_env.settle()
    (message,) = posted(sg.suggestions)
    assert message.embeds[0].title == "#1 · Deep learning for audio, a review"
    refused = await sg.bob.slash(sg.general, "suggestions withdraw", id=1)
    assert reply_text(refused) == "Only the author can withdraw suggestion #1."
    withdrawn = await sg.alice.slash(sg.general, "suggestions withdraw", id=1)
    assert reply_text(withdrawn) == "Suggestion #1 is withdrawn."
    stored = await services.suggestions.store.get(1)  # type: ignore[union-attr]
    assert stored is not None
    assert (stored.status, stored.section) == (Status.WITHDRAWN, "tutorials")


async def test_list_show_and_the_audit_log_for_maintainers(sg: DemoGuild) -> None:
    await suggest(sg.alice, sg.general)
    await suggest(sg.bob, sg.general, title="Librosa tutorial notebooks", url="https://l.example/")
    listing = await sg.bob.slash(sg.general, "suggestions list", status="pending")
    assert listing.response is not None
    description = listing.response.embeds[0].description or ""
    assert description.splitlines()[0].startswith("**#2** Librosa tutorial notebooks")
    shown = await sg.bob.slash(sg.general, "suggestions show", id=1)
    assert shown.response is not None
    fields = [f.name for f in shown.response.embeds[0].fields]
    assert "Audit log (maintainers only)" not in fields
    as_maintainer = await sg.carol.slash(sg.general, "suggestions show", id=1)
    assert as_maintainer.response is not None
    audit = next(
        f for f in as_maintainer.response.embeds[0].fields if f.name.startswith("Audit log")
    )
    assert f"{sg.alice.mention} created" in (audit.value or "")
    missing = await sg.bob.slash(sg.general, "suggestions show", id=99)
    assert reply_text(missing) == "There is no suggestion #99."


async def test_blocklist_is_for_maintainers_and_blocks_suggesting(sg: DemoGuild) -> None:
    refused = await sg.bob.slash(sg.general, "suggestions block", member=sg.alice)
    assert reply_text(refused) == "Only maintainers can manage the suggestions blocklist."
    blocked = await sg.carol.slash(sg.general, "suggestions block", member=sg.alice, reason="spam")
    assert reply_text(blocked) == f"{sg.alice.mention} can no longer make suggestions."
    result = await sg.alice.slash(sg.general, "suggest", section="key-papers")
    assert result.modal is None  # refused before the form
    assert "You cannot make suggestions on this server (spam)." in reply_text(result)
    await sg.carol.slash(sg.general, "suggestions unblock", member=sg.alice)
    assert "Thanks!" in reply_text(await suggest(sg.alice, sg.general))


async def test_anonymous_is_refused_before_the_form_when_the_server_disallows_it(
    sg: DemoGuild,
) -> None:
    shown = await sg.alice.slash(sg.general, "suggest", section="key-papers", anonymous=True)
    assert shown.modal is None
    assert reply_text(shown) == (
        "Anonymous suggestions are turned off on this server; "
        "run /suggest again without `anonymous`."
    )


@pytest.mark.bot_config(suggestions_allow_anonymous=True, suggestions_max_pending=1)
async def test_anonymous_suggestions_hide_the_name_and_limits_are_explained(
    sg: DemoGuild,
) -> None:
    await suggest(sg.alice, sg.general, anonymous=True)
    (message,) = posted(sg.suggestions)
    author = next(f for f in message.embeds[0].fields if f.name == "Suggested by")
    assert author.value == "anonymous member"
    again = await suggest(sg.alice, sg.general, title="Second", url="https://two.example/")
    assert "You already have 1 suggestions waiting for review, the most allowed." in reply_text(
        again
    )


async def test_unknown_section_is_refused_before_the_form(sg: DemoGuild) -> None:
    shown = await sg.alice.slash(sg.general, "suggest", section="Underwater basket weaving")
    assert shown.modal is None
    assert "There is no section called Underwater basket weaving." in reply_text(shown)
    choices = await sg.alice.autocomplete(sg.general, "suggest", "section", "key")
    assert choices[0]["value"] == "key-papers"


async def test_a_suggestion_whose_url_reaches_the_catalog_is_merged_at_the_next_start(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    from bot.catalog.urls import normalize_url
    from bot.suggestions.store import NewSuggestion

    entry = next(e for e in services.catalog.entries if e.url)
    store = services.suggestions.store  # type: ignore[union-attr]
    # As if it had been suggested before a maintainer added the entry by hand.
    async with store.atomic():
        sid = await store.insert(
            NewSuggestion(
                sg.guild.id, sg.alice.id, False, entry.title, entry.url or "",
                normalize_url(entry.url or ""), entry.section, entry.kind, "x" * 20,
            ),
            services.clock.now(),
        )  # fmt: skip
    await simcord_env.restart_bot(create_bot(services))
    stored = await store.get(sid)
    assert stored is not None
    assert (stored.status, stored.decision_note) == (Status.MERGED, f"entry:{entry.id}")


async def test_with_a_forum_channel_each_suggestion_is_a_post_with_working_buttons(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    forum = sg.guild.create_forum_channel("resource-ideas")
    await simcord_env.settle()
    services.config = services.config.with_overrides(suggestions_forum_channel_id=forum.id)
    result = await suggest(sg.alice, sg.general)
    assert "Thanks! Your suggestion is #1" in reply_text(result)
    (post,) = forum.threads
    assert post.name == "#1 Deep Learning for Audio Signal Processing"
    (message,) = posted(post)
    voted = await sg.bob.click(message, custom_id="sg:up:1")
    assert reply_text(voted) == "Your vote on #1 is counted: 👍 (now 👍 1 · 👎 0)."
    stored = await services.suggestions.store.get(1)  # type: ignore[union-attr]
    assert stored is not None
    assert (stored.channel_id, stored.thread_id) == (post.id, post.id)
    assert posted(sg.suggestions) == []


async def test_a_slow_vote_edit_racing_an_approval_never_puts_the_buttons_back(
    sg: DemoGuild, simcord_env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    http = simcord_env.bot.http
    real_edit = http.edit_message
    slow = [True]

    async def first_edit_is_slow(*args: Any, **kwargs: Any) -> Any:
        # The vote's edit was read before the approval and reaches Discord after it.
        if slow[0]:
            slow[0] = False
            await asyncio.sleep(5)
        return await real_edit(*args, **kwargs)

    monkeypatch.setattr(http, "edit_message", first_edit_is_slow)
    await sg.bob.click(message, custom_id="sg:up:1")
    await simcord_env.advance_time(0.5)  # the vote's edit starts and hangs on the wire
    approved = await sg.carol.click(message, label="Approve")
    assert reply_text(approved).startswith("Approved suggestion #1.")
    await simcord_env.advance_time(10)
    await simcord_env.settle()
    (message,) = posted(sg.suggestions)
    status = next(f for f in message.embeds[0].fields if f.name == "Status").value or ""
    assert status.startswith(f"Approved by {sg.carol.mention}")
    labels = [c.label for row in message.components for c in row.children]  # type: ignore[attr-defined]
    assert labels == ["Voters"]


async def test_a_crash_before_a_forum_post_was_recorded_does_not_post_it_twice(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services
) -> None:
    forum = sg.guild.create_forum_channel("resource-ideas")
    await simcord_env.settle()
    services.config = services.config.with_overrides(suggestions_forum_channel_id=forum.id)
    await suggest(sg.alice, sg.general)
    (post,) = forum.threads
    # As if the bot died between creating the post and saving where it is.
    await services.suggestions.store.set_location(1, None, None, None)  # type: ignore[union-attr]
    await simcord_env.restart_bot(create_bot(services))
    await simcord_env.settle()
    assert [t.id for t in forum.threads] == [post.id]
    stored = await services.suggestions.store.get(1)  # type: ignore[union-attr]
    assert stored is not None
    (message,) = posted(post)
    assert (stored.channel_id, stored.message_id, stored.thread_id) == (
        post.id,
        message.id,
        post.id,
    )
    voted = await sg.bob.click(message, custom_id="sg:up:1")
    assert reply_text(voted) == "Your vote on #1 is counted: 👍 (now 👍 1 · 👎 0)."


async def test_the_start_up_backlog_does_not_repost_a_suggestion_whose_post_is_in_flight(
    sg: DemoGuild, simcord_env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    http = simcord_env.bot.http
    real_send = http.send_message
    slow = [True]

    async def first_send_is_slow(*args: Any, **kwargs: Any) -> Any:
        if slow[0]:
            slow[0] = False
            await asyncio.sleep(5)
        return await real_send(*args, **kwargs)

    monkeypatch.setattr(http, "send_message", first_send_is_slow)
    shown = await sg.alice.slash(sg.general, "suggest", section="key-papers")
    # Returns while the member's post is on its way (slowly).
    submitted = await sg.alice.submit_modal(
        shown, {"title": "Beat tracking notes", "url": "https://beats.example/", "reason": "x" * 30}
    )
    assert slow == [False]  # the member's post has started and waits on the wire
    # The start-up backlog runs now: it must leave that suggestion to its own post.
    assert await bot_ui(simcord_env).post_unposted() == 0
    await simcord_env.advance_time(10)
    await simcord_env.settle()
    assert "Thanks! Your suggestion is #1" in reply_text(submitted)
    assert len(posted(sg.suggestions)) == 1


async def test_editing_a_decided_suggestion_says_why_before_the_form(sg: DemoGuild) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    await sg.carol.click(message, label="Approve")
    shown = await sg.alice.slash(sg.general, "suggestions edit", id=1)
    assert shown.modal is None
    assert reply_text(shown) == "Suggestion #1 is approved; only pending ones can be edited."


def slow_database(monkeypatch: pytest.MonkeyPatch, service: Any, method: str) -> None:
    """``service.method`` first waits 30 s, as behind another program's long transaction."""
    real = getattr(service, method)

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(30)
        return await real(*args, **kwargs)

    monkeypatch.setattr(service, method, slow)


async def test_a_vote_and_a_show_behind_a_slow_database_are_acknowledged_at_once(
    sg: DemoGuild, simcord_env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    await suggest(sg.alice, sg.general)
    (message,) = posted(sg.suggestions)
    service = bot_ui(simcord_env).service
    slow_database(monkeypatch, service, "vote")
    slow_database(monkeypatch, service, "find")
    voted = await sg.bob.click(message, custom_id="sg:up:1")
    shown = await sg.bob.slash(sg.general, "suggestions show", id=1)
    # Discord drops an interaction not answered within 3 s: both show "thinking…" at once.
    assert voted.acknowledged
    assert shown.acknowledged
    await simcord_env.advance_time(31)
    await simcord_env.settle()
    assert reply_text(voted) == "Your vote on #1 is counted: 👍 (now 👍 1 · 👎 0)."
    assert last(shown).embeds[0].title == "#1 · Deep Learning for Audio Signal Processing"


async def test_a_form_whose_check_waits_on_a_busy_database_says_so_instead_of_timing_out(
    sg: DemoGuild, simcord_env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    await suggest(sg.alice, sg.general)
    slow_database(monkeypatch, bot_ui(simcord_env).service, "editable")
    shown = await sg.alice.slash(sg.general, "suggestions edit", id=1)
    await simcord_env.advance_time(3)
    await simcord_env.settle()
    assert shown.modal is None
    assert reply_text(shown).startswith("The bot's database is busy right now")


@pytest.mark.bot_config(suggestions_edit_delay=0.01, shutdown_grace=10.0)
async def test_a_stop_signal_while_a_submission_waits_out_a_429_lets_it_finish(
    sg: DemoGuild, simcord_env: simcord.Env, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    told_when_stopped: list[str] = []
    closing: list[asyncio.Task[None]] = []

    def stop_signal() -> None:
        # SIGTERM arrives: the runtime's stop handler closes the bot (discord_runtime._serve).
        closing.append(asyncio.create_task(simcord_env.bot.close()))
        closing[0].add_done_callback(lambda _: told_when_stopped.extend(told(simcord_env)))

    wait_out_429s(
        simcord_env,
        monkeypatch,
        "POST",
        f"/channels/{sg.suggestions.id}/messages",
        retry_after=3.5,
        while_waiting=stop_signal,
    )
    submitted = await suggest(sg.alice, sg.general)
    await simcord_env.advance_time(5)
    await simcord_env.settle()
    assert len(closing) == 1
    assert closing[0].done()
    # The member was answered before the bot finished stopping, and the post went out once.
    assert len(told_when_stopped) == 1
    assert "Thanks! Your suggestion is #1" in told_when_stopped[0]
    assert "Thanks! Your suggestion is #1" in reply_text(submitted)
    stored = await services.suggestions.store.get(1)  # type: ignore[union-attr]
    assert stored is not None
    assert stored.message_id is not None
    assert len(posted(sg.suggestions)) == 1


def told(env: simcord.Env) -> list[str]:
    """What the bot has told members in followups (after a deferred answer) so far."""
    return [
        str((r.json or {}).get("content") or "")
        for r in env.http_requests
        if r.method == "POST" and r.path.startswith("/webhooks/")
    ]
