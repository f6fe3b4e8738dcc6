"""Loads the whole content folder into one immutable snapshot, or reports every problem at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.checks import check_snapshot
from bot.content.models import (
    ANY_LANGUAGE,
    LANGS,
    FaqFile,
    FaqTopic,
    Flow,
    HotlinesFile,
    RiskFile,
    ServicesFile,
    UiFile,
)
from bot.content.yamlsource import Problem, YamlDocument, YamlSyntaxError, read_yaml

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Content:
    """Everything editors maintain, validated and cross-checked; never half-loaded."""

    faq: FaqFile
    ui: UiFile
    risk: RiskFile
    flows: dict[str, Flow]
    hotlines: HotlinesFile
    services: ServicesFile
    documents: dict[str, YamlDocument] = field(default_factory=dict, repr=False, compare=False)

    def text(self, key: str, lang: str, **values: object) -> str:
        """A UI string in `lang` (English, then Russian, when a translation is missing)."""
        variants = self.ui.strings.get(key)
        if variants is None:
            return key
        template = variants.get(lang) or variants.get("en") or variants.get("ru") or key
        return template.format(**values) if values else template

    @cached_property
    def topics_by_id(self) -> dict[str, FaqTopic]:
        return {topic.id: topic for topic in self.faq.topics}


class ContentError(Exception):
    """The content folder cannot be served; `problems` says exactly where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


SINGLE_FILES: dict[str, type[BaseModel]] = {
    "faq.yaml": FaqFile,
    "ui.yaml": UiFile,
    "risk.yaml": RiskFile,
    "hotlines.yaml": HotlinesFile,
    "services.yaml": ServicesFile,
}


def load_content(directory: Path) -> Content:
    """Validate the folder; raise `ContentError` with every error, or return a full snapshot."""
    content, problems = inspect_content(directory)
    errors = [p for p in problems if p.severity == "error"]
    if errors or content is None:
        raise ContentError(errors)
    return content


def inspect_content(directory: Path) -> tuple[Content | None, list[Problem]]:
    """Load what can be loaded and list every problem, errors and warnings alike."""
    if not directory.is_dir():
        return None, [Problem(str(directory), 1, "content folder not found")]
    problems: list[Problem] = []
    documents: dict[str, YamlDocument] = {}
    models: dict[str, Any] = {}
    for name, model in SINGLE_FILES.items():
        models[name] = _load_model(directory / name, model, documents, problems)
    flows: dict[str, Flow] = {}
    for path in sorted((directory / "flows").glob("*.yaml")):
        flow = _load_model(path, Flow, documents, problems, display=f"flows/{path.name}")
        if flow is not None:
            _add_flow(flows, flow, documents[f"flows/{path.name}"], problems)
    if any(value is None for value in models.values()):
        return None, sorted(problems)
    content = Content(
        faq=models["faq.yaml"],
        ui=models["ui.yaml"],
        risk=models["risk.yaml"],
        flows=flows,
        hotlines=models["hotlines.yaml"],
        services=models["services.yaml"],
        documents=documents,
    )
    problems.extend(check_snapshot(content, documents))
    return content, sorted(set(problems), key=_problem_order)


def _problem_order(problem: Problem) -> tuple[int, str, int, str]:
    return (0 if problem.severity == "error" else 1, problem.path, problem.line, problem.message)


def _add_flow(
    flows: dict[str, Flow], flow: Flow, doc: YamlDocument, problems: list[Problem]
) -> None:
    if flow.id in flows:
        problems.append(Problem(doc.path, doc.line_of(["id"]), f"duplicate flow id '{flow.id}'"))
    else:
        flows[flow.id] = flow


def _load_model(
    path: Path,
    model: type[Model],
    documents: dict[str, YamlDocument],
    problems: list[Problem],
    display: str | None = None,
) -> Model | None:
    display = display or path.name
    if not path.is_file():
        problems.append(Problem(display, 1, "file is missing"))
        return None
    try:
        doc = read_yaml(path, display)
    except YamlSyntaxError as exc:
        problems.append(exc.problem)
        return None
    documents[display] = doc
    return validate_document(doc, model, problems)


def validate_document(
    doc: YamlDocument, model: type[Model], problems: list[Problem]
) -> Model | None:
    """Pydantic validation with each error pinned to the line it comes from."""
    problems.extend(missing_translations(doc))
    try:
        return model.model_validate(to_plain(doc.data))
    except ValidationError as exc:
        problems.extend(_pydantic_problems(doc, exc))
        return None


def _pydantic_problems(doc: YamlDocument, exc: ValidationError) -> list[Problem]:
    found = []
    for error in exc.errors():
        loc = [part for part in error["loc"] if isinstance(part, str | int)]
        where = ".".join(str(part) for part in loc)
        found.append(Problem(doc.path, doc.line_of(loc), f"{where}: {error['msg']}"))
    return found


OPTIONAL_PER_LANGUAGE = frozenset({"keywords", "unless", "human_request_unless"})
Location = list[str | int]


def language_maps(node: Any, loc: Location | None = None) -> Iterator[tuple[Location, Any]]:
    """Every mapping keyed by language (title, answer, phrasings ...) with its path in the file."""
    loc = loc or []
    if isinstance(node, dict):
        if node and set(node) & set(LANGS):
            yield loc, node
        for key, value in node.items():
            yield from language_maps(value, [*loc, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from language_maps(value, [*loc, index])


def missing_languages(loc: Location, node: dict[Any, Any]) -> list[str]:
    """Languages a mapping lacks; matcher hints (keywords, unless) may leave some out."""
    if loc and loc[-1] in OPTIONAL_PER_LANGUAGE:
        return []
    return [lang for lang in LANGS if lang not in node or node[lang] in (None, "", [])]


def missing_translations(doc: YamlDocument) -> list[Problem]:
    """Every mapping keyed by language must carry all five; editors see which one is missing."""
    found: list[Problem] = []
    for loc, node in language_maps(doc.data):
        where = ".".join(str(part) for part in loc)
        found += [
            Problem(doc.path, doc.line_of(loc), f"{where}: missing translation '{lang}'")
            for lang in missing_languages(loc, node)
        ]
        found += [
            Problem(doc.path, doc.line_of([*loc, key]), f"{where}: unknown language '{key}'")
            for key in node
            if key not in LANGS and key != ANY_LANGUAGE
        ]
    return found


def to_plain(node: Any) -> Any:
    """Strip ruamel's round-trip types so pydantic sees plain dicts, lists and scalars."""
    if isinstance(node, dict):
        return {str(key): to_plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [to_plain(value) for value in node]
    if isinstance(node, str):
        return str(node)
    return node


class ContentHolder:
    """Serves the last good snapshot; a bad edit is reported and the old content stays live."""

    def __init__(self, directory: Path, content: Content) -> None:
        self.directory = directory
        self.current = content
        self.listeners: list[Callable[[Content], None]] = []

    def reload(self) -> list[Problem]:
        """Try the folder again; on errors keep serving what was good and return the errors."""
        try:
            fresh = load_content(self.directory)
        except ContentError as exc:
            return exc.problems
        self.current = fresh
        for listener in self.listeners:
            listener(fresh)
        return []
