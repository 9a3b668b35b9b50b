"""URL normalisation, so that one page reached by two spellings counts once.

Used by the catalog loader (duplicate URLs) and by suggestions (is this already listed?).
``normalize_url`` is a comparison key, never a URL to show: it maps ``http``/``https``,
``www.``, a trailing slash, default ports, host case, tracking parameters and the arXiv
``abs``/``pdf``/``.pdf``/``vN`` spellings of one paper to the same string.

Fragments are kept (an empty ``#`` is dropped): the reading list links different anchors of
one page as different things (a course's ``#home`` and its teacher under ``#people``), and
single-page sites route by fragment (``#/``).
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

_DEFAULT_PORTS = frozenset({"80", "443"})
# Query parameters that only say where a click came from; never part of what is linked.
_TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid"})
_TRACKING_PREFIXES = ("utm_",)
_ARXIV_HOSTS = frozenset({"arxiv.org", "export.arxiv.org"})
# New-style ids (1609.03499) and old-style ones (cs/0112017, math.GT/0309136).
_ARXIV_PATH = re.compile(
    r"^/(?:abs|pdf)/"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Za-z]{2})?/\d{7})"
    r"(?:v\d+)?(?:\.pdf)?/?$"
)
_PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def normalize_url(url: str) -> str:
    """A key that is equal for two spellings of the same page. Idempotent.

    Text that is not an http(s) URL with a host comes back stripped and otherwise unchanged,
    so that comparing it still works and normalising twice changes nothing.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return text
    if parts.scheme.lower() not in ("http", "https"):
        return text
    host, port = _split_host(parts)
    if not host:
        return text
    arxiv = _arxiv_key(host, parts.path)
    if arxiv is not None:
        return arxiv
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    netloc = (userinfo + "@" if userinfo else "") + host + (f":{port}" if port else "")
    path = _normalize_escapes(parts.path).rstrip("/")
    query = _strip_tracking(parts.query)
    result = "https://" + netloc + path
    if query:
        result += "?" + query
    if parts.fragment:
        result += "#" + parts.fragment
    return result


def arxiv_id(url: str) -> str | None:
    """The arXiv identifier (without version) of an arXiv abstract or PDF link."""
    key = normalize_url(url)
    prefix = "https://arxiv.org/abs/"
    return key[len(prefix) :] if key.startswith(prefix) else None


def _split_host(parts: SplitResult) -> tuple[str, str]:
    hostport = parts.netloc.rpartition("@")[2]
    host, _, port = hostport.partition(":") if not hostport.startswith("[") else (hostport, "", "")
    host = host.lower().rstrip(".")
    while host.startswith("www.") and len(host) > len("www."):
        host = host[len("www.") :]
    if port in _DEFAULT_PORTS:
        port = ""
    return host, port


def _arxiv_key(host: str, path: str) -> str | None:
    if host not in _ARXIV_HOSTS:
        return None
    match = _ARXIV_PATH.match(path)
    return f"https://arxiv.org/abs/{match['id']}" if match else None


def _normalize_escapes(path: str) -> str:
    """Decode escapes of unreserved characters, upper-case the rest, escape raw non-ASCII."""

    def unescape(match: re.Match[str]) -> str:
        char = chr(int(match[1], 16))
        return char if char in _UNRESERVED else "%" + match[1].upper()

    path = _PERCENT_ESCAPE.sub(unescape, path)
    return "".join(
        char if char.isascii() else "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
        for char in path
    )


def _strip_tracking(query: str) -> str:
    if not query:
        return ""
    kept = [
        pair
        for pair in query.split("&")
        if pair
        and (name := pair.partition("=")[0].lower()) not in _TRACKING_PARAMETERS
        and not name.startswith(_TRACKING_PREFIXES)
    ]
    return "&".join(kept)
