"""Conversation state reads and writes per second: our SQLite store next to TinyDB."""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from tinydb import Query, TinyDB

from benchmarks.sizes import Sizes
from benchmarks.table import Row
from bot.state import State
from bot.storage.sqlite import SqliteStorage

BASELINE = "TinyDB"
NOW = 1_790_000_000.0


def sample_state(user: int) -> str:
    """What a user midway through a checklist leaves behind: a typical, not a tiny, record."""
    answers = [["where", "home"], ["age", "adult"], ["who", "agency"], ["fee", "no"]]
    flow = {"flow": "offer-check", "step": "contract", "answers": answers, "lang": "ru"}
    return State(lang="ru", flow=flow, seen_at=NOW + user).to_json()


def key(user: int) -> str:
    return f"user-{user:08d}-pseudonym"


async def per_second(operation: Callable[[int], Awaitable[object]], users: list[int]) -> float:
    start = time.perf_counter()
    for user in users:
        await operation(user)
    return len(users) / (time.perf_counter() - start)


async def sqlite_rates(folder: Path, population: int, ops: int) -> tuple[float, float]:
    """Writes and reads per second through the store's own methods, on a filled database."""
    storage = await SqliteStorage.open(folder / f"sqlite-{population}.sqlite3")
    rows = [(key(user), sample_state(user), NOW) for user in range(population)]
    await storage.db.execute("BEGIN")
    await storage.db.executemany(
        "INSERT INTO states(user_key, state, updated_at) VALUES (?, ?, ?)", rows
    )
    await storage.db.execute("COMMIT")
    picked = random.Random(population).choices(range(population), k=ops)
    try:
        writes = await per_second(
            lambda user: storage.save_state(key(user), sample_state(user + 1), NOW + 1), picked
        )
        reads = await per_second(lambda user: storage.load_state(key(user)), picked)
    finally:
        await storage.close()
    return writes, reads


async def tinydb_rates(folder: Path, population: int, ops: int) -> tuple[float, float]:
    """The same upserts and lookups; TinyDB rewrites its whole JSON file on every write."""
    database = TinyDB(folder / f"tiny-{population}.json")
    table = database.table("states")
    table.insert_multiple(
        {"user_key": key(user), "state": sample_state(user), "updated_at": NOW}
        for user in range(population)
    )
    record = Query()
    picked = random.Random(population).choices(range(population), k=ops)

    async def write(user: int) -> None:
        document = {"user_key": key(user), "state": sample_state(user + 1), "updated_at": NOW}
        table.upsert(document, record.user_key == key(user))

    async def read(user: int) -> None:
        table.get(record.user_key == key(user))

    try:
        return await per_second(write, picked), await per_second(read, picked)
    finally:
        database.close()


async def rows(sizes: Sizes) -> list[Row]:
    found: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        folder = Path(tmp)
        for population in sizes.storage_users:
            ours = await sqlite_rates(folder, population, sizes.sqlite_ops)
            theirs = await tinydb_rates(folder, population, sizes.tinydb_ops)
            for index, verb in enumerate(("writes", "reads")):
                found.append(
                    Row(
                        f"state {verb}, {population:,} users (SQLite store)",
                        "ops/s",
                        ours[index],
                        theirs[index],
                        BASELINE,
                    )
                )
    return found
