"""Suggestions in Discord: the one controller of submitting, editing, voting and reviewing.

``SuggestionsUI`` is the one object the cog and the components talk to. It owns both
loops a member can go round: submit (form → refusal with the typed text kept → form
again) and edit (the same for an existing suggestion). Vote counts on a suggestion's
message are refreshed through a ``Debouncer``: a burst of votes causes one edit (showing
the final counts), which keeps well inside rate limits.

The rules live in ``bot.suggestions.service``; what is said in ``messages``, the
components in ``views``, the Discord side of posting in ``posting``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable

import discord
from discord.ext import commands

from bot.config import Config
from bot.discord.client import MLAudioBot
from bot.discord.logging import log_interaction
from bot.discord.permissions import admit_home, home_refusal
from bot.discord.permissions import is_maintainer as member_is_maintainer
from bot.discord.replies import answer, defer, tell
from bot.discord.suggestions import posting
from bot.discord.suggestions.messages import (
    BUSY_MESSAGE,
    created_message,
    decision_dm,
    jump_url,
    refusal_text,
    storage_message,
    suggestion_embed,
    unposted_message,
    vote_message,
    voters_embed,
)
from bot.discord.suggestions.views import (
    BotInteraction,
    DraftView,
    OneFieldModal,
    Reply,
    SuggestionModal,
    suggestion_view,
)
from bot.suggestions.debounce import Debouncer
from bot.suggestions.model import Draft, Suggestion, Vote
from bot.suggestions.outcomes import Created, Decided, Edited, Refused, SimilarTitles
from bot.suggestions.service import SuggestionService
from bot.suggestions.store import StorageError

log = logging.getLogger(__name__)

EDIT_SPACING = 1.0
# Interactions must be answered within 3 s. Where a database read or write comes before the
# reply, the interaction is deferred first (a wait behind another transaction can be long);
# before a modal, which cannot follow a defer, the read is bounded instead.
PRE_MODAL_READ_TIMEOUT = 2.0

# Buttons that change shared state or show maintainers' data: home server only.
MAINTAINER_ACTIONS = frozenset({"approve", "reject", "dup", "voters"})
REVIEW_ACTION = "review suggestions"
SUGGEST_ACTION = "suggest resources"

COG_NAME = "Suggestions"  # the cog that holds the bot's SuggestionsUI as ``ui``

_FormFactory = Callable[[], SuggestionModal]


def ui_of(client: discord.Client) -> SuggestionsUI:
    """The ``SuggestionsUI`` of ``client``, held by its suggestions cog (none when unloaded)."""
    cog = client.get_cog(COG_NAME) if isinstance(client, commands.Bot) else None
    ui = getattr(cog, "ui", None)
    if not isinstance(ui, SuggestionsUI):
        raise RuntimeError("the suggestions cog is not loaded")
    return ui


class SuggestionsUI:
    """Everything the suggestions feature does in Discord, for one bot."""

    def __init__(self, bot: MLAudioBot, service: SuggestionService) -> None:
        self.bot = bot
        self.service = service
        delay = bot.services.config.suggestions_edit_delay
        # At most one edit per EDIT_SPACING over all suggestions: Discord limits message
        # edits per channel (about 5 per 5 s), and they usually share one channel.
        self.edits: Debouncer[int] = Debouncer(
            self.refresh_message, delay, spacing=min(EDIT_SPACING, delay)
        )
        self._background: set[asyncio.Task[None]] = set()
        # One lock per suggestion being posted; gone once nobody holds or awaits it.
        self._post_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    @property
    def config(self) -> Config:
        return self.bot.services.config

    def maintainer(self, interaction: BotInteraction) -> bool:
        # The one maintainer policy of every command (bot.maintainers).
        return member_is_maintainer(interaction, self.config.maintainer_role_ids)

    # -- the submit loop -------------------------------------------------------------------

    def modal_for_new(self, draft: Draft, *, anonymous: bool) -> SuggestionModal:
        async def submitted(interaction: BotInteraction, typed: Draft) -> None:
            await self.submit(interaction, typed, anonymous=anonymous, confirm_similar=False)

        return SuggestionModal("Suggest a resource", draft, submitted)

    async def submit(
        self, interaction: BotInteraction, draft: Draft, *, anonymous: bool, confirm_similar: bool
    ) -> None:
        """Store a suggestion from a modal (or a confirmation) and post it for voting."""
        await defer(interaction)
        if interaction.guild is None:
            await tell(interaction, "Suggestions live in a server; use /suggest there.")
            return
        elsewhere = home_refusal(interaction, SUGGEST_ACTION)
        if elsewhere is not None:
            # The form may have been opened before the home server was settled.
            await tell(interaction, elsewhere)
            return
        reopen = self._reopener(lambda: self.modal_for_new(draft, anonymous=anonymous))
        try:
            outcome = await self.service.submit(
                interaction.guild.id,
                interaction.user.id,
                draft,
                anonymous=anonymous,
                confirm_similar=confirm_similar,
            )
        except StorageError as exc:
            log_interaction(interaction, "storage-error")
            await answer(
                interaction, storage_message(exc), view=self._draft_view(interaction, reopen)
            )
            return
        if isinstance(outcome, Created):
            await self._created(interaction, outcome.suggestion)
            return
        if not isinstance(outcome, Refused):
            kept = outcome.draft
            reopen = self._reopener(lambda: self.modal_for_new(kept, anonymous=anonymous))
        view = self._draft_view(interaction, reopen)
        if isinstance(outcome, SimilarTitles):

            async def confirm(again: BotInteraction) -> None:
                await self.submit(again, outcome.draft, anonymous=anonymous, confirm_similar=True)

            view = DraftView(interaction.user.id, reopen, confirm, reopen_label="Edit first")
        log_interaction(interaction, "refused", reason=type(outcome).__name__)
        await answer(interaction, refusal_text(outcome, interaction.guild.id), view=view)

    async def _created(self, interaction: BotInteraction, suggestion: Suggestion) -> None:
        assert interaction.guild is not None
        problem = await self.post(interaction.guild, suggestion)
        log_interaction(interaction, "ok", suggestion=suggestion.id)
        if problem is not None:
            await answer(interaction, unposted_message(suggestion, problem))
            return
        posted = await self.service.get(suggestion.id)
        where = jump_url(posted or suggestion, interaction.guild.id)
        await answer(interaction, created_message(suggestion, where))

    # -- the edit loop ---------------------------------------------------------------------

    def modal_for_edit(self, sid: int, draft: Draft) -> SuggestionModal:
        async def submitted(interaction: BotInteraction, typed: Draft) -> None:
            await self.apply_edit(interaction, sid, typed)

        return SuggestionModal(f"Edit suggestion #{sid}", draft, submitted)

    async def apply_edit(self, interaction: BotInteraction, sid: int, typed: Draft) -> None:
        """Store the member's edit of suggestion ``sid``, or say why not and keep the text."""
        assert interaction.guild_id is not None
        await defer(interaction)
        try:
            outcome = await self.service.edit(interaction.guild_id, sid, interaction.user.id, typed)
        except StorageError as exc:
            await answer(interaction, storage_message(exc))
            return
        if isinstance(outcome, Edited):
            log_interaction(interaction, "ok", suggestion=sid)
            await answer(interaction, f"Suggestion #{sid} is updated.")
            self.refresh_soon(sid)
            return
        kept = outcome.draft if not isinstance(outcome, Refused) else typed
        reopen = self._reopener(lambda: self.modal_for_edit(sid, kept))
        log_interaction(interaction, "refused", reason=type(outcome).__name__)
        await answer(
            interaction,
            refusal_text(outcome, interaction.guild_id),
            view=self._draft_view(interaction, reopen),
        )

    # -- both loops ------------------------------------------------------------------------

    def _draft_view(self, interaction: BotInteraction, reopen: Reply) -> DraftView:
        return DraftView(interaction.user.id, reopen)

    def _reopener(self, form: _FormFactory) -> Reply:
        """Reopens the form with what was typed filled in, so nothing typed is lost."""

        async def reopen(again: BotInteraction) -> None:
            await again.response.send_modal(form())

        return reopen

    # -- posting ---------------------------------------------------------------------------

    def _post_lock(self, suggestion_id: int) -> asyncio.Lock:
        lock = self._post_locks.get(suggestion_id)
        if lock is None:
            lock = self._post_locks[suggestion_id] = asyncio.Lock()
        return lock

    async def post(self, guild: discord.Guild, suggestion: Suggestion) -> str | None:
        """Post ``suggestion`` (message + thread, or forum post) once; the problem, if any.

        Posts of one suggestion never overlap (the member's own post and the start-up
        backlog may meet), and the row is read again first: posted meanwhile means done.
        """
        async with self._post_lock(suggestion.id):
            current = await self.service.get(suggestion.id)
            if current is None or not current.is_open or current.message_id is not None:
                return None
            return await self._post_unlocked(guild, current)

    async def _post_unlocked(self, guild: discord.Guild, suggestion: Suggestion) -> str | None:
        channel, problem = posting.target_channel(guild, self.config)
        if channel is None:
            log.warning("suggestion #%d not posted: %s", suggestion.id, problem)
            return problem
        sent = await posting.send_post(
            channel,
            suggestion,
            suggestion_embed(self.service, suggestion),
            suggestion_view(suggestion),
            threads=self.config.suggestions_threads,
        )
        if isinstance(sent, str):
            return sent
        await self.service.set_location(suggestion, *sent)
        return None

    async def post_unposted(self) -> int:
        """Post pending suggestions that have no message yet (saved while posting failed).

        A crash between sending and recording the message would otherwise post twice, so
        the channel's recent messages (or the forum's posts) are searched for the
        suggestion's marker first. A suggestion whose post is running right now (a member
        submitted it during start-up) is left to that post.
        """
        posted = 0
        for suggestion in await self.service.unposted():
            lock = self._post_locks.get(suggestion.id)
            if lock is not None and lock.locked():
                continue
            guild = self.bot.get_guild(suggestion.guild_id)
            if guild is None:
                continue
            async with self._post_lock(suggestion.id):
                current = await self.service.get(suggestion.id)
                if current is None or not current.is_open or current.message_id is not None:
                    continue
                channel, _problem = posting.target_channel(guild, self.config)
                found = await posting.find_posted(self.bot.user, channel, current.id)
                if found is not None:
                    await self.service.set_location(current, *found)
                    continue
                if await self._post_unlocked(guild, current) is None:
                    posted += 1
        return posted

    async def repost(self, guild: discord.Guild, suggestion: Suggestion) -> str | None:
        """Post ``suggestion`` again after its message was deleted; the problem, if any.

        A message the bot still knows is checked first: if it is there, nothing is posted.
        """
        async with self._post_lock(suggestion.id):
            current = await self.service.get(suggestion.id)
            if current is None:
                return "it no longer exists"
            if await posting.message_exists(self.bot, current.channel_id, current.message_id):
                return f"its message is still there ({jump_url(current, guild.id)})"
            # Posting records the new message in place of the deleted one.
            return await self._post_unlocked(guild, current)

    # -- keeping the message current ----------------------------------------------------------

    def refresh_soon(self, suggestion_id: int) -> None:
        """Bring the suggestion's message up to date; the one way every change asks for it.

        All edits of one message go through the debouncer, which runs at most one edit per
        suggestion at a time and re-reads after any change made meanwhile: an edit read
        before a decision can therefore never land after the decision's own edit.
        """
        self.edits.touch(suggestion_id)

    async def refresh_message(self, suggestion_id: int) -> None:
        """Edit the suggestion's message to its current state (counts, status, buttons).

        Only the debouncer calls this (see ``refresh_soon``); a second caller could race it.
        """
        suggestion = await self.service.get(suggestion_id)
        if suggestion is None or suggestion.channel_id is None or suggestion.message_id is None:
            return
        channel = self.bot.get_partial_messageable(suggestion.channel_id)
        message = channel.get_partial_message(suggestion.message_id)
        try:
            await message.edit(
                embed=suggestion_embed(self.service, suggestion), view=suggestion_view(suggestion)
            )
        except discord.NotFound:
            # Deleted by a moderator (or with its channel): posting it again on our own would
            # undo their decision, so it stays down until a maintainer runs /suggestions repost.
            log.warning(
                "suggestion #%d: its message is gone (channel or message deleted)", suggestion_id
            )
            await self.service.mark_message_deleted(suggestion)
        except discord.HTTPException as exc:
            log.warning("suggestion #%d: could not update its message: %s", suggestion_id, exc)

    # -- buttons --------------------------------------------------------------------------

    async def on_button(self, interaction: BotInteraction, action: str, sid: int) -> None:
        if action in MAINTAINER_ACTIONS and not await admit_home(interaction, REVIEW_ACTION):
            # A suggestion's message in another server (posted there before a home server
            # was set) keeps its buttons; its reviews still belong to the home server.
            return
        if action in ("up", "down"):
            await self.vote(interaction, sid, Vote.UP if action == "up" else Vote.DOWN)
        elif action == "voters":
            await self.show_voters(interaction, sid)
        elif action == "approve":
            await self.approve(interaction, sid)
        elif action in ("reject", "dup"):
            await self.ask_review_detail(interaction, action, sid)

    async def vote(self, interaction: BotInteraction, sid: int, vote: Vote) -> None:
        await defer(interaction)
        outcome = await self.service.vote(interaction.guild_id, sid, interaction.user.id, vote)
        if isinstance(outcome, Refused):
            log_interaction(interaction, "refused", suggestion=sid)
            await answer(interaction, outcome.message)
            return
        self.refresh_soon(sid)
        log_interaction(interaction, "ok", suggestion=sid)
        await answer(interaction, vote_message(outcome))

    async def show_voters(self, interaction: BotInteraction, sid: int) -> None:
        await defer(interaction)
        voters = await self.service.voters(
            interaction.guild_id or 0, sid, is_maintainer=self.maintainer(interaction)
        )
        if isinstance(voters, Refused):
            await answer(interaction, voters.message)
            return
        await answer(interaction, embed=voters_embed(sid, voters))

    async def approve(self, interaction: BotInteraction, sid: int) -> None:
        await defer(interaction)
        outcome = await self.service.approve(
            interaction.guild_id,
            sid,
            interaction.user.id,
            is_maintainer=self.maintainer(interaction),
        )
        await self.after_review(interaction, outcome, "Approved")

    async def ask_review_detail(self, interaction: BotInteraction, action: str, sid: int) -> None:
        # Refuse before opening a modal: a non-maintainer should not type a reason for nothing.
        # A modal cannot follow a defer, so the read is bounded instead.
        try:
            async with asyncio.timeout(PRE_MODAL_READ_TIMEOUT):
                refusal = await self.service.review_refusal(
                    interaction.guild_id, sid, is_maintainer=self.maintainer(interaction)
                )
        except TimeoutError:
            log_interaction(interaction, "busy", suggestion=sid)
            await answer(interaction, BUSY_MESSAGE)
            return
        if refusal is not None:
            log_interaction(interaction, "refused", suggestion=sid)
            await answer(interaction, refusal.message)
            return
        modal = self._reject_form(sid) if action == "reject" else self._duplicate_form(sid)
        await interaction.response.send_modal(modal)

    def _reject_form(self, sid: int) -> OneFieldModal:
        async def rejected(again: BotInteraction, reason: str) -> None:
            await defer(again)
            outcome = await self.service.reject(
                again.guild_id, sid, again.user.id, reason, is_maintainer=self.maintainer(again)
            )
            await self.after_review(again, outcome, "Rejected")

        return OneFieldModal(
            f"Reject suggestion #{sid}",
            "Reason (the author will read it)",
            rejected,
            paragraph=True,
        )

    def _duplicate_form(self, sid: int) -> OneFieldModal:
        async def duplicated(again: BotInteraction, target: str) -> None:
            await defer(again)
            outcome = await self.service.mark_duplicate(
                again.guild_id, sid, again.user.id, target, is_maintainer=self.maintainer(again)
            )
            await self.after_review(again, outcome, "Marked duplicate")

        return OneFieldModal(
            f"Suggestion #{sid} duplicates…",
            "Catalog entry id or suggestion number",
            duplicated,
            placeholder="wavenet  or  #12",
            max_length=80,
        )

    async def after_review(
        self, interaction: BotInteraction, outcome: Decided | Refused, verb: str
    ) -> None:
        if isinstance(outcome, Refused):
            log_interaction(interaction, "refused")
            await answer(interaction, outcome.message)
            return
        suggestion = outcome.suggestion
        log_interaction(interaction, "ok", suggestion=suggestion.id, status=suggestion.status)
        await answer(
            interaction,
            f"{verb} suggestion #{suggestion.id}. The author is told by DM when possible.",
        )
        self.refresh_soon(suggestion.id)
        self._spawn(self.tell_author(suggestion))

    def _spawn(self, job: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(job)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def tell_author(self, suggestion: Suggestion) -> None:
        """A DM to the author about a decision; closed DMs are fine (logged, nothing else)."""
        message = decision_dm(suggestion)
        try:
            # The bot caches no members, so open the DM from the bare id (public API).
            channel = await self.bot.create_dm(discord.Object(suggestion.author_id))
            await channel.send(message, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.info("could not DM the author of suggestion #%d: %s", suggestion.id, exc)

    async def close(self) -> None:
        await self.edits.close()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
