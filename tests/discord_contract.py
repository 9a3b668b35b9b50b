"""Check every request the bot sent to (simulated) Discord against what real Discord accepts.

SimCord runs the real discord.py but accepts some bodies Discord would refuse with a 400,
or silently ignore. This module is the referee: it validates each recorded request body

* against the request schema of Discord's OpenAPI spec (``../shared/data/discord/openapi.json``,
  JSON Schema Draft 2020-12), with one tightening: an object may only carry the properties the
  spec lists, because Discord drops unknown fields silently and the bot's intent (say an
  ``ephemeral`` key instead of the flag) would be lost without any error;
* against the limits in ``../shared/data/discord/LIMITS.md`` that the spec does not express or
  where the docs are stricter (message content 2000, 6000 characters over all embeds, string
  choice values 100, 5 action rows, 5 modal components, ...);
* against the project's rule that bot messages never ping @everyone or roles.

``check_requests(env.http_requests)`` returns the violations;
``assert_requests_within_discord_limits(env)`` fails a test with a readable list. Each violation
names the route, the JSON path inside the body, the limit and where the limit comes from.
"""

from __future__ import annotations

import copy
import functools
import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.shared_data import shared_path

SPEC_URI = "urn:discord-openapi"

# Fields discord.py 2.7 sends that the spec snapshot does not list. Discord accepts (or ignores)
# them and they carry no intent of ours, so the closed-world check lets them through; without this
# list every command sync and every embed would be flagged.
FIELDS_DISCORD_PY_SENDS_BEYOND_SPEC: Mapping[str, frozenset[str]] = {
    # application-commands.mdx "Application Command Object" documents nsfw.
    "ApplicationCommandUpdateRequest": frozenset({"nsfw"}),
    "ApplicationCommandCreateRequest": frozenset({"nsfw"}),
    # Embed.to_dict() always includes its flags (0).
    "RichEmbed": frozenset({"flags"}),
    # Edits go through handle_message_parameters, which always writes tts=False.
    "MessageEditRequestPartial": frozenset({"tts"}),
    "IncomingWebhookUpdateRequestPartial": frozenset({"tts"}),
    "IncomingWebhookUpdateForInteractionCallbackRequestPartial": frozenset({"tts"}),
    # ForumChannel.create_thread sends the thread's channel type and message.tts (False);
    # the forum-post docs list neither and Discord ignores both.
    "CreateForumThreadRequest": frozenset({"type"}),
    "BaseCreateMessageCreateRequest": frozenset({"tts"}),
}

# Properties whose spec schema is narrower than what Discord documents and accepts.
PROPERTY_WIDENINGS: Mapping[tuple[str, str], dict[str, Any]] = {
    # Uploads name their attachment by its index in the multipart form: discord.py sends
    # {"id": 0}, as the docs' "Uploading Files" examples do (message.mdx); the spec only
    # lists a snowflake string.
    ("MessageAttachmentRequest", "id"): {"type": "integer", "minimum": 0},
    # ``Client.create_dm`` sends the recipient's id as an integer; Discord accepts it like
    # every snowflake it parses, while the spec lists only the string form.
    ("CreatePrivateChannelRequest", "recipient_id"): {"type": "integer", "minimum": 0},
}

IS_COMPONENTS_V2 = 1 << 15

# Interaction callback types (receiving-and-responding.mdx, "Interaction Callback Type").
CHANNEL_MESSAGE_WITH_SOURCE = 4
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9

# Component types (components/reference.mdx).
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT, LABEL = 1, 2, 3, 4, 18

# Where each limit is written down; LIMITS.md cites the docs files by line.
MESSAGE_DOCS = "LIMITS.md: message.mdx"
COMPONENTS_DOCS = "LIMITS.md: components/reference.mdx"
INTERACTIONS_DOCS = "LIMITS.md: receiving-and-responding.mdx"
COMMANDS_DOCS = "LIMITS.md: application-commands.mdx"
NO_PINGS_RULE = "issue 4 / COMMON.md: user text never pings @everyone or roles"


