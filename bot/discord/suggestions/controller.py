"""Suggestions in Discord: the modal, the voting message, its buttons, posting and edits.

``SuggestionsUI`` is the one object the cog and the buttons talk to. The buttons on a
suggestion's message are ``DynamicItem``s whose ``custom_id`` carries the action and the
suggestion id (``sg:up:42``), so they keep working after a restart without re-sending
anything. Vote counts on the message are refreshed through a ``Debouncer``: a burst of
votes causes one edit (showing the final counts), which keeps well inside rate limits.

The rules themselves live in ``bot.suggestions.service``; this module only turns
interactions into calls and outcomes into replies.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot import markup
from bot.discord.client import AdmittedModal
from bot.discord.errors import report_failure, tell_user
from bot.discord.logging import log_interaction
from bot.discord.permissions import admit_home, home_refusal
from bot.discord.permissions import is_maintainer as member_is_maintainer
from bot.markup import escape_markdown
from bot.suggestions import render
from bot.suggestions.debounce import Debouncer
from bot.suggestions.model import Draft, Status, Suggestion, Vote
from bot.suggestions.outcomes import (
    AlreadySuggested,
    Created,
    Decided,
    InCatalog,
    Invalid,
    Refused,
    SimilarTitles,
    Voted,
)
from bot.suggestions.service import SuggestionService
from bot.suggestions.store import StorageError
from bot.suggestions.validation import REASON_MAX, TITLE_MAX, URL_MAX

if TYPE_CHECKING:
    from bot.discord.client import MLAudioBot

log = logging.getLogger(__name__)

CUSTOM_ID_PREFIX = "sg"
DRAFT_VIEW_TIMEOUT = 15 * 60.0
EDIT_SPACING = 1.0
THREAD_NAME_MAX = 100
# Markers searched in the channel before re-posting an unposted suggestion (crash safety).
HISTORY_SEARCH_LIMIT = 50

# Buttons that change shared state or show maintainers' data: home server only.
MAINTAINER_ACTIONS = frozenset({"approve", "reject", "dup", "voters"})
REVIEW_ACTION = "review suggestions"
SUGGEST_ACTION = "suggest resources"

ACTION_LABELS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "approve": ("Approve", discord.ButtonStyle.success),
    "reject": ("Reject", discord.ButtonStyle.danger),
    "dup": ("Duplicate", discord.ButtonStyle.secondary),
    "voters": ("Voters", discord.ButtonStyle.secondary),
}


def storage_message(error: StorageError) -> str:
    return (
        f"I couldn't save that: {error}. Nothing was changed; please try again in a minute "
        "(maintainers have been told in the log)."
    )


# Interactions must be answered within 3 s. Where a database read or write comes before the
# reply, the interaction is deferred first (a wait behind another transaction can be long);
# before a modal, which cannot follow a defer, the read is bounded instead.
PRE_MODAL_READ_TIMEOUT = 2.0
BUSY_MESSAGE = (
    "The bot's database is busy right now, so I could not check that in time. Nothing was "
    "changed; please try again in a moment."
)


async def defer_reply(interaction: discord.Interaction[Any]) -> None:
    """Acknowledge now (the member sees "thinking…"); the answer follows via ``answer``."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)


