"""End-to-end fixtures: the real bot (real discord.py) on SimCord, in a demo-like server.

* ``services`` — fresh ``Services`` per test over the real catalog (loaded and indexed once
  per session: both are immutable) and a SQLite file in ``tmp_path``;
* ``simcord_bot`` — ``create_bot(services)``, used by SimCord's ``simcord_env`` fixture
  (strict sync stays on: a command the bot forgot to sync fails the test);
* ``demo`` — the demo server: #general, #suggestions, #announcements (an announcement
  channel), a Maintainers role and the members alice, bob and carol (carol maintains);
  built by ``make_demo_guild`` *before* the bot connects, like a server the bot joins;
* ``partner`` — a second server, "Partner Lab", with an admin (``pat``) and a member;
  added after the bot connected, like a server that invites it later;
* an autouse check that every request the bot sent stays within Discord's schema and
  limits (``tests/discord_contract.py``), failing the test that broke it.

Other areas reuse these: ask for ``demo`` (and ``simcord_env``); extend ``make_config``
overrides with ``@pytest.mark.bot_config(key=value)``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import simcord
from aiohttp import WSMsgType, web

from bot.catalog.loader import load_catalog
from bot.catalog.model import Catalog
from bot.config import Config
from bot.demo.world import PartnerWorld, create_partner, create_world
from bot.discord.client import MLAudioBot, create_bot
from bot.discord.sender import DiscordClock
from bot.search import SearchIndex
from bot.services import Services, build_services
from tests.shared_data import REPO_ROOT

pytestmark = pytest.mark.e2e


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "bot_config(**overrides): Config fields for the bot under test"
    )


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(REPO_ROOT / "catalog")


@pytest.fixture(scope="session")
def search_index(catalog: Catalog) -> SearchIndex:
    return SearchIndex.build(catalog)


def make_config(tmp_path: Path, **overrides: Any) -> Config:
    """A config for tests: a private database, the repo's catalog, no token needed."""
    base = Config(
        database_path=tmp_path / "bot.sqlite3",
        catalog_path=REPO_ROOT / "catalog",
        shutdown_grace=2.0,
        feeds_enabled=False,  # the default is on; tests never fetch the internet
        deadlines_sync_enabled=False,  # likewise
    )
    return base.with_overrides(**overrides)


@pytest.fixture
def bot_config(tmp_path: Path, request: pytest.FixtureRequest) -> Config:
    marker = request.node.get_closest_marker("bot_config")
    return make_config(tmp_path, **(marker.kwargs if marker else {}))


async def make_services(config: Config, catalog: Catalog, search_index: SearchIndex) -> Services:
    return await build_services(config, catalog=catalog, search=search_index, clock=DiscordClock())


@pytest.fixture
async def services(
    bot_config: Config, catalog: Catalog, search_index: SearchIndex
) -> AsyncIterator[Services]:
    built = await make_services(bot_config, catalog, search_index)
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
def simcord_bot(services: Services) -> MLAudioBot:
    return create_bot(services)


@dataclass
class DemoGuild:
    """Handles to the demo server (``bot.demo.world``), for tests to act as its members."""

    guild: simcord.GuildHandle
    general: simcord.ChannelHandle
    suggestions: simcord.ChannelHandle
    announcements: simcord.ChannelHandle
    maintainers: simcord.RoleHandle
    alice: simcord.MemberActor
    bob: simcord.MemberActor
    carol: simcord.MemberActor  # the maintainer (the demo's "maya")


def make_demo_guild(env: simcord.Env) -> DemoGuild:
    """The demo's own server, built by the demo's world builder (one definition of it)."""
    world = create_world(env)
    return DemoGuild(
        world.guild,
        world.general,
        world.suggestions,
        world.announcements,
        world.maintainers,
        world.members["alice"],
        world.members["bob"],
        world.maintainer,
    )


@pytest.fixture
async def simcord_env(
    simcord_bot: MLAudioBot, request: pytest.FixtureRequest
) -> AsyncIterator[simcord.Env]:
    """SimCord's fixture, with the demo server in place before the bot connects.

    Options of ``@pytest.mark.simcord(...)`` are passed to ``simcord.Env`` as by the plugin.
    """
    marker = request.node.get_closest_marker("simcord")
    env = simcord.Env(simcord_bot, **(marker.kwargs if marker else {}))
    env.demo = make_demo_guild(env)  # type: ignore[attr-defined]
    await env.start()
    try:
        yield env
    finally:
        await env.shutdown()
        await simcord_bot.close()
        if env.check_errors:
            # As SimCord's own fixture does: errors a test inspected (assert_error) are fine.
            env._raise_errors_since(env._errors_acknowledged)


