"""A conversation's memory as a plain value: JSON in, JSON out, whatever the storage."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.events import Event


@dataclass(frozen=True)
class State:
    """Everything the bot remembers about one conversation; JSON so any storage can keep it."""

    lang: str | None = None
    flow: dict[str, Any] | None = None
    case: dict[str, Any] | None = None
    seen_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | None) -> State:
        """Unknown or broken stored state starts a fresh conversation instead of failing."""
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except (ValueError, TypeError):
            return cls()


Result = tuple[State, list[Event]]
