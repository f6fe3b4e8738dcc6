"""Every user-visible text as one CSV row per string, so translators can work in a spreadsheet.

Export writes one row per text with a stable id (`faq.yaml:passport-lost:answer`), its file and
one column per language. Import writes edited cells back into the YAML with ruamel's round-trip
mode, so comments, key order and quoting survive and untouched lines stay byte for byte the same.
Phrasings travel too, one per line inside the cell: they are written per language, and a
spreadsheet is where translators see all five side by side. Matcher internals (keywords, risk
patterns) stay out: they are not translations of each other and follow their own syntax.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import ScalarString

from bot.content.loader import ContentError, Location, language_maps, load_content
from bot.content.models import LANGS
from bot.content.schema import content_files
from bot.content.yamlsource import (
    Problem,
    YamlDocument,
    YamlSyntaxError,
    read_yaml,
    round_trip_yaml,
)

NOT_TRANSLATED = frozenset({"keywords", "patterns", "unless", "human_request"})
LIST_FIELDS = frozenset({"phrasings"})
COLUMNS = ("id", "file", *LANGS)


@dataclass(frozen=True)
class Entry:
    """One translatable text: where it lives and its mapping of languages (a live YAML node)."""

    id: str
    file: str
    node: CommentedMap
    is_list: bool

    def cell(self, lang: str) -> str:
        value = self.node.get(lang)
        if value is None:
            return ""
        return "\n".join(str(item) for item in value) if self.is_list else str(value)


class TranslationError(ContentError):
    """The CSV cannot be applied (or the folder cannot be read); nothing was written."""


def read_documents(directory: Path) -> dict[str, YamlDocument]:
    """Every content file as a live round-trip tree, keyed by its path in the folder."""
    try:
        return {name: read_yaml(directory / name, name) for name in content_files(directory)}
    except YamlSyntaxError as exc:
        raise TranslationError([exc.problem]) from exc


def entries(documents: dict[str, YamlDocument]) -> dict[str, Entry]:
    """Translatable texts by stable id; two texts with one id would make the CSV ambiguous."""
    found: dict[str, Entry] = {}
    for name, doc in documents.items():
        for loc, node in language_maps(doc.data):
            if any(part in NOT_TRANSLATED for part in loc):
                continue
            entry = Entry(_stable_id(name, doc.data, loc), name, node, loc[-1] in LIST_FIELDS)
            if entry.id in found:
                raise TranslationError(
                    [Problem(name, doc.line_of(loc), f"two texts share the id {entry.id}")]
                )
            found[entry.id] = entry
    return found


def _stable_id(name: str, data: Any, loc: Location) -> str:
    """Keys by name and list items by their `id` (or `code`): stable while files are edited."""
    parts = [name]
    node = data
    for key in loc:
        child = node[key]
        if isinstance(key, int):
            parts.append(str(child.get("id") or child.get("code") or f"#{key}"))
        elif not _is_list_of_named(child):
            parts.append(str(key))
        node = child
    return ":".join(parts)


def _is_list_of_named(node: Any) -> bool:
    return isinstance(node, list) and all(
        isinstance(item, dict) and ("id" in item or "code" in item) for item in node
    )


def export_translations(directory: Path, out: Path) -> int:
    """Write the CSV (UTF-8 with BOM, so spreadsheet programs show Cyrillic); returns its rows."""
    rows = [
        [entry.id, entry.file, *(entry.cell(lang) for lang in LANGS)]
        for entry in entries(read_documents(directory)).values()
    ]
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)


def import_translations(directory: Path, source: Path) -> list[str]:
    """Apply the CSV, check the result as the bot would, then write; returns the changed files."""
    documents = read_documents(directory)
    known = entries(documents)
    changed = {entry.file for entry in _apply_rows(_read_rows(source), known, source.name)}
    texts = {name: _dump(documents[name].data) for name in sorted(changed)}
    _validate(directory, texts)
    for name, text in texts.items():
        (directory / name).write_text(text, encoding="utf-8")
    return sorted(texts)


def _read_rows(source: Path) -> list[dict[str, str]]:
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise TranslationError(
                [Problem(source.name, 1, "the first row must name an 'id' column")]
            )
        return list(reader)


def _apply_rows(
    rows: list[dict[str, str]], known: dict[str, Entry], source: str
) -> Iterator[Entry]:
    """Each non-empty cell that differs from the file replaces it; empty cells change nothing."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        entry = known.get(row.get("id") or "")
        if entry is None or entry.id in seen:
            reason = "appears twice" if entry else "is not a text in the content folder"
            problems.append(Problem(source, number, f"id '{row.get('id')}' {reason}"))
            continue
        seen.add(entry.id)
        for lang in LANGS:
            if _apply_cell(entry, lang, row.get(lang) or ""):
                yield entry
    if problems:
        raise TranslationError(problems)


def _apply_cell(entry: Entry, lang: str, cell: str) -> bool:
    if not cell.strip() or _same(entry, lang, cell):
        return False
    old = entry.node.get(lang)
    sibling = next((entry.node[k] for k in LANGS if k in entry.node and k != lang), None)
    if entry.is_list:
        value: Any = _styled_list(old if old is not None else sibling, cell)
    else:
        value = _styled(old if old is not None else sibling, cell.strip())
    if lang in entry.node:
        entry.node[lang] = value
    else:
        entry.node.insert(
            sum(1 for k in LANGS[: LANGS.index(lang)] if k in entry.node), lang, value
        )
    return True


def _same(entry: Entry, lang: str, cell: str) -> bool:
    """Spreadsheets trim spaces and line ends; that alone is not an edit."""
    if entry.is_list:
        return _lines(cell) == [str(item).strip() for item in entry.node.get(lang) or []]
    return cell.strip() == str(entry.node.get(lang) or "").strip()


def _lines(cell: str) -> list[str]:
    return [line.strip() for line in cell.splitlines() if line.strip()]


def _styled(model: Any, text: str) -> Any:
    """The new text in the quoting style of the one it replaces (or of its neighbour)."""
    if isinstance(model, ScalarString):
        if str(model).endswith("\n"):
            text += "\n"
        return type(model)(text)
    return text


def _styled_list(model: Any, cell: str) -> CommentedSeq:
    first = model[0] if model else None
    items = CommentedSeq(_styled(first, line) for line in _lines(cell))
    if isinstance(model, CommentedSeq) and model.fa.flow_style():
        items.fa.set_flow_style()
    return items


def _dump(data: Any) -> str:
    buffer = io.StringIO()
    round_trip_yaml().dump(data, buffer)
    return buffer.getvalue()


def _validate(directory: Path, texts: dict[str, str]) -> None:
    """Load a copy of the folder with the new files, as the bot would; an error stops it all."""
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / "content"
        shutil.copytree(directory, trial)
        for name, text in texts.items():
            (trial / name).write_text(text, encoding="utf-8")
        try:
            load_content(trial)
        except ContentError as exc:
            raise TranslationError(exc.problems) from exc
