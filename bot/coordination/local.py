"""In-process locks and counter: enough for one replica, the default without REDIS_URL."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

# Expired windows are dropped once this many keys are kept, so memory stays bounded.
PRUNE_AT = 10_000


class InProcessLocks:
    """asyncio locks by name, each freed when its last user leaves."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[None]:
        lock, users = self._held.get(name, (asyncio.Lock(), 0))
        self._held[name] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._held[name]
            if users == 1:
                del self._held[name]
            else:
                self._held[name] = (lock, users - 1)


class InProcessCounter:
    """Fixed windows kept in a dict: the same answers as the Redis counter, for one process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, window_s: float) -> int:
        now = self.clock()
        ends, hits = self._windows.get(key, (now, 0))
        if now >= ends:
            ends, hits = now + window_s, 0
        self._windows[key] = (ends, hits + 1)
        if len(self._windows) > PRUNE_AT:
            self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
        return hits + 1
