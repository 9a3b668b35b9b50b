"""``/about``, ``/help`` and the global error handler."""

from __future__ import annotations

import discord
import pytest
import simcord

from bot import __version__
from bot.services import Services
from tests.e2e.conftest import DemoGuild

pytestmark = pytest.mark.e2e

DEFERRED_CHANNEL_MESSAGE = 5


def callbacks(env: simcord.Env) -> list[simcord.HttpLogEntry]:
    return [r for r in env.http_requests if r.path.endswith("/callback")]


async def test_about_defers_then_shows_version_and_catalog(
    simcord_env: simcord.Env, demo: DemoGuild, services: Services
) -> None:
    result = await demo.alice.slash(demo.general, "about")

    # It reads the database: acknowledged first, within Discord's 3 seconds.
    (callback,) = callbacks(simcord_env)
    assert callback.json["type"] == DEFERRED_CHANNEL_MESSAGE
    simcord.assert_responded(result, ephemeral=True)
    (embed,) = result.response.embeds
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Version"].startswith(__version__)
    assert f"{len(services.catalog)} entries" in fields["Catalog"]
    assert "updated 20" in fields["Catalog"]
    assert "runtime v1" in fields["Storage"]
    assert embed.url == services.config.source_url


async def test_help_lists_every_command_of_the_tree(
    simcord_env: simcord.Env, demo: DemoGuild
) -> None:
    result = await demo.alice.slash(demo.general, "help")

    simcord.assert_responded(result, ephemeral=True)
    description = result.response.embeds[0].description
    assert "`/resource <query> [private]` — Find a resource of the reading list" in description
    tree_names = {c.name for c in simcord_env.bot.tree.get_commands()}  # type: ignore[attr-defined]
    listed = {line.split()[0].strip("`/") for line in description.splitlines()}
    assert listed == tree_names
    assert {"resource", "section", "sections", "about", "help"} <= listed


async def test_discord_failing_on_the_followup_gets_a_clear_message(
    simcord_env: simcord.Env, demo: DemoGuild
) -> None:
    simcord_env.inject_error("POST", "/webhooks/*/*", status=503, times=None)

    result = await demo.alice.slash(demo.general, "about")

    error = simcord.assert_error(simcord_env, discord.HTTPException)
    assert getattr(error, "original", error).status == 503
    simcord.assert_responded(result, ephemeral=True, contains="Discord had a problem")
    # The bot keeps serving.
    again = await demo.alice.slash(demo.general, "resource", query="wavenet")
    assert again.response.embeds[0].title.startswith("WaveNet")


async def test_a_bug_gets_an_apology_with_a_reference_and_the_bot_keeps_running(
    simcord_env: simcord.Env,
    demo: DemoGuild,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken_search(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("index corrupted")

    monkeypatch.setattr(services.search, "search", broken_search)

    result = await demo.alice.slash(demo.general, "resource", query="something new")

    simcord.assert_error(simcord_env, RuntimeError, contains="index corrupted")
    simcord.assert_responded(result, ephemeral=True, contains="Something went wrong on my side")
    reference = result.response.content.split("reference `")[1].split("`")[0]
    failure = next(r for r in caplog.records if r.name == "bot.discord.errors")
    assert reference in failure.getMessage()
    assert "/resource" in failure.getMessage()
    assert failure.exc_info is not None
    # Exact ids do not search, so the bot still answers them; and it keeps serving.
    again = await demo.bob.slash(demo.general, "resource", query="wavenet")
    assert again.response.embeds[0].title.startswith("WaveNet")
