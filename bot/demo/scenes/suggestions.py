"""Demo scene of community suggestions: propose, vote, approve, export to the catalog YAML.

A member suggests a paper through ``/suggest`` (slash options prefill the form), three
members vote on the message the bot posts in #suggestions, a maintainer approves it, and
the maintainers' ``ml-audio-bot suggestions export`` prints the catalog entry to merge.
"""

from __future__ import annotations

import discord

from bot.demo.session import DemoContext, DemoScene, show_outbox_posts
from bot.suggestions.export import export_text, plan_export

TITLE = "AST: Audio Spectrogram Transformer"
URL = "https://arxiv.org/abs/2104.01778"
REASON = (
    "A short, readable paper showing how a plain Vision Transformer classifies audio from "
    "spectrograms; a good bridge for students who know image models."
)


def _suggestion_message(context: DemoContext, suggestion_id: int) -> discord.Message | None:
    marker = f"suggestion #{suggestion_id}"
    for message in reversed(context.world.suggestions.history()):
        if message.embeds and message.embeds[0].footer.text == marker:
            return message
    return None


async def suggest_vote_approve_export(context: DemoContext) -> None:
    world = context.world
    alice, bob, maya = world.newcomer, world.members["bob"], world.maintainer
    service = context.services.suggestions
    if service is None:
        context.transcript.note("suggestions are not set up in this bot")
        return

    shown = await context.slash(alice, world.general, "suggest", section="key-papers", url=URL)
    context.transcript.member_action(alice, "fills in the form and presses Submit")
    result = await alice.submit_modal(shown, {"title": TITLE, "url": URL, "reason": REASON})
    context.show_result(result)

    created, _total = await service.store.page(world.guild.id)
    if not created:
        context.transcript.note("the suggestion was not stored")
        return
    suggestion_id = created[0].id
    message = _suggestion_message(context, suggestion_id)
    if message is None:
        context.transcript.note("the suggestion was not posted")
        return
    context.transcript.note(f"the bot posted suggestion #{suggestion_id} in #suggestions:")
    context.transcript.message(context.bot_name, message)

    dana = world.guild.add_member(context.env.create_user("dana", global_name="Dana"))
    await context.env.settle()
    for voter, action, label in ((bob, "up", "👍"), (dana, "up", "👍"), (maya, "down", "👎")):
        context.transcript.member_action(voter, f"clicks  [{label}]")
        context.show_result(await voter.click(message, custom_id=f"sg:{action}:{suggestion_id}"))

    context.transcript.member_action(maya, "(a maintainer) clicks  [Approve]")
    context.show_result(await maya.click(message, label="Approve"))
    await context.env.advance_time(context.services.config.suggestions_edit_delay + 1)
    await context.env.settle()
    updated = _suggestion_message(context, suggestion_id)
    if updated is not None:
        context.transcript.note("the suggestion's message now reads:")
        context.transcript.message(context.bot_name, updated, edited=True)
    # The outbox posts the approved resource in the announcement channel and publishes it.
    await context.env.advance_time(5)
    await context.env.settle()
    await show_outbox_posts(
        context, world.announcements, "suggestion-approved:", "approved resource"
    )

    context.transcript.line()
    context.transcript.line("▶ a maintainer runs  ml-audio-bot suggestions export")
    plan = plan_export(await service.exportable(), context.services.catalog)
    context.transcript.line()
    context.transcript.lines(export_text(plan).splitlines(), indent="   ")


SCENES = (
    DemoScene(
        "suggest-vote-approve",
        "Suggesting a paper: votes, approval, export to the catalog",
        suggest_vote_approve_export,
    ),
)
