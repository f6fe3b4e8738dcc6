"""Privacy and safety through the real app and the fake Bot API: what leaks, what is wiped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.content.loader import Content
from bot.identity import user_key
from bot.telegram.app import TelegramApp
from tests.e2e.fake_telegram import FakeTelegram
from tests.e2e.test_bot_e2e import GROUP, NAME, OPERATOR, USER, USERNAME, bot_running

Running = tuple[FakeTelegram, TelegramApp, Path]
DANGER = "работодатель забрал паспорт и не отдает"


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    async with bot_running(tmp_path, sla_minutes=10) as started:
        yield started


def texts(fake: FakeTelegram, chat: int, thread: int | None = None) -> list[str]:
    return [str(m.get("text") or m.get("caption") or "") for m in fake.sent(chat, thread)]


def says(fake: FakeTelegram, chat: int, wanted: str) -> bool:
    return any(wanted in text for text in texts(fake, chat))


def write(fake: FakeTelegram, text: str, **extra: Any) -> dict[str, Any]:
    return fake.user_message(USER, text, first_name=NAME, username=USERNAME, **extra)


async def open_case(fake: FakeTelegram) -> int:
    """The user starts, then writes about danger; returns the case's forum topic."""
    write(fake, "/start", language_code="ru")
    await fake.wait_for(lambda: fake.sent(USER), what="language picker")
    write(fake, DANGER)
    topics = await fake.wait_for(lambda: fake.topics(GROUP), what="case topic")
    thread = int(topics[0]["message_thread_id"])
    await fake.wait_for(lambda: len(fake.sent(GROUP, thread)) >= 2, what="card and copy")
    return thread


async def test_logs_database_and_operators_never_learn_who_the_user_is(
    running: Running, all_logs: list[str], content: Content
) -> None:
    fake, _, data_dir = running
    thread = await open_case(fake)
    fake.group_message(GROUP, OPERATOR, "Здравствуйте, где вы сейчас?", thread_id=thread)
    await fake.wait_for(lambda: says(fake, USER, "где вы сейчас"), what="operator reply")
    write(fake, "в Москве, на складе")
    await fake.wait_for(lambda: says(fake, GROUP, "на складе"), what="user reply relayed")
    fake.group_message(GROUP, OPERATOR, "/close", thread_id=thread)
    await fake.wait_for(lambda: says(fake, USER, "Вам помогли"), what="closed")

    logs = "\n".join(all_logs)
    stored = b"".join(p.read_bytes() for p in data_dir.glob("bot.sqlite3*"))
    # What the group's members see: the messages as Telegram shows them, and the topic names.
    operators_saw = repr([m["message"] for m in fake.sent(GROUP)]) + repr(fake.topics(GROUP))
    for secret in (str(USER), NAME, USERNAME):
        assert secret not in logs, secret
        assert secret.encode() not in stored, secret
        assert secret not in operators_saw, secret
    assert DANGER not in logs and "на складе" not in logs
    assert "event=case_opened" in logs and "event=relay_sent" in logs
    assert fake.calls("forwardMessage") == []


async def test_quick_exit_wipes_the_chat_and_leaves_one_neutral_line(
    running: Running, content: Content
) -> None:
    fake, _, _ = running
    write(fake, "/start", language_code="ru")
    await fake.wait_for(lambda: fake.sent(USER), what="language picker")
    write(fake, "сколько стоит патент")
    await fake.wait_for(lambda: len(fake.sent(USER)) >= 2, what="FAQ answer")
    before = [m["message_id"] for m in fake.sent(USER)]
    clear = write(fake, "/clear")
    neutral = content.text("quick_exit_neutral", "ru")
    await fake.wait_for(lambda: says(fake, USER, neutral), what="neutral line")
    deleted = set(fake.deleted(USER))
    assert set(before) <= deleted
    assert clear["message_id"] in deleted and clear["message_id"] - 2 in deleted
    left = [m for m in fake.sent(USER) if not m.get("deleted")]
    assert [m["text"] for m in left] == [neutral]


