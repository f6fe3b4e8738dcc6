"""Pydantic models for every content file: editors' mistakes are caught before users see them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

LANGS: tuple[str, ...] = ("ru", "ky", "uz", "tg", "en")
# Key for risk patterns made only of word lists ("@boss + @document"): they serve every language.
ANY_LANGUAGE = "any"
Lang = Literal["ru", "ky", "uz", "tg", "en"]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]

# Every user-visible text is a mapping lang -> text; missing languages are reported by the checker.
Text = dict[str, NonEmpty]
TextList = dict[str, list[NonEmpty]]


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
    keywords: TextList = Field(default_factory=dict)
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
    patterns: TextList
    unless: TextList = Field(default_factory=dict)


class RiskFile(Frozen):
    version: int
    negations: list[NonEmpty] = Field(default_factory=list)
    words: dict[Slug, TextList] = Field(default_factory=dict)
    human_request: TextList
    human_request_unless: TextList = Field(default_factory=dict)
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


class Flow(Frozen):
    version: int
    id: Slug
    title: Text
    intro: Text
    related: list[Slug] = Field(default_factory=list)
    steps: list[FlowStep]


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
