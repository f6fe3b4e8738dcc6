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


async def test_retention_covers_pairs_abandoned_cases_outbox_and_trail(storage: Storage) -> None:
    await storage.save_state("active", "{}", 1000.0)
    closed_late = await storage.open_case(NewCase("active", "#FFFF", "ru", "risk", (), 100.0))
    await storage.update_case(replace(closed_late, status="closed", closed_at=900.0))
    abandoned = await storage.open_case(NewCase("gone", "#GGGG", "ru", "risk", (), 100.0))
    still_open = await storage.open_case(NewCase("active", "#HHHH", "ru", "risk", (), 100.0))
    await storage.add_pair(MessagePair(still_open.id, 1, 11, 100.0))
    await storage.add_pair(MessagePair(still_open.id, 2, 12, 900.0))
    await storage.outbox_add(still_open.id, "active", "to_operators", 1, 100.0)
    fresh = await storage.outbox_add(still_open.id, "active", "to_operators", 2, 900.0)
    await storage.track_messages("active", [5], 100.0)
    await storage.track_messages("active", [6], 900.0)
    await storage.save_address("gone", "sealed", 100.0)
    await storage.purge_before(500.0)
    assert await storage.case_by_id(abandoned.id) is None
    assert await storage.case_by_id(still_open.id) is not None
    assert await storage.case_by_id(closed_late.id) is not None
    assert await storage.pair_for_operator_message(11) is None
    assert await storage.pair_for_operator_message(12) is not None
    assert await storage.outbox_pending() == [fresh]
    assert await storage.tracked_messages("active", 0.0) == [6]
    assert await storage.load_address("gone") is None


async def test_outbox_keeps_items_until_done_in_order(storage: Storage) -> None:
    case = await storage.open_case(NewCase("u1", "#JJJJ", "ru", "risk", (), 1.0))
    first = await storage.outbox_add(case.id, "u1", "to_operators", 41, 2.0)
    second = await storage.outbox_add(case.id, "u1", "to_user", 900, 3.0)
    assert first.id != second.id
    assert (first.case_id, first.user_key, first.direction, first.message_id) == (
        case.id,
        "u1",
        "to_operators",
        41,
    )
    assert await storage.outbox_pending() == [first, second]
    await storage.outbox_done(first.id)
    await storage.outbox_done(first.id)
    assert await storage.outbox_pending() == [second]


async def test_chat_trail_by_user_since_and_purged(storage: Storage) -> None:
    await storage.track_messages("u1", [3, 1, 2], 10.0)
    await storage.track_messages("u1", [2, 7], 50.0)
    await storage.track_messages("u2", [1], 10.0)
    assert await storage.tracked_messages("u1", 0.0) == [1, 2, 3, 7]
    assert await storage.tracked_messages("u1", 20.0) == [7]
    assert await storage.purge_trail_before(20.0) == 4
    assert await storage.tracked_messages("u1", 0.0) == [7]
    await storage.untrack_messages("u1")
    assert await storage.tracked_messages("u1", 0.0) == []


async def test_forget_user_also_drops_outbox_and_trail(storage: Storage) -> None:
    mine = await storage.open_case(NewCase("u1", "#KKKK", "ru", "risk", (), 1.0))
    theirs = await storage.open_case(NewCase("u2", "#LLLL", "ru", "risk", (), 1.0))
    await storage.outbox_add(mine.id, "u1", "to_operators", 1, 1.0)
    kept = await storage.outbox_add(theirs.id, "u2", "to_operators", 1, 1.0)
    await storage.track_messages("u1", [1, 2], 1.0)
    await storage.track_messages("u2", [1], 1.0)
    await storage.forget_user("u1")
    assert await storage.outbox_pending() == [kept]
    assert await storage.tracked_messages("u1", 0.0) == []
    assert await storage.tracked_messages("u2", 0.0) == [1]


async def test_scheduled_jobs_rescheduled_listed_in_order_and_cancelled_once(
    storage: Storage,
) -> None:
    await storage.schedule_job("u1", "reminder:b", 30.0)
    await storage.schedule_job("u2", "reminder:a", 20.0)
    await storage.schedule_job("u1", "reminder:b", 10.0)
    jobs = await storage.scheduled_jobs()
    assert [(j.user_key, j.job, j.run_at) for j in jobs] == [
        ("u1", "reminder:b", 10.0),
        ("u2", "reminder:a", 20.0),
    ]
    assert await storage.cancel_job("u1", "reminder:b") is True
    assert await storage.cancel_job("u1", "reminder:b") is False
    await storage.forget_user("u2")
    assert await storage.scheduled_jobs() == []


async def test_retention_keeps_what_a_pending_reminder_needs(storage: Storage) -> None:
    await storage.save_state("waiting", "{}", 100.0)
    await storage.save_address("waiting", "sealed-w", 100.0)
    await storage.schedule_job("waiting", "reminder:a", 5000.0)
    await storage.save_state("idle", "{}", 100.0)
    await storage.save_address("idle", "sealed-i", 100.0)
    await storage.purge_before(500.0)
    assert await storage.load_state("waiting") == "{}"
    assert await storage.load_address("waiting") == "sealed-w"
    assert await storage.load_state("idle") is None
    assert await storage.load_address("idle") is None


async def test_rename_user_moves_everything_kept_under_the_pseudonym(storage: Storage) -> None:
    await storage.save_state("old", '{"lang":"uz"}', 1.0)
    await storage.save_address("old", "sealed-old", 1.0)
    await storage.save_address("other", "sealed-other", 1.0)
    case = await storage.open_case(NewCase("old", "#MMMM", "uz", "risk", (), 1.0))
    await storage.schedule_job("old", "reminder:a", 9.0)
    await storage.outbox_add(case.id, "old", "to_operators", 4, 1.0)
    await storage.track_messages("old", [4, 5], 1.0)
    await storage.rename_user("old", "new", "sealed-new")
    assert await storage.load_state("old") is None
    assert await storage.load_state("new") == '{"lang":"uz"}'
    assert sorted(await storage.sealed_addresses()) == [
        ("new", "sealed-new"),
        ("other", "sealed-other"),
    ]
    assert (await storage.active_case("new")) == replace(case, user_key="new")
    assert [job.user_key for job in await storage.scheduled_jobs()] == ["new"]
    assert [item.user_key for item in await storage.outbox_pending()] == ["new"]
    assert await storage.tracked_messages("old", 0.0) == []
    assert await storage.tracked_messages("new", 0.0) == [4, 5]


async def test_sqlite_upgrades_a_file_that_already_has_reminders(tmp_path: Path) -> None:
    """Migration 3 (reminders) may already be applied in the field; 4 adds outbox and trail."""
    path = tmp_path / "bot.sqlite3"
    older = await SqliteStorage.open(path)
    async with older.db.executescript(
        "DROP TABLE outbox; DROP TABLE chat_trail; PRAGMA user_version = 3"
    ):
        pass
    await older.schedule_job("u1", "reminder:a", 9.0)
    await older.close()
    upgraded = await SqliteStorage.open(path)
    case = await upgraded.open_case(NewCase("u1", "#NNNN", "ru", "risk", (), 1.0))
    item = await upgraded.outbox_add(case.id, "u1", "to_operators", 7, 1.0)
    assert await upgraded.outbox_pending() == [item]
    assert [job.job for job in await upgraded.scheduled_jobs()] == ["reminder:a"]
    async with upgraded.db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    assert row is not None and row[0] == 4
    await upgraded.close()
