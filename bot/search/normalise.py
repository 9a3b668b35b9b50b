"""Text normalisation shared by indexing and querying, so both sides agree on every key.

Everything here is a pure function of its input; the index calls them once per entry at
build time and once per query, never per comparison.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import accumulate
from urllib.parse import urlsplit

# Letters that Unicode does not decompose into an ASCII base plus accents.
_EXTRA_FOLDS = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "ß": "ss",
    }
)
# German readers type "Juergen" as often as "Jürgen": the index keeps both spellings.
_GERMAN_FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})

# Accents and other marks that NFKD splits off a base letter.
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# A word is a run of letters or digits in any script (underscore is a separator).
_WORD_RE = re.compile(r"[^\W_]+")
# An arXiv id not preceded by a digit or dot: ``(?<![\d.])(\d{4}\.\d{4,5})``, written with
# the look-behind after the first digit so that the search can skip to digits (twice as
# fast over a column of addresses; tests compare it with that plain form).
_ARXIV_RE = re.compile(r"(\d(?<![\d.]\d)\d{3}\.\d{4,5})(?:v\d+)?(?!\d)")
# The same from the id's dot on: a pattern that starts with a literal is searched for by
# skipping from dot to dot, so a whole column of addresses is searched this way, and the
# digits before each dot are checked after (``arxiv_ids_in``).
_ARXIV_TAIL_RE = re.compile(r"\.(\d{4,5})(?:v\d+)?(?!\d)")
# "github.com/iver56", "arxiv.org/abs/…", "tf.signal": a single token with a dot or slash.
_URLISH_RE = re.compile(r"^\S*[./]\S*$")
# An address whose host and path ``urlsplit`` would return unchanged: http(s), a plain host
# (no user, port or brackets), and no tab or line break (which ``urlsplit`` deletes).
_PLAIN_URL_RE = re.compile(r"https?://([A-Za-z0-9.\-]*)(/[^?#\t\n\r]*)?(?:[?#][^\t\n\r]*)?")
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://")
_QUERY_RE = re.compile(r"[?#]")

_STOPWORDS_TEXT = (
    "a an and are as at be by for from how i in into is it its of on or s the to vs with"
)
STOPWORDS: frozenset[str] = frozenset(_STOPWORDS_TEXT.split())
# Parts of an address that say nothing about the resource.
_URL_NOISE_TEXT = "http https www com org net io html htm php pdf index abs en info"
URL_NOISE: frozenset[str] = frozenset(_URL_NOISE_TEXT.split())


def fold(text: str) -> str:
    """Lower-case, accent-free form: ``"Stöter"`` → ``"stoter"``, ``"Straße"`` → ``"strasse"``."""
    if text.isascii():
        return text.lower()  # the common case, and far cheaper than decomposing
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _COMBINING_RE.sub("", decomposed).translate(_EXTRA_FOLDS)


def fold_variants(text: str) -> tuple[str, ...]:
    """``fold`` plus the German transliteration when it differs (``"stoeter"``)."""
    plain = fold(text)
    if text.isascii():
        return (plain,)
    german = fold(unicodedata.normalize("NFC", text.casefold()).translate(_GERMAN_FOLDS))
    return (plain,) if german == plain else (plain, german)


def words(text: str) -> list[str]:
    """The folded words of ``text`` in order, punctuation dropped."""
    return _WORD_RE.findall(fold(text))


@lru_cache(maxsize=1 << 16)  # few distinct words, met again and again while indexing
def stem(word: str) -> str:
    """A deliberately light plural stemmer: ``datasets`` → ``dataset``, ``libraries`` → ``library``.

    Heavier stemming merges names ("Librosa" and "Libros"), which costs more than it wins.
    """
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Stemmed words, the unit of the inverted index."""
    return [stem(w) for w in words(text)]


def tokens_of_folded(folded: str) -> list[str]:
    """``tokens`` of a text that ``fold`` already went over (indexing folds each text once)."""
    return [stem(w) for w in _WORD_RE.findall(folded)]


def words_of_folded(folded: str) -> list[str]:
    """``words`` of a text that ``fold`` already went over."""
    return _WORD_RE.findall(folded)


def variant_tokens(text: str) -> list[str]:
    """Stemmed tokens of each spelling variant of ``text``, in order (repeats kept)."""
    if text.isascii():  # one variant; the common case, without the generic detour
        return list(map(stem, _WORD_RE.findall(text.lower())))
    return [token for variant in fold_variants(text) for token in tokens_of_folded(variant)]


def squash(text: str) -> str:
    """Spacing and punctuation removed: ``"Wave-U-Net"``, ``"wave u net"`` → ``"waveunet"``."""
    return "".join(words(text))


def phrase(text: str) -> str:
    """Words joined by single spaces: the form autocomplete prefixes are compared in."""
    return " ".join(words(text))


def content_tokens(text: str) -> list[str]:
    """Query tokens without stop words, unless the text is nothing but stop words."""
    all_tokens = tokens(text)
    kept = [t for t in all_tokens if t not in STOPWORDS]
    return kept or all_tokens


