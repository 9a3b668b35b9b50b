"""The build's numpy asks for no huge pages, unless the operator says otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = (
    "import os, bot.search.indexer, numpy\n"
    "print(os.environ['NUMPY_MADVISE_HUGEPAGE'],"
    " numpy._core.multiarray._get_madvise_hugepage())\n"
)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [(None, "0 False"), ("1", "1 True"), ("0", "0 False")],
    ids=["default", "operator-on", "operator-off"],
)
def test_the_build_imports_numpy_without_huge_page_advice(
    setting: str | None, expected: str
) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if setting is not None:
        environ["NUMPY_MADVISE_HUGEPAGE"] = setting
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=environ,
    )
    assert done.stdout.strip() == expected
