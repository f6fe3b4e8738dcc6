"""Hostile and odd input, and strangers in the operators' group."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.content.loader import Content
from bot.telegram.render import CoreButton
from bot.telegram.throttle import SendLimits
from tests.e2e.fake_telegram import FakeTelegram
from tests.e2e.harness import GROUP, OPERATOR, USER, bot_running
from tests.e2e.test_privacy_e2e import open_case, says, stored_bytes, texts

STRANGER, ADMIN = 666001, 502
PHONE = "+79001234567"


def private_chat() -> dict[str, Any]:
    return {"id": USER, "type": "private", "first_name": "Test"}


def user() -> dict[str, Any]:
    return {"id": USER, "is_bot": False, "first_name": "Test", "language_code": "ru"}


def callback(data: str, message: dict[str, Any] | None) -> dict[str, Any]:
    query: dict[str, Any] = {
        "id": f"forged-{data[:8]}-{time.monotonic_ns()}",
        "from": user(),
        "chat_instance": "1",
        "data": data,
    }
    if message is None:
        return {"callback_query": {**query, "inline_message_id": "AAAA"}}
    return {"callback_query": {**query, "message": message}}


def send_hostile_batch(fake: FakeTelegram) -> None:
    """Every kind of update a stranger or a confused user can produce."""
    for kind in ("sticker", "voice", "video_note", "document", "contact", "location", "poll"):
        fake.user_message(USER, **{kind: True})
    fake.user_message(USER, "фото", photo=True)
    typed = fake.user_message(USER, "первое")
    fake.user_edits(USER, typed["message_id"], "исправлено")
    for text in (
        "а" * 4096,
        "\u200b\u200f\u202eсколько\u200d стоит\u2066 патент \u0627\u0644\u0639\u0645\u0644",
        "/start@other_bot junk junk",
        "/forget%%%",
        "/" + "x" * 300,
        "/menu \u202e\u200b",
        "/",
    ):
        fake.user_message(USER, text)
    now = int(time.time())
    stranger = {"id": STRANGER, "is_bot": False, "first_name": "Spam"}
    unknown_group = {"id": -100999, "type": "supergroup", "title": "Somewhere"}
    fake.raw_update(
        {
            "message": {
                "message_id": 5,
                "date": now,
                "chat": unknown_group,
                "from": stranger,
                "text": "/start",
            }
        }
    )
    fake.channel_post(-100777, "реклама")
    bot_message = fake.sent(USER)[-1]["message"] if fake.sent(USER) else None
    forged = ("v1|zz:" + "x" * 58, "'; DROP TABLE cases;--", "v1:l:ru", "v1|l:fr", "v1|f:a:b:c:d")
    for data in forged:
        fake.raw_update(callback(data, bot_message))
    stale = {"chat": private_chat(), "message_id": 1, "date": 0}
    fake.raw_update(callback(CoreButton.from_core("v1:m:menu").pack(), stale))
    fake.raw_update(callback(CoreButton.from_core("v1:m:menu").pack(), None))


async def test_hostile_updates_leave_the_bot_answering(
    tmp_path: Path, all_logs: list[str], content: Content
) -> None:
    fast = SendLimits(private_chat=(100, 1.0))
    async with bot_running(tmp_path, content, limits=fast, flood_messages=1000) as h:
        fake = h.fake
        h.user("/start")
        await h.press("Русский")
        await fake.wait_for(lambda: len(fake.sent(USER)) >= 2, what="menu in Russian")
        send_hostile_batch(fake)
        await fake.wait_for(lambda: not fake.pending_updates(), what="batch taken")
        last = fake.user_message(USER, "/start", language_code="ru")
        await fake.wait_for(
            lambda: any(m["message_id"] > last["message_id"] for m in fake.sent(USER)),
            timeout=10,
            what="an answer to /start after the batch",
        )
        for key in ("contact_not_relayed", "media_text_only", "unknown_command", "stale_button"):
            await fake.wait_for(lambda k=key: says(h, USER, h.text(k)), what=key)
        assert PHONE.encode() not in stored_bytes(h)
        assert fake.sent(GROUP) == [] and fake.sent(-100999) == [] and fake.sent(-100777) == []
        failures = [line for line in all_logs if line.startswith(("ERROR", "CRITICAL"))]
        assert failures == []


async def test_contact_in_an_open_case_is_neither_relayed_nor_stored(
    tmp_path: Path, content: Content
) -> None:
    async with bot_running(tmp_path, content) as h:
        thread = await open_case(h)
        copies = len(h.fake.sent(GROUP, thread))
        h.user(media="contact")
        h.user("после контакта")
        await h.group_sees("после контакта", thread)
        assert len(h.fake.sent(GROUP, thread)) == copies + 1
        assert PHONE not in repr(h.fake.sent(GROUP))
        assert PHONE.encode() not in stored_bytes(h)


async def test_only_group_members_and_anonymous_admins_reach_the_user(
    tmp_path: Path, content: Content
) -> None:
    async with bot_running(tmp_path, content) as h:
        thread = await open_case(h)
        h.fake.outsider_message(GROUP, STRANGER, "я не оператор", thread_id=thread)
        h.fake.outsider_message(GROUP, STRANGER, "/close", thread_id=thread)
        h.fake.anonymous_admin_message(GROUP, "пишет админ", thread_id=thread)
        await h.user_sees("пишет админ")
        h.operator("пишет оператор", thread=thread)
        await h.user_sees("пишет оператор")
        assert not says(h, USER, "я не оператор")
        assert not says(h, USER, "Вам помогли")
        asked = [p["user_id"] for _, p in h.fake.calls("getChatMember")]
        assert STRANGER in asked


async def test_admin_commands_only_for_admin_ids(tmp_path: Path, content: Content) -> None:
    async with bot_running(tmp_path, content, admin_ids=[ADMIN]) as h:
        h.fake.group_message(GROUP, OPERATOR, "/stats")
        h.fake.group_message(GROUP, OPERATOR, "/reload")
        denied = h.text("op_admin_only")
        await h.fake.wait_for(lambda: texts(h, GROUP).count(denied) == 2, what="refusals")
        h.fake.group_message(GROUP, ADMIN, "/reload")
        failed = h.text("admin_reload_failed", errors="")[:30]
        await h.fake.wait_for(
            lambda: says(h, GROUP, h.text("admin_reload_ok")) or says(h, GROUP, failed),
            what="reload reported to the admin",
        )
        h.fake.group_message(GROUP, ADMIN, "/stats")
        await h.group_sees(h.text("admin_stats", waiting=0))
        assert texts(h, GROUP).count(denied) == 2
