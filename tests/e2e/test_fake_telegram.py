"""The fake Telegram server must behave like the real one towards a real aiogram Bot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from aiohttp import web

from fakes.telegram import FakeTelegram

TOKEN = "123456:TEST-token-for-the-fake"
USER = 5001
OTHER_USER = 5002
GROUP = -1001234567890
FORUM = -1009876543210
OPERATOR = 7001


def keyboard(*datas: str) -> InlineKeyboardMarkup:
    """One row of callback buttons."""
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=data, callback_data=data) for data in datas]]
    )


def make_bot(base_url: str, token: str = TOKEN) -> Bot:
    """A real aiogram Bot talking to the given server."""
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as server:
        server.add_group(GROUP, "Plain group", is_forum=False, member_ids={OPERATOR})
        server.add_group(FORUM, "Operators", is_forum=True, member_ids={OPERATOR})
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    client = make_bot(fake.base_url)
    yield client
    await client.session.close()


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (999000, "migrant_test_bot", True)


async def test_wrong_token_is_unauthorized(fake: FakeTelegram) -> None:
    intruder = make_bot(fake.base_url, "654321:WRONG-token")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await intruder.get_me()
    finally:
        await intruder.session.close()


async def test_unknown_method_and_path_are_404(fake: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fake.base_url}/bot{TOKEN}/fooBar", data={"x": "1"}) as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.get(f"{fake.base_url}/nothing") as resp:
            assert resp.status == 404


async def test_json_bodies_and_case_insensitive_methods(fake: FakeTelegram) -> None:
    fake.user_message(USER, "hi")
    body = {"chat_id": USER, "text": "hello", "reply_markup": {"inline_keyboard": [[]]}}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake.base_url}/bot{TOKEN}/SENDMESSAGE", json=body) as resp,
    ):
        payload = await resp.json()
    assert payload["ok"] is True
    assert payload["result"]["text"] == "hello"
    assert fake.calls("sendMessage")[0][1]["chat_id"] == USER


async def test_send_message_with_inline_keyboard_round_trips(fake: FakeTelegram, bot: Bot) -> None:
    fake.user_message(USER, "/start")
    sent = await bot.send_message(
        USER, "<b>Choose</b> &amp; go", parse_mode="HTML", reply_markup=keyboard("yes", "no")
    )
    assert sent.text == "Choose & go"
    assert sent.entities is not None and sent.entities[0].type == "bold"
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][1].callback_data == "no"
    record = fake.last_sent(USER)
    assert record["raw"] == "<b>Choose</b> &amp; go"
    assert record["parse_mode"] == "HTML"
    assert record["sent_by_bot"] is True
    assert record["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"

    query_id = fake.user_presses(USER, sent.message_id, "yes")
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query is not None and query.data == "yes" and query.id == query_id
    assert await bot.answer_callback_query(query_id, text="ok")
    assert fake.callback_query(query_id)["answered"] is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(ValueError, match="no button"):
        fake.user_presses(USER, sent.message_id, "maybe")


async def test_callback_data_limit_is_64_bytes(fake: FakeTelegram, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    await bot.send_message(USER, "ok", reply_markup=keyboard("x" * 64))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "too long", reply_markup=keyboard("x" * 65))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "33 cyrillic letters", reply_markup=keyboard("я" * 33))
    assert len(fake.sent(USER)) == 1


async def test_text_length_limit(fake: FakeTelegram, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    await bot.send_message(USER, "a" * 4096)
    await bot.send_message(USER, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "a" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")


@pytest.mark.parametrize(
    "text",
    [
        "<b>unclosed",
        "<foo>x</foo>",
        "a < b",
        "<b><i>x</b></i>",
        "x</b>",
        '<span class="x">s</span>',
    ],
)
async def test_bad_html_is_rejected(fake: FakeTelegram, bot: Bot, text: str) -> None:
    fake.user_message(USER, "hi")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, text, parse_mode="HTML")


async def test_supported_html_becomes_entities(fake: FakeTelegram, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    text = (
        '<a href="https://example.org">link</a> <tg-spoiler>s</tg-spoiler> '
        "<blockquote>q</blockquote> <pre>p</pre> <code>c</code> <u>u</u> <s>x</s> <i>i</i>"
    )
    sent = await bot.send_message(USER, text, parse_mode="HTML")
    assert sent.text == "link s q p c u x i"
    assert [e.type for e in sent.entities or []] == [
        "text_link",
        "spoiler",
        "blockquote",
        "pre",
        "code",
        "underline",
        "strikethrough",
        "italic",
    ]


async def test_get_updates_offset_confirms(fake: FakeTelegram, bot: Bot) -> None:
    message = fake.user_message(USER, "привет", username="migrant")
    updates = await bot.get_updates()
    assert len(updates) == 1
    assert updates[0].message is not None and updates[0].message.text == "привет"
    assert updates[0].message.message_id == message["message_id"]
    assert len(await bot.get_updates()) == 1, "unconfirmed updates are returned again"
    assert await bot.get_updates(offset=updates[0].update_id + 1) == []
    fake.user_message(USER, "second")
    again = await bot.get_updates()
    assert [u.update_id for u in again] == [updates[0].update_id + 1]


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 3


async def test_long_poll_wakes_on_new_update(fake: FakeTelegram, bot: Bot) -> None:
    asyncio.get_running_loop().call_later(0.2, lambda: fake.user_message(USER, "late"))
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert len(updates) == 1 and time.monotonic() - started < 2


async def test_every_media_kind_parses_in_aiogram(fake: FakeTelegram, bot: Bot) -> None:
    kinds = ["photo", "voice", "video", "video_note", "sticker", "document"]
    kinds += ["contact", "location", "poll"]
    for kind in kinds:
        fake.user_message(USER, **{kind: True})  # type: ignore[arg-type]
    fake.user_message(USER, "caption", photo=True)
    updates = await bot.get_updates()
    for kind, update in zip(kinds, updates, strict=False):
        assert update.message is not None and getattr(update.message, kind) is not None
    assert updates[-1].message is not None and updates[-1].message.caption == "caption"
    with pytest.raises(ValueError):
        fake.user_message(USER, photo=True, voice=True)


async def test_copy_into_forum_topic_and_closed_topic(fake: FakeTelegram, bot: Bot) -> None:
    topic = await bot.create_forum_topic(FORUM, "Case #1")
    thread = topic.message_thread_id
    question = fake.user_message(USER, "I need help")
    copied = await bot.copy_message(FORUM, USER, question["message_id"], message_thread_id=thread)
    record = fake.sent(FORUM, thread_id=thread)[0]
    assert record["message_id"] == copied.message_id
    assert (record["method"], record["text"]) == ("copyMessage", "I need help")
    assert record["copied_from"] == (USER, question["message_id"])
    stored = fake.message(FORUM, copied.message_id)
    assert stored is not None and stored["reply_to_message"]["message_id"] == thread

    photo = fake.user_message(USER, "passport", photo=True)
    await bot.copy_message(FORUM, USER, photo["message_id"], message_thread_id=thread)
    assert fake.last_sent(FORUM)["kind"] == "photo"
    assert fake.last_sent(FORUM)["caption"] == "passport"

    await bot.close_forum_topic(FORUM, thread)
    assert fake.topics(FORUM)[0]["is_closed"] is True
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await bot.copy_message(FORUM, USER, question["message_id"], message_thread_id=thread)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(FORUM, "x", message_thread_id=thread + 100)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(USER, "x", message_thread_id=thread)
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(FORUM, USER, 999)
    assert fake.calls("forwardMessage") == []


async def test_forward_is_recorded(fake: FakeTelegram, bot: Bot) -> None:
    question = fake.user_message(USER, "hi")
    await bot.forward_message(GROUP, USER, question["message_id"])
    assert len(fake.calls("forwardMessage")) == 1
    assert fake.last_sent(GROUP)["method"] == "forwardMessage"


async def test_create_forum_topic_needs_forum_and_rights(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="not a forum"):
        await bot.create_forum_topic(GROUP, "Case")
    fake.add_group(-100555, "No rights", is_forum=True, can_manage_topics=False)
    with pytest.raises(TelegramBadRequest, match="not enough rights"):
        await bot.create_forum_topic(-100555, "Case")
    assert fake.topics(-100555) == []


async def test_group_topic_message_replies_to_topic_start(fake: FakeTelegram, bot: Bot) -> None:
    thread = fake.add_topic(FORUM, "Case #2")
    message = fake.group_message(FORUM, OPERATOR, "answer", thread_id=thread)
    assert message["is_topic_message"] is True
    assert message["reply_to_message"]["forum_topic_created"]["name"] == "Case #2"
    updates = await bot.get_updates()
    assert updates[0].message is not None and updates[0].message.message_thread_id == thread
    with pytest.raises(ValueError, match="not in member_ids"):
        fake.group_message(FORUM, OTHER_USER, "intruder")


async def test_retry_after_injection(fake: FakeTelegram, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(USER, "x")
        assert caught.value.retry_after == 7
    await bot.send_message(USER, "through")
    assert [err[2] for err in fake.errors("sendMessage")] == [429, 429]
    assert len(fake.calls("sendMessage")) == 3


async def test_storm_refuses_every_other_call_until_calm(fake: FakeTelegram, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    fake.storm(every=2, retry_after=3, methods=("sendMessage",))
    outcomes = []
    for _ in range(4):
        try:
            await bot.send_message(USER, "x")
            outcomes.append("sent")
        except TelegramRetryAfter as caught:
            outcomes.append(f"wait {caught.retry_after}")
    await bot.get_me()
    fake.calm()
    await bot.send_message(USER, "after the storm")
    assert outcomes == ["wait 3", "sent", "wait 3", "sent"]
    assert [record["text"] for record in fake.sent(USER)] == ["x", "x", "after the storm"]


async def test_group_members_send_media(fake: FakeTelegram, bot: Bot) -> None:
    thread = fake.add_topic(FORUM, "Case")
    fake.group_message(FORUM, OPERATOR, "see this", thread_id=thread, media="photo")
    fake.group_message(FORUM, OPERATOR, thread_id=thread, media="sticker")
    updates = await bot.get_updates()
    photo, sticker = (update.message for update in updates)
    assert photo is not None and photo.photo and photo.caption == "see this"
    assert sticker is not None and sticker.sticker and sticker.message_thread_id == thread
    with pytest.raises(ValueError, match="cannot carry text"):
        fake.group_message(FORUM, OPERATOR, "no", media="sticker")


async def test_injection_per_chat(fake: FakeTelegram, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    fake.user_message(OTHER_USER, "hi")
    fake.fail_next("sendMessage", 400, "Bad Request: TOPIC_CLOSED", chat_id=OTHER_USER)
    await bot.send_message(USER, "fine")
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await bot.send_message(OTHER_USER, "fails")


async def test_blocked_user_is_forbidden(fake: FakeTelegram, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    await bot.get_updates(offset=-1)
    fake.block_bot(USER)
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(USER, "x")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(USER, "typing")
    updates = await bot.get_updates(offset=-1)
    member = updates[0].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    fake.unblock_bot(USER)
    await bot.send_message(USER, "welcome back")


async def test_unknown_chat_and_reply_target(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(424242, "x")
    fake.user_message(USER, "hi")
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(USER, "x", reply_parameters=ReplyParameters(message_id=999))
    lenient = ReplyParameters(message_id=999, allow_sending_without_reply=True)
    await bot.send_message(USER, "x", reply_parameters=lenient)
    sent = await bot.send_message(USER, "y", reply_parameters=ReplyParameters(message_id=1))
    assert sent.reply_to_message is not None and sent.reply_to_message.text == "hi"
    assert fake.last_sent(USER)["reply_to_message_id"] == 1


async def test_edit_and_delete(fake: FakeTelegram, bot: Bot) -> None:
    user_message = fake.user_message(USER, "hi")
    sent = await bot.send_message(USER, "one", reply_markup=keyboard("a"))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "one", chat_id=USER, message_id=sent.message_id, reply_markup=keyboard("a")
        )
    await bot.edit_message_text("two", chat_id=USER, message_id=sent.message_id)
    assert fake.last_sent(USER)["text"] == "two" and fake.last_sent(USER)["edited"] is True
    with pytest.raises(TelegramBadRequest, match="can't be edited"):
        await bot.edit_message_text("x", chat_id=USER, message_id=user_message["message_id"])
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)
    assert await bot.delete_message(USER, sent.message_id)
    assert fake.deleted(USER) == [sent.message_id]
    assert fake.last_sent(USER)["deleted"] is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, sent.message_id)


async def test_send_photo_by_file_id(fake: FakeTelegram, bot: Bot) -> None:
    photo = fake.user_message(USER, photo=True)
    file_id = photo["photo"][-1]["file_id"]
    sent = await bot.send_photo(USER, file_id, caption="<i>yours</i>", parse_mode="HTML")
    assert sent.photo is not None and sent.caption == "yours"
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(USER, "made-up-id")
    fake.add_file("configured-id", "document")
    await bot.send_document(USER, "configured-id")
    assert [r["kind"] for r in fake.sent(USER)] == ["photo", "document"]


async def test_commands_per_scope_and_language(fake: FakeTelegram, bot: Bot) -> None:
    commands = [BotCommand(command="start", description="Начать")]
    await bot.set_my_commands(commands, language_code="ru")
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=GROUP))
    assert set(fake.commands()) == {("default", "ru"), (f"chat:{GROUP}", "")}
    assert [c.command for c in await bot.get_my_commands(language_code="ru")] == ["start"]
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])


async def test_chat_members_and_chats(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_chat_member(FORUM, 999000)
    assert me.status == "administrator" and getattr(me, "can_manage_topics", False)
    assert (await bot.get_chat_member(FORUM, OPERATOR)).status == "member"
    assert (await bot.get_chat_member(FORUM, OTHER_USER)).status == "left"
    admins = await bot.get_chat_administrators(FORUM)
    assert [a.user.id for a in admins] == [999000]
    chat = await bot.get_chat(FORUM)
    assert chat.is_forum is True and chat.title == "Operators"


async def test_webhook_delivery_with_secret(fake: FakeTelegram, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.json_response({"method": "sendMessage", "chat_id": USER, "text": "pong"})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret_TOKEN")
        message = fake.user_message(USER, "ping")
        await fake.wait_for(lambda: received and fake.sent(USER), what="webhook round trip")
        secret, update = received[0]
        assert secret == "s3cret_TOKEN"
        assert update["message"]["message_id"] == message["message_id"]
        assert fake.webhook_deliveries[0].status == 200
        assert fake.last_sent(USER)["text"] == "pong"
        assert (await bot.get_webhook_info()).pending_update_count == 0
        with pytest.raises(TelegramConflictError):
            await bot.get_updates()
        await bot.delete_webhook()
        assert await bot.get_updates() == []
    finally:
        await runner.cleanup()


async def test_webhook_retries_failures(fake: FakeTelegram, bot: Bot) -> None:
    fake.webhook_retry_delay = 0.01

    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500)

    app = web.Application()
    app.router.add_post("/hook", broken)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
        fake.user_message(USER, "ping")
        await fake.wait_for(lambda: len(fake.webhook_deliveries) == 3)
        assert [d.status for d in fake.webhook_deliveries] == [500, 500, 500]
        info = await bot.get_webhook_info()
        assert info.last_error_message is not None and "500" in info.last_error_message
    finally:
        await runner.cleanup()
    await bot.set_webhook("http://127.0.0.1:1/closed-port")
    fake.user_message(USER, "again")
    await fake.wait_for(lambda: len(fake.webhook_deliveries) == 6)
    assert fake.webhook_deliveries[-1].status is None


async def test_wait_for_explains_timeout(fake: FakeTelegram) -> None:
    with pytest.raises(AssertionError, match="nothing happens"):
        await fake.wait_for(lambda: False, timeout=0.05, what="nothing happens")


async def test_raw_and_channel_updates(fake: FakeTelegram, bot: Bot) -> None:
    fake.raw_update({"message": {"hostile": True}})
    fake.channel_post(-100777, "news")
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake.base_url}/bot{TOKEN}/getUpdates") as resp,
    ):
        updates = (await resp.json())["result"]
    assert [u["update_id"] for u in updates] == [1, 2]
    assert updates[1]["channel_post"]["text"] == "news"


async def test_second_poller_ends_the_first_with_conflict(bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert await bot.get_updates() == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await first


async def test_dispatcher_polling_end_to_end(fake: FakeTelegram, bot: Bot) -> None:
    dispatcher = Dispatcher()

    @dispatcher.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("<b>hi</b>", parse_mode="HTML", reply_markup=keyboard("go"))

    @dispatcher.callback_query(F.data == "go")
    async def go(query: CallbackQuery) -> None:
        await query.answer("ok")
        assert isinstance(query.message, Message)
        await query.message.edit_text("went")

    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    try:
        fake.user_message(USER, "/start")
        first = (await fake.wait_for(lambda: fake.sent(USER), what="a reply to /start"))[0]
        assert first["text"] == "hi"
        query_id = fake.user_presses(USER, first["message_id"], "go")
        await fake.wait_for(lambda: fake.last_sent(USER)["text"] == "went")
        assert fake.callback_query(query_id)["text"] == "ok"
    finally:
        await dispatcher.stop_polling()
        await polling


async def test_listeners_see_each_successful_call_with_its_result(
    fake: FakeTelegram, bot: Bot
) -> None:
    seen: list[tuple[str, Any, Any]] = []
    fake.listeners.append(lambda method, params, result: seen.append((method, params, result)))
    fake.user_message(USER, "hi")
    sent = await bot.send_message(USER, "hello")
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(USER, "")
    assert [(method, params["text"]) for method, params, _ in seen] == [("sendMessage", "hello")]
    assert seen[0][2]["message_id"] == sent.message_id


async def test_take_pending_hands_over_updates_and_empties_the_queue(fake: FakeTelegram) -> None:
    fake.user_message(USER, "one")
    fake.user_message(OTHER_USER, "two")
    taken = fake.take_pending()
    assert [u["message"]["text"] for u in taken] == ["one", "two"]
    assert fake.pending_updates() == []
