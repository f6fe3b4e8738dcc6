"""Locks and the throttling counter behave the same in one process and across Redis replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram.types import Chat, Message, User
from redis.asyncio import Redis

from bot.config import Config
from bot.coordination import (
    Coordination,
    Counter,
    InProcessCounter,
    InProcessLocks,
    Locks,
    RedisCounter,
    RedisLocks,
    open_coordination,
)
from bot.telegram.throttle import FloodGuard
from tests.services import fresh_redis
from tests.test_safety_units import FloodRecorder


@pytest.fixture(params=["in-process", "redis"])
async def replicas(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Locks, Locks]]:
    """Two replicas' views of the locks: one shared object in-process, two clients in Redis."""
    if request.param == "in-process":
        shared = InProcessLocks()
        yield shared, shared
        return
    url = await fresh_redis()
    clients = [Redis.from_url(url), Redis.from_url(url)]
    yield RedisLocks(clients[0]), RedisLocks(clients[1])
    for client in clients:
        await client.aclose()


async def test_one_holder_at_a_time_across_replicas(replicas: tuple[Locks, Locks]) -> None:
    inside: list[int] = []
    most = 0

    async def work(locks: Locks, index: int) -> None:
        nonlocal most
        async with locks.hold("user:abc"):
            inside.append(index)
            most = max(most, len(inside))
            await asyncio.sleep(0.01)
            inside.remove(index)

    await asyncio.gather(*(work(replicas[i % 2], i) for i in range(12)))
    assert most == 1 and inside == []


async def test_different_names_do_not_wait_for_each_other(replicas: tuple[Locks, Locks]) -> None:
    first_in = asyncio.Event()
    second_in = asyncio.Event()

    async def first() -> None:
        async with replicas[0].hold("user:one"):
            first_in.set()
            await second_in.wait()

    async def second() -> None:
        await first_in.wait()
        async with replicas[1].hold("user:two"):
            second_in.set()

    await asyncio.wait_for(asyncio.gather(first(), second()), timeout=5)


async def test_redis_lock_is_released_after_an_error() -> None:
    client = Redis.from_url(await fresh_redis())
    locks = RedisLocks(client)
    with pytest.raises(RuntimeError):
        async with locks.hold("case:7"):
            assert await client.exists("lock:case:7") == 1
            raise RuntimeError("handler failed")
    assert await client.exists("lock:case:7") == 0
    assert len(locks.local) == 0
    await client.aclose()


@pytest.fixture(params=["in-process", "redis"])
async def counters(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Counter, Counter]]:
    """Two replicas' counters: one shared object in-process, two clients of one Redis."""
    if request.param == "in-process":
        shared = InProcessCounter()
        yield shared, shared
        return
    url = await fresh_redis()
    clients = [Redis.from_url(url), Redis.from_url(url)]
    yield RedisCounter(clients[0]), RedisCounter(clients[1])
    for client in clients:
        await client.aclose()


async def test_counter_slides_its_window_across_replicas(
    counters: tuple[Counter, Counter],
) -> None:
    hits = [await counters[i % 2].hit("k", 10, now=100.0 + i) for i in range(4)]
    assert hits == [1, 2, 3, 4]
    assert await counters[1].hit("other", 10, now=103.0) == 1
    assert await counters[0].hit("k", 10, now=110.5) == 4
    assert await counters[1].hit("k", 10, now=125.0) == 1


async def test_flood_limit_holds_whichever_replica_a_message_reaches(
    counters: tuple[Counter, Counter],
) -> None:
    seen = FloodRecorder()
    handled, asked, handler = seen.handled, seen.asked, seen.handler
    guards = [FloodGuard(c, "secret", lambda: 5.0, 3, 30.0, seen.ask_to_wait) for c in counters]
    user = User(id=42, is_bot=False, first_name="X")
    message = Message(message_id=1, date=0, chat=Chat(id=42, type="private"), from_user=user)
    for turn in range(6):
        await guards[turn % 2](handler, message, {"event_from_user": user})
    assert len(handled) == 3 and len(asked) == 1


async def test_counter_uses_the_wall_clock_by_default(counters: tuple[Counter, Counter]) -> None:
    assert [await counters[0].hit("k", 60), await counters[1].hit("k", 60)] == [1, 2]


async def test_redis_counter_keys_expire_with_their_window() -> None:
    client = Redis.from_url(await fresh_redis())
    await RedisCounter(client).hit("short", 0.05)
    assert 0 < await client.pttl("hits:short") <= 50

    async def gone() -> None:
        while await client.exists("hits:short"):
            await asyncio.sleep(0.01)

    await asyncio.wait_for(gone(), timeout=5)
    await client.aclose()


async def test_redis_url_selects_redis_and_its_absence_in_process() -> None:
    url = await fresh_redis()
    shared = await open_coordination(Config(redis_url=url))
    alone = await open_coordination(Config(redis_url=""))
    assert isinstance(shared.locks, RedisLocks) and isinstance(shared.counter, RedisCounter)
    assert isinstance(alone.locks, InProcessLocks) and isinstance(alone.counter, InProcessCounter)
    assert await shared.counter.hit("k", 60) == 1
    for coordination in (shared, alone):
        await coordination.close()
    assert isinstance(Coordination.in_process().locks, InProcessLocks)
