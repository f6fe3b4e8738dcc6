"""Cross-file checks that a schema alone cannot make: ids, references, phones, flow graphs."""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import phonenumbers
from phonenumbers import shortnumberinfo

from bot.content.flowgraph import check_flow
from bot.content.models import LANGS, Flow
from bot.content.yamlsource import Problem, YamlDocument
from bot.risk.patterns import word_lists_used

if TYPE_CHECKING:
    from bot.content.loader import Content

ANSWER_LIMIT = 700
MIN_PHRASINGS = 8


def check_snapshot(content: Content, docs: dict[str, YamlDocument]) -> list[Problem]:
    """Every cross-reference and editorial rule, each problem pinned to its line."""
    problems: list[Problem] = []
    problems += _check_faq(content, docs["faq.yaml"])
    problems += _check_ui(content, docs["ui.yaml"])
    problems += _check_hotlines(content, docs["hotlines.yaml"])
    problems += _check_services(content, docs["services.yaml"])
    problems += _duplicates(
        docs["risk.yaml"], "categories", [c.id for c in content.risk.categories]
    )
    problems += _check_risk_words(content, docs["risk.yaml"])
    topic_ids = {topic.id for topic in content.faq.topics}
    for name, doc in docs.items():
        if name.startswith("flows/"):
            flow = content.flows.get(str(doc.data.get("id")))
            if flow is not None:
                problems += check_flow(flow, doc, topic_ids)
                problems += _flow_lengths(flow, doc)
    return problems


def _check_risk_words(content: Content, doc: YamlDocument) -> Iterator[Problem]:
    """Every "@name" in a risk pattern must name a word list in `words:`."""
    risk = content.risk
    places: list[tuple[list[str | int], Mapping[str, list[str]]]] = [
        (["human_request"], risk.human_request),
        (["human_request_unless"], risk.human_request_unless),
    ]
    for index, category in enumerate(risk.categories):
        places.append((["categories", index, "patterns"], category.patterns))
        places.append((["categories", index, "unless"], category.unless))
    for loc, by_lang in places:
        for lang, patterns in by_lang.items():
            for pos, pattern in enumerate(patterns):
                for name in word_lists_used(pattern):
                    if name not in risk.words:
                        line = doc.line_of([*loc, lang, pos])
                        yield Problem(doc.path, line, f"unknown word list '@{name}'")


def _duplicates(doc: YamlDocument, key: str, ids: list[str]) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            yield Problem(doc.path, doc.line_of([key, index, "id"]), f"duplicate id '{item_id}'")
        seen.add(item_id)


def _check_faq(content: Content, doc: YamlDocument) -> Iterator[Problem]:
    topics = content.faq.topics
    yield from _duplicates(doc, "topics", [t.id for t in topics])
    known = {t.id for t in topics}
    for index, topic in enumerate(topics):
        loc: list[str | int] = ["topics", index]
        for pos, ref in enumerate(topic.related):
            if ref not in known:
                line = doc.line_of([*loc, "related", pos])
                yield Problem(doc.path, line, f"{topic.id}: unknown related topic '{ref}'")
        if topic.flow and topic.flow not in content.flows:
            yield Problem(
                doc.path, doc.line_of([*loc, "flow"]), f"{topic.id}: unknown flow '{topic.flow}'"
            )
        yield from _editorial_faq(topic, doc, loc)


def _editorial_faq(topic: Any, doc: YamlDocument, loc: list[str | int]) -> Iterator[Problem]:
    yield from _too_long(topic.answer, doc, [*loc, "answer"], f"{topic.id}: answer")
    for lang in LANGS:
        count = len(topic.phrasings.get(lang, []))
        if 0 < count < MIN_PHRASINGS:
            line = doc.line_of([*loc, "phrasings", lang])
            message = f"{topic.id}: only {count} phrasings in '{lang}' (want {MIN_PHRASINGS})"
            yield Problem(doc.path, line, message, "warning")
    yield from _unverified(topic, doc, loc)


def _too_long(
    texts: dict[str, str] | None, doc: YamlDocument, loc: list[str | int], label: str
) -> Iterator[Problem]:
    """A text longer than a phone screen: people stop reading, so editors should shorten it."""
    for lang, text in (texts or {}).items():
        if len(text) > ANSWER_LIMIT:
            message = f"{label} in '{lang}' is {len(text)} characters (limit {ANSWER_LIMIT})"
            yield Problem(doc.path, doc.line_of([*loc, lang]), message, "warning")


def _flow_lengths(flow: Flow, doc: YamlDocument) -> Iterator[Problem]:
    yield from _too_long(flow.intro, doc, ["intro"], f"{flow.id}: intro")
    for index, step in enumerate(flow.steps):
        loc: list[str | int] = ["steps", index]
        yield from _too_long(step.question, doc, [*loc, "question"], f"{step.id}: question")
        yield from _too_long(step.info, doc, [*loc, "info"], f"{step.id}: info")
        for o_index, option in enumerate(step.options):
            if option.flag is not None:
                where = [*loc, "options", o_index, "flag", "advice"]
                yield from _too_long(option.flag.advice, doc, where, f"{option.id}: advice")


