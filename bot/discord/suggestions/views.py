"""The suggestions' components: the voting buttons, the forms, and the draft view.

The buttons on a suggestion's message are ``DynamicItem``s whose ``custom_id`` carries the
action and the suggestion id (``sg:up:42``), so they keep working after a restart without
re-sending anything. Forms and the draft view hand what the member did to callbacks of
the controller (``bot.discord.suggestions.controller``); they hold no rules themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot import markup
from bot.discord.client import AdmittedModal, MLAudioBot, admit, bot_interaction
from bot.discord.errors import report_failure
from bot.discord.logging import log_interaction
from bot.discord.replies import tell
from bot.discord.suggestions.messages import storage_message
from bot.discord.views import OwnerOnlyView
from bot.suggestions import render
from bot.suggestions.model import Draft, Suggestion
from bot.suggestions.store import StorageError
from bot.suggestions.validation import REASON_MAX, TITLE_MAX, URL_MAX

CUSTOM_ID_PREFIX = "sg"
DRAFT_VIEW_TIMEOUT = 15 * 60.0

ACTION_LABELS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "approve": ("Approve", discord.ButtonStyle.success),
    "reject": ("Reject", discord.ButtonStyle.danger),
    "dup": ("Duplicate", discord.ButtonStyle.secondary),
    "voters": ("Voters", discord.ButtonStyle.secondary),
}

BotInteraction = discord.Interaction[MLAudioBot]
Reply = Callable[[BotInteraction], Awaitable[None]]
SubmitHandler = Callable[[BotInteraction, Draft], Awaitable[None]]
TextHandler = Callable[[BotInteraction, str], Awaitable[None]]


async def report_component_error(
    interaction: discord.Interaction[discord.Client], error: Exception
) -> None:
    """A form or button failed: a busy/broken database gets its clear message, the rest is a bug."""
    if isinstance(error, StorageError):
        log_interaction(interaction, "storage-error")
        await tell(interaction, storage_message(error))
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
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Item[Any],
        match: Any,
        /,
    ) -> SuggestionButton:
        return cls(match["action"], int(match["id"]))

    async def interaction_check(self, interaction: discord.Interaction[discord.Client], /) -> bool:
        return await admit(interaction)

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        # The controller imports this module (it builds the buttons): found at click time.
        from bot.discord.suggestions.controller import ui_of

        try:
            await ui_of(interaction.client).on_button(
                bot_interaction(interaction), self.action, self.suggestion_id
            )
        except Exception as exc:
            await report_component_error(interaction, exc)


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


# -- forms -----------------------------------------------------------------------------------


class _SuggestionsModal(AdmittedModal):
    """The suggestion forms' common base: a failure is reported like a button's."""

    # Modal.on_error takes no item, unlike the view base class discord.py types it against.
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[discord.Client], error: Exception, /
    ) -> None:
        await report_component_error(interaction, error)


class SuggestionModal(_SuggestionsModal):
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

    async def on_submit(self, interaction: discord.Interaction[discord.Client], /) -> None:
        typed = Draft(
            self.title_input.value,
            self.url_input.value,
            self.draft.section,
            self.reason_input.value,
            self.draft.kind,
        )
        await self._handler(bot_interaction(interaction), typed)


class OneFieldModal(_SuggestionsModal):
    """A maintainer's reason (reject) or target (duplicate)."""

    def __init__(
        self,
        heading: str,
        label: str,
        on_submit: TextHandler,
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

    async def on_submit(self, interaction: discord.Interaction[discord.Client], /) -> None:
        await self._handler(bot_interaction(interaction), self.field.value)


class DraftView(OwnerOnlyView):
    """Buttons under a refusal: reopen the form with what was typed (and maybe confirm)."""

    def __init__(
        self,
        owner_id: int,
        reopen: Reply,
        confirm: Reply | None = None,
        *,
        reopen_label: str = "Fix and resubmit",
    ) -> None:
        super().__init__(owner_id=owner_id, timeout=DRAFT_VIEW_TIMEOUT)
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

    def not_owner_message(self) -> str:
        return "This draft belongs to someone else."

    async def _on_reopen(self, interaction: discord.Interaction[discord.Client]) -> None:
        await self._reopen(bot_interaction(interaction))

    async def _on_confirm(self, interaction: discord.Interaction[discord.Client]) -> None:
        assert self._confirm is not None
        self.stop()
        await self._confirm(bot_interaction(interaction))

    async def on_error(
        self,
        interaction: discord.Interaction[discord.Client],
        error: Exception,
        item: discord.ui.Item[Any],
        /,
    ) -> None:
        await report_component_error(interaction, error)
