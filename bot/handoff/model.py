"""Records of handoff cases, shared by the pure case logic and every storage backend."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    escalated_at: float | None = None


@dataclass(frozen=True)
class MessagePair:
    """A user-side message and its copy on the operators' side, so replies and edits follow."""

    case_id: int
    user_message_id: int
    operator_message_id: int
    created_at: float = 0.0


@dataclass(frozen=True)
class OutboxItem:
    """A relay written down before it is sent, so a crash between receiving and sending loses
    nothing; `message_id` is the message to copy (the user's or the operator's)."""

    id: int
    case_id: int
    user_key: str
    direction: str
    message_id: int
    created_at: float = 0.0


@dataclass(frozen=True)
class CounterRow:
    """An anonymous daily counter for donor reports: no user key, ever."""

    day: str
    name: str
    label: str
    value: int


@dataclass(frozen=True)
class ScheduledJob:
    """A system notice due for a user later (a deadline reminder); kept so restarts keep it."""

    user_key: str
    job: str
    run_at: float


@dataclass(frozen=True)
class NewCase:
    user_key: str
    code: str
    lang: str
    reason: str
    categories: tuple[str, ...] = field(default_factory=tuple)
    opened_at: float = 0.0