async def answer(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> None:
    """Reply only to the caller, whether or not the interaction was deferred."""
    # Only what is given is passed on: the followup API does not take None for these.
    extra: dict[str, Any] = {}
    if content is not None:
        extra["content"] = markup.truncate(content, markup.CONTENT)
    if embed is not None:
        extra["embed"] = embed
    if view is not None:
        extra["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=True, **extra)
    else:
        await interaction.response.send_message(ephemeral=True, **extra)


async def report_component_error(interaction: discord.Interaction[Any], error: Exception) -> None:
    """A form or button failed: a busy/broken database gets its clear message, the rest is a bug."""
    if isinstance(error, StorageError):
        await tell_user(interaction, storage_message(error))
        return
    await report_failure(interaction, error)


# -- the voting message ----------------------------------------------------------------------


class SuggestionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"sg:(?P<action>up|down|approve|reject|dup|voters):(?P<id>[0-9]{1,20})",
):
    """One button of a suggestion's message; survives restarts through its custom_id."""

    def __init__(self, action: str, suggestion_id: int, *, count: int | None = None) -> None:
        if action in ("up", "down"):
            emoji = render.UP_EMOJI if action == "up" else render.DOWN_EMOJI
            button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
                label=str(count or 0),
                emoji=emoji,
                style=discord.ButtonStyle.primary,
                custom_id=f"{CUSTOM_ID_PREFIX}:{action}:{suggestion_id}",
                row=0,
            )
        else:
            label, style = ACTION_LABELS[action]
            button = discord.ui.Button(
                label=label,
                style=style,
                custom_id=f"{CUSTOM_ID_PREFIX}:{action}:{suggestion_id}",
                row=0 if action == "voters" else 1,
            )
        super().__init__(button)
        self.action = action
        self.suggestion_id = suggestion_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: Any,
        /,
    ) -> SuggestionButton:
        return cls(match["action"], int(match["id"]))

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        from bot.discord.client import admit

        return await admit(interaction)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await ui_of(interaction.client).on_button(interaction, self.action, self.suggestion_id)
        except StorageError as exc:
            log_interaction(interaction, "storage-error")
            await tell_user(interaction, storage_message(exc))
        except Exception as exc:
            await report_failure(interaction, exc)


def suggestion_view(suggestion: Suggestion) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if suggestion.is_open:
        view.add_item(SuggestionButton("up", suggestion.id, count=suggestion.tally.up))
        view.add_item(SuggestionButton("down", suggestion.id, count=suggestion.tally.down))
    view.add_item(SuggestionButton("voters", suggestion.id))
    if suggestion.is_open:
        for action in ("approve", "reject", "dup"):
            view.add_item(SuggestionButton(action, suggestion.id))
    return view


def suggestion_embed(service: SuggestionService, suggestion: Suggestion) -> discord.Embed:
    return discord.Embed.from_dict(
        render.suggestion_embed(suggestion, service.section_title(suggestion.section))
    )


# -- modals --------------------------------------------------------------------------------------


SubmitHandler = Callable[[discord.Interaction[Any], Draft], Awaitable[None]]


class SuggestionModal(AdmittedModal):
    """Title, link and why it helps; prefilled from the command or from an earlier try."""

    def __init__(self, heading: str, draft: Draft, on_submit: SubmitHandler) -> None:
        super().__init__(title=markup.truncate(heading, 45), timeout=DRAFT_VIEW_TIMEOUT)
        self.draft = draft
        self._handler = on_submit
        self.title_input: discord.ui.TextInput[SuggestionModal] = discord.ui.TextInput(
            label="Title",
            custom_id="title",
            placeholder="e.g. WaveNet: A Generative Model for Raw Audio",
            default=draft.title[:TITLE_MAX] or None,
            max_length=TITLE_MAX,
        )
        self.url_input: discord.ui.TextInput[SuggestionModal] = discord.ui.TextInput(
            label="Link (http or https)",
            custom_id="url",
            placeholder="https://…",
            default=draft.url[:URL_MAX] or None,
            max_length=URL_MAX,
        )
        self.reason_input: discord.ui.TextInput[SuggestionModal] = discord.ui.TextInput(
            label="Why does it help people starting out?",
            custom_id="reason",
            style=discord.TextStyle.paragraph,
            placeholder="What will a learner get from it? Who is it for?",
            default=draft.reason[:REASON_MAX] or None,
            max_length=REASON_MAX,
        )
        for item in (self.title_input, self.url_input, self.reason_input):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        typed = Draft(
            self.title_input.value,
            self.url_input.value,
            self.draft.section,
            self.reason_input.value,
            self.draft.kind,
        )
        await self._handler(interaction, typed)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        await report_component_error(interaction, error)


