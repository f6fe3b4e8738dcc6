"""What the bot keeps, as a protocol: every backend passes one contract test suite."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Case:
    """A conversation handed to operators; `code` is the only name operators ever see."""

    id: int
    user_key: str
    code: str
    lang: str
    reason: str
    categories: tuple[str, ...] = ()
    status: str = "waiting"
    opened_at: float = 0.0
    claimed_at: float | None = None
    closed_at: float | None = None
    thread_id: int | None = None


@dataclass(frozen=True)
class MessagePair:
    """A user-side message and its copy on the operators' side, so replies and edits follow."""

    case_id: int
    user_message_id: int
    operator_message_id: int
    created_at: float = 0.0


@dataclass(frozen=True)
class CounterRow:
    """An anonymous daily counter for donor reports: no user key, ever."""

    day: str
    name: str
    label: str
    value: int


@dataclass(frozen=True)
class NewCase:
    user_key: str
    code: str
    lang: str
    reason: str
    categories: tuple[str, ...] = field(default_factory=tuple)
    opened_at: float = 0.0


class Storage(Protocol):
    """Everything the bot persists; keys are pseudonyms, never Telegram ids."""

    async def load_state(self, user_key: str) -> str | None: ...

    async def save_state(self, user_key: str, state: str, at: float) -> None: ...

    async def open_case(self, new: NewCase) -> Case: ...

    async def active_case(self, user_key: str) -> Case | None: ...

    async def case_by_id(self, case_id: int) -> Case | None: ...

    async def case_by_thread(self, thread_id: int) -> Case | None: ...

    async def update_case(self, case: Case) -> None: ...

    async def add_pair(self, pair: MessagePair) -> None: ...

    async def pair_for_user_message(
        self, case_id: int, user_message_id: int
    ) -> MessagePair | None: ...

    async def pair_for_operator_message(self, operator_message_id: int) -> MessagePair | None: ...

    async def count(self, day: str, name: str, label: str = "", by: int = 1) -> None: ...

    async def counters(self, first_day: str, last_day: str) -> list[CounterRow]: ...

    async def forget_user(self, user_key: str) -> None: ...

    async def purge_before(self, cutoff: float) -> int: ...

    async def close(self) -> None: ...
