"""What replicas of the bot must agree on, as protocols: who holds a lock, how many hits."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol


class Locks(Protocol):
    """Named locks: one holder at a time, within this process and across replicas."""

    def hold(self, name: str) -> AbstractAsyncContextManager[None]: ...


class Counter(Protocol):
    """Sliding-window hit counter for throttling; keys are pseudonyms, never Telegram ids."""

    async def hit(self, key: str, window_s: float, now: float | None = None) -> int:
        """One hit at `now` (default: wall clock); returns the hits of the last `window_s` s."""
        ...
