"""Locks and counters that make replicas act as one bot: Redis with REDIS_URL, else in-process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.config import Config
from bot.coordination.base import Counter, Locks
from bot.coordination.local import InProcessCounter, InProcessLocks
from bot.coordination.redis_backend import RedisCounter, RedisLocks

__all__ = [
    "Coordination",
    "Counter",
    "InProcessCounter",
    "InProcessLocks",
    "Locks",
    "RedisCounter",
    "RedisLocks",
    "open_coordination",
]


@dataclass(frozen=True)
class Coordination:
    """What one replica shares with the others, and how to let go of it at shutdown."""

    locks: Locks
    counter: Counter
    close: Callable[[], Awaitable[None]]

    @classmethod
    def in_process(cls) -> Coordination:
        return cls(InProcessLocks(), InProcessCounter(), _nothing_to_close)


async def open_coordination(config: Config) -> Coordination:
    """Redis when REDIS_URL is set (checked at once, so a wrong URL fails at start-up)."""
    if not config.redis_url:
        return Coordination.in_process()
    client = Redis.from_url(config.redis_url)
    await client.ping()
    return Coordination(RedisLocks(client), RedisCounter(client), client.aclose)


async def _nothing_to_close() -> None:
    """One process needs no shared resources released."""
