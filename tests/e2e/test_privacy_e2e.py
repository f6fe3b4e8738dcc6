"""Privacy and safety through the real app and the fake Bot API: what leaks, what is wiped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.content.loader import Content
from bot.identity import user_key
from bot.telegram.render import CoreButton
from tests.e2e.harness import GROUP, NAME, USER, USERNAME, Harness, bot_running

DANGER = "работодатель забрал паспорт и не отдает"


@pytest.fixture
async def h(tmp_path: Path, content: Content) -> AsyncIterator[Harness]:
    async with bot_running(tmp_path, content) as harness:
        yield harness


def texts(h: Harness, chat: int, thread: int | None = None) -> list[str]:
    return [str(m.get("text") or m.get("caption") or "") for m in h.fake.sent(chat, thread)]


def says(h: Harness, chat: int, wanted: str) -> bool:
    return any(wanted in text for text in texts(h, chat))


def stored_bytes(h: Harness) -> bytes:
    """The database with its write-ahead log, where fresh rows sit before a checkpoint."""
    return b"".join(p.read_bytes() for p in h.data_dir.glob("bot.sqlite3*"))


async def open_case(h: Harness) -> int:
    """The user starts, then writes about danger; returns the case's forum topic."""
    h.user("/start")
    await h.user_sees(h.text("welcome_pick_language"))
    h.user(DANGER)
    thread = await h.case_thread()
    await h.fake.wait_for(lambda: len(h.fake.sent(GROUP, thread)) >= 2, what="card and copy")
    return thread


async def test_logs_database_and_operators_never_learn_who_the_user_is(
    h: Harness, all_logs: list[str]
) -> None:
    thread = await open_case(h)
    h.operator("Здравствуйте, где вы сейчас?", thread=thread)
    await h.user_sees("где вы сейчас")
    h.user("в Москве, на складе")
    await h.group_sees("на складе", thread)
    h.operator("/close", thread=thread)
    await h.user_sees("Вам помогли")

    logs = "\n".join(all_logs)
    stored = stored_bytes(h)
    # What the group's members see: the messages as Telegram shows them, and the topic names.
    operators_saw = repr([m["message"] for m in h.fake.sent(GROUP)]) + repr(h.fake.topics(GROUP))
    for secret in (str(USER), NAME, USERNAME):
        assert secret not in logs, secret
        assert secret.encode() not in stored, secret
        assert secret not in operators_saw, secret
    assert DANGER not in logs and "на складе" not in logs
    assert "event=case_opened" in logs and "event=relay_sent" in logs


async def test_quick_exit_wipes_the_chat_and_leaves_one_neutral_line(h: Harness) -> None:
    h.user("/start")
    await h.user_sees(h.text("welcome_pick_language"))
    h.user("сколько стоит патент")
    await h.fake.wait_for(lambda: len(h.fake.sent(USER)) >= 2, what="FAQ answer")
    before = [m["message_id"] for m in h.fake.sent(USER)]
    clear = h.user("/clear")
    neutral = h.text("quick_exit_neutral")
    await h.user_sees(neutral)
    deleted = set(h.fake.deleted(USER))
    assert set(before) <= deleted
    assert clear["message_id"] in deleted and clear["message_id"] - 2 in deleted
    left = [m for m in h.fake.sent(USER) if not m.get("deleted")]
    assert [m["text"] for m in left] == [neutral]


async def test_exit_button_in_an_open_case_wipes_and_warns_operators(h: Harness) -> None:
    thread = await open_case(h)
    h.user("/privacy")
    exit_data = CoreButton.from_core("v1:exit").pack()
    privacy = await h.fake.wait_for(
        lambda: [m for m in h.fake.sent(USER) if exit_data in repr(m.get("reply_markup"))],
        what="privacy menu",
    )
    h.fake.user_presses(USER, privacy[-1]["message_id"], exit_data)
    neutral = h.text("quick_exit_neutral")
    await h.user_sees(neutral)
    await h.group_sees("«быстрый выход»", thread)
    assert len(h.fake.deleted(USER)) >= 5
    assert [m["text"] for m in h.fake.sent(USER) if not m.get("deleted")] == [neutral]
    assert thread in {t["message_thread_id"] for t in h.fake.topics(GROUP)}


