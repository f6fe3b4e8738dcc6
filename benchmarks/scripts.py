"""What simulated users send, and how many messages each step must bring back.

Scripts are played once through the real core (`Conversations` on in-memory storage), so the
load generator knows exactly how many replies to wait for and which buttons exist to press.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.content.loader import Content
from bot.events import Ask, Event, Inbound, Say
from bot.service import Conversations
from bot.storage.memory import MemoryStorage
from bot.telegram.render import pieces
from bot.text.language import LANGS

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = 10
NOW = 1_790_000_000.0
StepKind = Literal["command", "text", "press"]


@dataclass(frozen=True)
class Step:
    kind: StepKind
    value: str
    replies: int


@dataclass(frozen=True)
class Script:
    lang: str
    steps: tuple[Step, ...]

    def echoed(self) -> Script:
        """The same updates for the echo bot, which answers each with exactly one message."""
        return Script(self.lang, tuple(Step(s.kind, s.value, 1) for s in self.steps))


def replies(events: list[Event]) -> int:
    return sum(len(pieces(e.text)) for e in events if isinstance(e, Ask | Say))


class Planner:
    """Plays intents through the core; `choose:` intents press the first offered button."""

    def __init__(self, content: Content) -> None:
        self.conversations = Conversations(content, MemoryStorage(), lambda: NOW)
        self.understanding = self.conversations.dialogue.understanding
        self.faq = self._eval_texts("eval_faq.jsonl", danger=False)
        self.danger = self._eval_texts("eval_risk.jsonl", danger=True)
        self.played = 0

    def _eval_texts(self, name: str, danger: bool) -> dict[str, list[str]]:
        """Texts of one language that do (or do not) call for a person, as the bot sees them."""
        found: dict[str, list[str]] = {lang: [] for lang in LANGS}
        for line in (ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if self.understanding.triage(item["text"]).risk.needs_human == danger:
                found.setdefault(item["lang"], []).append(item["text"])
        return found

    async def play(self, lang: str, intents: list[str]) -> Script:
        self.played += 1
        user = f"planner-{self.played}"
        steps: list[Step] = []
        offered: list[str] = []
        for intent in intents:
            kind, _, value = intent.partition(":")
            if kind == "choose":
                kind, value = "press", pick(offered, value.split("|"))
            step_kind: StepKind = kind  # type: ignore[assignment]
            outcome = await self.conversations.handle(user, inbound(step_kind, value, lang))
            offered = [b.data for e in outcome.events if isinstance(e, Ask) for b in e.buttons]
            steps.append(Step(step_kind, value, replies(outcome.events)))
        return Script(lang, tuple(steps))

    async def conversation(self, lang: str, variant: int) -> Script:
        """A visit: menu, two FAQ questions, a hotline card, part of a checklist; one in ten
        ends telling of danger, which opens a case (and leaves it open for the operators).

        Buttons pressed never depend on which FAQ topic answered, so the same scripts hold
        when the FAQ content is grown; older messages' buttons may be pressed, as people do.
        """
        faq = self.faq[lang] or self.faq["ru"]
        first, second = faq[variant % len(faq)], faq[(variant * 7 + 3) % len(faq)]
        intents = [
            "command:start",
            f"press:v1:l:{lang}",
            f"text:{first}",
            "press:v1:m:hotlines",
            "choose:v1:hl:",
            "press:v1:m:checklists",
            "press:v1:fs:offer-check",
            "choose:v1:f:offer-check:",
            "choose:v1:f:offer-check:",
            "choose:v1:f:offer-check:",
            "press:v1:fx:offer-check",
            f"text:{second}",
        ]
        if variant == 0:
            danger = self.danger[lang] or self.danger["ru"]
            intents.append(f"text:{danger[0]}")
        return await self.play(lang, intents)

    async def first_contact(self, lang: str, variant: int) -> Script:
        """One FAQ question from someone new: the cheapest way to be a distinct user."""
        faq = self.faq[lang] or self.faq["ru"]
        return await self.play(lang, [f"text:{faq[variant % len(faq)]}"])

    async def pool(self, visit: bool) -> list[Script]:
        make = self.conversation if visit else self.first_contact
        return [await make(lang, variant) for variant in range(VARIANTS) for lang in LANGS]


def pick(offered: list[str], prefixes: list[str]) -> str:
    for prefix in prefixes:
        for data in offered:
            if data.startswith(prefix):
                return data
    raise LookupError(f"no button starting with {prefixes} among {offered}")


def inbound(kind: StepKind, value: str, lang: str) -> Inbound:
    """What the Telegram adapter makes of the update the load generator will send."""
    if kind == "command":
        return Inbound("command", command=value, lang_hint=lang)
    if kind == "press":
        return Inbound("button", data=value, lang_hint=lang)
    return Inbound("text", text=value, lang_hint=lang)
