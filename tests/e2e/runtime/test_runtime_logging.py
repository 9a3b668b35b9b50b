"""Logs: one structured line per interaction, and the token never in them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.catalog.model import Catalog
from bot.config import Config
from bot.discord.format import ENTRIES_PER_PAGE
from bot.discord.logging import REDACTED, log_event, setup_logging
from tests.e2e.conftest import DemoGuild

pytestmark = pytest.mark.e2e

TOKEN = "MTIwMDAwMDAwMDAwMDAwMDAwMQ.GfAkEt.secret-part-of-the-token"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_the_token_is_redacted_wherever_it_appears() -> None:
    stream = io.StringIO()
    setup_logging(Config(token=TOKEN), stream)
    log = logging.getLogger("discord.http")

    log.info("logging in with %s", TOKEN)
    log.warning(f"header was Bot {TOKEN}")
    try:
        raise RuntimeError(f"request failed for token {TOKEN}")
    except RuntimeError:
        log.exception("request failed")

    output = stream.getvalue()
    assert TOKEN not in output
    assert output.count(REDACTED) == 3
    assert "RuntimeError: request failed for token [redacted]" in output


@pytest.mark.usefixtures("restore_logging")
def test_json_logs_carry_the_event_fields() -> None:
    stream = io.StringIO()
    setup_logging(Config(token=TOKEN, log_format="json"), stream)

    log_event(logging.getLogger("bot.interactions"), logging.INFO, "interaction", outcome="ok")

    record = json.loads(stream.getvalue())
    assert record["event"] == "interaction"
    assert record["outcome"] == "ok"
    assert record["level"] == "INFO"


async def test_one_log_line_per_interaction(
    demo: DemoGuild, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.interactions")

    await demo.alice.slash(demo.general, "resource", query="wavenet")
    await demo.bob.slash(demo.general, "sections")

    lines = [r for r in caplog.records if r.name == "bot.interactions"]
    assert len(lines) == 2
    first = lines[0].fields  # type: ignore[attr-defined]
    assert first["command"] == "/resource"
    assert first["user"] == demo.alice.id
    assert first["guild"] == demo.guild.id
    assert first["outcome"] == "ok"
    assert float(first["latency_ms"]) >= 0
    assert lines[0].getMessage().startswith("interaction command=/resource user=")
    assert lines[1].fields["command"] == "/sections"  # type: ignore[attr-defined]


async def test_answers_without_a_result_are_logged_with_their_outcome(
    demo: DemoGuild, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.interactions")

    await demo.alice.slash(demo.general, "resource", query="qqqq zzzz xxxx")
    await demo.alice.slash(demo.general, "resource", query="wave")
    await demo.alice.slash(demo.general, "section", name="no such section")

    outcomes = [r.fields["outcome"] for r in caplog.records if r.name == "bot.interactions"]  # type: ignore[attr-defined]
    assert outcomes == ["not-found", "ambiguous", "refused"]  # one line each, never also "ok"


async def test_refused_page_turns_are_logged_as_refused(
    catalog: Catalog, demo: DemoGuild, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.interactions")
    biggest = max(catalog.sections, key=lambda s: len(catalog.entries_in(s.id)))
    assert len(catalog.entries_in(biggest.id)) > ENTRIES_PER_PAGE, "no section has two pages"
    result = await demo.alice.slash(demo.general, "section", name=biggest.id)

    await demo.bob.select(result.response, ["1"])

    outcomes = [r.fields["outcome"] for r in caplog.records if r.name == "bot.interactions"]  # type: ignore[attr-defined]
    assert outcomes == ["ok", "refused"]
