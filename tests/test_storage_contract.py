"""One contract, every backend: what the bot keeps behaves the same in memory and in SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.storage import (
    MemoryStorage,
    MessagePair,
    NewCase,
    ScheduledJob,
    SqliteStorage,
    Storage,
)


@pytest.fixture(params=["memory", "sqlite"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    store: Storage
    if request.param == "memory":
        store = MemoryStorage()
    else:
        store = await SqliteStorage.open(tmp_path / "bot.sqlite3")
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


async def test_scheduled_jobs_replace_cancel_and_go_with_forget(storage: Storage) -> None:
    await storage.schedule_job("u1", "reminder:a", 50.0)
    await storage.schedule_job("u1", "reminder:a", 60.0)
    await storage.schedule_job("u1", "reminder:b", 40.0)
    await storage.schedule_job("u2", "reminder:a", 70.0)
    assert await storage.scheduled_jobs() == [
        ScheduledJob("u1", "reminder:b", 40.0),
        ScheduledJob("u1", "reminder:a", 60.0),
        ScheduledJob("u2", "reminder:a", 70.0),
    ]
    assert await storage.cancel_job("u1", "reminder:b") is True
    assert await storage.cancel_job("u1", "reminder:b") is False
    assert await storage.cancel_job("u1", "never-scheduled") is False
    await storage.forget_user("u2")
    assert await storage.scheduled_jobs() == [ScheduledJob("u1", "reminder:a", 60.0)]


async def test_retention_keeps_what_a_pending_reminder_needs(storage: Storage) -> None:
    for key in ("waiting", "idle"):
        await storage.save_state(key, '{"lang":"uz"}', 100.0)
        await storage.save_address(key, f"sealed-{key}", 100.0)
    await storage.schedule_job("waiting", "reminder:a", 9_000.0)
    await storage.purge_before(500.0)
    assert await storage.load_state("waiting") == '{"lang":"uz"}'
    assert await storage.load_address("waiting") == "sealed-waiting"
    assert await storage.load_state("idle") is None
    assert await storage.load_address("idle") is None


async def test_rename_user_moves_state_cases_jobs_and_address(storage: Storage) -> None:
    await storage.save_state("old", '{"lang":"tg"}', 1.0)
    await storage.save_address("old", "sealed-old", 1.0)
    case = await storage.open_case(NewCase("old", "#FFFF", "tg", "risk", (), 1.0))
    await storage.schedule_job("old", "reminder:a", 5.0)
    await storage.save_state("other", "{}", 1.0)
    await storage.rename_user("old", "new", "sealed-new")
    assert await storage.load_state("old") is None
    assert await storage.load_state("new") == '{"lang":"tg"}'
    assert await storage.sealed_addresses() == [("new", "sealed-new")]
    assert (await storage.case_by_id(case.id)).user_key == "new"  # type: ignore[union-attr]
    assert await storage.scheduled_jobs() == [ScheduledJob("new", "reminder:a", 5.0)]
    assert await storage.load_state("other") == "{}"