class OneFieldModal(AdmittedModal):
    """A maintainer's reason (reject) or target (duplicate)."""

    def __init__(
        self,
        heading: str,
        label: str,
        on_submit: Callable[[discord.Interaction[Any], str], Awaitable[None]],
        *,
        placeholder: str = "",
        paragraph: bool = False,
        max_length: int = 500,
    ) -> None:
        super().__init__(title=markup.truncate(heading, 45), timeout=DRAFT_VIEW_TIMEOUT)
        self._handler = on_submit
        self.field: discord.ui.TextInput[OneFieldModal] = discord.ui.TextInput(
            label=label,
            custom_id="value",
            placeholder=placeholder or None,
            style=discord.TextStyle.paragraph if paragraph else discord.TextStyle.short,
            max_length=max_length,
        )
        self.add_item(self.field)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await self._handler(interaction, self.field.value)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        await report_component_error(interaction, error)


class DraftView(discord.ui.View):
    """Buttons under a refusal: reopen the modal with what was typed (and maybe confirm)."""

    def __init__(
        self,
        owner_id: int,
        reopen: Callable[[discord.Interaction[Any]], Awaitable[None]],
        confirm: Callable[[discord.Interaction[Any]], Awaitable[None]] | None = None,
        *,
        reopen_label: str = "Fix and resubmit",
    ) -> None:
        super().__init__(timeout=DRAFT_VIEW_TIMEOUT)
        self.owner_id = owner_id
        self._reopen = reopen
        self._confirm = confirm
        fix: discord.ui.Button[DraftView] = discord.ui.Button(
            label=reopen_label, style=discord.ButtonStyle.primary
        )
        fix.callback = self._on_reopen  # type: ignore[method-assign]
        self.add_item(fix)
        if confirm is not None:
            anyway: discord.ui.Button[DraftView] = discord.ui.Button(
                label="Submit anyway", style=discord.ButtonStyle.success
            )
            anyway.callback = self._on_confirm  # type: ignore[method-assign]
            self.add_item(anyway)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        from bot.discord.client import admit

        if not await admit(interaction):
            return False
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "This draft belongs to someone else.", ephemeral=True
        )
        return False

    async def _on_reopen(self, interaction: discord.Interaction[Any]) -> None:
        await self._reopen(interaction)

    async def _on_confirm(self, interaction: discord.Interaction[Any]) -> None:
        assert self._confirm is not None
        self.stop()
        await self._confirm(interaction)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: Any, /
    ) -> None:
        await report_component_error(interaction, error)


# -- the controller -------------------------------------------------------------------------


