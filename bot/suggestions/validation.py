"""Checks on what a member typed: every problem is a sentence saying what to fix.

Text is cleaned (Unicode NFC, outer whitespace trimmed, runs of spaces in one-line fields
collapsed) and then checked. Nothing here rewrites content silently beyond that: invisible
or direction-changing characters and mentions are refused, not stripped, because a
stripped title could read differently from what the member saw while typing it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from bot.addresses import address_problem, parse_address
from bot.catalog.model import KINDS
from bot.markup import escape_markdown
from bot.suggestions.links import to_ascii
from bot.suggestions.model import Draft

TITLE_MIN, TITLE_MAX = 3, 200
URL_MAX = 500
REASON_MIN, REASON_MAX = 10, 1000
# ``person`` entries are the page's credits, not resources a member proposes.
SUGGESTABLE_KINDS: tuple[str, ...] = tuple(k for k in KINDS if k != "person")

# Zero-width or blank-looking letters that Unicode files as ordinary letters (category
# Lo/So), so the category test below would let them through.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Categories that either do not display or change how the text around them displays:
# Cc control, Cf format (zero-width space/joiner, bidi overrides, BOM), Co private use,
# Cs surrogates, Cn unassigned, Zl/Zp line and paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})

_MENTION_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"@(everyone|here)\b", re.IGNORECASE), "@everyone/@here"),
    (re.compile(r"<@&\d+>"), "a role mention"),
    (re.compile(r"<@!?\d+>"), "a member mention"),
)
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# A last label that browsers would read as part of an IP address (decimal, octal or hex).
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
# Not allowed in a URL as typed (RFC 3986); ``<``/``>`` end or start Discord's link syntax.
_LINK_BREAKING = frozenset('<>"`\\')


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing to fix; ``field`` names the modal field it is about."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Checked:
    """The cleaned draft and what is wrong with it (empty: good to store)."""

    draft: Draft
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_draft(draft: Draft, sections: Collection[str]) -> Checked:
    """Clean ``draft`` and list every problem, not only the first, so one resubmit fixes all."""
    cleaned = replace(
        draft,
        title=_clean_line(draft.title),
        url=draft.url.strip(),
        section=draft.section.strip(),
        reason=_clean_paragraph(draft.reason),
        kind=draft.kind.strip().lower(),
    )
    problems: list[Problem] = []
    problems += check_text("title", "Title", cleaned.title, TITLE_MIN, TITLE_MAX, one_line=True)
    problems += check_url(cleaned.url)
    problems += check_text("reason", "Why it helps", cleaned.reason, REASON_MIN, REASON_MAX)
    if cleaned.section not in sections:
        shown = _shorten(cleaned.section, 40) or "(empty)"
        problems.append(
            Problem(
                "section",
                f"Section: `{shown}` is not a section of the reading list; "
                "pick one from the list that appears while you type.",
            )
        )
    if cleaned.kind and cleaned.kind not in SUGGESTABLE_KINDS:
        problems.append(Problem("kind", f"Kind must be one of: {', '.join(SUGGESTABLE_KINDS)}."))
    return Checked(cleaned, tuple(problems))


def check_text(
    field: str, label: str, text: str, minimum: int, maximum: int, *, one_line: bool = False
) -> list[Problem]:
    problems: list[Problem] = []
    if len(text) < minimum:
        problems.append(Problem(field, f"{label}: write at least {minimum} characters."))
    elif len(text) > maximum:
        problems.append(
            Problem(field, f"{label}: at most {maximum} characters, you wrote {len(text)}.")
        )
    if one_line and "\n" in text:
        problems.append(Problem(field, f"{label}: keep it on one line."))
    # A newline in a one-line field gets its own message above.
    bad = first_hidden_character(text, allow_newlines=True)
    if bad is not None:
        position, char = bad
        problems.append(
            Problem(
                field,
                f"{label}: remove the invisible or text-direction character "
                f"{describe_character(char)} at position {position + 1}.",
            )
        )
    mention = first_mention(text)
    if mention is not None:
        problems.append(Problem(field, f"{label}: remove {mention}; suggestions cannot ping."))
    return problems


def check_url(url: str) -> list[Problem]:
    """Only absolute http(s) links to a public, named host; the reasons are spelled out."""
    label = "URL"
    if not url:
        return [Problem("url", f"{label}: paste the link to the resource (https://…).")]
    if len(url) > URL_MAX:
        return [Problem("url", f"{label}: at most {URL_MAX} characters, yours has {len(url)}.")]
    if any(ch.isspace() for ch in url) or first_hidden_character(url) is not None:
        return [Problem("url", f"{label}: a link cannot contain spaces or invisible characters.")]
    breaking = sorted({ch for ch in url if ch in _LINK_BREAKING})
    if breaking:
        # They end Discord's <link> syntax or start Markdown, so a link could smuggle a
        # second, clickable one into the message; encoded, they mean the same to a server.
        codes = ", ".join(f"{escape_markdown(ch)} as %{ord(ch):02X}" for ch in breaking)
        return [Problem("url", f"{label}: a link cannot contain these as typed; write {codes}.")]
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return [Problem("url", f"{label}: this is not a valid link.")]
    if parts.scheme.lower() not in ("http", "https"):
        scheme = _shorten(parts.scheme, 20) or "no scheme"
        return [
            Problem(
                "url",
                f"{label}: only http:// and https:// links are accepted (this one is {scheme}).",
            )
        ]
    if parts.username is not None or parts.password is not None:
        return [Problem("url", f"{label}: remove the `user@` part before the host name.")]
    host_problem = _host_problem(host)
    if host_problem is not None:
        return [Problem("url", f"{label}: {host_problem}")]
    return []


def _host_problem(host: str) -> str | None:
    """Why members could not open a link to ``host`` (or it leads inside a network), or None."""
    if not host:
        return "the host name is missing or not valid."
    if parse_address(host) is not None:
        problem = address_problem(host)
        if problem is None:
            return None
        return f"{problem}, which members cannot open; link a public page instead."
    name = host.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return "`localhost` is the computer you type on, not a page others can open."
    if "." not in name:
        return (
            f"`{_shorten(name, 40)}` is a single-word host name that only works inside one "
            "network; write the full domain name (like example.org)."
        )
    if _NUMERIC_LABEL.match(name.rsplit(".", 1)[-1]):
        # Browsers read "127.1" or "0x7f.0.0.1" as IP addresses: only the plain dotted form
        # (checked above) is accepted, so no range check can be dodged.
        return "write an IP address as four numbers (1.2.3.4) or use the domain name."
    if not _valid_host(name):
        return "the host name is missing or not valid."
    return None


def _valid_host(host: str) -> bool:
    ascii_host = to_ascii(host)
    if ascii_host is None:
        return False
    labels = ascii_host.split(".")
    return len(labels) >= 2 and all(_HOST_LABEL.match(label) for label in labels)


def first_hidden_character(text: str, *, allow_newlines: bool = False) -> tuple[int, str] | None:
    for index, char in enumerate(text):
        if allow_newlines and char == "\n":
            continue
        if char in _INVISIBLE_LETTERS or unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            return index, char
    return None


def first_mention(text: str) -> str | None:
    for pattern, what in _MENTION_PATTERNS:
        if pattern.search(text):
            return what
    return None


def describe_character(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"U+{ord(char):04X} ({name})"


def _clean_line(text: str) -> str:
    text = unicodedata.normalize("NFC", text).strip()
    return re.sub(r"[ \t]+", " ", text)


def _clean_paragraph(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.strip().split("\n")]
    # Keep paragraphs, drop the runs of blank lines that would stretch the embed.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _shorten(text: str, limit: int) -> str:
    text = "".join(ch for ch in text if first_hidden_character(ch) is None)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def guess_kind(url: str) -> str:
    """A starting point for the export's ``kind``; the member may pick another."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    path = urlsplit(url).path.lower()
    rules: tuple[tuple[bool, str], ...] = (
        (
            host in ("arxiv.org", "openreview.net", "aclanthology.org") or path.endswith(".pdf"),
            "paper",
        ),
        (host in ("youtube.com", "youtu.be", "vimeo.com"), "talk"),
        (host in ("coursera.org", "edx.org", "kadenze.com", "udemy.com"), "course"),
        (host in ("github.com", "gitlab.com", "pypi.org"), "library"),
        (host in ("zenodo.org", "kaggle.com") or "dataset" in path, "dataset"),
        (host.endswith("huggingface.co") and path.startswith("/datasets"), "dataset"),
    )
    for matched, kind in rules:
        if matched:
            return kind
    return "reference"