async def test_exit_button_in_an_open_case_wipes_and_warns_operators(
    running: Running, content: Content
) -> None:
    fake, _, _ = running
    thread = await open_case(fake)
    write(fake, "/privacy")
    privacy = await fake.wait_for(
        lambda: [m for m in fake.sent(USER) if "v1:exit" in repr(m.get("reply_markup"))],
        what="privacy menu",
    )
    fake.user_presses(USER, privacy[-1]["message_id"], "v1:exit")
    neutral = content.text("quick_exit_neutral", "ru")
    await fake.wait_for(lambda: says(fake, USER, neutral), what="neutral line")
    await fake.wait_for(lambda: says(fake, GROUP, "«быстрый выход»"), what="operators warned")
    assert len(fake.deleted(USER)) >= 5
    assert [m["text"] for m in fake.sent(USER) if not m.get("deleted")] == [neutral]
    assert thread in {t["message_thread_id"] for t in fake.topics(GROUP)}


async def test_forget_erases_the_quick_exit_trail(running: Running) -> None:
    fake, app, _ = running
    write(fake, "/start", language_code="ru")
    await fake.wait_for(lambda: fake.sent(USER), what="language picker")
    write(fake, "/forget")
    await fake.wait_for(lambda: len(fake.sent(USER)) >= 2, what="forget confirmed")
    key = user_key(app.config.secret_key.get_secret_value(), USER)
    confirmation = fake.sent(USER)[-1]["message_id"]
    assert await app.relay.storage.tracked_messages(key, 0.0) == [confirmation]


async def test_flood_gets_one_kind_wait_and_no_more(tmp_path: Path, content: Content) -> None:
    async with bot_running(tmp_path, sla_minutes=10, flood_messages=3, flood_seconds=60) as (
        fake,
        _,
        _,
    ):
        for index in range(8):
            write(fake, f"вопрос {index}", language_code="ru")
        wait = content.text("flood_wait", "ru")
        await fake.wait_for(lambda: says(fake, USER, wait), what="please wait")
        await fake.wait_for(lambda: not fake.pending_updates(), what="all updates taken")
        assert sum(wait in text for text in texts(fake, USER)) == 1


async def test_banned_pseudonym_is_not_relayed_even_after_forget(
    running: Running, content: Content
) -> None:
    fake, _, _ = running
    thread = await open_case(fake)
    fake.group_message(GROUP, OPERATOR, "/ban", thread_id=thread)
    await fake.wait_for(lambda: len(fake.sent(GROUP, thread)) >= 3, what="ban confirmed")
    copies_before = len(fake.calls("copyMessage"))
    write(fake, "спам спам спам")
    write(fake, "/forget")
    await fake.wait_for(lambda: says(fake, USER, "удалено"), what="forget confirmed")
    write(fake, DANGER)
    write(fake, "хочу поговорить с человеком")
    no_match = content.text("faq_no_match", "ru")
    await fake.wait_for(
        lambda: texts(fake, USER).count(no_match) >= 2, what="menus instead of a case"
    )
    assert len(fake.calls("copyMessage")) == copies_before
    assert len(fake.topics(GROUP)) == 1


async def test_a_relay_that_failed_stays_in_the_outbox_and_is_sent_once(
    running: Running, all_logs: list[str]
) -> None:
    fake, app, _ = running
    thread = await open_case(fake)
    fake.fail_next("copyMessage", 500, "Internal Server Error", chat_id=GROUP)
    write(fake, "меня не выпускают")
    await fake.wait_for(
        lambda: any("event=relay_deferred" in line for line in all_logs), what="deferred"
    )
    assert len(await app.relay.storage.outbox_pending()) == 1
    assert await app.outbox.deliver_pending() == 1
    assert await app.relay.storage.outbox_pending() == []
    assert texts(fake, GROUP, thread).count("меня не выпускают") == 1
