"""Keyed locks: one holder per key at a time, first come first served, nothing left behind."""

from __future__ import annotations

import asyncio

from bot.locks import KeyedLocks


async def test_same_key_runs_in_arrival_order_and_other_keys_do_not_wait() -> None:
    locks = KeyedLocks()
    done: list[str] = []
    release = asyncio.Event()

    async def work(key: str, name: str, wait: bool) -> None:
        async with locks.hold(key):
            if wait:
                await release.wait()
            done.append(name)

    tasks = [
        asyncio.create_task(work("a", "a1", wait=True)),
        asyncio.create_task(work("a", "a2", wait=False)),
        asyncio.create_task(work("b", "b1", wait=False)),
    ]
    await asyncio.sleep(0.01)
    assert done == ["b1"] and len(locks) == 1
    release.set()
    await asyncio.gather(*tasks)
    assert done == ["b1", "a1", "a2"]
    assert len(locks) == 0
