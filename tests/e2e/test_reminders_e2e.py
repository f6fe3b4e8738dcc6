"""Deadline reminders through the real bot: opt in by buttons, survive a restart, fire on time."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.reminders import DAY
from bot.storage import SqliteStorage
from bot.telegram.app import TelegramApp, create_app
from bot.telegram.render import CoreButton
from fakes.telegram import FakeTelegram
from tests.e2e.harness import USER, bot_running

START = 1_790_000_000.0
REGISTRATION_TEXT = "встать на миграционный учёт нужно до"
PATENT_TEXT = "документы на патент нужно подать до"


async def press(fake: FakeTelegram, data: str) -> None:
    """Press the newest button with this core payload in the user's chat, and wait for it."""
    data = CoreButton.from_core(data).pack()
    sent = len(fake.sent(USER))
    for record in reversed(fake.sent(USER)):
        rows = (record["reply_markup"] or {}).get("inline_keyboard", [])
        if any(button.get("callback_data") == data for row in rows for button in row):
            fake.user_presses(USER, record["message_id"], data)
            await fake.wait_for(lambda: answered(fake, sent), what=f"answer to {data}")
            return
    raise AssertionError(f"no button {data} in the user's chat")


def answered(fake: FakeTelegram, before: int) -> bool:
    """New messages arrived and the last one has buttons: every answer here ends that way."""
    records = fake.sent(USER)
    return len(records) > before and bool(records[-1]["reply_markup"])


async def opt_in(fake: FakeTelegram) -> None:
    """An Uzbek worker in Russia finishes the rules checklist and asks for reminders."""
    fake.user_message(USER, "/start", language_code="ru")
    await fake.wait_for(lambda: fake.sent(USER), what="language picker")
    await press(fake, "v1:l:ru")
    await press(fake, "v1:m:checklists")
    await press(fake, "v1:fs:destination")
    await press(fake, "v1:f:destination:citizen:uz")
    await press(fake, "v1:f:destination:country:ru")
    while not any("v1|rm:ask" in str(r["reply_markup"]) for r in fake.sent(USER)[-1:]):
        markup = fake.sent(USER)[-1]["reply_markup"]["inline_keyboard"]
        await press(fake, CoreButton.unpack(markup[0][0]["callback_data"]).to_core())
    await press(fake, "v1:rm:ask:destination")
    await press(fake, "v1:rm:on:destination:arrival:0")


def user_timers(app: TelegramApp) -> list[str]:
    return [name for name in app.scheduler.names() if name.startswith("user:")]


async def test_reminder_is_kept_across_a_restart_and_fires_when_due(tmp_path: Path) -> None:
    now = [START]
    async with bot_running(tmp_path, clock=lambda: now[0]) as h:
        fake, app = h.fake, h.app
        await opt_in(fake)
        assert "Готово" in fake.sent(USER)[-1]["text"]
        assert len(user_timers(app)) == 2
        app.scheduler.stop()  # the process dies: its timers are gone, the database stays
        now[0] = START + 13 * DAY  # registration is reminded on day 12, the patent on day 25
        storage = await SqliteStorage.open(tmp_path / "bot.sqlite3")
        restarted = create_app(app.config, storage, lambda: now[0], app.holder)
        try:
            await restarted.start()
            await fake.wait_for(
                lambda: any(REGISTRATION_TEXT in (m["text"] or "") for m in fake.sent(USER)),
                what="registration reminder",
            )
            await asyncio.sleep(0.2)
            assert not any(PATENT_TEXT in (m["text"] or "") for m in fake.sent(USER))
            pending = await storage.scheduled_jobs()
            assert [job.job for job in pending] == ["reminder:destination:ru-patent-application"]
            assert len(user_timers(restarted)) == 1
        finally:
            await restarted.stop()
            await storage.close()


async def test_forget_removes_stored_reminders_and_their_timers(tmp_path: Path) -> None:
    async with bot_running(tmp_path) as h:
        fake, app = h.fake, h.app
        await opt_in(fake)
        assert len(await app.relay.storage.scheduled_jobs()) == 2
        sent = len(fake.sent(USER))
        fake.user_message(USER, "/forget")
        await fake.wait_for(lambda: len(fake.sent(USER)) > sent, what="forget answer")
        assert await app.relay.storage.scheduled_jobs() == []
        assert user_timers(app) == []


async def test_the_cancel_button_stops_every_reminder(tmp_path: Path) -> None:
    async with bot_running(tmp_path) as h:
        fake, app = h.fake, h.app
        await opt_in(fake)
        await press(fake, "v1:rm:off")
        assert await app.relay.storage.scheduled_jobs() == []
        assert user_timers(app) == []