@dataclass(frozen=True, slots=True)
class Violation:
    """One thing in one request that Discord would refuse (or that breaks a project rule)."""

    route: str  # "POST /channels/{channel_id}/messages", the spec's template
    path: str  # JSON path inside the body, "$.embeds[0].title"
    limit: str  # what is allowed and what was sent
    source: str  # where the limit is written
    request_index: int = -1  # position in env.http_requests, -1 when checked alone

    def __str__(self) -> str:
        where = f"request #{self.request_index} " if self.request_index >= 0 else ""
        return f"{where}{self.route} {self.path}: {self.limit} [{self.source}]"


class RecordedRequest(Protocol):
    """The part of ``simcord.HttpLogEntry`` this module reads."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def json(self) -> Any: ...


# --------------------------------------------------------------------------------------------
# The spec, loaded once per process (a pytest session is one process).


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    segments: tuple[str, ...]
    operation_id: str
    has_body_schema: bool

    @property
    def route(self) -> str:
        return f"{self.method} {self.template}"


@dataclass(frozen=True, eq=False)
class Spec:
    operations: tuple[Operation, ...]
    registry: Registry[Any]
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict)

    def find(self, method: str, path: str) -> Operation | None:
        """The operation whose template matches ``path``, preferring the most literal one."""
        segments = tuple(path.split("?", 1)[0].strip("/").split("/"))
        best: tuple[int, Operation] | None = None
        for operation in self.operations:
            if operation.method != method or len(operation.segments) != len(segments):
                continue
            literals = 0
            for template_part, part in zip(operation.segments, segments, strict=True):
                if template_part.startswith("{"):
                    continue
                if template_part != part:
                    break
                literals += 1
            else:
                if best is None or literals > best[0]:
                    best = (literals, operation)
        return best[1] if best else None

    def validator(self, operation_id: str) -> Draft202012Validator:
        """The compiled validator of an operation's JSON request body, built on first use."""
        if operation_id not in self._validators:
            schema = {"$ref": f"{SPEC_URI}#/x-request-schemas/{operation_id}"}
            self._validators[operation_id] = Draft202012Validator(schema, registry=self.registry)
        return self._validators[operation_id]


