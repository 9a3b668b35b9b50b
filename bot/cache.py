"""A cache of values that are slow to build, kept in files, never trusted blindly.

``ml-audio-bot search`` keeps its built search index here, so a search from the terminal
does not pay for importing PyYAML, parsing the catalog and building the index each time.
A cached value is used only when all of these hold, and is rebuilt otherwise:

* its key matches: the caller's digest of the inputs (the catalog files' content);
* the code that built it is unchanged: every Python module and extension outside the
  standard library that was loaded when it was stored still has the same size and
  modification time (the rule Python itself uses for ``.pyc`` files), and the interpreter
  is the same version;
* the file is whole: a BLAKE2b digest over everything after it matches;
* the file is ours: owned by this user and writable by no one else, because it is a
  pickle, and unpickling runs code named in the file.

Anything else (no such file, a damaged or foreign one, a folder that cannot be written)
is a miss, never an error: the caller builds the value as if there were no cache.

The folder is ``$ML_AUDIO_BOT_CACHE_DIR`` when set (empty: no cache at all), else
``$XDG_CACHE_HOME/ml-audio-bot``, else ``~/.cache/ml-audio-bot``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

try:
    # hashlib's own blake2b, without the milliseconds hashlib spends loading OpenSSL.
    from _blake2 import blake2b
except ImportError:  # another interpreter than CPython
    from hashlib import blake2b

CACHE_DIR_VARIABLE = "ML_AUDIO_BOT_CACHE_DIR"
# Bumped when the file layout changes, so older files are misses rather than misread.
MAGIC = b"ml-audio-bot cache 1\n"
DIGEST_SIZE = 32
# Where the standard library lives: its files change only with the interpreter, whose
# version is part of every key.
_STDLIB = os.path.dirname(os.__file__) + os.sep
_PACKAGE_DIRS = ("site-packages", "dist-packages")

CodeStamp = tuple[str, int, int]


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is switched off."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME")
    # The XDG rule: a relative value is invalid and must be ignored.
    if base and os.path.isabs(base):
        return Path(base) / "ml-audio-bot"
    home = os.path.expanduser("~")
    if not os.path.isabs(home):  # no HOME and no password entry: "~" comes back as it is
        return None
    return Path(home) / ".cache" / "ml-audio-bot"


def digest(*parts: bytes) -> bytes:
    """One digest of several byte strings, each length-prefixed so that they cannot run
    into each other (``ab`` + ``c`` differs from ``a`` + ``bc``)."""
    hasher = blake2b(digest_size=DIGEST_SIZE)
    for part in parts:
        hasher.update(len(part).to_bytes(8, "little"))
        hasher.update(part)
    return hasher.digest()


def load(name: str, key: bytes) -> object | None:
    """The value stored under ``name`` with this ``key``, or None (a miss)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = _read_own_file(folder / name)
        if data is None:
            return None
        stored_key, code, payload = _split(data)
        if stored_key != _full_key(key) or not _code_unchanged(code):
            return None
        # Only a file this user wrote, whole, for these inputs and this code gets here.
        return _unpickle(payload)
    except Exception:
        # A damaged file can fail anywhere in unpickling, in any way: it is a miss.
        return None


def store(name: str, key: bytes, value: object) -> bool:
    """Keep ``value`` under ``name`` for ``key``; False when it could not be (a read-only
    folder, a value that cannot be pickled): the next run builds it again."""
    folder = cache_dir()
    if folder is None:
        return False
    import pickle
    import tempfile

    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        header = _full_key(key) + _encode_code(_loaded_code())
        body = len(header).to_bytes(8, "little") + header + payload
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Written aside and renamed over: a reader sees the old file or the new one, whole.
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(MAGIC + digest(body) + body)
            os.replace(temporary, folder / name)
        except BaseException:
            os.unlink(temporary)
            raise
    except Exception:
        return False
    return True


def _unpickle(payload: bytes) -> object:
    import gc
    import pickle  # only on a hit

    # Tens of thousands of new objects would set off collections that find nothing to
    # free (about a fifth of the time taken).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        value: object = pickle.loads(payload)  # noqa: S301  (see the module's docstring)
    finally:
        if was_enabled:
            gc.enable()
    return value


def _full_key(key: bytes) -> bytes:
    return digest(MAGIC, sys.version.encode(), sys.implementation.cache_tag.encode(), key)


def _read_own_file(path: Path) -> bytes | None:
    with open(path, "rb") as source:
        status = os.fstat(source.fileno())
        if hasattr(os, "geteuid") and status.st_uid != os.geteuid():
            return None
        if status.st_mode & 0o022:  # writable by the group or by anyone
            return None
        return source.read()


def _split(data: bytes) -> tuple[bytes, list[CodeStamp], bytes]:
    """The key, the code stamps and the pickle of a cache file; ValueError if damaged."""
    if not data.startswith(MAGIC):
        raise ValueError("not a cache file")
    start = len(MAGIC)
    body = data[start + DIGEST_SIZE :]
    if digest(body) != data[start : start + DIGEST_SIZE]:
        raise ValueError("damaged cache file")
    size = int.from_bytes(body[:8], "little")
    header, payload = body[8 : 8 + size], body[8 + size :]
    return header[:DIGEST_SIZE], _decode_code(header[DIGEST_SIZE:]), payload


# Code stamps as NUL-separated fields (no path holds a NUL): path, size, mtime, path, ...
def _encode_code(code: list[CodeStamp]) -> bytes:
    return b"".join(os.fsencode(path) + b"\0%d\0%d\0" % (size, mtime) for path, size, mtime in code)


def _decode_code(data: bytes) -> list[CodeStamp]:
    fields = data.split(b"\0")[:-1]
    return [
        (os.fsdecode(fields[i]), int(fields[i + 1]), int(fields[i + 2]))
        for i in range(0, len(fields), 3)
    ]


def _loaded_code() -> list[CodeStamp]:
    """Every loaded module file outside the standard library, with its size and mtime."""
    stamps = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not os.path.isabs(path):
            continue
        if path.startswith(_STDLIB) and not any(part in path for part in _PACKAGE_DIRS):
            continue
        status = os.stat(path)
        stamps.append((path, status.st_size, status.st_mtime_ns))
    return sorted(set(stamps))


def _code_unchanged(code: list[CodeStamp]) -> bool:
    for path, size, mtime in code:
        try:
            status = os.stat(path)
        except OSError:
            return False
        if status.st_size != size or status.st_mtime_ns != mtime:
            return False
    return True
