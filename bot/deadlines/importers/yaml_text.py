"""Safe YAML reading of text that is not a whole file (Markdown front matter).

The catalog's reader (``bot.catalog.yaml_reader``) exposes only ``read_yaml(path)``, and
the front matter of an MTG file is part of a file. Rather than a second YAML-safety
implementation or a call into the reader's private helpers, the text goes through
``read_yaml`` via a scratch file, and the problems are given back the real file name.
Once the catalog exposes a public ``read_yaml_text(file, text)`` it is used instead.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.catalog import yaml_reader
from bot.catalog.problems import Problem
from bot.catalog.yaml_reader import YamlValue, read_yaml


def read_yaml_text(file: str, text: str, scratch: Path) -> tuple[YamlValue | None, list[Problem]]:
    """Like ``read_yaml`` for ``text`` read from ``file``; ``scratch`` is a private folder."""
    public = getattr(yaml_reader, "read_yaml_text", None)
    if public is not None:
        result: tuple[YamlValue | None, list[Problem]] = public(file, text)
        return result
    path = scratch / "front-matter.yaml"
    path.write_text(text, encoding="utf-8")
    value, problems = read_yaml(path)
    return value, [dataclasses.replace(problem, file=file) for problem in problems]
