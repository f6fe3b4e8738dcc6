"""Pydantic models for every content file: editors' mistakes are caught before users see them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

LANGS: tuple[str, ...] = ("ru", "ky", "uz", "tg", "en")
# Key for risk patterns made only of word lists ("@boss + @document"): they serve every language.
ANY_LANGUAGE = "any"
Lang = Literal["ru", "ky", "uz", "tg", "en"]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


def per_language(
    item: dict[str, object], required: bool, any_language: bool = False
) -> WithJsonSchema:
    """JSON Schema of a lang -> value mapping, so editors see a missing language as they type."""
    keys = (*LANGS, ANY_LANGUAGE) if any_language else LANGS
    schema: dict[str, object] = {
        "type": "object",
        "description": "One entry per language: ru, ky, uz (Latin script), tg, en.",
        "properties": {key: item for key in keys},
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(LANGS)
    return WithJsonSchema(schema)


_STRING = {"type": "string", "minLength": 1}
_STRINGS = {"type": "array", "items": _STRING}

# Every user-visible text is a mapping lang -> text; missing languages are reported by the checker.
Text = Annotated[dict[str, NonEmpty], per_language(_STRING, required=True)]
TextList = Annotated[dict[str, list[NonEmpty]], per_language(_STRINGS, required=True)]
# Matcher hints that may be empty in a language (keywords, `unless` guards).
OptionalTextList = Annotated[dict[str, list[NonEmpty]], per_language(_STRINGS, required=False)]
# Risk patterns and guards: per language, plus `any` for patterns made only of word lists.
RiskPatterns = Annotated[
    dict[str, list[NonEmpty]], per_language(_STRINGS, required=True, any_language=True)
]
RiskGuards = Annotated[
    dict[str, list[NonEmpty]], per_language(_STRINGS, required=False, any_language=True)
]


class Frozen(BaseModel):
    """Content is read-only once loaded; unknown keys are typos and must fail loudly."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(Frozen):
    """Anything stated as fact carries where it came from and when it was last checked."""

    sources: list[NonEmpty] = Field(default_factory=list)
    reviewed: dt.date | None = None
    verified: bool = False


# --- FAQ -----------------------------------------------------------------------------------------


class FaqTopic(Sourced):
    id: Slug
    title: Text
    answer: Text
    phrasings: TextList
    keywords: OptionalTextList = Field(default_factory=dict)
    related: list[Slug] = Field(default_factory=list)
    flow: Slug | None = None


class FaqFile(Frozen):
    version: int
    topics: list[FaqTopic]


# --- UI strings ----------------------------------------------------------------------------------


class UiFile(Frozen):
    version: int
    strings: dict[Slug, Text]


# --- Risk lexicon --------------------------------------------------------------------------------


class RiskCategory(Frozen):
    id: Slug
    label: Text
    patterns: RiskPatterns
    # Patterns that hand over whatever the danger model thinks (wishing to die, a threat to kill).
    firm: RiskGuards = Field(default_factory=dict)
    unless: RiskGuards = Field(default_factory=dict)


class RiskFile(Frozen):
    version: int
    negations: list[NonEmpty] = Field(default_factory=list)
    words: dict[Slug, TextList] = Field(default_factory=dict)
    human_request: RiskPatterns
    human_request_unless: RiskGuards = Field(default_factory=dict)
    categories: list[RiskCategory]


# --- Checklist flows -----------------------------------------------------------------------------


class RedFlag(Frozen):
    category: Slug
    weight: Annotated[int, Field(ge=1, le=3)]
    handoff: bool = False
    advice: Text


class FlowOption(Frozen):
    id: Slug
    text: Text
    next: Slug | None = None
    set: dict[Slug, str] = Field(default_factory=dict)
    flag: RedFlag | None = None


class FlowStep(Sourced):
    id: Slug
    when: dict[Slug, list[str]] = Field(default_factory=dict)
    question: Text | None = None
    info: Text | None = None
    options: list[FlowOption] = Field(default_factory=list)
    free_text: bool = False
    next: Slug | None = None


class Reminder(Sourced):
    """A deadline the bot may remind about, counted from a day the user names.

    `start: arrival` counts `due_days` from the day of entry; `start: payment` repeats every
    `every_months` from the day the user last paid (a patent paid monthly in advance).
    Only `verified: true` reminders are ever offered.
    """

    id: Slug
    when: dict[Slug, list[str]] = Field(default_factory=dict)
    start: Literal["arrival", "payment"]
    due_days: Annotated[int, Field(ge=1, le=366)] | None = None
    every_months: Annotated[int, Field(ge=1, le=12)] | None = None
    remind_days_before: Annotated[int, Field(ge=0, le=30)] = 3
    title: Text
    text: Text

    @model_validator(mode="after")
    def _one_kind_of_deadline(self) -> Reminder:
        if (self.start == "arrival") != (self.due_days is not None and self.every_months is None):
            raise ValueError("arrival reminders need due_days; payment reminders every_months")
        return self


class Flow(Frozen):
    version: int
    id: Slug
    title: Text
    intro: Text
    related: list[Slug] = Field(default_factory=list)
    steps: list[FlowStep]
    reminders: list[Reminder] = Field(default_factory=list)


# --- Hotlines and services -----------------------------------------------------------------------

HotlineKind = Literal["emergency", "police", "hotline", "labour", "consulate", "migration"]
ServiceKind = Literal["shelter", "legal", "documents", "psychological", "medical", "return"]


class Contact(Sourced):
    id: Slug
    name: Text
    phone: NonEmpty | None = None
    hours: NonEmpty | None = None
    free: bool = False
    languages: list[NonEmpty] = Field(default_factory=list)
    note: Text | None = None


class Hotline(Contact):
    phone: NonEmpty
    kind: HotlineKind


class CountryHotlines(Frozen):
    code: Country
    name: Text
    hotlines: list[Hotline]


class HotlinesFile(Frozen):
    version: int
    countries: list[CountryHotlines]


class Service(Contact):
    country: Country
    region: Slug
    kinds: list[ServiceKind]
    description: Text
    url: str | None = None


class Region(Frozen):
    id: Slug
    country: Country
    name: Text


class ServicesFile(Frozen):
    version: int
    regions: list[Region]
    services: list[Service]
