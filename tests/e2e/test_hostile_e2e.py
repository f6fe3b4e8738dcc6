"""Hostile and odd input, strangers in the operators' group, and forged webhook calls."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.content.loader import Content
from bot.telegram.app import WEBHOOK_PATH, webhook_application
from bot.telegram.throttle import SendLimits
from tests.e2e.fake_telegram import FakeTelegram
from tests.e2e.test_bot_e2e import GROUP, OPERATOR, USER, bot_running
from tests.e2e.test_privacy_e2e import open_case, says, texts

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
    for data in ("v1:zz:" + "x" * 58, "'; DROP TABLE cases;--", "v1:l:fr", "v1:f:a:b:c:d"):
        fake.raw_update(callback(data, bot_message))
    stale = {"chat": private_chat(), "message_id": 1, "date": 0}
    fake.raw_update(callback("v1:m:menu", stale))
    fake.raw_update(callback("v1:m:menu", None))


async def test_hostile_updates_leave_the_bot_answering(
    tmp_path: Path, all_logs: list[str], content: Content
) -> None:
    fast = SendLimits(private_chat=(100, 1.0))
    async with bot_running(tmp_path, 10, limits=fast, flood_messages=1000) as (fake, _, data):
        fake.user_message(USER, "/start", language_code="ru")
        picker = await fake.wait_for(lambda: fake.sent(USER), what="language picker")
        fake.user_presses(USER, picker[0]["message_id"], "v1:l:ru")
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
            await fake.wait_for(lambda k=key: says(fake, USER, content.text(k, "ru")), what=key)
        stored = b"".join(p.read_bytes() for p in data.glob("bot.sqlite3*"))
        assert PHONE.encode() not in stored
        assert fake.sent(GROUP) == [] and fake.sent(-100999) == [] and fake.sent(-100777) == []
        failures = [line for line in all_logs if line.startswith(("ERROR", "CRITICAL"))]
        assert failures == []


async def test_contact_in_an_open_case_is_neither_relayed_nor_stored(tmp_path: Path) -> None:
    async with bot_running(tmp_path, sla_minutes=10) as (fake, _, data_dir):
        thread = await open_case(fake)
        copies = len(fake.sent(GROUP, thread))
        fake.user_message(USER, contact=True)
        fake.user_message(USER, "после контакта")
        await fake.wait_for(lambda: says(fake, GROUP, "после контакта"), what="next message")
        assert len(fake.sent(GROUP, thread)) == copies + 1
        assert PHONE not in repr(fake.sent(GROUP))
        assert PHONE.encode() not in b"".join(
            p.read_bytes() for p in data_dir.glob("bot.sqlite3*")
        )


async def test_only_group_members_and_anonymous_admins_reach_the_user(tmp_path: Path) -> None:
    async with bot_running(tmp_path, sla_minutes=10) as (fake, _, _):
        thread = await open_case(fake)
        fake.outsider_message(GROUP, STRANGER, "я не оператор", thread_id=thread)
        fake.outsider_message(GROUP, STRANGER, "/close", thread_id=thread)
        fake.anonymous_admin_message(GROUP, "пишет админ", thread_id=thread)
        await fake.wait_for(lambda: says(fake, USER, "пишет админ"), what="anonymous admin")
        fake.group_message(GROUP, OPERATOR, "пишет оператор", thread_id=thread)
        await fake.wait_for(lambda: says(fake, USER, "пишет оператор"), what="operator")
        assert not says(fake, USER, "я не оператор")
        assert not says(fake, USER, "Вам помогли")
        asked = [p["user_id"] for _, p in fake.calls("getChatMember")]
        assert STRANGER in asked


async def test_admin_commands_only_for_admin_ids(tmp_path: Path, content: Content) -> None:
    async with bot_running(tmp_path, sla_minutes=10, admin_ids=[ADMIN]) as (fake, _, _):
        fake.group_message(GROUP, OPERATOR, "/stats")
        fake.group_message(GROUP, OPERATOR, "/reload")
        denied = content.text("op_admin_only", "ru")
        await fake.wait_for(lambda: texts(fake, GROUP).count(denied) == 2, what="refusals")
        fake.group_message(GROUP, ADMIN, "/reload")
        failed = content.text("admin_reload_failed", "ru", errors="")[:30]
        await fake.wait_for(
            lambda: (
                says(fake, GROUP, content.text("admin_reload_ok", "ru"))
                or says(fake, GROUP, failed)
            ),
            what="reload reported to the admin",
        )
        fake.group_message(GROUP, ADMIN, "/stats")
        stats = content.text("admin_stats", "ru", waiting=0)
        await fake.wait_for(lambda: says(fake, GROUP, stats), what="stats")
        assert texts(fake, GROUP).count(denied) == 2


async def test_webhook_without_the_right_secret_gets_401(tmp_path: Path) -> None:
    async with bot_running(tmp_path, sla_minutes=10, webhook_secret="right-secret") as (
        _,
        app,
        _,
    ):
        channel = {"id": -100777, "type": "channel", "title": "Ads"}
        post = {"message_id": 1, "date": 0, "chat": channel, "text": "ignored on purpose"}
        update = {"update_id": 999_001, "channel_post": post}
        client = TestClient(TestServer(webhook_application(app)))
        await client.start_server()
        try:
            header = "X-Telegram-Bot-Api-Secret-Token"
            missing = await client.post(WEBHOOK_PATH, json=update)
            wrong = await client.post(WEBHOOK_PATH, json=update, headers={header: "guess"})
            right = await client.post(WEBHOOK_PATH, json=update, headers={header: "right-secret"})
        finally:
            await client.close()
        assert (missing.status, wrong.status, right.status) == (401, 401, 200)