COG_NAME = "Suggestions"  # the cog that holds the bot's SuggestionsUI as ``ui``


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
    def config(self) -> Any:
        return self.bot.services.config

    def maintainer(self, interaction: discord.Interaction[Any]) -> bool:
        # The one maintainer policy of every command (bot.maintainers).
        return member_is_maintainer(interaction, self.config.maintainer_role_ids)

    # -- proposing --------------------------------------------------------------------------

    def modal_for_new(self, draft: Draft, *, anonymous: bool) -> SuggestionModal:
        async def submitted(interaction: discord.Interaction[Any], typed: Draft) -> None:
            await self.submit(interaction, typed, anonymous=anonymous, confirm_similar=False)

        return SuggestionModal("Suggest a resource", draft, submitted)

    async def submit(
        self,
        interaction: discord.Interaction[Any],
        draft: Draft,
        *,
        anonymous: bool,
        confirm_similar: bool,
    ) -> None:
        """Store a suggestion from a modal (or a confirmation) and post it for voting."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        if interaction.guild is None:
            await tell_user(interaction, "Suggestions live in a server; use /suggest there.")
            return
        elsewhere = home_refusal(interaction, SUGGEST_ACTION)
        if elsewhere is not None:
            # The form may have been opened before the home server was settled.
            await tell_user(interaction, elsewhere)
            return
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
            await self._followup(
                interaction, storage_message(exc), self._fix_view(interaction, draft, anonymous)
            )
            return
        if isinstance(outcome, Created):
            await self._created(interaction, outcome.suggestion)
            return
        reopen_draft = outcome.draft if not isinstance(outcome, Refused) else draft
        view = self._fix_view(interaction, reopen_draft, anonymous)
        if isinstance(outcome, SimilarTitles):

            async def confirm(again: discord.Interaction[Any]) -> None:
                await self.submit(again, outcome.draft, anonymous=anonymous, confirm_similar=True)

            view = DraftView(
                interaction.user.id,
                self._reopener(reopen_draft, anonymous),
                confirm,
                reopen_label="Edit first",
            )
        log_interaction(interaction, "refused", reason=type(outcome).__name__)
        await self._followup(interaction, self.describe(outcome, interaction.guild.id), view)

    def _fix_view(
        self, interaction: discord.Interaction[Any], draft: Draft, anonymous: bool
    ) -> DraftView:
        return DraftView(interaction.user.id, self._reopener(draft, anonymous))

    def _reopener(
        self, draft: Draft, anonymous: bool
    ) -> Callable[[discord.Interaction[Any]], Awaitable[None]]:
        """Reopens the form with ``draft`` filled in, so nothing typed is lost."""

        async def reopen(again: discord.Interaction[Any]) -> None:
            await again.response.send_modal(self.modal_for_new(draft, anonymous=anonymous))

        return reopen

    async def _followup(
        self, interaction: discord.Interaction[Any], message: str, view: discord.ui.View | None
    ) -> None:
        content = markup.truncate(message, markup.CONTENT)
        if view is None:
            await interaction.followup.send(content, ephemeral=True)
        else:
            await interaction.followup.send(content, ephemeral=True, view=view)

    def describe(self, outcome: Any, guild_id: int) -> str:
        """The sentence for a refused submission or edit."""
        if isinstance(outcome, Invalid | Refused):
            return outcome.message + (
                "\nPress **Fix and resubmit**: what you typed is kept."
                if isinstance(outcome, Invalid)
                else ""
            )
        if isinstance(outcome, InCatalog):
            entry = outcome.entry
            link = f" — <{entry.url}>" if entry.url else ""
            return (
                f"That link is already in the reading list as **{escape_markdown(entry.title)}** "
                f"(`{entry.id}`){link}. Try `/resource {entry.id}`."
            )
        if isinstance(outcome, AlreadySuggested):
            s = outcome.suggestion
            where = self.jump_url(s, guild_id)
            state = "is waiting for votes" if s.is_open else "was approved already"
            vote = " Vote for it there instead." if s.is_open else ""
            return (
                f"That link was suggested already: **#{s.id} {escape_markdown(s.title)}** {state}"
                f"{f' ({where})' if where else ''}.{vote}"
            )
        if isinstance(outcome, SimilarTitles):
            lines = []
            for c in outcome.candidates:
                if c.entry_id:
                    lines.append(f"• reading list: **{escape_markdown(c.title)}** (`{c.entry_id}`)")
                else:
                    lines.append(f"• suggestion #{c.suggestion_id}: **{escape_markdown(c.title)}**")
            return (
                "Something with a similar title exists:\n"
                + "\n".join(lines)
                + "\nIf yours is a different resource, press **Submit anyway**."
            )
        raise TypeError(f"no description for {outcome!r}")

    def jump_url(self, suggestion: Suggestion, guild_id: int) -> str | None:
        if suggestion.channel_id is None or suggestion.message_id is None:
            return None
        return (
            f"https://discord.com/channels/{guild_id}/{suggestion.channel_id}/"
            f"{suggestion.message_id}"
        )

    async def _created(self, interaction: discord.Interaction[Any], suggestion: Suggestion) -> None:
        assert interaction.guild is not None
        problem = await self.post(interaction.guild, suggestion)
        log_interaction(interaction, "ok", suggestion=suggestion.id)
        if problem is None:
            posted = await self.service.get(suggestion.id)
            where = self.jump_url(posted or suggestion, interaction.guild.id)
            await interaction.followup.send(
                f"Thanks! Your suggestion is #{suggestion.id}"
                + (f": {where}" if where else ".")
                + " Members can vote on it now; you can `/suggestions edit` or "
                "`/suggestions withdraw` it while it is open.",
                ephemeral=True,
            )
            return
        await interaction.followup.send(
            f"Your suggestion is saved as #{suggestion.id}, but I could not post it for "
            f"voting: {problem}. Nothing is lost: maintainers see it in `/suggestions list`, "
            "and it is posted as soon as the channel works again (at the bot's next start).",
            ephemeral=True,
        )

    # -- posting --------------------------------------------------------------------------

    def target_channel(self, guild: discord.Guild) -> tuple[Any | None, str | None]:
        """Where suggestions of ``guild`` go, or why there is no such place."""
        config = self.config
        for channel_id in (config.suggestions_forum_channel_id, config.suggestions_channel_id):
            if channel_id:
                channel = guild.get_channel(channel_id)
                if channel is not None:
                    return channel, None
        if config.suggestions_forum_channel_id or config.suggestions_channel_id:
            return None, "the suggestions channel no longer exists"
        fallback = discord.utils.get(guild.text_channels, name="suggestions")
        if fallback is None:
            return None, "no suggestions channel is configured"
        return fallback, None

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
        channel, problem = self.target_channel(guild)
        if channel is None:
            log.warning("suggestion #%d not posted: %s", suggestion.id, problem)
            return problem
        embed = suggestion_embed(self.service, suggestion)
        view = suggestion_view(suggestion)
        thread_name = markup.truncate(
            markup.one_line(f"#{suggestion.id} {suggestion.title}"), THREAD_NAME_MAX
        )
        try:
            if isinstance(channel, discord.ForumChannel):
                created = await channel.create_thread(name=thread_name, embed=embed, view=view)
                await self.service.set_location(
                    suggestion, created.thread.id, created.message.id, created.thread.id
                )
                return None
            if not isinstance(channel, discord.TextChannel):
                return "the configured suggestions channel is not a text or forum channel"
            message = await channel.send(embed=embed, view=view)
        except discord.Forbidden:
            log.warning("suggestion #%d: no permission to post in %s", suggestion.id, channel.id)
            return "I am not allowed to post in the suggestions channel"
        except discord.HTTPException as exc:
            log.warning("suggestion #%d: posting failed: %s", suggestion.id, exc)
            return "Discord did not accept the message right now"
        thread_id = await self._open_thread(message, thread_name)
        await self.service.set_location(suggestion, channel.id, message.id, thread_id)
        return None

    async def _open_thread(self, message: discord.Message, name: str) -> int | None:
        if not self.config.suggestions_threads:
            return None
        try:
            thread = await message.create_thread(name=name, auto_archive_duration=10080)
        except discord.HTTPException as exc:
            # Threads off in this channel, or no permission: voting works without one.
            log.info("no discussion thread for message %s: %s", message.id, exc)
            return None
        return thread.id

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
                channel, _problem = self.target_channel(guild)
                found = await self._find_posted(channel, current.id)
                if found is not None:
                    await self.service.set_location(current, *found)
                    continue
                if await self._post_unlocked(guild, current) is None:
                    posted += 1
        return posted

    async def _find_posted(
        self, channel: Any, suggestion_id: int
    ) -> tuple[int, int, int | None] | None:
        """``(channel, message, thread)`` of a post of ours carrying the suggestion's marker."""
        marker = render.marker(suggestion_id)
        try:
            if isinstance(channel, discord.TextChannel):
                message = await self._find_marker(channel, marker)
                if message is None:
                    return None
                thread = message.thread
                return channel.id, message.id, thread.id if thread is not None else None
            if isinstance(channel, discord.ForumChannel):
                return await self._find_forum_post(channel, suggestion_id, marker)
        except discord.HTTPException as exc:
            log.info("suggestion #%d: could not look for an earlier post: %s", suggestion_id, exc)
        return None

    async def _find_marker(
        self, channel: discord.TextChannel, marker: str
    ) -> discord.Message | None:
        me = self.bot.user
        async for message in channel.history(limit=HISTORY_SEARCH_LIMIT):
            if me is not None and message.author.id != me.id:
                continue
            if any(embed.footer.text == marker for embed in message.embeds):
                return message
        return None

    async def _find_forum_post(
        self, forum: discord.ForumChannel, suggestion_id: int, marker: str
    ) -> tuple[int, int, int] | None:
        # A forum post is a thread named "#<id> <title>" whose first message carries the
        # marker; the name narrows the search, the marker decides.
        prefix = f"#{suggestion_id} "
        threads = {t.id: t for t in forum.threads}
        if not threads:
            active = await forum.guild.active_threads()
            threads = {t.id: t for t in active if t.parent_id == forum.id}
        me = self.bot.user
        for thread in threads.values():
            if not thread.name.startswith(prefix):
                continue
            if me is not None and thread.owner_id != me.id:
                continue
            async for starter in thread.history(limit=1, oldest_first=True):
                if any(embed.footer.text == marker for embed in starter.embeds):
                    return thread.id, starter.id, thread.id
        return None

    async def repost(self, guild: discord.Guild, suggestion: Suggestion) -> str | None:
        """Post ``suggestion`` again after its message was deleted; the problem, if any.

        A message the bot still knows is checked first: if it is there, nothing is posted.
        """
        async with self._post_lock(suggestion.id):
            current = await self.service.get(suggestion.id)
            if current is None:
                return "it no longer exists"
            if await self._message_exists(current.channel_id, current.message_id):
                return f"its message is still there ({self.jump_url(current, guild.id)})"
            # Posting records the new message in place of the deleted one.
            return await self._post_unlocked(guild, current)

    async def _message_exists(self, channel_id: int | None, message_id: int | None) -> bool:
        if channel_id is None or message_id is None:
            return False
        channel = self.bot.get_partial_messageable(channel_id)
        try:
            await channel.fetch_message(message_id)
        except discord.NotFound:
            return False
        except discord.HTTPException as exc:
            # Unsure: assume it is there rather than risk a second copy.
            log.info("could not check message %d: %s", message_id, exc)
            return True
        return True

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

    async def on_button(self, interaction: discord.Interaction[Any], action: str, sid: int) -> None:
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

    async def vote(self, interaction: discord.Interaction[Any], sid: int, vote: Vote) -> None:
        await defer_reply(interaction)
        outcome = await self.service.vote(interaction.guild_id, sid, interaction.user.id, vote)
        if isinstance(outcome, Refused):
            log_interaction(interaction, "refused", suggestion=sid)
            await answer(interaction, outcome.message)
            return
        self.refresh_soon(sid)
        log_interaction(interaction, "ok", suggestion=sid)
        await answer(interaction, vote_message(outcome))

    async def show_voters(self, interaction: discord.Interaction[Any], sid: int) -> None:
        await defer_reply(interaction)
        voters = await self.service.voters(
            interaction.guild_id or 0, sid, is_maintainer=self.maintainer(interaction)
        )
        if isinstance(voters, Refused):
            await answer(interaction, voters.message)
            return
        await answer(interaction, embed=voters_embed(sid, voters))

    async def approve(self, interaction: discord.Interaction[Any], sid: int) -> None:
        await defer_reply(interaction)
        outcome = await self.service.approve(
            interaction.guild_id,
            sid,
            interaction.user.id,
            is_maintainer=self.maintainer(interaction),
        )
        await self.after_review(interaction, outcome, "Approved")

    async def ask_review_detail(
        self, interaction: discord.Interaction[Any], action: str, sid: int
    ) -> None:
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
        if action == "reject":

            async def rejected(again: discord.Interaction[Any], reason: str) -> None:
                await defer_reply(again)
                outcome = await self.service.reject(
                    again.guild_id, sid, again.user.id, reason,
                    is_maintainer=self.maintainer(again),
                )  # fmt: skip
                await self.after_review(again, outcome, "Rejected")

            modal = OneFieldModal(
                f"Reject suggestion #{sid}",
                "Reason (the author will read it)",
                rejected,
                paragraph=True,
            )
        else:

            async def duplicated(again: discord.Interaction[Any], target: str) -> None:
                await defer_reply(again)
                outcome = await self.service.mark_duplicate(
                    again.guild_id, sid, again.user.id, target,
                    is_maintainer=self.maintainer(again),
                )  # fmt: skip
                await self.after_review(again, outcome, "Marked duplicate")

            modal = OneFieldModal(
                f"Suggestion #{sid} duplicates…",
                "Catalog entry id or suggestion number",
                duplicated,
                placeholder="wavenet  or  #12",
                max_length=80,
            )
        await interaction.response.send_modal(modal)

    async def after_review(
        self, interaction: discord.Interaction[Any], outcome: Decided | Refused, verb: str
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


def vote_message(outcome: Voted) -> str:
    counts = render.tally_text(outcome.tally)
    if outcome.current is None:
        return f"Your vote on #{outcome.suggestion_id} is removed (now {counts})."
    emoji = render.UP_EMOJI if outcome.current is Vote.UP else render.DOWN_EMOJI
    verb = "switched to" if outcome.previous is not None else "counted:"
    return f"Your vote on #{outcome.suggestion_id} is {verb} {emoji} (now {counts})."


def voters_embed(sid: int, voters: Sequence[tuple[int, Vote]]) -> discord.Embed:
    ups = [f"<@{user}>" for user, vote in voters if vote is Vote.UP]
    downs = [f"<@{user}>" for user, vote in voters if vote is Vote.DOWN]
    embed = discord.Embed(
        title=f"Who voted on #{sid}", colour=render.STATUS_COLOURS[Status.PENDING]
    )
    embed.add_field(
        name=f"{render.UP_EMOJI} {len(ups)}",
        value=markup.join_lines([" ".join(ups)] if ups else ["nobody"], markup.FIELD_VALUE),
        inline=False,
    )
    embed.add_field(
        name=f"{render.DOWN_EMOJI} {len(downs)}",
        value=markup.join_lines([" ".join(downs)] if downs else ["nobody"], markup.FIELD_VALUE),
        inline=False,
    )
    return embed


def decision_dm(suggestion: Suggestion) -> str:
    title = escape_markdown(markup.truncate(suggestion.title, 100))
    if suggestion.status is Status.APPROVED:
        return (
            f"Good news: your suggestion #{suggestion.id} **{title}** was approved. It will be "
            "added to the reading list with the next catalog update. Thank you!"
        )
    if suggestion.status is Status.REJECTED:
        return (
            f"Your suggestion #{suggestion.id} **{title}** was not accepted. "
            f"{render.describe_note(suggestion)}"
        )
    if suggestion.status is Status.DUPLICATE:
        return (
            f"Your suggestion #{suggestion.id} **{title}** was closed as a duplicate. "
            f"{render.describe_note(suggestion)}"
        )
    return f"Your suggestion #{suggestion.id} **{title}** is now {suggestion.status.value}."