@functools.cache
def load_spec() -> Spec:
    """Parse openapi.json once, close its object schemas, and index its operations."""
    document = json.loads(shared_path("discord", "openapi.json").read_text(encoding="utf-8"))
    closed = copy.deepcopy(document)
    schemas = closed["components"]["schemas"]
    for (schema_name, prop), alternative in PROPERTY_WIDENINGS.items():
        original = schemas[schema_name]["properties"][prop]
        schemas[schema_name]["properties"][prop] = {"anyOf": [original, alternative]}
    for name, schema in schemas.items():
        _annotate_and_close(
            schema, name, FIELDS_DISCORD_PY_SENDS_BEYOND_SPEC.get(name, frozenset())
        )

    operations: list[Operation] = []
    request_schemas: dict[str, Any] = {}
    for template, item in closed["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            operation_id = operation["operationId"]
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is not None:
                _annotate_and_close(schema, operation_id, frozenset())
                request_schemas[operation_id] = schema
            operations.append(
                Operation(
                    method=method.upper(),
                    template=template,
                    segments=tuple(template.strip("/").split("/")),
                    operation_id=operation_id,
                    has_body_schema=schema is not None,
                )
            )
    closed["x-request-schemas"] = request_schemas
    resource = Resource.from_contents(closed, default_specification=DRAFT202012)
    return Spec(tuple(operations), Registry().with_resource(SPEC_URI, resource))


def _annotate_and_close(node: Any, where: str, extra_fields: frozenset[str]) -> None:
    """Mark each subschema with its place (``x-where``) and forbid properties the spec lacks."""
    if not isinstance(node, dict):
        return
    node["x-where"] = where
    properties = node.get("properties")
    node_type = node.get("type")
    is_object = node_type == "object" or (isinstance(node_type, list) and "object" in node_type)
    if is_object and isinstance(properties, dict):
        for extra in extra_fields:
            properties.setdefault(extra, {})
        node.setdefault("additionalProperties", False)
        for name, subschema in properties.items():
            _annotate_and_close(subschema, f"{where}.{name}", frozenset())
    if isinstance(node.get("items"), dict):
        _annotate_and_close(node["items"], f"{where}[]", frozenset())
    if isinstance(node.get("additionalProperties"), dict):
        _annotate_and_close(node["additionalProperties"], f"{where}{{}}", frozenset())
    for keyword in ("oneOf", "anyOf", "allOf"):
        for subschema in node.get(keyword, ()):
            _annotate_and_close(subschema, where, frozenset())


# --------------------------------------------------------------------------------------------
# Public API


def check_requests(entries: Iterable[RecordedRequest]) -> list[Violation]:
    """All violations in the recorded requests, in request order."""
    violations: list[Violation] = []
    for index, entry in enumerate(entries):
        for violation in check_request(entry.method, entry.path, entry.json):
            violations.append(
                Violation(violation.route, violation.path, violation.limit, violation.source, index)
            )
    return violations


def check_request(method: str, path: str, body: Any) -> list[Violation]:
    """Violations in one request body; requests to routes the spec does not know are skipped."""
    spec = load_spec()
    operation = spec.find(method.upper(), path)
    if operation is None:
        return []
    if not operation.has_body_schema:
        if body not in (None, {}, []):
            return [
                Violation(
                    operation.route,
                    "$",
                    "this route takes no request body",
                    f"openapi.json: {operation.operation_id}",
                )
            ]
        return []
    if body is None:
        return []
    documented = [
        Violation(operation.route, path_, limit, source)
        for path_, limit, source in _documented_limits(operation.operation_id, body)
    ]
    flagged_paths = {violation.path for violation in documented}
    schema = [
        Violation(operation.route, path_, limit, source)
        for path_, limit, source in _schema_violations(spec.validator(operation.operation_id), body)
        if path_ not in flagged_paths  # the docs' wording of the same limit is enough
    ]
    return sorted(documented + schema, key=lambda violation: violation.path)


def assert_requests_within_discord_limits(env: Any) -> None:
    """Fail with one line per violation in everything the bot sent through ``env``."""
    violations = check_requests(env.http_requests)
    if violations:
        lines = "\n".join(f"  - {violation}" for violation in violations)
        raise AssertionError(
            f"the bot sent {len(violations)} request(s) Discord would refuse:\n{lines}"
        )


# --------------------------------------------------------------------------------------------
# OpenAPI schema validation


def _schema_violations(
    validator: Draft202012Validator, body: Any
) -> Iterator[tuple[str, str, str]]:
    for error in validator.iter_errors(body):
        for leaf in _leaf_errors(error):
            yield _json_path(leaf.absolute_path), _describe(leaf), _schema_source(leaf)


def _leaf_errors(error: ValidationError) -> list[ValidationError]:
    """Replace "not valid under any of the given schemas" by the errors of the intended branch.

    The intended branch is the one whose discriminator (``type``) matches, and among those the
    one with the fewest errors, which is how a person reads a union.
    """
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branches: dict[int, list[ValidationError]] = {}
    for sub_error in error.context:
        branches.setdefault(int(sub_error.relative_schema_path[0]), []).append(sub_error)
    matching = {
        index: errors
        for index, errors in branches.items()
        if not any(_is_discriminator_mismatch(sub_error) for sub_error in errors)
    }
    candidates = matching or branches
    resolved = [
        [leaf for sub_error in errors for leaf in _leaf_errors(sub_error)]
        for errors in candidates.values()
    ]
    return min(resolved, key=len)


def _is_discriminator_mismatch(error: ValidationError) -> bool:
    return error.validator in ("type", "enum", "const") and tuple(error.relative_path) in (
        (),
        ("type",),
    )


def _describe(error: ValidationError) -> str:
    value, bound = error.instance, error.validator_value
    match error.validator:
        case "maxLength":
            return f"at most {bound} characters (got {len(value)})"
        case "minLength":
            return f"at least {bound} character(s) (got {len(value)})"
        case "maxItems":
            return f"at most {bound} items (got {len(value)})"
        case "minItems":
            return f"at least {bound} item(s) (got {len(value)})"
        case "additionalProperties":
            allowed = set(error.schema.get("properties", {}))
            unknown = sorted(set(value) - allowed) if isinstance(value, dict) else []
            return f"unknown field(s) {', '.join(map(repr, unknown))}; Discord ignores them"
        case _:
            return error.message if len(error.message) <= 200 else error.message[:199] + "…"


def _schema_source(error: ValidationError) -> str:
    where = error.schema.get("x-where", "request schema") if isinstance(error.schema, dict) else ""
    bound = error.validator_value
    detail = f" {error.validator} {bound}" if isinstance(bound, int | float | str) else ""
    return f"openapi.json: {where}{detail}"


def _json_path(parts: Iterable[Any]) -> str:
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


# --------------------------------------------------------------------------------------------
# Limits from LIMITS.md that the spec does not express, or where the docs are stricter

Found = tuple[str, str, str]  # (JSON path, limit, source)

MESSAGE_CREATE_OPERATIONS = frozenset({"create_message", "execute_webhook"})
MESSAGE_EDIT_OPERATIONS = frozenset(
    {"update_message", "update_webhook_message", "update_original_webhook_message"}
)
COMMAND_LIST_OPERATIONS = frozenset(
    {"bulk_set_application_commands", "bulk_set_guild_application_commands"}
)
COMMAND_OPERATIONS = frozenset(
    {
        "create_application_command",
        "create_guild_application_command",
        "update_application_command",
        "update_guild_application_command",
    }
)


def _documented_limits(operation_id: str, body: Any) -> list[Found]:
    if operation_id in MESSAGE_CREATE_OPERATIONS and isinstance(body, dict):
        return _message_limits(body, "$", creates=True)
    if operation_id in MESSAGE_EDIT_OPERATIONS and isinstance(body, dict):
        return _message_limits(body, "$", creates=False)
    if operation_id == "create_thread" and isinstance(body, dict):
        starter = body.get("message")  # a forum or media post's first message
        return (
            _message_limits(starter, "$.message", creates=True) if isinstance(starter, dict) else []
        )
    if operation_id == "create_interaction_response" and isinstance(body, dict):
        return _callback_limits(body)
    if operation_id in COMMAND_LIST_OPERATIONS and isinstance(body, list):
        found = _command_count_limits(body)
        for index, command in enumerate(body):
            found += _command_limits(command, f"$[{index}]")
        return [item for item in found if item]
    if operation_id in COMMAND_OPERATIONS and isinstance(body, dict):
        return _command_limits(body, "$")
    return []


def _command_count_limits(commands: list[Any]) -> list[Found | None]:
    """100 slash commands, 15 user and 15 message commands per application (or guild)."""
    found: list[Found | None] = []
    for kind, limit, what in (
        (1, 100, "slash commands"),
        (2, 15, "user commands"),
        (3, 15, "message commands"),
    ):
        of_kind = [c for c in commands if isinstance(c, dict) and c.get("type", 1) == kind]
        found.append(_too_many(of_kind, "$", limit, what, f"{COMMANDS_DOCS} L169-L174"))
    return found


def _callback_limits(body: dict[str, Any]) -> list[Found]:
    data = body.get("data")
    if not isinstance(data, dict):
        return []
    match body.get("type"):
        case 4:
            return _message_limits(data, "$.data", creates=True)
        case 7:
            return _message_limits(data, "$.data", creates=False)
        case 8:
            return _autocomplete_limits(data.get("choices"), "$.data.choices")
        case 9:
            return _modal_limits(data, "$.data")
        case _:
            return []


def _message_limits(message: dict[str, Any], at: str, *, creates: bool) -> list[Found]:
    found: list[Found | None] = []
    content = message.get("content")
    if isinstance(content, str):
        found.append(_too_long(content, f"{at}.content", 2000, f"{MESSAGE_DOCS} L1080"))
    nonce = message.get("nonce")
    if isinstance(nonce, str):
        found.append(_too_long(nonce, f"{at}.nonce", 25, f"{MESSAGE_DOCS} L1081"))
    embeds = message.get("embeds")
    if isinstance(embeds, list):
        found.append(_too_many(embeds, f"{at}.embeds", 10, "embeds", f"{MESSAGE_DOCS} L1083"))
        found += _embed_limits(embeds, f"{at}.embeds")
    components = message.get("components")
    if isinstance(components, list):
        flags = message.get("flags") or 0
        if not flags & IS_COMPONENTS_V2:
            found.append(
                _too_many(
                    components, f"{at}.components", 5, "action rows", f"{COMPONENTS_DOCS} L2542"
                )
            )
        found += _component_limits(components, f"{at}.components")
    found += _mention_rules(message, at, creates=creates)
    return [item for item in found if item]


def _embed_limits(embeds: list[Any], at: str) -> list[Found | None]:
    found: list[Found | None] = []
    total = 0
    for index, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        here = f"{at}[{index}]"
        texts: list[tuple[str, Any, int, str]] = [
            ("title", embed.get("title"), 256, "L611"),
            ("description", embed.get("description"), 4096, "L612"),
            ("footer.text", _get(embed, "footer", "text"), 2048, "L616"),
            ("author.name", _get(embed, "author", "name"), 256, "L617"),
        ]
        fields = embed.get("fields")
        if isinstance(fields, list):
            found.append(_too_many(fields, f"{here}.fields", 25, "fields", f"{MESSAGE_DOCS} L613"))
            for number, field in enumerate(fields):
                if isinstance(field, dict):
                    texts.append((f"fields[{number}].name", field.get("name"), 256, "L614"))
                    texts.append((f"fields[{number}].value", field.get("value"), 1024, "L615"))
        for name, text, limit, line in texts:
            if isinstance(text, str):
                # Discord trims leading and trailing whitespace before measuring (L607).
                found.append(
                    _too_long(text.strip(), f"{here}.{name}", limit, f"{MESSAGE_DOCS} {line}")
                )
                total += len(text.strip())
    if total > 6000:
        found.append(
            (at, f"at most 6000 characters over all embeds (got {total})", f"{MESSAGE_DOCS} L619")
        )
    return found


def _component_limits(components: Sequence[Any], at: str) -> list[Found | None]:
    found: list[Found | None] = []
    for index, component in enumerate(components):
        if not isinstance(component, dict):
            continue
        here = f"{at}[{index}]"
        custom_id = component.get("custom_id")
        if isinstance(custom_id, str):
            found.append(
                _length_between(custom_id, f"{here}.custom_id", 1, 100, f"{COMPONENTS_DOCS} L81")
            )
        kind = component.get("type")
        if kind == BUTTON and isinstance(component.get("label"), str):
            found.append(
                _too_long(component["label"], f"{here}.label", 80, f"{COMPONENTS_DOCS} L175")
            )
        if kind == STRING_SELECT:
            found += _select_limits(component, here)
        if kind == TEXT_INPUT:
            found += _text_input_limits(component, here)
        if kind == LABEL:
            for key, limit, line in (("label", 45, "L2017"), ("description", 100, "L2018")):
                if isinstance(component.get(key), str):
                    found.append(
                        _too_long(
                            component[key], f"{here}.{key}", limit, f"{COMPONENTS_DOCS} {line}"
                        )
                    )
        children = component.get("components")
        if isinstance(children, list):
            found += _component_limits(children, f"{here}.components")
        child = component.get("component")
        if isinstance(child, dict):
            found += _component_limits([child], f"{here}.component")
    return found


def _select_limits(select: dict[str, Any], at: str) -> list[Found | None]:
    found: list[Found | None] = []
    if isinstance(select.get("placeholder"), str):
        found.append(
            _too_long(select["placeholder"], f"{at}.placeholder", 150, f"{COMPONENTS_DOCS} L302")
        )
    options = select.get("options")
    if isinstance(options, list):
        found.append(_too_many(options, f"{at}.options", 25, "options", f"{COMPONENTS_DOCS} L301"))
        for index, option in enumerate(options):
            if not isinstance(option, dict):
                continue
            for key, line in (("label", "L319"), ("value", "L320"), ("description", "L321")):
                if isinstance(option.get(key), str):
                    found.append(
                        _too_long(
                            option[key],
                            f"{at}.options[{index}].{key}",
                            100,
                            f"{COMPONENTS_DOCS} {line}",
                        )
                    )
    return found


def _text_input_limits(text_input: dict[str, Any], at: str) -> list[Found | None]:
    checks = (
        ("label", 45, "openapi.json TextInputComponentForModalRequest.label; docs L2017 (Label)"),
        ("placeholder", 100, f"{COMPONENTS_DOCS} L507"),
        ("value", 4000, f"{COMPONENTS_DOCS} L506"),
    )
    return [
        _too_long(text_input[key], f"{at}.{key}", limit, source)
        for key, limit, source in checks
        if isinstance(text_input.get(key), str)
    ]


def _autocomplete_limits(choices: Any, at: str) -> list[Found]:
    if not isinstance(choices, list):
        return []
    found = [_too_many(choices, at, 25, "choices", f"{INTERACTIONS_DOCS} L313")]
    found += _choice_limits(choices, at)
    return [item for item in found if item]


def _choice_limits(choices: list[Any], at: str) -> list[Found | None]:
    found: list[Found | None] = []
    for index, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        if isinstance(choice.get("name"), str):
            found.append(
                _length_between(
                    choice["name"], f"{at}[{index}].name", 1, 100, f"{COMMANDS_DOCS} L122"
                )
            )
        if isinstance(choice.get("value"), str):
            # The spec allows 6000; the docs say 100, and the docs win (LIMITS.md).
            found.append(
                _too_long(choice["value"], f"{at}[{index}].value", 100, f"{COMMANDS_DOCS} L124")
            )
    return found


def _modal_limits(modal: dict[str, Any], at: str) -> list[Found]:
    found: list[Found | None] = []
    if isinstance(modal.get("title"), str):
        found.append(
            _length_between(modal["title"], f"{at}.title", 1, 45, f"{INTERACTIONS_DOCS} L321")
        )
    if isinstance(modal.get("custom_id"), str):
        found.append(
            _length_between(
                modal["custom_id"], f"{at}.custom_id", 1, 100, f"{INTERACTIONS_DOCS} L320"
            )
        )
    components = modal.get("components")
    if isinstance(components, list):
        if not 1 <= len(components) <= 5:
            found.append(
                (
                    f"{at}.components",
                    f"between 1 and 5 components (got {len(components)})",
                    f"{INTERACTIONS_DOCS} L322",
                )
            )
        found += _component_limits(components, f"{at}.components")
    return [item for item in found if item]


def _command_limits(command: Any, at: str) -> list[Found]:
    if not isinstance(command, dict):
        return []
    found: list[Found | None] = []
    kind = command.get("type", 1)
    name = command.get("name")
    if isinstance(name, str):
        if kind == 1:
            found.append(_command_name(name, f"{at}.name"))
        else:
            found.append(_length_between(name, f"{at}.name", 1, 32, f"{COMMANDS_DOCS} L29"))
    description = command.get("description")
    if kind == 1 and isinstance(description, str):
        found.append(
            _length_between(description, f"{at}.description", 1, 100, f"{COMMANDS_DOCS} L31")
        )
    found += _option_limits(command.get("options"), f"{at}.options", depth=0)
    size = _combined_size(command)
    if kind == 1 and size > 8000:
        found.append(
            (
                at,
                f"at most 8000 characters of names, descriptions and values (got {size})",
                f"{COMMANDS_DOCS} L450",
            )
        )
    return [item for item in found if item]


def _option_limits(options: Any, at: str, *, depth: int) -> list[Found | None]:
    if not isinstance(options, list):
        return []
    found: list[Found | None] = [_too_many(options, at, 25, "options", f"{COMMANDS_DOCS} L33")]
    for index, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        here = f"{at}[{index}]"
        if isinstance(option.get("name"), str):
            found.append(_command_name(option["name"], f"{here}.name"))
        if isinstance(option.get("description"), str):
            found.append(
                _length_between(
                    option["description"], f"{here}.description", 1, 100, f"{COMMANDS_DOCS} L73"
                )
            )
        choices = option.get("choices")
        if isinstance(choices, list):
            found.append(
                _too_many(choices, f"{here}.choices", 25, "choices", f"{COMMANDS_DOCS} L76")
            )
            found += _choice_limits(choices, f"{here}.choices")
            if option.get("autocomplete") and choices:
                found.append(
                    (
                        f"{here}.autocomplete",
                        "may not be true when choices are present",
                        f"{COMMANDS_DOCS} L88",
                    )
                )
        if depth < 2:
            found += _option_limits(option.get("options"), f"{here}.options", depth=depth + 1)
    return found


def _command_name(name: str, at: str) -> Found | None:
    """The docs' name regex (letters, digits, Devanagari, Thai, ``-_'``; 1-32), lowercase."""
    allowed = all(char in "-_'" or unicodedata.category(char)[0] in "LNM" for char in name)
    if not 1 <= len(name) <= 32 or not allowed or name != name.lower():
        return (
            at,
            f"1-32 lowercase letters, digits, '-', '_' or \"'\" (got {name!r})",
            f"{COMMANDS_DOCS} L18",
        )
    return None


def _combined_size(command: dict[str, Any]) -> int:
    """Characters of names, descriptions and choice values, the longest localization counted."""

    def text(node: dict[str, Any], key: str) -> int:
        plain = node.get(key)
        localized = node.get(f"{key}_localizations") or {}
        lengths = [len(str(plain))] if plain is not None else []
        lengths += [len(str(value)) for value in localized.values()]
        return max(lengths, default=0)

    def walk(node: dict[str, Any]) -> int:
        size = text(node, "name") + text(node, "description")
        if isinstance(node.get("value"), str):
            size += len(node["value"])
        for key in ("options", "choices"):
            for child in node.get(key) or ():
                if isinstance(child, dict):
                    size += walk(child)
        return size

    return walk(command)


def _mention_rules(message: dict[str, Any], at: str, *, creates: bool) -> list[Found]:
    mentions = message.get("allowed_mentions")
    if isinstance(mentions, dict):
        parse = mentions.get("parse") or []
        allowed = sorted({kind for kind in parse if kind in ("everyone", "roles")})
        if allowed:
            return [
                (
                    f"{at}.allowed_mentions.parse",
                    f"must not allow {' or '.join(allowed)} pings",
                    NO_PINGS_RULE,
                )
            ]
        return []
    if creates and mentions is None and message.get("content"):
        # Without allowed_mentions Discord parses every mention in content, @everyone included.
        return [
            (
                f"{at}.allowed_mentions",
                "missing on a message with content (Discord then pings @everyone and roles)",
                NO_PINGS_RULE,
            )
        ]
    return []


# --------------------------------------------------------------------------------------------
# Small measuring helpers; each returns None when the value is within the limit.


def _too_long(text: str, at: str, limit: int, source: str) -> Found | None:
    if len(text) > limit:
        return (at, f"at most {limit} characters (got {len(text)})", source)
    return None


def _length_between(text: str, at: str, low: int, high: int, source: str) -> Found | None:
    if not low <= len(text) <= high:
        return (at, f"{low}-{high} characters (got {len(text)})", source)
    return None


def _too_many(items: Sequence[Any], at: str, limit: int, what: str, source: str) -> Found | None:
    if len(items) > limit:
        return (at, f"at most {limit} {what} (got {len(items)})", source)
    return None


def _get(mapping: dict[str, Any], *keys: str) -> Any:
    value: Any = mapping
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


__all__ = [
    "Violation",
    "assert_requests_within_discord_limits",
    "check_request",
    "check_requests",
    "load_spec",
]
