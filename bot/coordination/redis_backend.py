"""Redis locks and counter (redis-py asyncio), shared by every replica that uses one REDIS_URL."""

from __future__ import annotations

import contextlib
import math
import secrets
import time
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from bot.coordination.local import InProcessLocks

# A replica that dies holding a lock blocks that name for at most this long.
LEASE_S = 30.0
# How often a waiting replica asks again: short, since a user's update waits meanwhile.
POLL_S = 0.02


class RedisLocks:
    """redis-py's token lock (SET NX PX, released by a script) behind an in-process lock."""

    def __init__(self, client: Redis) -> None:
        self.client = client
        self.local = InProcessLocks()

    @contextlib.asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[None]:
        """Tasks of this process queue locally first, so only one of them polls Redis."""
        async with (
            self.local.hold(name),
            self.client.lock(f"lock:{name}", timeout=LEASE_S, sleep=POLL_S),
        ):
            yield


class RedisCounter:
    """Hit times in a sorted set per key: drop old ones, add, count, all in one transaction."""

    def __init__(self, client: Redis) -> None:
        self.client = client

    async def hit(self, key: str, window_s: float, now: float | None = None) -> int:
        now = time.time() if now is None else now
        name = f"hits:{key}"
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(name, "-inf", now - window_s)
            pipe.zadd(name, {f"{now}:{secrets.token_hex(4)}": now})
            pipe.zcard(name)
            pipe.pexpire(name, max(1, math.ceil(window_s * 1000)))
            _, _, hits, _ = await pipe.execute()
        return int(hits)
