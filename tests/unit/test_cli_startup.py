"""Start-up: the command line loads only what the command it runs needs.

Each check runs a fresh interpreter, because this test process has imported everything
already. Time is measured by ``make bench`` (startup lines); here we check the cause.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

# Heavy modules `ml-audio-bot --help` used to load through package re-exports.
HEAVY = ("rapidfuzz", "asyncio", "aiosqlite", "sqlite3", "yaml", "discord", "feedparser")


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_help_loads_no_heavy_module() -> None:
    loaded = _modules_after(
        "import contextlib, io\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])"
    )
    assert not loaded & set(HEAVY), f"--help imported {sorted(loaded & set(HEAVY))}"


def test_catalog_check_does_not_load_search_or_storage() -> None:
    loaded = _modules_after(
        "import contextlib, io\n"
        "from bot.cli import main\n"
        "quiet = io.StringIO()\n"
        "with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):\n"
        "    main(['catalog', 'check'])"
    )
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
