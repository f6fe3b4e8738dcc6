"""How big each run is: `make bench` (full), `make bench-quick` and the test suite's smoke run.

Quick and smoke keep every row that has a target; growth rows (bigger content, 100k users)
come with the full run, smoke keeps the 10× triage row so the growth code still runs.
"""

from __future__ import annotations

from dataclasses import dataclass

TARGET_PHRASINGS = 10_000
TARGET_USERS = 10_000


@dataclass(frozen=True)
class Sizes:
    name: str
    triage_queries: int
    baseline_queries: int
    content_factors: tuple[int, ...]
    bot_users: int
    bot_concurrency: int
    bot_factors: tuple[int, ...]
    memory_users: int
    storage_users: tuple[int, ...]
    sqlite_ops: int
    tinydb_ops: int


FULL = Sizes(
    name="full",
    triage_queries=1_000,
    baseline_queries=50,
    content_factors=(1, 10, 100),
    bot_users=600,
    bot_concurrency=50,
    bot_factors=(10, 100),
    memory_users=TARGET_USERS,
    storage_users=(1_000, 10_000, 100_000),
    sqlite_ops=5_000,
    tinydb_ops=10,
)
QUICK = Sizes(
    name="quick",
    triage_queries=100,
    baseline_queries=15,
    content_factors=(1,),
    bot_users=60,
    bot_concurrency=20,
    bot_factors=(),
    memory_users=500,
    storage_users=(1_000, 10_000),
    sqlite_ops=500,
    tinydb_ops=2,
)
SMOKE = Sizes(
    name="smoke",
    triage_queries=40,
    baseline_queries=3,
    content_factors=(1, 10),
    bot_users=40,
    bot_concurrency=10,
    bot_factors=(),
    memory_users=200,
    storage_users=(100, 1_000, 10_000),
    sqlite_ops=200,
    tinydb_ops=2,
)
MODES = {"full": FULL, "quick": QUICK, "smoke": SMOKE}
