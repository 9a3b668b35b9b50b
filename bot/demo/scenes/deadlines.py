"""Demo scenes of the conference deadlines: the list, a reminder published, following it.

The scenes read the bot's clock from SimCord's virtual time, which starts on 1 January 2026,
so they show the real deadline data as it stood that day (ICML, IJCNN and Interspeech 2026
deadlines ahead); the transcript says which date it uses. The bot's own clock is put back
afterwards, so other scenes are not affected.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.deadlines.reminders import next_due
from bot.demo.session import DemoContext, DemoScene, show_outbox_posts
from bot.demo.world import create_partner
from bot.discord.sender import DiscordClock

# Simulated time given to the bot's workers after the due moment to post and publish.
DELIVERY_SECONDS = 10


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
    """The next reminder falls due; the bot's reminder worker posts it and publishes it."""
    previous = _use_virtual_date(context)
    try:
        start = context.env.now()
        due = next_due(context.services.deadlines, start)
        if due is None:
            context.transcript.note("no reminder is due in the data")
            return
        context.transcript.line()
        context.transcript.line(f"… time passes in the simulation, to {due:%Y-%m-%d %H:%M} UTC …")
        # The bot's own workers do the rest: the reminder worker wakes at the due time and
        # hands the reminder to the outbox, whose worker posts and then publishes it.
        await context.env.advance_time((due - start).total_seconds() + DELIVERY_SECONDS)
        await context.env.settle()
        await show_outbox_posts(context, context.world.announcements, "deadline:", "reminder")
    finally:
        context.services.clock = previous


async def follow_announcements(context: DemoContext) -> None:
    """Another server's admin makes one of their channels receive the announcements."""
    partner = create_partner(context.env)
    admin, news = partner.admin, partner.news
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
