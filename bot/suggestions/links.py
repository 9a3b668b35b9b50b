"""How a suggested link is shown safely, and whether its host name may be a look-alike.

A link typed by a member ends up inside Discord's ``<…>`` link syntax and in embed URLs.
:func:`shown_url` gives the form used there: host in its ASCII (punycode) spelling, and
every character that could end ``<…>``, start Markdown or hide itself (``<``, ``>``,
whitespace, control and format characters, anything outside ASCII) percent-encoded. That
is also what keeps rows stored before the validation was strict from planting a second,
clickable link in a message.

A host outside ASCII is shown with its punycode beside it (:func:`host_with_punycode`), so
``аrxiv.org`` with a Cyrillic ``а`` can be told from ``arxiv.org``; a label that mixes
scripts is flagged to maintainers (:func:`mixed_scripts`).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

# Not allowed in a URL by RFC 3986, so encoding them never changes where the link goes;
# ``<``/``>`` end or start Discord's link syntax, the rest start Markdown or quote text.
_UNSAFE_ASCII = frozenset('<>"`\\^{}|')
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"})
# Scripts that are written together in one name: Japanese mixes kanji and kana, Korean
# hangul and hanja, and any of them may carry Latin letters (Unicode's "highly
# restrictive" profile, UTS #39). Their first word in a character's Unicode name:
_EAST_ASIAN = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC"})


def hostname(url: str) -> str:
    """The host name of ``url`` in lower case, without a trailing dot ('' when none)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


def to_ascii(host: str) -> str | None:
    """``host`` in punycode (``例え.jp`` → ``xn--r8jz45g.jp``), or None if it cannot be."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def to_unicode(host: str) -> str:
    """``host`` as people read it (``xn--r8jz45g.jp`` → ``例え.jp``); unchanged if not IDNA."""
    try:
        return host.encode("ascii").decode("idna") if host.isascii() else host
    except UnicodeError:
        return host


def host_with_punycode(url: str) -> str | None:
    """``例え.jp (xn--r8jz45g.jp)`` for a host that is not plain ASCII when read, else None."""
    host = hostname(url)
    readable = to_unicode(host)
    ascii_form = to_ascii(host)
    if readable.isascii() or ascii_form is None:
        return None
    return f"{readable} ({ascii_form})"


def mixed_scripts(url: str) -> tuple[str, ...]:
    """The scripts mixed within one label of the host (``аrxiv`` → CYRILLIC, LATIN), or ()."""
    for label in to_unicode(hostname(url)).split("."):
        scripts = {_script(char) for char in label if char.isalpha()}
        if len(scripts) > 1 and not scripts <= {"LATIN", "EAST ASIAN"}:
            return tuple(sorted(scripts))
    return ()


def _script(char: str) -> str:
    words = unicodedata.name(char, "UNKNOWN").split(" ")
    # Half- and full-width kana or hangul name their script second ("HALFWIDTH KATAKANA …").
    script = words[1] if words[0] in ("HALFWIDTH", "FULLWIDTH") and len(words) > 1 else words[0]
    return "EAST ASIAN" if script in _EAST_ASIAN else script


def shown_url(url: str) -> str:
    """``url`` as it is put in ``<…>`` and embed URLs: ASCII, nothing that can break out."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _encode(url, also="[]")
    prefix = f"{parts.scheme}://" if url.startswith(f"{parts.scheme}://") else ""
    netloc = parts.netloc if prefix else ""
    rest = url[len(prefix) + len(netloc) :]
    # Square brackets belong only around an IPv6 host; elsewhere they could open ``[text](…)``.
    return prefix + _ascii_netloc(netloc) + _encode(rest, also="[]")


def _ascii_netloc(netloc: str) -> str:
    if netloc.isascii():
        return _encode(netloc)
    host, colon, port = netloc.rpartition(":")
    if not (colon and port.isdigit()):
        host, colon, port = netloc, "", ""
    ascii_host = to_ascii(host.lower())
    return _encode(ascii_host if ascii_host is not None else host) + colon + port


def _encode(text: str, also: str = "") -> str:
    return "".join(
        char
        if _is_safe(char) and char not in also
        else "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
        for char in text
    )


def _is_safe(char: str) -> bool:
    return (
        char.isascii()
        and char not in _UNSAFE_ASCII
        and unicodedata.category(char) not in _HIDDEN_CATEGORIES
    )