def acronyms(title: str) -> set[str]:
    """Acronyms a reader might type for a title.

    The initials of the whole title ("Music Information Retrieval" → ``mir``) and of every
    run of three to five consecutive content words ("Advanced Digital Signal Processing"
    → ``adsp``, ``dsp``). Runs of two would invent too many false friends ("ds", "sp").
    """
    return set(acronyms_of_words(words(title)))


def acronyms_of_words(title_words: Sequence[str]) -> tuple[str, ...]:
    """``acronyms`` of a title already split into ``words``, sorted."""
    return acronyms_of_initials(initials(title_words))


def initials(title_words: Sequence[str]) -> str:
    """The first letters of a title's content words: what its acronyms are made of."""
    return "".join([w[0] for w in title_words if w not in STOPWORDS and not w.isdigit()])


@lru_cache(maxsize=1 << 16)  # titles share their initials' patterns ("tss", "gan")
def acronyms_of_initials(initials: str) -> tuple[str, ...]:
    """The acronyms of a title with these ``initials``, sorted."""
    return tuple(sorted(acronym_set(initials)))


def acronym_set(initials: str) -> set[str]:
    """``acronyms_of_initials`` in no particular order (the index build sorts anyway)."""
    # Each content word gives one initial, so a run of words is a run of initials.
    count = len(initials)
    found = {
        initials[start : start + size] for size in (3, 4, 5) for start in range(count - size + 1)
    }
    if 2 <= count <= 8:
        found.add(initials)
    return found


def arxiv_ids(text: str) -> list[str]:
    """New-style arXiv identifiers (``1609.03499``) in a URL or a query, version dropped."""
    return _ARXIV_RE.findall(text)


def arxiv_ids_in(texts: Sequence[str]) -> list[tuple[int, str]]:
    """``(j, id)`` for each id that ``arxiv_ids(texts[j])`` finds, in order: one search over
    all the texts joined by line breaks (an id holds none) instead of one per text."""
    joined = "\n".join(texts)
    starts = list(accumulate((len(text) + 1 for text in texts), initial=0))
    found: list[tuple[int, str]] = []
    row = 0
    taken = 0  # where the last id ended: ids do not overlap
    for match in _ARXIV_TAIL_RE.finditer(joined):
        dot = match.start()
        start = dot - 4
        if start < taken or not joined[start:dot].isdecimal():
            continue  # isdecimal is what ``\d`` matches: Unicode category Nd
        if start and (joined[start - 1] == "." or joined[start - 1].isdecimal()):
            continue
        row = bisect_right(starts, start, row) - 1
        found.append((row, joined[start:dot] + "." + match[1]))
        taken = match.end()
    return found


def looks_like_url(text: str) -> bool:
    stripped = text.strip()
    return bool(_URLISH_RE.match(stripped)) and any(ch.isalpha() for ch in stripped)


def url_tokens(url: str) -> list[str]:
    """Host and path words of an address, without the scheme, query string or noise words.

    ``https://github.com/iver56/audiomentations`` → ``github``, ``iver56``, ``audiomentations``.
    """
    host, path = url_host_and_path(url)
    return [t for t in tokens(f"{host} {path}") if t not in URL_NOISE]


def url_host_and_path(url: str) -> tuple[str, str]:
    """The lower-cased host and the path of an address, as ``urlsplit`` reads them."""
    candidate = url.strip()
    plain = _PLAIN_URL_RE.fullmatch(candidate)
    if plain is not None:  # most catalog addresses: a regex instead of urlsplit's many steps
        return plain[1].lower(), plain[2] or ""
    return _split_url(candidate)


def _split_url(candidate: str) -> tuple[str, str]:
    if "://" not in candidate:
        candidate = "//" + candidate
    try:
        parts = urlsplit(candidate)
        return parts.hostname or "", parts.path
    except ValueError:
        return "", candidate


def url_key(url: str) -> str:
    """An address compared as typed: no scheme, ``www.``, query, fragment or final slash."""
    key = url.strip().casefold()
    key = _SCHEME_RE.sub("", key)
    key = _QUERY_RE.split(key, maxsplit=1)[0]
    return key.removeprefix("www.").rstrip("/")


def url_columns(urls: Sequence[str]) -> tuple[list[str], list[str]]:
    """For each address, ``"{host} {path}"`` (what ``url_tokens`` takes words from) and
    ``url_key``: the index build's form, one ``_PLAIN_URL_RE`` match per address.

    For a plain ASCII address the key is its host and path lower-cased (casefold is lower
    there), without ``www.`` and final slashes: what ``url_key``'s steps leave of it.
    """
    stripped = list(map(str.strip, urls))
    texts: list[str] = []
    keys: list[str] = []
    for url, plain in zip(stripped, map(_PLAIN_URL_RE.fullmatch, stripped), strict=True):
        if plain is None:
            texts.append(" ".join(_split_url(url)))
            keys.append(url_key(url))
            continue
        host, path = plain.group(1, 2)
        texts.append(f"{host} {path or ''}")
        if url.isascii():
            keys.append((host + (path or "")).lower().removeprefix("www.").rstrip("/"))
        else:
            keys.append(url_key(url))
    return texts, keys


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))


def join_nonempty(parts: Sequence[str], sep: str = " ") -> str:
    return sep.join(p for p in parts if p)
