"""``bot.cache``: a value comes back only for the same key, the same code and an intact file
of ours; everything else is a miss, never an error."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import cache

NAME = "thing"
KEY = cache.digest(b"inputs")
VALUE = {"words": ["wavenet", "samplernn"], "counts": (1, 2, 3)}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(cache.CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_stored_value_comes_back_for_the_same_key(folder: Path) -> None:
    assert cache.store(NAME, KEY, VALUE)
    assert cache.load(NAME, KEY) == VALUE


def test_another_key_is_a_miss(folder: Path) -> None:
    cache.store(NAME, KEY, VALUE)
    assert cache.load(NAME, cache.digest(b"other inputs")) is None


def test_nothing_stored_is_a_miss(folder: Path) -> None:
    assert cache.load(NAME, KEY) is None


def test_the_file_is_private_to_its_user(folder: Path) -> None:
    cache.store(NAME, KEY, VALUE)
    assert (folder / NAME).stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit of the pickle
        lambda data: data[:40] + bytes([data[40] ^ 1]) + data[41:],  # one bit of the digest
        lambda data: b"",
        lambda data: os.urandom(len(data)),
    ],
    ids=["truncated", "pickle bit", "digest bit", "empty", "noise"],
)
def test_a_damaged_file_is_a_miss(folder: Path, damage: object) -> None:
    cache.store(NAME, KEY, VALUE)
    path = folder / NAME
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert cache.load(NAME, KEY) is None


def test_a_file_others_may_write_is_not_trusted(folder: Path) -> None:
    # It is a pickle: whoever can write it can run code in the next search.
    cache.store(NAME, KEY, VALUE)
    (folder / NAME).chmod(0o666)
    assert cache.load(NAME, KEY) is None


@pytest.fixture
def scratch_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A module of ours loaded while the value is stored, as the index's code is."""
    source = tmp_path / "code" / "cache_probe_module.py"
    source.parent.mkdir()
    source.write_text("FACTOR = 2\n")
    monkeypatch.syspath_prepend(str(source.parent))
    importlib.import_module("cache_probe_module")
    yield source
    sys.modules.pop("cache_probe_module", None)


def test_a_value_built_by_code_that_changed_since_is_a_miss(
    folder: Path, scratch_module: Path
) -> None:
    cache.store(NAME, KEY, VALUE)
    assert cache.load(NAME, KEY) == VALUE
    scratch_module.write_text("FACTOR = 3\n")
    assert cache.load(NAME, KEY) is None


def test_a_value_built_by_code_that_is_gone_is_a_miss(folder: Path, scratch_module: Path) -> None:
    cache.store(NAME, KEY, VALUE)
    scratch_module.unlink()
    assert cache.load(NAME, KEY) is None


def test_a_folder_that_cannot_be_made_means_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A regular file where the folder should be: refused even to root, unlike chmod.
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv(cache.CACHE_DIR_VARIABLE, str(tmp_path / "a-file" / "cache"))
    assert cache.store(NAME, KEY, VALUE) is False
    assert cache.load(NAME, KEY) is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_read_but_not_written(folder: Path) -> None:
    cache.store(NAME, KEY, VALUE)
    folder.chmod(0o500)
    try:
        assert cache.load(NAME, KEY) == VALUE
        assert cache.store(NAME, cache.digest(b"new"), VALUE) is False
    finally:
        folder.chmod(0o700)


def test_a_value_that_cannot_be_pickled_is_not_stored(folder: Path) -> None:
    assert cache.store(NAME, KEY, lambda: None) is False
    assert cache.load(NAME, KEY) is None


def test_a_failed_write_leaves_no_temporary_file(folder: Path) -> None:
    (folder / NAME).mkdir(parents=True)  # the rename over it fails
    assert cache.store(NAME, KEY, VALUE) is False
    assert [path.name for path in folder.iterdir()] == [NAME]


def test_an_empty_setting_switches_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.CACHE_DIR_VARIABLE, "")
    monkeypatch.chdir(tmp_path)
    assert cache.cache_dir() is None
    assert cache.store(NAME, KEY, VALUE) is False
    assert not list(tmp_path.iterdir())


def test_the_folder_follows_xdg_cache_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.CACHE_DIR_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    assert cache.cache_dir() == Path("/somewhere/cache/ml-audio-bot")
    # The XDG rule: a relative path is invalid and ignored.
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache.cache_dir() == Path.home() / ".cache" / "ml-audio-bot"


def test_no_home_means_no_cache_rather_than_a_folder_named_tilde(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(cache.CACHE_DIR_VARIABLE)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)
    assert cache.cache_dir() is None


def test_digest_parts_cannot_run_into_each_other() -> None:
    assert cache.digest(b"ab", b"c") != cache.digest(b"a", b"bc")
