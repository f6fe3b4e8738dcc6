"""Plain values that cross the core's border: what came in, and what the core wants done."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

InboundKind = Literal["text", "button", "command", "media", "system"]


@dataclass(frozen=True)
class Inbound:
    """One user action (or a system notice about their case), stripped of anything Telegram."""

    kind: InboundKind
    text: str = ""
    command: str = ""
    data: str = ""
    media: str = ""
    lang_hint: str | None = None
    at: float = 0.0


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Event:
    """Base of everything the core emits; adapters render or carry out each kind."""


@dataclass(frozen=True)
class Say(Event):
    text: str


@dataclass(frozen=True)
class Ask(Event):
    text: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class ShowMenu(Ask):
    """The main menu: rendered like `Ask`, told apart so adapters may pin or style it."""


@dataclass(frozen=True)
class OpenCase(Event):
    """Hand the conversation to a human: why, in which language, and what the operator needs."""

    reason: Literal["risk", "red_flag", "request"]
    lang: str
    categories: tuple[str, ...] = ()
    phrase: str = ""
    summary: str = ""
    destination: str = ""
    weighed: str = ""  # the person's words the danger model weighed most, when it alone decided


@dataclass(frozen=True)
class RelayToOperator(Event):
    """A user message inside an open case; media kinds are relayed by the adapter as copies."""

    text: str = ""
    media: str = ""


@dataclass(frozen=True)
class Schedule(Event):
    """Run the system notice `job` for this user later; adapters keep it across restarts."""

    job: str
    delay_seconds: int


@dataclass(frozen=True)
class Unschedule(Event):
    """Drop a job scheduled earlier for this user (nothing happens if there is none)."""

    job: str


@dataclass(frozen=True)
class Forget(Event):
    """Erase everything stored about this user; an operators' ban outlives the erasure."""

    keep_ban: bool = False


@dataclass(frozen=True)
class ClearChat(Event):
    """Quick exit: delete this conversation from the user's screen before what follows is shown."""


@dataclass(frozen=True)
class CountEvent(Event):
    """An anonymous counter for donor statistics (topic asked, checklist finished, ...)."""

    name: str
    labels: tuple[tuple[str, str], ...] = field(default_factory=tuple)
