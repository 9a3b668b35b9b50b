"""The demo session: the transcript, the context scenes act through, playing and serving.

A session is an ordered list of scenes. A scene is an async function that receives a
``DemoContext`` (the SimCord env, the bot, its services, the server and its members, the
transcript) and acts as a member through the context's helpers, which print what happened.
Scenes live in the modules of ``SCENE_MODULES`` (``bot/demo/scenes/<area>.py``), each with
``SCENES: Sequence[DemoScene]``. The servers are built by ``bot.demo.world``.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import tempfile
import textwrap
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import discord
import simcord
from simcord import (
    ChannelHandle,
    InteractionResult,
    MemberActor,
    ResponseMessage,
)

from bot.config import Config
from bot.demo.render import PLAIN, NameResolver, TextStyle, render_choices, render_message

# Modules whose ``SCENES`` make up the demo, in order. Areas append theirs here.
from bot.demo.world import (
    DEMO_BOT_NAME,
    DEMO_GUILD_NAME,
    SCENE_RULE_WIDTH,
    DemoWorld,
    create_world,
    demo_config,
)
from bot.discord.client import MLAudioBot, create_bot
from bot.discord.sender import DiscordClock
from bot.outbox.message import payload_has_marker
from bot.services import Services, build_services

SCENE_MODULES: tuple[str, ...] = (
    "bot.demo.scenes.basics",
    "bot.demo.scenes.deadlines",
    "bot.demo.scenes.suggestions",
    "bot.demo.scenes.feeds",
)


class Transcript:
    """Prints the session as a reader follows it: who did what, and what the bot showed."""

    def __init__(self, out: TextIO, style: Callable[[], TextStyle] = lambda: PLAIN) -> None:
        self._out = out
        self._scene_number = 0
        # Called for each message: relative times need the (simulated) clock of that moment.
        self.style = style
        # Members seen acting, by id: mentions of them read "@alice", not "@user" (the bot
        # caches no members: it asks for no member intent).
        self.known_names: dict[int, str] = {}

    def line(self, text: str = "") -> None:
        print(text, file=self._out)

    def lines(self, lines: Sequence[str], indent: str = "") -> None:
        for text in lines:
            self.line(f"{indent}{text}".rstrip())

    def scene(self, title: str) -> None:
        self._scene_number += 1
        heading = f"── Scene {self._scene_number}: {title} "
        self.line()
        self.line(heading.ljust(SCENE_RULE_WIDTH, "─"))

    def note(self, text: str) -> None:
        wrapped = textwrap.wrap(f"({text})", SCENE_RULE_WIDTH - 3)
        self.lines(wrapped, indent="   ")

    def member_action(self, member: MemberActor, action: str) -> None:
        self.known_names[member.id] = member.name
        self.line()
        self.line(f"▶ {member.name} {action}")

    def message(
        self, author: str, message: ResponseMessage | discord.Message, *, edited: bool = False
    ) -> None:
        embeds = [embed.to_dict() for embed in message.embeds]
        components = _component_payloads(message)
        ephemeral = bool(message.flags.ephemeral)
        self.line()
        self.lines(
            render_message(
                author,
                message.content or "",
                embeds,
                components,
                ephemeral=ephemeral,
                edited=edited,
                style=self.style(),
            ),
            indent="   ",
        )


async def show_outbox_posts(
    context: DemoContext, channel: ChannelHandle, key_prefix: str, what: str
) -> list[discord.Message]:
    """Print what the bot's outbox posted in ``channel`` for keys ``key_prefix…``.

    Only the bot's own messages are shown, found by the outbox's marker; the closing line
    ("posted and published once") is worked out from the channel and the outbox rows, so
    a copy posted twice or a missed publication would show in it.
    """
    outbox = context.services.outbox
    items = [] if outbox is None else await outbox.items(channel_id=channel.id, limit=1000)
    items = [item for item in items if item.key.startswith(key_prefix)]
    history = list(reversed(channel.history()))  # oldest first
    shown: list[discord.Message] = []
    copies: list[int] = []
    published: list[bool] = []
    for item in items:
        mine = [m for m in history if payload_has_marker(_as_payload(m), item.marker)]
        copies.append(len(mine))
        published.append(item.published_at is not None and all(_is_published(m) for m in mine))
        shown.extend(mine)
    for message in shown:
        context.transcript.line()
        context.transcript.line(
            f"   in #{channel.name}"
            + (" (published to every following server):" if _is_published(message) else ":")
        )
        context.transcript.message(context.bot_name, message)
    context.transcript.note(delivery_line(what, channel.name or str(channel.id), copies, published))
    return shown


def delivery_line(what: str, channel: str, copies: Sequence[int], published: Sequence[bool]) -> str:
    """``"1 reminder in #announcements: posted and published once"``, or what went wrong."""
    count = f"{len(copies)} {what}{'' if len(copies) == 1 else 's'} in #{channel}"
    if not copies:
        return f"{count}: nothing was posted"
    problems = []
    if any(n == 0 for n in copies):
        problems.append(f"{sum(1 for n in copies if n == 0)} not posted")
    if any(n > 1 for n in copies):
        problems.append(f"{sum(1 for n in copies if n > 1)} posted more than once")
    if not all(published):
        problems.append(f"{sum(1 for p in published if not p)} not published")
    if problems:
        return f"{count}: " + ", ".join(problems)
    return (
        f"{count}: each posted and published once"
        if len(copies) > 1
        else (f"{count}: posted and published once")
    )


def _as_payload(message: discord.Message) -> dict[str, Any]:
    return {"content": message.content, "embeds": [e.to_dict() for e in message.embeds]}


def _is_published(message: discord.Message) -> bool:
    # SimCord 3.2.1 marks a published message IS_CROSSPOST where Discord sets CROSSPOSTED.
    return message.flags.crossposted or message.flags.is_crossposted


def _component_payloads(message: ResponseMessage | discord.Message) -> list[dict[str, Any]]:
    if isinstance(message, ResponseMessage):
        return message.components
    return [component.to_dict() for component in message.components]  # type: ignore[misc]


@dataclass
class DemoContext:
    """What a scene gets: the simulated Discord, the bot, the server, and the transcript.

    The helpers act as a member and print both the action and the bot's answer, so a scene
    reads like the story it tells.
    """

    env: simcord.Env
    bot: MLAudioBot
    services: Services
    world: DemoWorld
    transcript: Transcript
    # Results of earlier scenes that later ones may build on (e.g. a message to click).
    memory: dict[str, Any] = field(default_factory=dict)

    @property
    def bot_name(self) -> str:
        return self.bot.user.display_name if self.bot.user else "ML-Audio Bot"

    async def slash(
        self, member: MemberActor, channel: ChannelHandle, command: str, **options: Any
    ) -> InteractionResult:
        shown = " ".join(f"{name}:{value}" for name, value in options.items())
        self.transcript.member_action(
            member, f"in #{channel.name} runs  /{command}{' ' + shown if shown else ''}"
        )
        result = await member.slash(channel, command, **options)
        self.show_result(result)
        return result

    async def autocomplete(
        self, member: MemberActor, channel: ChannelHandle, command: str, option: str, typed: str
    ) -> list[dict[str, Any]]:
        self.transcript.member_action(
            member, f'in #{channel.name} types  /{command} {option}:"{typed}"  (not sent yet)'
        )
        choices = await member.autocomplete(channel, command, option, typed)
        self.transcript.line()
        self.transcript.line(f"   suggestions from {self.bot_name}:")
        self.transcript.lines(render_choices(choices), indent="   ")
        return choices

    async def click(
        self, member: MemberActor, message: ResponseMessage, label: str
    ) -> InteractionResult:
        self.transcript.member_action(member, f"clicks  [{label}]")
        result = await member.click(message, label=label)
        self.show_result(result, clicked=message)
        return result

    async def select(
        self, member: MemberActor, message: ResponseMessage, values: Sequence[str]
    ) -> InteractionResult:
        self.transcript.member_action(member, f"picks  {', '.join(values)}  in the menu")
        result = await member.select(message, list(values))
        self.show_result(result, clicked=message)
        return result

    def show_result(
        self, result: InteractionResult, *, clicked: ResponseMessage | None = None
    ) -> None:
        if result.modal is not None:
            self.transcript.line()
            self.transcript.line(
                f"   {self.bot_name} opens a form: {result.modal.get('title', '')}"
            )
        response = result.response
        if response is not None:
            edited = clicked is not None and response.id == clicked.id
            self.transcript.message(self.bot_name, response, edited=edited)
        for followup in result.followups:
            self.transcript.message(self.bot_name, followup)


SceneFunction = Callable[[DemoContext], Awaitable[None]]


@dataclass(frozen=True)
class DemoScene:
    """One step of the scripted session."""

    key: str  # stable name, e.g. "resource-wavenet"
    title: str  # the heading printed above it
    play: SceneFunction


def collect_scenes(modules: Sequence[str] = SCENE_MODULES) -> list[DemoScene]:
    scenes: list[DemoScene] = []
    for name in modules:
        scenes += list(importlib.import_module(name).SCENES)
    return scenes


@dataclass(frozen=True)
class DemoOptions:
    database_path: Path | None = None  # None: a fresh SQLite file in a temporary folder
    interactive: bool = False  # serve the browser preview after the script, until Ctrl-C
    port: int = 0  # preview port on 127.0.0.1; 0 picks a free one
    scene_keys: tuple[str, ...] = ()  # only these scenes; empty plays all


AfterScenes = Callable[[DemoContext], Awaitable[None]]


async def run_demo(
    base: Config,
    options: DemoOptions,
    out: TextIO = sys.stdout,
    *,
    after_scenes: AfterScenes | None = None,
) -> int:
    """Play the demo and return the exit code.

    ``after_scenes`` runs inside the simulated server once the script is done (tests use it
    to check every request the bot sent, or to open the preview in a browser).
    """
    with _database_location(options.database_path) as database_path:
        # Global commands (no guild_ids), as a small deployment syncs them; SimCord's strict
        # sync still refuses any command the bot forgot to sync.
        # Feeds off: the demo never fetches the internet (its feeds scene polls loopback).
        config = base.with_overrides(
            database_path=database_path,
            guild_ids=(),
            feeds_enabled=False,
            deadlines_sync_enabled=False,
        )
        services = await build_services(config, clock=DiscordClock())
        try:
            return await _play(services, options, out, after_scenes)
        finally:
            await services.close()


async def _play(
    services: Services, options: DemoOptions, out: TextIO, after_scenes: AfterScenes | None
) -> int:
    transcript = Transcript(out)
    bot = create_bot(services)
    scenes = [
        scene
        for scene in collect_scenes()
        if not options.scene_keys or scene.key in options.scene_keys
    ]
    try:
        await _play_in_server(bot, services, scenes, options, transcript, after_scenes)
    finally:
        # SimCord's shutdown cancels the bot's tasks; close() also stops its workers cleanly
        # before the caller closes the database.
        await bot.close()
    return 0


async def _play_in_server(
    bot: MLAudioBot,
    services: Services,
    scenes: Sequence[DemoScene],
    options: DemoOptions,
    transcript: Transcript,
    after_scenes: AfterScenes | None,
) -> None:
    async with simcord.run(bot) as env:
        names = _name_resolver(bot, transcript.known_names)
        # Inside the env, discord.utils.utcnow() is SimCord's clock, as the bot sees it.
        transcript.style = lambda: TextStyle(now=discord.utils.utcnow(), names=names)
        if bot.user is not None and bot.user.name != DEMO_BOT_NAME:
            await bot.user.edit(username=DEMO_BOT_NAME)
        world = create_world(env)
        transcript.known_names.update({m.id: m.name for m in world.members.values()})
        services.config = demo_config(services.config, world)
        context = DemoContext(env, bot, services, world, transcript)
        transcript.line(
            f"ML-Audio bot demo: the real bot in a simulated Discord server ({DEMO_GUILD_NAME}),"
        )
        transcript.line(
            f"catalog {services.catalog_info.entries} entries in "
            f"{services.catalog_info.sections} sections, database {services.config.database_path}"
        )
        transcript.line("No token and no internet: SimCord plays Discord in this process.")
        for scene in scenes:
            transcript.scene(scene.title)
            await scene.play(context)
        transcript.line()
        if after_scenes is not None:
            await after_scenes(context)
        if options.interactive:
            await _serve_preview(context, options.port)


def _name_resolver(bot: MLAudioBot, members: Mapping[int, str]) -> NameResolver:
    """Names for mentions in the transcript: members seen in the demo, else the bot's cache."""

    def resolve(kind: str, identifier: int) -> str | None:
        if kind == "channel":
            channel = bot.get_channel(identifier)
            return getattr(channel, "name", None)
        if kind == "user":
            if identifier in members:
                return members[identifier]
            user = bot.get_user(identifier)
            return user.display_name if user else None
        roles = (guild.get_role(identifier) for guild in bot.guilds)
        return next((role.name for role in roles if role is not None), None)

    return resolve


