"""One contract, every backend: what the bot keeps behaves the same in memory, SQLite, Postgres."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.storage import (
    MemoryStorage,
    MessagePair,
    NewCase,
    PostgresStorage,
    SqliteStorage,
    Storage,
)
from tests.services import fresh_postgres


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    store: Storage
    if request.param == "memory":
        store = MemoryStorage()
    elif request.param == "sqlite":
        store = await SqliteStorage.open(tmp_path / "bot.sqlite3")
    else:
        store = await PostgresStorage.open(await fresh_postgres())
    yield store
    await store.close()


async def test_state_round_trip_and_overwrite(storage: Storage) -> None:
    assert await storage.load_state("u1") is None
    await storage.save_state("u1", '{"lang":"ru"}', 10.0)
    await storage.save_state("u1", '{"lang":"ky"}', 11.0)
    assert await storage.load_state("u1") == '{"lang":"ky"}'
    assert await storage.load_state("u2") is None


async def test_case_lifecycle(storage: Storage) -> None:
    case = await storage.open_case(NewCase("u1", "#K7Q2", "ru", "risk", ("violence",), 5.0))
    assert case.status == "waiting" and case.categories == ("violence",) and case.code == "#K7Q2"
    assert await storage.active_case("u1") == case
    claimed = replace(case, status="claimed", claimed_at=6.0, thread_id=77)
    await storage.update_case(claimed)
    assert await storage.case_by_thread(77) == claimed
    assert await storage.case_by_id(case.id) == claimed
    await storage.update_case(replace(claimed, status="closed", closed_at=7.0))
    assert await storage.active_case("u1") is None


async def test_message_pairs_found_both_ways(storage: Storage) -> None:
    case = await storage.open_case(NewCase("u1", "#AAAA", "en", "request", (), 1.0))
    pair = MessagePair(case.id, 10, 900, 1.0)
    await storage.add_pair(pair)
    assert await storage.pair_for_user_message(case.id, 10) == pair
    assert await storage.pair_for_operator_message(900) == pair
    assert await storage.pair_for_operator_message(901) is None


async def test_counters_add_up_per_day(storage: Storage) -> None:
    await storage.count("2026-11-01", "faq_topic", "ru-patent")
    await storage.count("2026-11-01", "faq_topic", "ru-patent", by=2)
    await storage.count("2026-11-03", "conversations")
    rows = await storage.counters("2026-11-01", "2026-11-02")
    assert [(r.day, r.name, r.label, r.value) for r in rows] == [
        ("2026-11-01", "faq_topic", "ru-patent", 3)
    ]


async def test_forget_user_erases_state_cases_and_pairs(storage: Storage) -> None:
    await storage.save_state("u1", "{}", 1.0)
    case = await storage.open_case(NewCase("u1", "#BBBB", "ru", "risk", (), 1.0))
    await storage.add_pair(MessagePair(case.id, 1, 2, 1.0))
    await storage.save_state("u2", "{}", 1.0)
    await storage.forget_user("u1")
    assert await storage.load_state("u1") is None
    assert await storage.active_case("u1") is None
    assert await storage.case_by_id(case.id) is None
    assert await storage.pair_for_operator_message(2) is None
    assert await storage.load_state("u2") == "{}"


async def test_retention_purges_old_data_but_keeps_counters(storage: Storage) -> None:
    await storage.save_state("old", "{}", 100.0)
    await storage.save_state("new", "{}", 1000.0)
    case = await storage.open_case(NewCase("old", "#CCCC", "ru", "risk", (), 100.0))
    await storage.update_case(replace(case, status="closed", closed_at=150.0))
    await storage.count("2026-01-01", "conversations")
    removed = await storage.purge_before(500.0)
    assert removed >= 2
    assert await storage.load_state("old") is None
    assert await storage.load_state("new") == "{}"
    assert await storage.case_by_id(case.id) is None
    assert len(await storage.counters("2026-01-01", "2026-01-01")) == 1


async def test_sqlite_reopens_with_data_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = await SqliteStorage.open(path)
    await first.save_state("u1", '{"lang":"tg"}', 1.0)
    await first.close()
    second = await SqliteStorage.open(path)
    assert await second.load_state("u1") == '{"lang":"tg"}'
    async with second.db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    assert row is not None and row[0] >= 1
    await second.close()


async def test_addresses_and_waiting_cases(storage: Storage) -> None:
    await storage.save_address("u1", "sealed-1", 1.0)
    await storage.save_address("u1", "sealed-2", 2.0)
    assert await storage.load_address("u1") == "sealed-2"
    first = await storage.open_case(NewCase("u1", "#DDDD", "ru", "risk", (), 1.0))
    second = await storage.open_case(NewCase("u2", "#EEEE", "ru", "risk", (), 2.0))
    await storage.update_case(replace(second, status="claimed", escalated_at=3.0))
    assert await storage.waiting_cases() == [first]
    assert (await storage.case_by_id(second.id)).escalated_at == 3.0  # type: ignore[union-attr]
    await storage.forget_user("u1")
    assert await storage.load_address("u1") is None
