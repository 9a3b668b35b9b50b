"""Demo scenes of the conference deadlines: the list, a reminder published, following it.

The scenes read the bot's clock from SimCord's virtual time, which starts on 1 January 2026,
so they show the real deadline data as it stood that day (ICML, IJCNN and Interspeech 2026
deadlines ahead); the transcript says which date it uses. The bot's own clock is put back
afterwards, so other scenes are not affected.
"""

from __future__ import annotations

from datetime import timedelta

import discord

from bot.clock import Clock
from bot.deadlines.reminders import next_due, plan_reminders, render_reminder
from bot.demo.world import DemoContext, DemoScene
from bot.discord.sender import DiscordClock


def _use_virtual_date(context: DemoContext) -> Clock:
    previous = context.services.clock
    context.services.clock = DiscordClock()  # SimCord's virtual time
    context.transcript.note(
        f"this scene runs on SimCord's virtual date, {context.env.now():%Y-%m-%d %H:%M} UTC: "
        "the deadlines shown are the real data for that day"
    )
    return previous


async def deadlines_audio(context: DemoContext) -> None:
    previous = _use_virtual_date(context)
    try:
        world = context.world
        await context.slash(world.newcomer, world.general, "deadlines", filter="audio")
        await context.slash(world.members["bob"], world.general, "deadline", conference="icml")
    finally:
        context.services.clock = previous


async def reminder_published(context: DemoContext) -> None:
    """The next reminder falls due; it is posted in #announcements and published."""
    previous = _use_virtual_date(context)
    try:
        book = context.services.deadlines
        start = context.env.now()
        due = next_due(book, start)
        if due is None:
            context.transcript.note("no reminder is due in the data")
            return
        context.transcript.line()
        context.transcript.line(f"… time passes in the simulation, to {due:%Y-%m-%d %H:%M} UTC …")
        await context.env.advance_time((due - start).total_seconds())
        plan = plan_reminders(book, context.services.clock, start - timedelta(seconds=1))
        channel = context.bot.get_channel(context.world.announcements.id)
        if not isinstance(channel, discord.TextChannel):
            context.transcript.note("the announcement channel is missing")
            return
        # The scene posts the due reminder itself, with the worker's text and publication:
        # the running worker planned on the real date before the scene moved the bot's clock
        # back to the virtual one, so its watermark is ahead and it stays quiet here.
        for reminder in plan.send:
            message = await channel.send(
                render_reminder(reminder), allowed_mentions=discord.AllowedMentions.none()
            )
            await message.publish()
            context.transcript.line()
            context.transcript.line(f"   in #{channel.name} (published to every following server):")
            context.transcript.message(context.bot_name, message)
    finally:
        context.services.clock = previous


async def follow_announcements(context: DemoContext) -> None:
    """Another server's admin makes one of their channels receive the announcements."""
    env = context.env
    partner = env.create_guild("Partner Lab")
    news = partner.create_text_channel("ml-audio-news")
    admin_role = partner.create_role(
        "Admins", permissions=discord.Permissions(manage_webhooks=True)
    )
    admin = partner.add_member(env.create_user("pat", global_name="Pat"), roles=[admin_role])
    context.transcript.note("Pat runs the 'Partner Lab' server, where the bot is also a member")
    # ``DemoContext.slash`` has a ``channel`` parameter of its own, so the option that is
    # also called "channel" is passed straight to SimCord and the action printed here.
    context.transcript.member_action(
        admin, f"in #{news.name} runs  /announcements follow channel:#{news.name}"
    )
    result = await admin.slash(news, "announcements follow", channel=news)
    context.show_result(result)


SCENES = (
    DemoScene("deadlines-audio", "Audio conference deadlines", deadlines_audio),
    DemoScene("deadline-reminder", "A deadline reminder, published", reminder_published),
    DemoScene("announcements-follow", "Following the announcements", follow_announcements),
)
