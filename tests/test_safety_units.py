"""Log lines, housekeeping jobs and flood control, each through its real wiring."""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import replace
from typing import Any

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetMe, SendMessage
from aiogram.types import Chat, Message, User
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import housekeeping
from bot.config import Config
from bot.coordination import InProcessCounter
from bot.logs import KeyValueFormatter, setup_logging, text_field
from bot.metrics import Metrics
from bot.scheduler import Scheduler
from bot.storage import MemoryStorage, NewCase
from bot.telegram.app import RetryAfterMiddleware
from bot.telegram.throttle import FloodGuard, PacingMiddleware, SendLimits

DAY = 86_400.0


def record(message: str, name: str = "bot.users", **extra: Any) -> logging.LogRecord:
    made = logging.LogRecord(name, logging.INFO, __file__, 1, message, None, None)
    made.__dict__.update(extra)
    return made


def test_log_lines_carry_only_whitelisted_fields() -> None:
    line = KeyValueFormatter().format(
        record("case_opened", user="ab12cd34", case="#K7Q2", first_name="Aigerim", text="помогите")
    )
    assert "event=case_opened" in line and "user=ab12cd34" in line and "case=#K7Q2" in line
    assert "Aigerim" not in line and "помогите" not in line


def test_exception_text_only_in_local_development() -> None:
    try:
        raise ValueError("user 777001 wrote something")
    except ValueError:
        failing = record("Cause exception %s", name="aiogram.event")
        failing.args = ("user 777001 wrote something",)
        failing.exc_info = sys.exc_info()
    production = KeyValueFormatter().format(failing)
    assert "777001" not in production and "error=ValueError" in production
    assert "777001" in KeyValueFormatter(with_text=True).format(failing)


@pytest.mark.parametrize(("webhook", "expected"), [(False, True), (True, False)])
def test_text_logs_are_refused_in_webhook_mode(webhook: bool, expected: bool) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        config = Config(debug_text_logs=True, log_level="DEBUG")
        assert setup_logging(config, webhook) is expected
        assert bool(text_field("hello")) is expected
        assert setup_logging(Config(debug_text_logs=False), webhook=False) is False
        assert text_field("hello") == {}
    finally:
        root.handlers[:], _ = handlers, root.setLevel(level)


async def test_retention_job_is_daily_and_purges_through_its_wiring() -> None:
    storage, scheduler = MemoryStorage(), Scheduler()
    now = 100 * DAY
    housekeeping.schedule(scheduler, storage, lambda: now, retention_days=30)
    job = scheduler.aps.get_job(housekeeping.RETENTION_JOB)
    assert job is not None and isinstance(job.trigger, CronTrigger)
    assert str(job.trigger.fields[job.trigger.FIELD_NAMES.index("hour")]) == "3"
    await storage.save_state("old", "{}", now - 31 * DAY)
    await storage.save_state("recent", "{}", now - 29 * DAY)
    case = await storage.open_case(NewCase("old", "#AAAA", "ru", "risk", (), now - 40 * DAY))
    await storage.update_case(replace(case, status="closed", closed_at=now - 35 * DAY))
    await storage.count("2026-01-01", "conversations")
    await job.func(*job.args)
    assert await storage.load_state("old") is None
    assert await storage.load_state("recent") == "{}"
    assert await storage.case_by_id(case.id) is None
    assert len(await storage.counters("2026-01-01", "2026-01-01")) == 1


async def test_trail_job_is_hourly_and_drops_ids_older_than_48_hours() -> None:
    storage, scheduler = MemoryStorage(), Scheduler()
    now = 10 * DAY
    housekeeping.schedule(scheduler, storage, lambda: now, retention_days=30)
    job = scheduler.aps.get_job(housekeeping.TRAIL_JOB)
    assert job is not None and isinstance(job.trigger, IntervalTrigger)
    await storage.track_messages("u1", [1], now - 49 * 3600)
    await storage.track_messages("u1", [2], now - 47 * 3600)
    await job.func(*job.args)
    assert await storage.tracked_messages("u1", 0.0) == [2]


def private_message(user_id: int) -> Message:
    user = User(id=user_id, is_bot=False, first_name="X")
    return Message(message_id=1, date=0, chat=Chat(id=user_id, type="private"), from_user=user)


class FloodRecorder:
    """A handler and an ask-to-wait callback that remember what reached them."""

    def __init__(self) -> None:
        self.handled: list[int] = []
        self.asked: list[str] = []

    async def handler(self, event: Any, data: dict[str, Any]) -> None:
        self.handled.append(1)

    async def ask_to_wait(self, event: Any, key: str) -> None:
        self.asked.append(key)


async def test_flood_guard_passes_the_limit_then_asks_once_and_drops() -> None:
    seen = FloodRecorder()
    handled, asked, handler = seen.handled, seen.asked, seen.handler
    guard = FloodGuard(InProcessCounter(), "secret", lambda: 5.0, 3, 30.0, seen.ask_to_wait)
    message = private_message(42)
    for _ in range(7):
        await guard(handler, message, {"event_from_user": message.from_user})
    assert len(handled) == 3 and len(asked) == 1
    other = private_message(43)
    await guard(handler, other, {"event_from_user": other.from_user})
    assert len(handled) == 4


async def test_pacing_queues_sends_beyond_the_limit_and_drops_none() -> None:
    sent: list[str] = []

    async def make_request(bot: Any, method: Any) -> Any:
        sent.append(getattr(method, "text", type(method).__name__))
        return True

    pacing = PacingMiddleware(SendLimits(group=(1, 0.2)))
    first = asyncio.create_task(pacing(make_request, None, SendMessage(chat_id=-100, text="a")))  # type: ignore[arg-type]
    second = asyncio.create_task(pacing(make_request, None, SendMessage(chat_id=-100, text="b")))  # type: ignore[arg-type]
    other = asyncio.create_task(pacing(make_request, None, SendMessage(chat_id=-200, text="c")))  # type: ignore[arg-type]
    await asyncio.wait({first, other})
    assert not second.done() and sent == ["a", "c"]
    await second
    assert sent == ["a", "c", "b"]
    await pacing(make_request, None, GetMe())  # type: ignore[arg-type]
    assert sent[-1] == "GetMe"


async def test_retry_after_waits_and_sends_again() -> None:
    attempts: list[int] = []

    async def make_request(bot: Any, method: Any) -> Any:
        attempts.append(1)
        if len(attempts) < 3:
            raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=0)
        return "sent"

    retry = RetryAfterMiddleware(Metrics())
    result = await retry(make_request, None, SendMessage(chat_id=1, text="x"))  # type: ignore[arg-type]
    assert result == "sent" and len(attempts) == 3
