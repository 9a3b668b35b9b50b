"""What indexing needs from one name, worked out once per distinct text and role.

A catalog repeats its names: authors write many papers, tags and sections are shared, a
synthetic 100 000-entry catalog reuses titles. Each distinct text is folded and split once
(``analyse``); each role it plays (title, alias, author, tag) then turns that analysis into
ready-made pieces the builder merges per entry with ``dict.update`` instead of re-deriving
them: the words with their field code, the phrase keys, the autocomplete keys.

The pieces are shared between entries, so nothing may change them once made.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.search import normalise as norm
from bot.search.fields import FIELD
from bot.search.prefix import MAX_KEY_CHARS

_TITLE, _ALIAS, _ACRONYM = FIELD["title"], FIELD["alias"], FIELD["acronym"]
# A name's autocomplete keys by key kind (``KEY_TITLE``, ``KEY_ALIAS``, ``KEY_WORD``,
# ``KEY_OTHER``), each key under the smallest kind it has.
Offers = tuple[tuple[str, ...], ...]
_AUTHOR, _TAG = FIELD["author"], FIELD["tag"]


@dataclass(slots=True)
class Analysis:
    """One text folded, split and stemmed (what the old per-name ``_Name`` held)."""

    tokens: tuple[str, ...]  # stemmed words of every spelling variant, for the postings
    spellings: tuple[tuple[str, ...], ...]  # the folded words of each variant, unstemmed
    content: tuple[str, ...]  # distinct content tokens, for title coverage
    phrase: str  # ``norm.phrase``: how an author is looked up by ``related``
    acronyms: tuple[str, ...]


def analyse(text: str) -> Analysis:
    """Everything below from one fold and one split (two for a non-ASCII text)."""
    if text.isascii():
        plain = norm.words_of_folded(text.lower())
        tokens = tuple(map(norm.stem, plain))
        spellings: tuple[tuple[str, ...], ...] = (tuple(plain),)
        plain_tokens: tuple[str, ...] | list[str] = tokens
    else:  # the general rules, word for word as ``normalise`` states them
        variants = norm.fold_variants(text)
        plain = norm.words_of_folded(variants[0])
        tokens = tuple(t for variant in variants for t in norm.tokens_of_folded(variant))
        spellings = tuple(tuple(norm.words(variant)) for variant in variants)
        plain_tokens = list(map(norm.stem, plain))
    kept = [t for t in plain_tokens if t not in norm.STOPWORDS]
    return Analysis(
        tokens=tokens,
        spellings=spellings,
        content=tuple(dict.fromkeys(kept or plain_tokens)),
        phrase=" ".join(plain),
        acronyms=norm.acronyms_of_words(plain),
    )


@dataclass(slots=True)
class TitleParts:
    """A title or an alias, in the role it plays for one entry."""

    analysis: Analysis
    code: int  # its field code: ``title`` or ``alias``
    own_words: dict[str, int]  # acronyms (``acronym`` field), then its words: a title alone
    spelling_keys: dict[str, int]  # squashed spellings with its field code
    phrase_keys: dict[str, int]  # acronyms, then ``spelling_keys``: a title alone
    coverage: tuple[tuple[str, ...], ...]  # ``(content,)``, or nothing
    offers: Offers


def title_parts(analysis: Analysis, *, alias: bool) -> TitleParts:
    code = _ALIAS if alias else _TITLE
    acronyms = analysis.acronyms
    own_words = dict.fromkeys(acronyms, _ACRONYM)
    own_words.update(dict.fromkeys(analysis.tokens, code))
    spelling_keys = dict.fromkeys([key for key in map("".join, analysis.spellings) if key], code)
    phrase_keys = dict.fromkeys(acronyms, _ACRONYM)
    phrase_keys.update(spelling_keys)
    whole: list[str] = []  # the whole name, spaced and squashed
    later: list[str] = []  # what follows each word, and a title's acronyms
    for spelling in analysis.spellings:
        whole += (" ".join(spelling), "".join(spelling))
        later += [" ".join(spelling[start:]) for start in range(1, len(spelling))]
    if not alias:  # only a title's acronyms are offered, not an alias's
        later += acronyms
    own = _keys(whole)
    word_keys = tuple(key for key in _keys(later) if key not in own)
    return TitleParts(
        analysis=analysis,
        code=code,
        own_words=own_words,
        spelling_keys=spelling_keys,
        phrase_keys=phrase_keys,
        coverage=(analysis.content,) if analysis.content else (),
        offers=((), tuple(own), word_keys, ()) if alias else (tuple(own), (), word_keys, ()),
    )


@dataclass(slots=True)
class PersonParts:
    """An author: words, phrase keys, the key ``related`` finds co-authors by, offers."""

    words: dict[str, int]
    phrase_keys: dict[str, int]
    phrase: str
    offers: Offers


def person_parts(analysis: Analysis) -> PersonParts:
    keys = [" ".join(s[start:]) for s in analysis.spellings for start in range(len(s))]
    return PersonParts(
        words=dict.fromkeys(analysis.tokens, _AUTHOR),
        phrase_keys={"".join(s): _AUTHOR for s in analysis.spellings if s},
        phrase=analysis.phrase,
        offers=((), (), (), tuple(_keys(keys))),
    )


@dataclass(slots=True)
class TagParts:
    """A tag (``"source-separation"``): words, its squashed phrase key, its offer."""

    words: dict[str, int]
    phrase_keys: dict[str, int]
    offers: Offers


def tag_parts(tag: str, analysis: Analysis) -> TagParts:
    """``analysis`` is that of the tag with its hyphens as spaces."""
    key = norm.squash(tag)
    return TagParts(
        words=dict.fromkeys(analysis.tokens, _TAG),
        phrase_keys={key: _TAG} if key else {},
        offers=((), (), (), tuple(_keys([tag.replace("-", " ")]))),
    )


def _keys(keys: list[str]) -> dict[str, None]:
    """Autocomplete keys as the prefix table stores them: cut, never empty, each once."""
    if keys and max(map(len, keys)) > MAX_KEY_CHARS:
        return dict.fromkeys(key[:MAX_KEY_CHARS] for key in keys if key)
    return dict.fromkeys(filter(None, keys))
