"""Start-up: the command line loads only what the command it runs needs.

Each check runs a fresh interpreter, because this test process has imported everything
already. Time is measured by ``make bench`` (startup lines); here we check the cause.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any

import pytest

from bot import cli

# Heavy modules `ml-audio-bot --help` used to load through package re-exports.
HEAVY = ("rapidfuzz", "asyncio", "aiosqlite", "sqlite3", "yaml", "discord", "feedparser", "numpy")


def _modules_after(code: str) -> set[str]:
    # The list is taken before the probe imports json to print it.
    probe = f"{code}\nimport sys\nloaded = sorted(sys.modules)\n"
    probe += "import json\nprint(json.dumps(loaded))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def _modules_after_main(*argv: str) -> set[str]:
    return _modules_after(
        "import contextlib, io\n"
        "from bot.cli import main\n"
        "quiet = io.StringIO()\n"
        "with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):\n"
        "    with contextlib.suppress(SystemExit):\n"
        f"        main({list(argv)!r})"
    )


def test_help_loads_no_heavy_module() -> None:
    loaded = _modules_after_main("--help")
    assert not loaded & set(HEAVY), f"--help imported {sorted(loaded & set(HEAVY))}"


def test_help_imports_no_area_module() -> None:
    # The listing comes from bot.cli.COMMANDS; no area's cli module (nor what they import,
    # pathlib, json, typing) is needed to print it.
    loaded = _modules_after_main("--help")
    assert {m for m in loaded if m.startswith("bot.")} == {"bot.cli"}
    assert not loaded & {"pathlib", "json", "typing", "dataclasses"}


def test_a_command_imports_its_own_area_only() -> None:
    loaded = _modules_after_main("search", "--help")
    areas = {m for m in loaded if m.startswith("bot.") and m.endswith("cli")}
    assert areas == {"bot.cli", "bot.search.cli"}
    assert not loaded & set(HEAVY)


def test_search_with_a_warm_cache_reads_no_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cache's point: the second search neither parses the catalog nor builds the index.
    monkeypatch.setenv("ML_AUDIO_BOT_CACHE_DIR", str(tmp_path))
    cold = _modules_after_main("search", "wavenet")
    warm = _modules_after_main("search", "wavenet")
    assert {"yaml", "bot.catalog.loader", "bot.search.index", "numpy"} <= cold
    assert "bot.search.index" in warm  # the index came from the cache...
    # ...alone: no parsing, and no numpy, which only building needs.
    assert not warm & {"yaml", "bot.catalog.loader", "bot.datafile.yaml_reader", "numpy"}


def test_catalog_check_does_not_load_search_or_storage() -> None:
    loaded = _modules_after_main("catalog", "check")
    assert not loaded & {"rapidfuzz", "aiosqlite", "asyncio", "discord"}


@pytest.mark.parametrize(
    ("package", "name"),
    [
        ("bot.search", "SearchIndex"),
        ("bot.suggestions", "SuggestionService"),
        ("bot.outbox", "Outbox"),
        ("bot.storage", "Database"),
        ("bot.catalog", "Catalog"),
    ],
)
def test_package_names_still_import_on_first_use(package: str, name: str) -> None:
    found = getattr(importlib.import_module(package), name)
    assert found.__name__ == name


def test_unknown_package_name_is_an_attribute_error() -> None:
    import bot.search

    with pytest.raises(AttributeError, match="no attribute 'Nonexistent'"):
        _ = bot.search.Nonexistent  # type: ignore[attr-defined]


def test_health_help_states_the_real_default_max_age(capsys: pytest.CaptureFixture[str]) -> None:
    # The help text names the default without importing bot.health; this keeps them equal.
    from bot.cli import main
    from bot.health import DEFAULT_MAX_AGE

    with pytest.raises(SystemExit):
        main(["health", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert f"three missed beats, {DEFAULT_MAX_AGE:.0f})" in help_text


def _registered_by(module_name: str) -> list[tuple[str, str | None]]:
    """The (command, help) pairs a module's ``register`` adds, in order."""
    subparsers = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(module_name).register(subparsers)
    return [(action.dest, action.help) for action in subparsers._choices_actions]


def test_commands_table_lists_what_each_area_registers() -> None:
    listed = [(c.name, c.help, c.module) for c in cli.COMMANDS]
    registered = [
        (name, help_text, module)
        for module in cli.COMMAND_MODULES
        for name, help_text in _registered_by(module)
    ]
    assert listed == registered


@pytest.mark.parametrize(
    "argv",
    [[], ["--help"], ["--version"], ["nonsense"], *([c.name] for c in cli.COMMANDS)],
    ids=lambda argv: " ".join(argv) or "no arguments",
)
def test_parser_for_a_command_lists_the_same_commands(argv: list[str]) -> None:
    # The top-level help (and argparse's "invalid choice" list) is the same whichever area
    # was imported for the command.
    assert cli.build_parser(argv).format_help() == cli.build_parser().format_help()


@pytest.mark.parametrize("name", [c.name for c in cli.COMMANDS])
def test_the_named_command_is_the_real_one(name: str) -> None:
    # A placeholder takes nothing but --help; every real command takes more or has a handler.
    parser = cli.build_parser([name])
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    command = subparsers.choices[name]
    assert [a.dest for a in command._actions] != ["help"] or command.get_default("handler")


def test_options_before_the_command_do_not_hide_it() -> None:
    args = cli.build_parser(["--", "search", "wavenet"]).parse_args(["search", "wavenet"])
    assert args.handler.__module__ == "bot.search.cli"


def test_help_without_the_demo_package_says_what_the_demo_needs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As installed from the wheel: the placeholder for `demo` says it needs the dev install,
    as the fully registered parser does."""
    real_find_spec = PathFinder.find_spec

    def find_spec_without_demo(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name == "bot.demo" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(PathFinder, "find_spec", find_spec_without_demo)
    help_text = " ".join(cli.build_parser(["--help"]).format_help().split())
    assert f"demo {cli.MISSING_HELP}" in help_text
