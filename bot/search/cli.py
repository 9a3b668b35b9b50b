"""``ml-audio-bot search``: the bot's search from a terminal, for maintainers and scripts.

ml-audio-bot search wave net                  readable list, best first
ml-audio-bot search wavenet --json --limit 1  JSON array of results
ml-audio-bot search --batch < queries.txt     one JSON line per input line
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from bot.paths import catalog_dir

if TYPE_CHECKING:
    from bot.search.index import SearchIndex
    from bot.search.results import Hit

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


class Filters(NamedTuple):
    section: str | None
    kind: str | None


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "search",
        help="search the catalog",
        description="Search the catalog the way the bot does (typos, authors, acronyms, URLs).",
    )
    parser.add_argument("query", nargs="*", help="what to look for (several words allowed)")
    parser.add_argument("--json", action="store_true", help="print a JSON array of results")
    parser.add_argument(
        "--batch",
        action="store_true",
        help="read one query per line from stdin, print one JSON line per query",
    )
    parser.add_argument(
        "--limit", type=_limit, default=DEFAULT_LIMIT, help=f"results per query (1-{MAX_LIMIT})"
    )
    parser.add_argument("--section", help="only this section (id or title)")
    parser.add_argument("--kind", help="only this kind of entry (paper, dataset, ...)")
    parser.add_argument(
        "--catalog",
        type=Path,
        default=None,
        help="catalog folder (default: $ML_AUDIO_BOT_CATALOG or the repository's catalog/)",
    )
    parser.set_defaults(handler=run)


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--limit takes a whole number, not {text!r}") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"--limit must be between 1 and {MAX_LIMIT}")
    return value


def run(args: argparse.Namespace) -> int:
    # Imported here so that `ml-audio-bot --help` stays instant.
    from bot.datafile import DataFileError
    from bot.search.results import UnknownFilterError

    query = " ".join(args.query).strip()
    if args.batch and query:
        return _fail("give either a QUERY or --batch (queries on stdin), not both")
    if not args.batch and not query:
        return _fail('nothing to search for: give a QUERY, e.g. `ml-audio-bot search "wavenet"`')

    path: Path = args.catalog or catalog_dir()
    if not path.is_dir():
        return _fail(f"catalog folder not found: {path} (use --catalog PATH)")
    try:
        index = index_of(path)
    except DataFileError as error:
        print(f"error: {error}; run `ml-audio-bot catalog check` for all of them", file=sys.stderr)
        return 1

    filters = Filters(args.section, args.kind)
    try:
        # Checked before reading stdin, so a typo in --section fails fast in batch mode too.
        index.search("", section=args.section, kind=args.kind)
    except UnknownFilterError as error:
        return _fail(str(error))

    if args.batch:
        return _run_batch(index, sys.stdin, sys.stdout, args.limit, filters)
    hits = index.search(query, limit=args.limit, section=filters.section, kind=filters.kind)
    if args.json:
        import json

        print(json.dumps([_as_json(hit) for hit in hits], ensure_ascii=False, indent=2))
    else:
        _print_readable(query, hits, index.is_confident(hits))
    return 0


def index_of(path: Path) -> SearchIndex:
    """The search index of the catalog in ``path``: the cached one while the catalog's files
    and the code are unchanged (``bot.cache``), else built, and cached for the next run."""
    from bot import cache
    from bot.catalog.layout import content_digest

    name = "search-index-" + cache.digest(os.fsencode(os.path.abspath(path)))[:8].hex()
    try:
        key: bytes | None = content_digest(path)
    except OSError:
        key = None  # the loader below says what is wrong
    if key is not None:
        found = cache.load(name, key)
        if found is not None:
            from bot.search.index import SearchIndex

            if isinstance(found, SearchIndex):
                return found

    from bot.catalog.loader import load_catalog
    from bot.search.index import SearchIndex

    index = SearchIndex.build(load_catalog(path))
    # Stored only if the files did not change while they were read, so that the index
    # always belongs to the key it is stored under.
    if key is not None and key == _digest_or_none(path):
        cache.store(name, key, index)
    return index


def _digest_or_none(path: Path) -> bytes | None:
    from bot.catalog.layout import content_digest

    try:
        return content_digest(path)
    except OSError:
        return None


def _run_batch(
    index: SearchIndex, source: TextIO, out: TextIO, limit: int, filters: Filters
) -> int:
    import json

    for line in source:
        query = line.strip()
        record: dict[str, Any] = {"query": query}
        if query:
            record["results"] = [
                _as_json(hit)
                for hit in index.search(
                    query, limit=limit, section=filters.section, kind=filters.kind
                )
            ]
        else:
            # Keep one output line per input line, so outputs zip with inputs.
            record["results"] = []
            record["error"] = "empty query"
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def _as_json(hit: Hit) -> dict[str, Any]:
    entry = hit.entry
    return {
        "id": entry.id,
        "title": entry.title,
        "url": entry.url,
        "section": entry.section,
        "kind": entry.kind,
        "score": hit.score,
        "matched": hit.field,
        "term": hit.term,
    }


def _print_readable(query: str, hits: list[Hit], confident: bool) -> None:
    if not hits:
        print(f"No match for {query!r}. Try fewer words, or an author, tag or section name.")
        return
    if not confident:
        print(f"No single clear match for {query!r}; did you mean one of these?")
    width = len(str(len(hits)))
    for number, hit in enumerate(hits, start=1):
        entry = hit.entry
        print(f"{number:>{width}}. {entry.title}  [{entry.kind}, {entry.section}]")
        detail = f"score {hit.score:.1f}, matched {hit.field}"
        print(f"{' ' * width}  {entry.url or '(no link)'}  ({detail}; id: {entry.id})")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2
