"""The Discord contract checker catches what SimCord lets through, and passes what Discord takes."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from tests.discord_contract import (
    assert_requests_within_discord_limits,
    check_request,
    check_requests,
    load_spec,
)

CALLBACK = "/interactions/1456074443980800010/simcord_interaction_1456074443980800010/callback"
FOLLOWUP = "/webhooks/1456074443980800000/simcord_interaction_1456074443980800010"
EDIT_ORIGINAL = f"{FOLLOWUP}/messages/@original"
CHANNEL_MESSAGES = "/channels/1456074443980800005/messages"
COMMANDS = "/applications/1456074443980800000/guilds/1456074443980800001/commands"
NO_PINGS = {"parse": []}


@pytest.fixture(autouse=True)
def _spec() -> None:
    load_spec()  # skips (or fails in CI) when ../shared is absent


def embed(**fields: Any) -> dict[str, Any]:
    return {"type": "rich", "flags": 0, **fields}


def button(custom_id: str = "resource:next", label: str = "Next ▶") -> dict[str, Any]:
    return {
        "type": 2,
        "style": 2,
        "disabled": False,
        "id": 0,
        "label": label,
        "custom_id": custom_id,
    }


def row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def message(**fields: Any) -> dict[str, Any]:
    return {"tts": False, "allowed_mentions": NO_PINGS, **fields}


def choices(count: int, value_length: int = 4) -> list[dict[str, str]]:
    return [{"name": f"choice {i}", "value": f"{i}".rjust(value_length, "v")} for i in range(count)]


# Bodies as discord.py 2.7 sends them (recorded from SimCord), trimmed to the relevant fields.
GOOD_REQUESTS: list[tuple[str, str, Any]] = [
    (
        "PUT",
        COMMANDS,
        [
            {
                "name": "resource",
                "description": "Find a reading-list entry",
                "type": 1,
                "options": [
                    {
                        "type": 3,
                        "name": "query",
                        "description": "What to look for",
                        "required": True,
                        "autocomplete": True,
                    },
                    {"type": 5, "name": "private", "description": "Only you", "required": False},
                ],
                "nsfw": False,
                "dm_permission": True,
                "default_member_permissions": None,
                "contexts": None,
                "integration_types": None,
            }
        ],
    ),
    (
        "POST",
        CALLBACK,
        {
            "type": 4,
            "data": message(
                embeds=[
                    embed(
                        title="WaveNet: A Generative Model for Raw Audio",
                        url="https://arxiv.org/abs/1609.03499",
                        description="Autoregressive model of raw waveforms.",
                        color=5793266,
                        fields=[{"inline": True, "name": "Section", "value": "Models"}],
                        footer={"text": "ML-Audio reading list"},
                    )
                ],
                components=[row(button("p:prev", "◀ Previous"), button())],
                flags=0,
            ),
        },
    ),
    ("POST", CALLBACK, {"type": 8, "data": {"choices": choices(25, value_length=100)}}),
    ("POST", CALLBACK, {"type": 5}),
    ("POST", CALLBACK, {"type": 6}),
    ("POST", FOLLOWUP, message(content="x" * 2000, flags=64)),
    ("PATCH", EDIT_ORIGINAL, message(content="edited")),
    (
        "POST",
        CHANNEL_MESSAGES,
        message(content="New entry", nonce="12248448008813839505", enforce_nonce=True),
    ),
    ("POST", f"{CHANNEL_MESSAGES}/1456074443980800018/crosspost", None),
    # A forum post as ForumChannel.create_thread sends it (type and tts are discord.py's).
    (
        "POST",
        "/channels/1456074443980800009/threads",
        {"name": "#1 WaveNet", "type": 11, "message": message(content="Suggested: WaveNet")},
    ),
    # A file upload: discord.py names the attachment by its form index, as the docs do.
    ("POST", FOLLOWUP, message(content="cal", attachments=[{"id": 0, "filename": "d.ics"}])),
    ("GET", f"{CHANNEL_MESSAGES}?limit=50", None),
]


@pytest.mark.parametrize(("method", "path", "body"), GOOD_REQUESTS)
def test_bodies_discord_accepts_pass(method: str, path: str, body: Any) -> None:
    assert check_request(method, path, body) == []


@dataclass(frozen=True)
class Bad:
    method: str
    path: str
    body: Any
    json_path: str
    limit_fragment: str
    source_fragment: str


BAD_REQUESTS = {
    "content over 2000 (the spec says 4000, the docs 2000)": Bad(
        "POST",
        CHANNEL_MESSAGES,
        message(content="x" * 2001),
        "$.content",
        "at most 2000 characters (got 2001)",
        "message.mdx L1080",
    ),
    "26 autocomplete choices": Bad(
        "POST",
        CALLBACK,
        {"type": 8, "data": {"choices": choices(26)}},
        "$.data.choices",
        "at most 25 choices (got 26)",
        "receiving-and-responding.mdx L313",
    ),
    "autocomplete value of 101 (the spec allows 6000)": Bad(
        "POST",
        CALLBACK,
        {"type": 8, "data": {"choices": choices(3, value_length=101)[2:]}},
        "$.data.choices[0].value",
        "at most 100 characters (got 101)",
        "application-commands.mdx L124",
    ),
    "custom_id of 101": Bad(
        "POST",
        CALLBACK,
        {"type": 4, "data": message(content="page", components=[row(button("c" * 101))])},
        "$.data.components[0].components[0].custom_id",
        "1-100 characters (got 101)",
        "components/reference.mdx L81",
    ),
    "embed title of 257": Bad(
        "POST",
        FOLLOWUP,
        message(embeds=[embed(title="t" * 257)]),
        "$.embeds[0].title",
        "at most 256 characters (got 257)",
        "message.mdx L611",
    ),
    "6001 characters over all embeds": Bad(
        "PATCH",
        EDIT_ORIGINAL,
        message(embeds=[embed(description="d" * 4000), embed(description="d" * 2001)]),
        "$.embeds",
        "at most 6000 characters over all embeds (got 6001)",
        "message.mdx L619",
    ),
    "allowed_mentions that lets @everyone through": Bad(
        "POST",
        FOLLOWUP,
        {"content": "@everyone look", "allowed_mentions": {"parse": ["users", "everyone"]}},
        "$.allowed_mentions.parse",
        "must not allow everyone pings",
        "never pings",
    ),
    "content without allowed_mentions (Discord's default pings everyone)": Bad(
        "POST",
        CALLBACK,
        {"type": 4, "data": {"content": "hello"}},
        "$.data.allowed_mentions",
        "missing on a message with content",
        "never pings",
    ),
    "unknown field (ephemeral is a flag, not a key)": Bad(
        "POST",
        CALLBACK,
        {"type": 4, "data": message(content="only you", ephemeral=True)},
        "$.data",
        "unknown field(s) 'ephemeral'",
        "IncomingWebhookInteractionRequest",
    ),
    "six action rows": Bad(
        "POST",
        CHANNEL_MESSAGES,
        message(components=[row(button(f"b{i}")) for i in range(6)]),
        "$.components",
        "at most 5 action rows (got 6)",
        "components/reference.mdx L2542",
    ),
    "modal title of 46": Bad(
        "POST",
        CALLBACK,
        {
            "type": 9,
            "data": {
                "custom_id": "suggest",
                "title": "T" * 46,
                "components": [
                    row({"type": 4, "style": 1, "label": "URL", "custom_id": "url"}),
                ],
            },
        },
        "$.data.title",
        "1-45 characters (got 46)",
        "receiving-and-responding.mdx L321",
    ),
    "static command choice value of 101": Bad(
        "PUT",
        COMMANDS,
        [
            {
                "name": "section",
                "description": "Browse a section",
                "type": 1,
                "options": [
                    {
                        "type": 3,
                        "name": "name",
                        "description": "Which section",
                        "choices": [{"name": "Long", "value": "v" * 101}],
                    }
                ],
            }
        ],
        "$[0].options[0].choices[0].value",
        "at most 100 characters (got 101)",
        "application-commands.mdx L124",
    ),
    "a forum post whose first message is over 2000": Bad(
        "POST",
        "/channels/1456074443980800009/threads",
        {"name": "#1 WaveNet", "type": 11, "message": message(content="x" * 2001)},
        "$.message.content",
        "at most 2000 characters (got 2001)",
        "message.mdx L1080",
    ),
    "a body on crosspost, which takes none": Bad(
        "POST",
        f"{CHANNEL_MESSAGES}/1456074443980800018/crosspost",
        {"content": "publish me"},
        "$",
        "this route takes no request body",
        "crosspost_message",
    ),
    "button without a style (spec: required)": Bad(
        "POST",
        CHANNEL_MESSAGES,
        message(components=[row({"type": 2, "label": "Next", "custom_id": "next"})]),
        "$.components[0].components[0]",
        "'style' is a required property",
        "ButtonComponentForMessageRequest",
    ),
}


@pytest.mark.parametrize("case", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_each_bad_body_yields_exactly_its_violation(case: Bad) -> None:
    violations = check_request(case.method, case.path, case.body)

    assert len(violations) == 1, "\n".join(map(str, violations))
    (violation,) = violations
    assert violation.path == case.json_path
    assert case.limit_fragment in violation.limit
    assert case.source_fragment in violation.source


@dataclass(frozen=True)
class Entry:
    """Shaped like simcord.HttpLogEntry, for the parts the checker reads."""

    method: str
    path: str
    json: Any


def test_violation_names_the_route_template_and_request_position() -> None:
    entries = [
        Entry("POST", CALLBACK, {"type": 5}),
        Entry("POST", FOLLOWUP, message(content="x" * 2001)),
    ]

    (violation,) = check_requests(entries)

    assert violation.route == "POST /webhooks/{webhook_id}/{webhook_token}"
    assert violation.request_index == 1
    assert str(violation).startswith("request #1 POST /webhooks/{webhook_id}/{webhook_token} ")


def test_assert_helper_fails_with_one_line_per_violation() -> None:
    env = SimpleNamespace(
        http_requests=[
            Entry("POST", CHANNEL_MESSAGES, message(content="x" * 2001)),
            Entry("POST", CHANNEL_MESSAGES, message(embeds=[embed(title="t" * 300)])),
        ]
    )

    with pytest.raises(AssertionError) as failure:
        assert_requests_within_discord_limits(env)

    report = str(failure.value)
    assert "2 request(s) Discord would refuse" in report
    assert "$.content" in report
    assert "$.embeds[0].title" in report


def test_assert_helper_is_quiet_for_good_traffic() -> None:
    env = SimpleNamespace(http_requests=[Entry(*request) for request in GOOD_REQUESTS])

    assert_requests_within_discord_limits(env)
