"""The demo's first scenes: finding a resource, browsing a section, asking about the bot.

Each scene is a short story told through ``DemoContext`` helpers, which act as a member and
print the bot's answer. Later areas add their own modules (see ``bot.demo.session``).
"""

from __future__ import annotations

from bot.demo.session import DemoContext, DemoScene

NEXT_PAGE = "Next ▶"


async def autocomplete_while_typing(context: DemoContext) -> None:
    world = context.world
    context.transcript.note("Discord asks the bot for suggestions on every keystroke")
    await context.autocomplete(world.newcomer, world.general, "resource", "query", "wave")


async def resource_wavenet(context: DemoContext) -> None:
    world = context.world
    await context.slash(world.newcomer, world.general, "resource", query="wavenet")


async def browse_a_section(context: DemoContext) -> None:
    world = context.world
    # The biggest section, so there is more than one page to turn.
    catalog = context.services.catalog
    section = max(catalog.sections, key=lambda s: len(catalog.entries_in(s.id)))
    result = await context.slash(world.newcomer, world.general, "section", name=section.title)
    message = result.response
    if message is None:
        context.transcript.note("the bot did not answer")
        return
    await context.click(world.newcomer, message, NEXT_PAGE)


async def about(context: DemoContext) -> None:
    world = context.world
    await context.slash(world.members["bob"], world.general, "about")


SCENES = (
    DemoScene("resource-autocomplete", "Typing /resource: suggestions", autocomplete_while_typing),
    DemoScene("resource-wavenet", "Asking for WaveNet", resource_wavenet),
    DemoScene("section-paging", "Browsing a section, page by page", browse_a_section),
    DemoScene("about", "What is this bot?", about),
)
