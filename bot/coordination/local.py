"""In-process locks and counter: enough for one replica, the default without REDIS_URL."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from bot.locks import KeyedLocks

# Idle keys are dropped once this many are kept, so memory stays bounded.
PRUNE_AT = 10_000


# asyncio locks by name, each freed when its last user leaves.
InProcessLocks = KeyedLocks


class InProcessCounter:
    """Hit times per key in memory: the same answers as the Redis counter, for one process."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    async def hit(self, key: str, window_s: float, now: float | None = None) -> int:
        now = self.clock() if now is None else now
        if len(self._hits) > PRUNE_AT:
            self._hits = {k: h for k, h in self._hits.items() if h and h[-1] > now - window_s}
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - window_s:
            hits.popleft()
        hits.append(now)
        return len(hits)
