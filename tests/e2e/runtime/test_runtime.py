"""The bot's life cycle on SimCord: command sync, restarts, intents, shards, shutdown."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord
from discord import app_commands

from bot.catalog.model import Catalog
from bot.config import Config
from bot.demo.world import DEMO_GUILD_ID
from bot.discord.client import MLAudioBot, ShardedMLAudioBot, create_bot
from bot.search import SearchIndex
from bot.services import Services
from tests.e2e.conftest import (
    DemoGuild,
    check_discord_contract,
    make_config,
    make_services,
)

pytestmark = pytest.mark.e2e


def command_syncs(env: simcord.Env) -> list[simcord.HttpLogEntry]:
    return [r for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]


async def test_restart_with_unchanged_commands_does_not_sync_again(
    simcord_env: simcord.Env,
    demo: DemoGuild,
    bot_config: Config,
    catalog: Catalog,
    search_index: SearchIndex,
) -> None:
    assert len(command_syncs(simcord_env)) == 1  # the very first start registers them

    second = await make_services(bot_config, catalog, search_index)  # same database file
    try:
        await simcord_env.restart_bot(create_bot(second))
        result = await demo.alice.slash(demo.general, "resource", query="wavenet")
    finally:
        await simcord_env.bot.close()
        await second.close()

    assert len(command_syncs(simcord_env)) == 1
    assert result.response.embeds[0].title.startswith("WaveNet")


class BotWithAnExtraCommand(MLAudioBot):
    """The bot after a feature added a command: its tree, hence its hash, changed."""

    async def setup_hook(self) -> None:
        @app_commands.command(name="ping", description="Check the bot answers")
        async def ping(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        self.tree.add_command(ping)
        await super().setup_hook()


async def test_restart_with_a_new_command_syncs_once(
    simcord_env: simcord.Env,
    demo: DemoGuild,
    bot_config: Config,
    catalog: Catalog,
    search_index: SearchIndex,
) -> None:
    second = await make_services(bot_config, catalog, search_index)
    try:
        await simcord_env.restart_bot(BotWithAnExtraCommand(second))
        pong = await demo.bob.slash(demo.general, "ping")
        await simcord_env.restart_bot(BotWithAnExtraCommand(second))
    finally:
        await simcord_env.bot.close()
        await second.close()

    assert len(command_syncs(simcord_env)) == 2  # first start, then the changed tree only
    assert "ping" in [command["name"] for command in command_syncs(simcord_env)[-1].json]
    simcord.assert_responded(pong, content="pong")


@pytest.mark.bot_config(guild_ids=(DEMO_GUILD_ID,))
async def test_guild_ids_sync_commands_to_those_servers_only(
    simcord_env: simcord.Env, demo: DemoGuild
) -> None:
    (sync,) = command_syncs(simcord_env)
    assert sync.path.endswith(f"/guilds/{DEMO_GUILD_ID}/commands")

    result = await demo.alice.slash(demo.general, "sections")

    assert result.response.embeds[0].title == "Sections of the reading list"


@pytest.mark.simcord(approved_intents=discord.Intents.none())
async def test_runs_without_any_privileged_intent(
    simcord_env: simcord.Env, demo: DemoGuild
) -> None:
    intents = simcord_env.bot.intents
    assert not (intents.members)
    assert not (intents.presences)
    assert not (intents.message_content)
    assert intents.guilds

    result = await demo.alice.slash(demo.general, "resource", query="wavenet")

    assert result.response.embeds[0].title.startswith("WaveNet")


async def test_sharded_bot_serves_from_every_shard(
    tmp_path: Path, catalog: Catalog, search_index: SearchIndex
) -> None:
    config = make_config(tmp_path, shard_count=2)
    services = await make_services(config, catalog, search_index)
    bot = create_bot(services)
    assert isinstance(bot, ShardedMLAudioBot)
    try:
        async with simcord.run(bot) as env:
            for shard in (0, 1):
                guild = env.create_guild(f"Shard {shard}", shard_id=shard)
                channel = guild.create_text_channel("general")
                member = guild.add_member(env.create_user(f"member{shard}"))
                await env.settle()
                result = await member.slash(channel, "resource", query="wavenet")
                assert result.response.embeds[0].title.startswith("WaveNet")
            check_discord_contract(env)
    finally:
        await bot.close()
        await services.close()


class RecordingWorker:
    name = "recorder"

    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def start(self) -> None:
        self.events.append("worker started")

    async def stop(self) -> None:
        self.events.append("worker stopped")


class FakeResponse:
    def __init__(self, sent: list[str]) -> None:
        self.sent = sent

    def is_done(self) -> bool:
        return False

    async def send_message(self, content: str, *, ephemeral: bool = False) -> None:
        self.sent.append(content)


class FakeInteraction:
    """Just what admission and the interaction log read."""

    def __init__(self, sent: list[str]) -> None:
        self.extras: dict[str, Any] = {}
        self.response = FakeResponse(sent)
        self.user = discord.Object(1)
        self.guild_id = 2
        self.channel_id = 3
        self.command = None
        self.data = {"name": "slow"}
        self.type = discord.InteractionType.application_command


async def test_close_lets_running_interactions_finish_before_stopping_workers(
    services: Services,
) -> None:
    events: list[str] = []
    services.add_worker(RecordingWorker(events))
    bot = create_bot(services)
    await services.start_workers()
    bot._workers_started = True  # as setup_hook does after login
    release = asyncio.Event()
    refused: list[str] = []

    async def slow_interaction() -> None:
        assert await bot.admit(FakeInteraction([]))  # type: ignore[arg-type]
        await release.wait()
        events.append("interaction finished")

    running = asyncio.create_task(slow_interaction())
    await asyncio.sleep(0)
    closing = asyncio.create_task(bot.close())
    await asyncio.sleep(0)
    # While shutting down, new interactions get a polite refusal instead of a half answer.
    assert not await bot.admit(FakeInteraction(refused))  # type: ignore[arg-type]
    assert not closing.done()
    release.set()
    await asyncio.wait_for(closing, 5)
    await running

    assert events == ["worker started", "interaction finished", "worker stopped"]
    assert refused == ["I'm restarting right now; please try again in a minute."]
    assert bot.is_closed()


class FakeAutocompleteResponse(FakeResponse):
    async def autocomplete(self, choices: list[Any]) -> None:
        self.sent.append(f"choices: {choices}")


async def test_autocomplete_while_stopping_gets_no_choices_not_a_message(
    services: Services,
) -> None:
    bot = create_bot(services)
    bot._accepting = False  # as close() sets it
    answers: list[str] = []
    typing = FakeInteraction(answers)
    typing.response = FakeAutocompleteResponse(answers)
    typing.type = discord.InteractionType.autocomplete

    assert not await bot.admit(typing)  # type: ignore[arg-type]

    # Discord accepts only choices for an autocomplete; a message would be refused (400).
    assert answers == ["choices: []"]