async def test_forget_erases_the_quick_exit_trail(h: Harness) -> None:
    h.user("/start")
    await h.user_sees(h.text("welcome_pick_language"))
    h.user("/forget")
    await h.fake.wait_for(lambda: len(h.fake.sent(USER)) >= 2, what="forget confirmed")
    key = user_key(h.app.config.secret_key.get_secret_value(), USER)
    confirmation = h.fake.sent(USER)[-1]["message_id"]
    assert await h.app.relay.storage.tracked_messages(key, 0.0) == [confirmation]


async def test_flood_gets_one_kind_wait_and_no_more(tmp_path: Path, content: Content) -> None:
    async with bot_running(tmp_path, content, flood_messages=3, flood_seconds=60) as h:
        for index in range(8):
            h.user(f"вопрос {index}")
        wait = h.text("flood_wait")
        await h.user_sees(wait)
        await h.fake.wait_for(lambda: not h.fake.pending_updates(), what="all updates taken")
        assert sum(wait in text for text in texts(h, USER)) == 1


async def test_banned_pseudonym_is_not_relayed_even_after_forget(h: Harness) -> None:
    thread = await open_case(h)
    h.operator("/ban", thread=thread)
    await h.fake.wait_for(lambda: len(h.fake.sent(GROUP, thread)) >= 3, what="ban confirmed")
    copies_before = len(h.fake.calls("copyMessage"))
    h.user("спам спам спам")
    h.user("/forget")
    confirmed = (await h.user_sees("удалено"))["message_id"]
    forgotten = [m["message_id"] for m in h.fake.sent(USER)].index(confirmed)
    h.user(DANGER)
    h.user("хочу поговорить с человеком")
    banned = h.text("handoff_banned")
    await h.fake.wait_for(
        lambda: texts(h, USER)[forgotten:].count(banned) >= 2, what="menus instead of a case"
    )
    assert len(h.fake.calls("copyMessage")) == copies_before
    assert len(h.fake.topics(GROUP)) == 1


async def test_a_relay_that_failed_stays_in_the_outbox_and_is_sent_once(
    h: Harness, all_logs: list[str]
) -> None:
    thread = await open_case(h)
    h.fake.fail_next("copyMessage", 500, "Internal Server Error", chat_id=GROUP)
    h.user("меня не выпускают")
    await h.fake.wait_for(
        lambda: any("event=relay_deferred" in line for line in all_logs), what="deferred"
    )
    assert len(await h.app.relay.storage.outbox_pending()) == 1
    assert queue_depth(h) == 1
    assert await h.app.outbox.deliver_pending() == 1
    assert await h.app.relay.storage.outbox_pending() == []
    assert queue_depth(h) == 0
    assert texts(h, GROUP, thread).count("меня не выпускают") == 1


def queue_depth(h: Harness) -> float | None:
    return h.app.metrics.registry.get_sample_value("migrant_bot_outbound_queue_depth")


async def test_an_operator_message_that_fails_for_good_later_is_reported_in_the_case(
    h: Harness, all_logs: list[str]
) -> None:
    thread = await open_case(h)
    h.fake.fail_next("copyMessage", 500, "Internal Server Error", chat_id=USER)
    h.operator("Вы можете говорить?", thread=thread)
    await h.fake.wait_for(
        lambda: any("event=relay_deferred" in line for line in all_logs), what="deferred"
    )
    assert [item.direction for item in await h.app.relay.storage.outbox_pending()] == ["to_user"]
    h.fake.block_bot(USER)
    await h.app.outbox.deliver_pending()
    blocked = h.app.relay.content.text("op_user_blocked", "ru", code="")
    await h.group_sees(blocked, thread)
    assert await h.app.relay.storage.outbox_pending() == []
