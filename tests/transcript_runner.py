"""Golden conversations: user lines in, expected events out, through the real core and storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from bot.console.chat import to_inbound
from bot.content.loader import Content
from bot.events import (
    Ask,
    Button,
    ClearChat,
    CountEvent,
    Event,
    Forget,
    Inbound,
    OpenCase,
    RelayToOperator,
    Say,
    ShowMenu,
)
from bot.service import Conversations
from bot.storage import MemoryStorage

EVENT_TYPES: dict[type[Event], str] = {
    ShowMenu: "menu",
    Ask: "ask",
    Say: "say",
    OpenCase: "open_case",
    RelayToOperator: "relay",
    Forget: "forget",
    ClearChat: "clear",
    CountEvent: "count",
}


def event_type(event: Event) -> str:
    return EVENT_TYPES[type(event)]


def describe(event: Event) -> str:
    text = getattr(event, "text", "") or ""
    buttons = [b.label for b in getattr(event, "buttons", ())]
    extra = f" {list(getattr(event, 'categories', ()))}" if isinstance(event, OpenCase) else ""
    return f"{event_type(event)}{extra}: {text[:80]!r} {buttons}"


def matches(expected: dict[str, Any], event: Event) -> bool:
    kind = expected["type"]
    if kind != event_type(event) and not (kind == "ask" and isinstance(event, Ask)):
        return False
    text = (getattr(event, "text", "") or "").casefold()
    if any(part.casefold() not in text for part in _as_list(expected.get("text"))):
        return False
    labels = " | ".join(b.label for b in getattr(event, "buttons", ())).casefold()
    if any(part.casefold() not in labels for part in _as_list(expected.get("buttons"))):
        return False
    if isinstance(event, OpenCase):
        if not set(expected.get("categories", [])) <= set(event.categories):
            return False
        if "reason" in expected and expected["reason"] != event.reason:
            return False
    return not (expected.get("count") and getattr(event, "name", None) != expected["count"])


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


@dataclass
class TranscriptRun:
    """Drives one conversation; `restart` builds a fresh core on the same storage."""

    content: Content
    storage: MemoryStorage = field(default_factory=MemoryStorage)
    clock: float = 1_790_000_000.0
    buttons: list[Button] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.conversations = Conversations(self.content, self.storage, lambda: self.clock)

    def restart(self) -> None:
        self.conversations = Conversations(self.content, self.storage, lambda: self.clock)

    async def send(self, line: str, lang: str | None = None) -> list[Event]:
        self.clock += 5
        inbound = to_inbound(line, self.buttons, lang)
        if line.startswith("press:"):
            inbound = Inbound("button", data=line.removeprefix("press:"), lang_hint=lang)
        outcome = await self.conversations.handle("transcript-user", inbound)
        offered = [b for e in outcome.events for b in getattr(e, "buttons", ())]
        if offered:
            self.buttons = offered
        return outcome.events


def check_step(step: dict[str, Any], events: list[Event]) -> list[str]:
    """Expected events must appear in order; `absent` types must not appear at all."""
    problems = []
    position = 0
    for expected in step.get("expect", []):
        while position < len(events) and not matches(expected, events[position]):
            position += 1
        if position == len(events):
            got = "\n    ".join(describe(e) for e in events)
            problems.append(f"after {step.get('send')!r}: missing {expected}\n  got:\n    {got}")
            break
        position += 1
    for kind in step.get("absent", []):
        if any(event_type(e) == kind for e in events):
            problems.append(f"after {step.get('send')!r}: unexpected {kind}")
    return problems


async def run_transcript(content: Content, path: Path) -> list[str]:
    script = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    run = TranscriptRun(content)
    problems: list[str] = []
    for step in script["steps"]:
        if step.get("restart"):
            run.restart()
            continue
        events = await run.send(str(step["send"]), script.get("lang_hint"))
        problems += check_step(step, events)
    return problems
