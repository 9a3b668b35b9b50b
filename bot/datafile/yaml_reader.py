"""Read a YAML data file into values that remember their line, refusing risky YAML.

PyYAML's ``safe_load`` forgets where values were, keeps the last of two equal keys without
a word, and expands aliases (a few lines of "billion laughs" fill the memory). Here anchors
and aliases are refused while the parser streams its events, before anything is composed;
the file is then composed into nodes (by libyaml when available) and the nodes are turned
into :class:`YamlMap`, :class:`YamlList` and :class:`YamlScalar`, which carry 1-based line
numbers. Duplicate keys, tabs in indentation, control characters, non-UTF-8 bytes and
syntax errors all become :class:`~bot.datafile.problems.Problem` objects with a line.

:func:`read_yaml` reads a whole file; :func:`read_yaml_text` reads YAML that is only part
of a file (the front matter of a Markdown page) with the same checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import yaml
from yaml.error import MarkedYAMLError, YAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.datafile.problems import Problem, SourceLocation

# A data file is a few hundred kilobytes at most; refuse anything far bigger up front.
MAX_FILE_BYTES = 4 * 1024 * 1024

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

Scalar: TypeAlias = str | int | float | bool | dt.date | bytes | None


@dataclass(frozen=True, slots=True)
class YamlScalar:
    value: Scalar
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class YamlField:
    """One ``key: value`` pair; ``line`` is the key's line, where a maintainer looks first."""

    key: str
    line: int
    value: YamlValue


@dataclass(frozen=True, slots=True)
class YamlMap:
    fields: dict[str, YamlField]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class YamlList:
    items: tuple[YamlValue, ...]
    line: int
    column: int


YamlValue: TypeAlias = YamlMap | YamlList | YamlScalar


class _AliasRefused(Exception):
    def __init__(self, mark: object) -> None:
        # Marks come from PyYAML or from libyaml; both have 0-based line and column.
        super().__init__("anchor or alias")
        line, column = getattr(mark, "line", None), getattr(mark, "column", None)
        self.line = line + 1 if isinstance(line, int) else None
        self.column = column + 1 if isinstance(column, int) else None


# libyaml (bundled with PyYAML's wheels) parses about twenty times faster than pure Python.
HAS_LIBYAML: bool = bool(getattr(yaml, "__with_libyaml__", False))


class _RefusingLoader(yaml.SafeLoader):
    """A SafeLoader that stops at the first anchor or alias, before anything is expanded.

    Used when libyaml is missing; with libyaml the same refusal happens while streaming the
    parser's events, before libyaml composes anything (see :func:`_refuse_anchors`).
    """

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _AliasRefused(event.start_mark)
        return super().compose_node(parent, index)


def describe(value: object) -> str:
    """The YAML-level name of a value's type, as a maintainer would call it."""
    if isinstance(value, YamlMap):
        return "a mapping"
    if isinstance(value, YamlList):
        return "a list"
    if isinstance(value, YamlScalar):
        value = value.value
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, bytes):
        return "binary data"
    return "text"


def read_yaml(path: Path, empty_hint: str = "") -> tuple[YamlValue | None, list[Problem]]:
    """The document in ``path`` with line numbers, or ``None`` and the reasons it is unusable.

    ``None`` always comes with at least one problem: an empty file is one too (``empty_hint``
    says what belongs in it). Problems with a value are about parts of it (duplicate keys).
    """
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [Problem(file, None, f"cannot read file: {error.strerror or error}")]
    too_big = _size_problem(file, len(data))
    if too_big is not None:
        return None, [too_big]
    text, problem = _decode(file, data)
    if problem is not None:
        return None, [problem]
    return _checked_compose(file, text, empty_hint)


def read_yaml_text(
    file: str, text: str, empty_hint: str = ""
) -> tuple[YamlValue | None, list[Problem]]:
    """Like :func:`read_yaml` for ``text`` already read from ``file``; problems name ``file``.

    For YAML embedded in another file: keep the lines before it as blank lines in ``text``,
    and the line numbers point into the real file.
    """
    too_big = _size_problem(file, len(text.encode("utf-8", "surrogatepass")))
    if too_big is not None:
        return None, [too_big]
    return _checked_compose(file, text, empty_hint)


def _size_problem(file: str, size: int) -> Problem | None:
    if size <= MAX_FILE_BYTES:
        return None
    return Problem(
        file,
        None,
        f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit",
        "split it or remove what does not belong in the catalog",
    )


def _checked_compose(
    file: str, text: str, empty_hint: str
) -> tuple[YamlValue | None, list[Problem]]:
    tab_problems = _tab_indentation(file, text)
    if tab_problems:
        return None, tab_problems
    return _compose(file, text, empty_hint)


def _decode(file: str, data: bytes) -> tuple[str, Problem | None]:
    if data.startswith(_UTF8_BOM):
        # Editors on Windows add it; it carries no meaning, so accept it quietly.
        data = data[len(_UTF8_BOM) :]
    elif data.startswith(_UTF16_BOMS):
        return "", Problem(file, 1, "file is UTF-16 encoded", "save it as UTF-8")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        byte = data[error.start]
        return "", Problem(
            file,
            line,
            f"not valid UTF-8: byte 0x{byte:02x} at offset {error.start}",
            "save the file as UTF-8",
            column,
        )


def _tab_indentation(file: str, text: str) -> list[Problem]:
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            problems.append(
                Problem(
                    file,
                    number,
                    "tab character in indentation",
                    "indent with spaces; YAML does not allow tabs there",
                    indent.index("\t") + 1,
                )
            )
    return problems