async def _serve_preview(context: DemoContext, port: int) -> None:
    world = context.world
    transcript = context.transcript
    async with context.env.preview(
        world.general,
        viewers=[world.newcomer, *[m for k, m in world.members.items() if k != "alice"]],
        layout="channel",
        port=port,
    ) as preview:
        transcript.line("─" * SCENE_RULE_WIDTH)
        transcript.line(
            "Try it yourself in the browser (the address holds a key; keep it private):"
        )
        transcript.line()
        transcript.line(f"    {preview.url}")
        transcript.line()
        transcript.line("Type /resource in the message box, pick a suggestion, click the buttons.")
        transcript.line("Press Ctrl-C here to stop.")
        sys.stdout.flush()
        await preview.wait_closed()


@contextmanager
def _database_location(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield path
        return
    # A fresh file per run: the demo never touches data/ of a real deployment.
    with tempfile.TemporaryDirectory(prefix="ml-audio-bot-demo-") as folder:
        yield Path(folder) / "demo.sqlite3"


def run(base: Config, options: DemoOptions, out: TextIO = sys.stdout) -> int:
    """Synchronous entry for the CLI; Ctrl-C ends the preview normally."""
    try:
        return asyncio.run(run_demo(base, options, out))
    except KeyboardInterrupt:
        print("\nDemo stopped.", file=out)
        return 0
