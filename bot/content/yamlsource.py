"""YAML reading that remembers line numbers, so every content error can say `file:line`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth an editor's look) in a content file."""

    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.path}:{self.line}: {tag}{self.message}"


class YamlSyntaxError(Exception):
    """Raised when a file cannot be parsed at all; carries the position the parser gave."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class YamlDocument:
    """Parsed data plus its file name, able to answer "which line is this key on?"."""

    path: str
    data: Any

    def line_of(self, loc: Sequence[str | int]) -> int:
        """Line (1-based) of the deepest node along `loc` that the file really has."""
        node: Any = self.data
        line = _own_line(node)
        for key in loc:
            found = _child_line(node, key)
            if found is None:
                break
            line, node = found
        return line


def _own_line(node: Any) -> int:
    if isinstance(node, CommentedMap | CommentedSeq):
        return int(node.lc.line) + 1
    return 1


def _child_line(node: Any, key: str | int) -> tuple[int, Any] | None:
    if isinstance(node, CommentedMap) and key in node:
        return int(node.lc.key(key)[0]) + 1, node[key]
    if isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
        return int(node.lc.item(key)[0]) + 1, node[key]
    return None


def round_trip_yaml() -> YAML:
    """A parser/dumper that writes our files back byte for byte: quotes, comments, order, nulls."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    yaml.preserve_quotes = True
    yaml.width = 1_000_000
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(type(None), _null)
    return yaml


def _null(representer: Any, _: None) -> Any:
    """`null` stays `null` (ruamel would leave the value empty)."""
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def read_yaml(path: Path, display: str) -> YamlDocument:
    """Parse one file; a syntax error becomes a `YamlSyntaxError` naming its line."""
    parser = round_trip_yaml()
    try:
        data = parser.load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise YamlSyntaxError(Problem(display, line, f"YAML syntax: {message}")) from exc
    except (YAMLError, UnicodeDecodeError) as exc:
        raise YamlSyntaxError(Problem(display, 1, f"YAML syntax: {exc}")) from exc
    return YamlDocument(display, data)
