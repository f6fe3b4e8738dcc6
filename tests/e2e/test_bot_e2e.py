"""The real aiogram app over real HTTP against the fake Bot API: a whole case, both sides."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config import Config
from bot.content.loader import ContentHolder, load_content
from bot.storage import SqliteStorage
from bot.telegram.app import TelegramApp, create_app
from fakes.telegram import FakeTelegram
from tests.conftest import CONTENT_DIR

TOKEN = "123456:TEST-token"
GROUP = -1001234567890
OPERATOR = 501
USER = 777001
NAME, USERNAME = "Aigerim", "aigerim_secret_name"


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[FakeTelegram, TelegramApp, Path]]:
    async with bot_running(tmp_path, sla_minutes=10) as started:
        yield started


@contextlib.asynccontextmanager
async def bot_running(
    tmp_path: Path, sla_minutes: int
) -> AsyncIterator[tuple[FakeTelegram, TelegramApp, Path]]:
    fake = FakeTelegram(TOKEN)
    url = await fake.start()
    fake.add_group(GROUP, "Operators", is_forum=True, member_ids={OPERATOR})
    config = Config(
        bot_token=SecretStr(TOKEN),
        operator_chat_id=GROUP,
        secret_key=SecretStr("e2e-secret-key-long-enough"),
        telegram_api_base=url,
        data_dir=tmp_path,
        handoff_sla_minutes=sla_minutes,
    )
    storage = await SqliteStorage.open(tmp_path / "bot.sqlite3")
    holder = ContentHolder(CONTENT_DIR, load_content(CONTENT_DIR))
    app = create_app(config, storage, lambda: 1_790_000_000.0, holder)
    await app.start()
    polling = asyncio.create_task(
        app.dispatcher.start_polling(app.bot, handle_signals=False, polling_timeout=1)
    )
    try:
        yield fake, app, tmp_path
    finally:
        await app.dispatcher.stop_polling()
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await polling
        await app.stop()
        await storage.close()
        await fake.stop()


async def test_risk_case_relay_both_ways_and_close(
    running: tuple[FakeTelegram, TelegramApp, Path],
) -> None:
    fake, _, data_dir = running
    fake.user_message(USER, "/start", first_name=NAME, username=USERNAME, language_code="ru")
    await fake.wait_for(lambda: fake.sent(USER), what="language picker")
    fake.user_message(
        USER, "работодатель забрал паспорт и не отдает", first_name=NAME, username=USERNAME
    )
    topics = await fake.wait_for(lambda: fake.topics(GROUP), what="case topic")
    thread = topics[0]["message_thread_id"]
    await fake.wait_for(lambda: len(fake.sent(GROUP, thread)) >= 2, what="card and copied message")
    fake.group_message(
        GROUP, OPERATOR, "Здравствуйте, я консультант. Где вы сейчас?", thread_id=thread
    )
    await fake.wait_for(
        lambda: any("консультант. Где" in (m.get("text") or "") for m in fake.sent(USER)),
        what="operator reply",
    )
    fake.user_message(USER, "в Москве, на складе", first_name=NAME, username=USERNAME)
    await fake.wait_for(
        lambda: any("на складе" in (m.get("text") or "") for m in fake.sent(GROUP, thread)),
        what="user reply",
    )
    fake.group_message(GROUP, OPERATOR, "/close", thread_id=thread)
    await fake.wait_for(
        lambda: any("Вам помогли" in (m.get("text") or "") for m in fake.sent(USER)), what="closed"
    )
    operator_side = " ".join(
        str(m.get("text") or "") + str(m.get("caption") or "") for m in fake.sent(GROUP)
    )
    for secret in (str(USER), NAME, USERNAME):
        assert secret not in operator_side
        assert secret.encode() not in (data_dir / "bot.sqlite3").read_bytes()
    assert fake.calls("forwardMessage") == []
    assert fake.calls("copyMessage")


async def test_unclaimed_case_falls_back_to_numbers_and_reminds_operators(tmp_path: Path) -> None:
    async with bot_running(tmp_path, sla_minutes=0) as (fake, _, _):
        fake.user_message(USER, "хочу поговорить с человеком", language_code="ru")
        await fake.wait_for(
            lambda: any("заняты" in (m.get("text") or "") for m in fake.sent(USER)),
            what="fallback to user",
        )
        await fake.wait_for(
            lambda: any("⏰" in (m.get("text") or "") for m in fake.sent(GROUP)),
            what="operator reminder",
        )
