"""``ml-audio-bot catalog check|render``: validate the catalog, or print it as Markdown.

``check`` prints every problem as ``file:line: message (hint)`` and exits 1, or prints a
one-line summary and exits 0, so that it fits in CI and in an editor's problem matcher.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot import paths

if TYPE_CHECKING:
    from bot.datafile.problems import Problem

EXIT_OK = 0
EXIT_PROBLEMS = 1


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("catalog", help="validate or render the catalog")
    commands = parser.add_subparsers(dest="catalog_command", metavar="ACTION")

    def show_help(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    parser.set_defaults(handler=show_help)

    check = commands.add_parser(
        "check", help="report every problem in the catalog files as file:line: message"
    )
    _add_path_argument(check)
    check.set_defaults(handler=run_check)

    render = commands.add_parser("render", help="print the catalog as one Markdown page")
    _add_path_argument(render)
    render.add_argument(
        "-o", "--output", type=Path, help="write the page to this file instead of stdout"
    )
    render.set_defaults(handler=run_render)


def _add_path_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        help="the catalog folder (default: $ML_AUDIO_BOT_CATALOG or the repository's catalog/)",
    )


def run_check(args: argparse.Namespace) -> int:
    from bot.catalog.loader import check_catalog

    root: Path = args.path or paths.catalog_dir()
    result = check_catalog(root)
    if result.catalog is None:
        _print_problems(result.problems, sys.stdout)
        return EXIT_PROBLEMS
    catalog = result.catalog
    print(
        f"catalog OK: {_plural(len(catalog.entries), 'entry', 'entries')} "
        f"in {_plural(len(catalog.sections), 'section', 'sections')}"
    )
    return EXIT_OK


def run_render(args: argparse.Namespace) -> int:
    from bot.catalog.loader import check_catalog
    from bot.catalog.render import render_markdown

    root: Path = args.path or paths.catalog_dir()
    result = check_catalog(root)
    if result.catalog is None:
        _print_problems(result.problems, sys.stderr)
        print("nothing rendered: fix the problems above first", file=sys.stderr)
        return EXIT_PROBLEMS
    page = render_markdown(result.catalog)
    output: Path | None = args.output
    if output is None:
        sys.stdout.write(page)
        return EXIT_OK
    try:
        output.write_text(page, encoding="utf-8")
    except OSError as error:
        print(f"{output}: cannot write: {error.strerror or error}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def _print_problems(problems: Sequence[Problem], stream: TextIO) -> None:
    files = set()
    for problem in problems:
        print(problem.format(), file=stream)
        files.add(problem.file)
    count = _plural(len(problems), "problem", "problems")
    print(f"catalog has {count} in {_plural(len(files), 'file', 'files')}", file=stream)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"
