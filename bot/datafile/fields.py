"""Typed reading of one YAML mapping's fields, collecting a problem for every bad value.

Every loader of a data file (catalog entries and sections, deadlines, feeds) reads its
mappings through :class:`FieldReader`: each getter returns the value or ``None`` and adds a
``file:line`` problem with a hint, so one check lists every mistake. The limits a value must
fit in are the caller's (``bot.catalog.limits`` for texts shown in Discord embeds).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from bot.datafile.problems import Problem
from bot.datafile.yaml_reader import YamlField, YamlList, YamlMap, YamlScalar, YamlValue, describe
from bot.markup import URL as EMBED_URL_LIMIT

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 64
URL_MAX_LENGTH = EMBED_URL_LIMIT  # every link ends up in an embed

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_BARE_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?(/|$)")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class TextLimit:
    """The most characters a text may have, and the name of that limit for messages."""

    length: int
    name: str


@dataclass(frozen=True, slots=True)
class UrlProblem:
    message: str
    hint: str


def did_you_mean(word: str, choices: Collection[str]) -> str | None:
    """The closest of ``choices`` to a misspelt ``word``, if any is close enough."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:SLUG_MAX_LENGTH].strip("-")


def slug_problem(value: str) -> tuple[str, str] | None:
    """(what is wrong, hint) when ``value`` is not a valid id, else ``None``."""
    if len(value) > SLUG_MAX_LENGTH:
        return f"is {len(value)} characters, over the {SLUG_MAX_LENGTH} allowed", "shorten it"
    if SLUG_PATTERN.match(value):
        return None
    example = slugify(value)
    hint = "use lower-case letters, digits and single hyphens"
    if example:
        hint += f", e.g. '{example}'"
    return "is not a valid id", hint


def check_http_url(url: str, max_length: int = URL_MAX_LENGTH) -> UrlProblem | None:
    """Why ``url`` cannot be a link in a data file, or ``None`` for a usable http(s) URL."""
    if url != url.strip() or any(char.isspace() for char in url):
        return UrlProblem("contains whitespace", "remove spaces or write them as %20")
    if len(url) > max_length:
        return UrlProblem(
            f"is {len(url)} characters, over the {max_length} character Discord embed URL limit",
            "link a shorter address for the same page",
        )
    scheme_match = _SCHEME.match(url)
    if scheme_match is None:
        if _BARE_HOST.match(url):
            return UrlProblem("has no scheme", f"add https:// in front: 'https://{url}'")
        return UrlProblem("is not an http(s) URL", "write a full link starting with https://")
    scheme = scheme_match[0][:-1]
    if scheme.lower() in ("http", "https") and scheme != scheme.lower():
        return UrlProblem("has an upper-case scheme", f"write '{scheme.lower()}://'")
    if scheme not in ("http", "https"):
        return UrlProblem(
            f"uses the '{scheme}:' scheme", "only http:// and https:// links are allowed"
        )
    try:
        parts = urlsplit(url)
    except ValueError:
        return UrlProblem("is not a well-formed URL", "check the host part")
    if not url.startswith(f"{scheme}://") or not parts.hostname:
        return UrlProblem("has no host", "write it as https://host/path")
    return None