def _control_characters(file: str, text: str) -> list[Problem]:
    """YAML refuses control characters; say where they are rather than "position 1234"."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = yaml.reader.Reader.NON_PRINTABLE.search(line)
        if match is not None:
            problems.append(
                Problem(
                    file,
                    number,
                    f"control character U+{ord(match.group()):04X} is not allowed in YAML",
                    "delete it; it is often pasted in invisibly",
                    match.start() + 1,
                )
            )
    return problems


def _compose(file: str, text: str, empty_hint: str) -> tuple[YamlValue | None, list[Problem]]:
    control = _control_characters(file, text)
    if control:
        return None, control
    loader: yaml.SafeLoader | yaml.CSafeLoader | None = None
    try:
        if HAS_LIBYAML:
            # An anchor needs '&' and an alias '*'; most files have neither, so skip the scan.
            if "&" in text or "*" in text:
                _refuse_anchors(text)
            loader = yaml.CSafeLoader(text)
        else:
            loader = _RefusingLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(file, None, "file is empty", empty_hint)]
        problems: list[Problem] = []
        value = _Converter(file, loader, problems).convert(node)
        return value, problems
    except _AliasRefused as refused:
        return None, [
            Problem(
                file,
                refused.line,
                "anchors and aliases are not allowed in catalog files",
                "write the value out in full",
                refused.column,
            )
        ]
    except MarkedYAMLError as error:
        return None, [_syntax_problem(file, error)]
    except YAMLError as error:  # any other PyYAML complaint still names the file
        return None, [Problem(file, None, f"YAML error: {error}")]
    except RecursionError:
        return None, [Problem(file, None, "YAML nesting is too deep", "flatten the structure")]
    finally:
        if loader is not None:
            loader.dispose()


def _refuse_anchors(text: str) -> None:
    """Raise at the first anchor or alias; events are streamed, so nothing is expanded."""
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _AliasRefused(event.start_mark)


def _syntax_problem(file: str, error: MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    # libyaml and PyYAML word this one differently; say it one way.
    problem = (error.problem or "invalid YAML").strip().replace(" in this context", " here")
    return Problem(file, line, f"YAML syntax error: {problem}", _syntax_hint(error), column)


def _syntax_hint(error: MarkedYAMLError) -> str:
    problem, context = error.problem or "", error.context or ""
    if "mapping values are not allowed" in problem:
        return "put text containing ': ' in quotes, or fix the indentation"
    if "quoted scalar" in context:
        return (
            f"close the quote opened at line {error.context_mark.line + 1}"
            if error.context_mark
            else "close the quote"
        )
    if "could not find expected ':'" in problem:
        return "every line of a mapping needs 'key: value'; check the indentation"
    return "check the indentation and quoting here"


class _Converter:
    """Turns composed nodes into located values, reporting duplicate keys and odd tags."""

    def __init__(
        self, file: str, loader: yaml.SafeLoader | yaml.CSafeLoader, problems: list[Problem]
    ) -> None:
        self._file = file
        self._loader = loader
        self._problems = problems

    def convert(self, node: Node) -> YamlValue:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if isinstance(node, MappingNode):
            self._check_tag(node, _MAP_TAG, "a mapping")
            return YamlMap(self._fields(node), line, column)
        if isinstance(node, SequenceNode):
            self._check_tag(node, _SEQ_TAG, "a list")
            return YamlList(tuple(self.convert(item) for item in node.value), line, column)
        assert isinstance(node, ScalarNode)
        return YamlScalar(self._scalar(node), line, column)

    def _fields(self, node: MappingNode) -> dict[str, YamlField]:
        fields: dict[str, YamlField] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key: object = (
                self._scalar(key_node)
                if isinstance(key_node, ScalarNode)
                else self.convert(key_node)
            )
            if not isinstance(key, str):
                self._problem(
                    line, f"key must be text, found {describe(key)}", "use a plain word as the key"
                )
                continue
            if key in fields:
                self._problem(
                    line,
                    f"duplicate key '{key}'",
                    "remove one of them; YAML would silently keep only the last",
                    SourceLocation(self._file, fields[key].line),
                )
                continue
            fields[key] = YamlField(key, line, self.convert(value_node))
        return fields

    def _scalar(self, node: ScalarNode) -> Scalar:
        if node.tag == _STR_TAG:
            return str(node.value)  # most values: no need for the constructor machinery
        try:
            value: object = self._loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            self._problem(
                node.start_mark.line + 1,
                f"unsupported YAML tag '{node.tag}'",
                "remove the tag; catalog values are plain text, numbers and lists",
            )
            # Carry on with the text as written, so that the field is not reported again.
            return str(node.value)
        except ValueError as error:  # a date YAML recognises but cannot be: 2019-13-02
            self._problem(
                node.start_mark.line + 1,
                f"'{node.value}' is not a real date ({error})",
                "write an existing date as YYYY-MM-DD",
            )
            return str(node.value)
        if isinstance(value, str | int | float | bool | dt.date | bytes) or value is None:
            return value
        return str(value)

    def _check_tag(self, node: Node, expected: str, what: str) -> None:
        if node.tag != expected:
            self._problem(
                node.start_mark.line + 1,
                f"unsupported YAML tag '{node.tag}' on {what}",
                "remove the tag",
            )

    def _problem(
        self, line: int, message: str, hint: str, related: SourceLocation | None = None
    ) -> None:
        self._problems.append(Problem(self._file, line, message, hint, related=related))
