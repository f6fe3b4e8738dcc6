"""JSON Schemas of the content files, so editors' YAML plugins flag mistakes while they type."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from bot.content.models import FaqFile, Flow, HotlinesFile, RiskFile, ServicesFile, UiFile

SCHEMA_DIR = "schema"
SCHEMAS: dict[str, type[BaseModel]] = {
    "faq": FaqFile,
    "ui": UiFile,
    "risk": RiskFile,
    "flow": Flow,
    "hotlines": HotlinesFile,
    "services": ServicesFile,
}
MODELINE_PREFIX = "# yaml-language-server: $schema="


def schema_text(name: str) -> str:
    """One schema as stable, readable JSON (sorted keys, so regenerating gives the same bytes)."""
    schema = SCHEMAS[name].model_json_schema()
    document = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"migrant-bot content: {name}",
        **schema,
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def schema_for(relative: str) -> str:
    """Which schema a content file follows: `flows/x.yaml` -> `flow`, `faq.yaml` -> `faq`."""
    if relative.startswith("flows/"):
        return "flow"
    return relative.removesuffix(".yaml")


def modeline(relative: str) -> str:
    """The first line that points VS Code's YAML extension at the file's schema."""
    up = "../" * relative.count("/") or "./"
    return f"{MODELINE_PREFIX}{up}{SCHEMA_DIR}/{schema_for(relative)}.json"


def content_files(directory: Path) -> list[str]:
    """Every content file the bot reads, relative to the content folder."""
    singles = [f"{name}.yaml" for name in SCHEMAS if name != "flow"]
    flows = [f"flows/{path.name}" for path in sorted((directory / "flows").glob("*.yaml"))]
    return [name for name in singles if (directory / name).is_file()] + flows


def write_schemas(directory: Path) -> list[Path]:
    """Write every schema and give each content file its modeline; returns the files changed."""
    changed: list[Path] = []
    target = directory / SCHEMA_DIR
    target.mkdir(parents=True, exist_ok=True)
    for name in SCHEMAS:
        changed += _write_if_different(target / f"{name}.json", schema_text(name))
    for relative in content_files(directory):
        path = directory / relative
        changed += _write_if_different(path, with_modeline(path.read_text("utf-8"), relative))
    return changed


def with_modeline(text: str, relative: str) -> str:
    """The file's text with the right modeline on top (an old or wrong one is replaced)."""
    first, _, rest = text.partition("\n")
    body = rest if first.startswith(MODELINE_PREFIX) else text
    return f"{modeline(relative)}\n{body}"


def _write_if_different(path: Path, text: str) -> list[Path]:
    if path.is_file() and path.read_text("utf-8") == text:
        return []
    path.write_text(text, encoding="utf-8")
    return [path]