class FieldReader:
    """Reads the fields of one mapping; every bad value becomes a :class:`Problem`.

    ``what`` names the mapping in messages ("entry 'wavenet'", "section 'papers'"). Getters
    return ``None`` (or an empty tuple) for an absent or invalid value, so that the caller
    can carry on and report the next problem too.
    """

    def __init__(
        self,
        file: str,
        mapping: YamlMap,
        what: str,
        problems: list[Problem],
        *,
        allowed: Collection[str],
        required: Collection[str],
    ) -> None:
        self.file = file
        self.mapping = mapping
        self.what = what
        self._problems = problems
        for key, field in mapping.fields.items():
            if key not in allowed:
                guess = did_you_mean(key, allowed)
                hint = f"did you mean '{guess}'?" if guess else "allowed: " + ", ".join(allowed)
                self.problem(field.line, f"unknown key '{key}' in {what}", hint)
        for key in required:
            if key not in mapping.fields:
                self.problem(
                    mapping.line, f"{what} is missing required key '{key}'", f"add '{key}:'"
                )

    def problem(self, line: int, message: str, hint: str = "") -> None:
        self._problems.append(Problem(self.file, line, message, hint))

    def field(self, key: str) -> YamlField | None:
        return self.mapping.fields.get(key)

    def line(self, key: str) -> int:
        field = self.field(key)
        return field.line if field is not None else self.mapping.line

    def text(self, key: str, limit: TextLimit) -> str | None:
        field = self.field(key)
        if field is None:
            return None
        return self._text(field.value, f"{key} of {self.what}", limit, field.line)

    def slug(self, key: str) -> str | None:
        field = self.field(key)
        if field is None:
            return None
        return self._slug(field.value, key, field.line)

    def choice(self, key: str, choices: Collection[str]) -> str | None:
        field = self.field(key)
        if field is None:
            return None
        value = self._text(field.value, f"{key} of {self.what}", None, field.line)
        if value is None:
            return None
        if value not in choices:
            guess = did_you_mean(value, choices)
            hint = f"did you mean '{guess}'?" if guess else "one of: " + ", ".join(choices)
            self.problem(field.line, f"unknown {key} '{value}' of {self.what}", hint)
            return None
        return value

    def integer(
        self, key: str, minimum: int, maximum: int | None = None, *, example: int
    ) -> int | None:
        field = self.field(key)
        if field is None:
            return None
        subject = f"{key} of {self.what}"
        value = field.value.value if isinstance(field.value, YamlScalar) else None
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(
                field.line,
                f"{subject} must be a whole number, found {describe(field.value)}",
                f"write it without quotes, e.g. {key}: {example}",
            )
            return None
        if value < minimum or (maximum is not None and value > maximum):
            where = f"outside {minimum}–{maximum}" if maximum is not None else f"below {minimum}"
            self.problem(field.line, f"{subject} is {value}, {where}", "fix the number")
            return None
        return value

    def url(self, key: str) -> str | None:
        field = self.field(key)
        if field is None:
            return None
        return self._url(field.value, f"{key} of {self.what}", field.line)

    def flag(self, key: str) -> bool | None:
        """``true`` or ``false``; quoted text such as ``"yes"`` is a problem, not a guess."""
        field = self.field(key)
        if field is None:
            return None
        value = field.value.value if isinstance(field.value, YamlScalar) else None
        if not isinstance(value, bool):
            self.problem(
                field.line,
                f"{key} of {self.what} must be true or false, found {describe(field.value)}",
                f"write {key}: true or {key}: false",
            )
            return None
        return value

    def parsed(self, key: str, parse: Callable[[str], T], *, hint: str) -> T | None:
        """The text of ``key`` turned into a value by ``parse`` (a timezone, say).

        ``parse`` gets the text as written and raises :class:`ValueError` for text it does
        not accept; that becomes "unknown <key> '<text>'", with the error's own ``hint``
        attribute when it has one. ``hint`` says what to write when the value is not text.
        """
        field = self.field(key)
        if field is None:
            return None
        value = field.value.value if isinstance(field.value, YamlScalar) else None
        if not isinstance(value, str):
            self.problem(
                field.line,
                f"{key} of {self.what} must be text, found {describe(field.value)}",
                hint,
            )
            return None
        try:
            return parse(value)
        except ValueError as error:
            self.problem(
                field.line,
                f"unknown {key} '{value}' in {self.what}",
                str(getattr(error, "hint", "")) or hint,
            )
            return None

    def items(self, key: str) -> tuple[YamlValue, ...]:
        field = self.field(key)
        if field is None:
            return ()
        if not isinstance(field.value, YamlList):
            self.problem(
                field.line,
                f"{key} of {self.what} must be a list, found {describe(field.value)}",
                f"write one '- ' line per item under '{key}:'",
            )
            return ()
        return field.value.items

    def text_list(self, key: str, limit: TextLimit, *, unique: bool = False) -> tuple[str, ...]:
        values = []
        for number, item in enumerate(self.items(key), start=1):
            value = self._text(item, f"{key} item {number} of {self.what}", limit, item.line)
            if value is not None:
                values.append((value, item.line))
        return self._unique(key, values) if unique else tuple(value for value, _ in values)

    def slug_list(self, key: str, *, unique: bool = True) -> tuple[str, ...]:
        values = []
        for number, item in enumerate(self.items(key), start=1):
            value = self._slug(item, f"{key} item {number}", item.line)
            if value is not None:
                values.append((value, item.line))
        return self._unique(key, values) if unique else tuple(value for value, _ in values)

    def _unique(self, key: str, values: list[tuple[str, int]]) -> tuple[str, ...]:
        seen: dict[str, int] = {}
        for value, line in values:
            if value in seen:
                self.problem(
                    line, f"{key} of {self.what} lists '{value}' twice", "remove the repeat"
                )
            else:
                seen[value] = line
        return tuple(seen)

    def _text(
        self, node: YamlValue, subject: str, limit: TextLimit | None, line: int
    ) -> str | None:
        value = node.value if isinstance(node, YamlScalar) else None
        if not isinstance(value, str):
            hint = "put it in quotes" if isinstance(node, YamlScalar) else "write plain text"
            if isinstance(node, YamlScalar) and node.value is None:
                hint = "write some text or remove the key"
            self.problem(line, f"{subject} must be text, found {describe(node)}", hint)
            return None
        text = value.strip()
        if not text:
            self.problem(line, f"{subject} is empty", "write some text or remove the key")
            return None
        if limit is not None and len(text) > limit.length:
            self.problem(
                line,
                f"{subject} is {len(text)} characters, over the {limit.length} character "
                f"{limit.name}",
                "shorten it",
            )
            return None
        return text

    def _slug(self, node: YamlValue, label: str, line: int) -> str | None:
        """An id (slug); ``label`` names the value ("id", "tags item 2") in messages."""
        value = node.value if isinstance(node, YamlScalar) else None
        if not isinstance(value, str):
            self.problem(
                line,
                f"{label} of {self.what} must be an id, found {describe(node)}",
                "write it like-this: lower-case letters, digits and hyphens",
            )
            return None
        problem = slug_problem(value)
        if problem is not None:
            shown = value if len(value) <= 40 else value[:40] + "…"
            self.problem(line, f"{label} '{shown}' of {self.what} {problem[0]}", problem[1])
            return None
        return value

    def _url(self, node: YamlValue, subject: str, line: int) -> str | None:
        value = self._text(node, subject, None, line)
        if value is None:
            return None
        raw = node.value if isinstance(node, YamlScalar) else value
        assert isinstance(raw, str)
        problem = check_http_url(raw)
        if problem is not None:
            shown = raw if len(raw) <= 100 else raw[:100] + "…"
            self.problem(line, f"{subject} {problem.message}: '{shown}'", problem.hint)
            return None
        return raw