def _check_ui(content: Content, doc: YamlDocument) -> Iterator[Problem]:
    """Placeholders must parse and agree across languages, or the bot would fail mid-reply."""
    for key, variants in content.ui.strings.items():
        fields: dict[str, set[str]] = {}
        for lang, template in variants.items():
            line = doc.line_of(["strings", key, lang])
            try:
                fields[lang] = placeholders(template)
            except ValueError as exc:
                yield Problem(doc.path, line, f"{key}: '{lang}' text has a broken {{...}}: {exc}")
        reference = fields.get("en", next(iter(fields.values()), set()))
        for lang, found in fields.items():
            if found != reference:
                line = doc.line_of(["strings", key, lang])
                message = (
                    f"{key}: '{lang}' has placeholders {_braces(found)}, "
                    f"English has {_braces(reference)}"
                )
                yield Problem(doc.path, line, message)


def placeholders(template: str) -> set[str]:
    """Names in {braces}; a stray brace or a positional/attribute field raises ValueError."""
    names: set[str] = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier():
            raise ValueError(
                f"'{{{name}}}' is not a name like {{code}} (use {{{{ }}}} for braces)"
            )
        names.add(name)
    return names


def _braces(names: set[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names)) or "none"


def _unverified(entry: Any, doc: YamlDocument, loc: list[str | int]) -> Iterator[Problem]:
    if not entry.verified:
        yield Problem(doc.path, doc.line_of(loc), f"{entry.id}: not verified yet", "note")


def _check_hotlines(content: Content, doc: YamlDocument) -> Iterator[Problem]:
    countries = content.hotlines.countries
    yield from _duplicates(doc, "countries", [c.code for c in countries])
    seen: set[str] = set()
    for c_index, country in enumerate(countries):
        for h_index, hotline in enumerate(country.hotlines):
            loc: list[str | int] = ["countries", c_index, "hotlines", h_index]
            if hotline.id in seen:
                yield Problem(doc.path, doc.line_of([*loc, "id"]), f"duplicate id '{hotline.id}'")
            seen.add(hotline.id)
            yield from _phone_problem(hotline.phone, country.code, doc, [*loc, "phone"])
            yield from _unverified(hotline, doc, loc)


def _check_services(content: Content, doc: YamlDocument) -> Iterator[Problem]:
    services = content.services
    yield from _duplicates(doc, "regions", [r.id for r in services.regions])
    yield from _duplicates(doc, "services", [s.id for s in services.services])
    regions = {r.id: r for r in services.regions}
    for index, service in enumerate(services.services):
        loc: list[str | int] = ["services", index]
        region = regions.get(service.region)
        if region is None:
            line = doc.line_of([*loc, "region"])
            yield Problem(doc.path, line, f"{service.id}: unknown region '{service.region}'")
        elif region.country != service.country:
            line = doc.line_of([*loc, "region"])
            yield Problem(
                doc.path, line, f"{service.id}: region '{region.id}' is not in {service.country}"
            )
        if service.phone:
            yield from _phone_problem(service.phone, service.country, doc, [*loc, "phone"])
        yield from _unverified(service, doc, loc)


SHORT_CODE_DIGITS = 6


def _phone_problem(
    phone: str, country: str, doc: YamlDocument, loc: Iterable[str | int]
) -> Iterator[Problem]:
    """Full numbers must be valid; short codes libphonenumber does not know get a warning."""
    if is_valid_phone(phone, country):
        return
    line = doc.line_of(list(loc))
    digits = phone.replace(" ", "")
    if digits.isdigit() and len(digits) <= SHORT_CODE_DIGITS:
        message = f"short number '{phone}' is unknown to libphonenumber for {country}: confirm it"
        yield Problem(doc.path, line, message, "warning")
    else:
        yield Problem(doc.path, line, f"bad phone number '{phone}' for {country}")


def is_valid_phone(phone: str, country: str) -> bool:
    """A full number valid for its country, or a short number (112, 80060) valid there."""
    try:
        parsed = phonenumbers.parse(phone, country)
    except phonenumbers.NumberParseException:
        return False
    if phonenumbers.is_valid_number(parsed):
        return True
    return bool(shortnumberinfo.is_valid_short_number_for_region(parsed, country))


def dialable(phone: str, country: str) -> str:
    """E.164 for full numbers, digits as dialled for short ones."""
    try:
        parsed = phonenumbers.parse(phone, country)
    except phonenumbers.NumberParseException:
        return phone
    if phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return phone