@pytest.fixture
def demo(simcord_env: simcord.Env) -> DemoGuild:
    demo_guild: DemoGuild = simcord_env.demo  # type: ignore[attr-defined]
    return demo_guild


@pytest.fixture
async def partner(simcord_env: simcord.Env, demo: DemoGuild) -> PartnerWorld:
    """The "Partner Lab" server, joined after the demo server.

    With two servers and no ``home_guild_id`` nobody is a maintainer: set it to
    ``demo.guild.id`` where a test needs one.
    """
    lab = create_partner(simcord_env)
    await simcord_env.settle()
    return lab


def check_discord_contract(env: simcord.Env) -> None:
    """Every request the bot sent is one Discord accepts (no-op until the checker exists)."""
    if importlib.util.find_spec("tests.discord_contract") is None:
        return
    from tests.discord_contract import assert_requests_within_discord_limits

    assert_requests_within_discord_limits(env)


@pytest.fixture(autouse=True)
def discord_contract_check(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test that ran the bot, check every request it sent against Discord's rules."""
    yield
    env = request.node.funcargs.get("simcord_env")
    if isinstance(env, simcord.Env):
        check_discord_contract(env)


# --------------------------------------------------------------------------------------------
# A tiny stand-in for Discord's REST API and gateway on 127.0.0.1, for the runtime tests.
#
# It answers just what ``login``, command sync and a gateway session need, records every
# request, and can reject the token (401). SimCord covers everything else; this exists
# because the runtime's own networking (``DISCORD_API_BASE``, ``GET /gateway/bot``, signals)
# sits outside SimCord.

APPLICATION_ID = 1_200_000_000_000_000_001
BOT_USER = {
    "id": str(APPLICATION_ID),
    "username": "ml-audio-bot",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
}


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body only when Content-Type is exactly application/json.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


@dataclass
class Seen:
    method: str
    path: str
    authorization: str | None


@dataclass
class FakeDiscordAPI:
    reject_token: bool = False
    requests: list[Seen] = field(default_factory=list)
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    identify_payload: dict[str, Any] | None = None
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    def seen(self, method: str, path: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and r.path == path]

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_get("/api/v10/gateway/bot", self._gateway_bot)
        app.router.add_put("/api/v10/applications/{app}/commands", self._put_commands)
        app.router.add_put(
            "/api/v10/applications/{app}/guilds/{guild}/commands", self._put_commands
        )
        app.router.add_get("/gateway", self._gateway)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(
            Seen(request.method, request.path, request.headers.get("Authorization"))
        )
        return await handler(request)

    async def _me(self, request: web.Request) -> web.Response:
        if self.reject_token:
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        return _json(BOT_USER)

    async def _application(self, request: web.Request) -> web.Response:
        return _json(
            {
                "id": str(APPLICATION_ID),
                "name": "ml-audio-bot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": BOT_USER,
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "summary": "",
            }
        )

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return _json(
            {
                "url": f"ws://127.0.0.1:{self.port}/gateway",
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _put_commands(self, request: web.Request) -> web.Response:
        commands = await request.json()
        for number, command in enumerate(commands, start=1):
            command.setdefault("id", str(APPLICATION_ID + number))
            command.setdefault("application_id", str(APPLICATION_ID))
            command.setdefault("version", "1")
            command.setdefault("default_member_permissions", None)
        return _json(commands)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(message.data)
            if payload.get("op") == 2:  # IDENTIFY
                self.identify_payload = payload["d"]
                ready = {
                    "v": 10,
                    "user": BOT_USER,
                    "guilds": [],
                    "session_id": "fake-session",
                    "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
                    "application": {"id": str(APPLICATION_ID), "flags": 0},
                }
                await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": 1, "d": ready}))
                self.identified.set()
            elif payload.get("op") == 1:  # heartbeat
                await ws.send_str(json.dumps({"op": 11}))
        return ws


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscordAPI]:
    api = FakeDiscordAPI()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()
