"""Anonymous relay between a user's chat and the operators' group: copies, never forwards."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import Message, MessageId, ReplyParameters

from bot.content.loader import Content
from bot.events import Event, Inbound, OpenCase
from bot.handoff.cases import operator_card
from bot.handoff.model import Case, MessagePair
from bot.service import Conversations
from bot.storage.base import Storage
from bot.telegram.address import AddressBook
from bot.telegram.render import send_events, send_text

log = logging.getLogger("bot.relay")
CARD = 0
Sent = TypeVar("Sent")
IntoCase = Callable[[int | None, ReplyParameters | None], Awaitable[Sent]]


class Relay:
    """Everything that crosses between the two sides of a case goes through here."""

    def __init__(
        self,
        bot: Bot,
        storage: Storage,
        conversations: Conversations,
        addresses: AddressBook,
        operator_chat_id: int,
        operator_lang: str,
    ) -> None:
        self.bot = bot
        self.storage = storage
        self.conversations = conversations
        self.addresses = addresses
        self.group = operator_chat_id
        self.lang = operator_lang
        self.is_forum = False

    @property
    def content(self) -> Content:
        return self.conversations.dialogue.content

    async def detect_forum(self) -> None:
        chat = await self.bot.get_chat(self.group)
        self.is_forum = bool(chat.is_forum)

    # --- user -> operators ---------------------------------------------------------------------

    async def open_case(self, case: Case, opened: OpenCase | None = None) -> Case:
        """Post the case card (in its own forum topic when the group is a forum), exactly once."""
        async with self.conversations.locks.hold(f"case:{case.id}"):
            fresh = await self.storage.case_by_id(case.id) or case
            if fresh.thread_id is not None:
                return fresh
            if self.is_forum:
                topic = await self.bot.create_forum_topic(self.group, self._topic_name(fresh))
                fresh = replace(fresh, thread_id=topic.message_thread_id)
                await self.storage.update_case(fresh)
            card = operator_card(self.content, fresh, self.lang, opened)
            sent = await send_text(self.bot, self.group, card, thread_id=fresh.thread_id)
            if not self.is_forum:
                fresh = replace(fresh, thread_id=-sent[-1].message_id)
                await self.storage.update_case(fresh)
            await self.storage.add_pair(
                MessagePair(fresh.id, CARD, sent[-1].message_id, fresh.opened_at)
            )
            return fresh

    def _topic_name(self, case: Case) -> str:
        categories = ", ".join(case.categories) or case.reason
        return f"{case.code} · {case.lang} · {categories}"[:128]

    async def copy_to_operators(self, case: Case, user_chat: int, message_id: int) -> None:
        """Copy a user's message into the case (topic, or as a reply to the case card)."""
        copied = await self._copy_into_case(case, user_chat, message_id)
        await self.storage.add_pair(
            MessagePair(case.id, message_id, copied, self.conversations.clock())
        )

    async def _copy_into_case(self, case: Case, user_chat: int, message_id: int) -> int:
        async def copy(thread: int | None, reply: ReplyParameters | None) -> MessageId:
            return await self.bot.copy_message(
                self.group, user_chat, message_id, message_thread_id=thread, reply_parameters=reply
            )

        return (await self._into_case(case, copy)).message_id

    async def _into_case(self, case: Case, send: IntoCase[Sent]) -> Sent:
        """Send into the case topic (or as a reply to its card); reopen a topic closed by hand."""
        thread, reply = self._placement(case)
        try:
            return await send(thread, reply)
        except TelegramBadRequest as error:
            if thread is None or "TOPIC_CLOSED" not in str(error):
                raise
        await self.bot.reopen_forum_topic(self.group, thread)
        return await send(thread, reply)

    def _placement(self, case: Case) -> tuple[int | None, ReplyParameters | None]:
        if case.thread_id is None:
            return None, None
        if case.thread_id > 0:
            return case.thread_id, None
        return None, ReplyParameters(message_id=-case.thread_id, allow_sending_without_reply=True)

    async def user_edited(self, case: Case, message: Message) -> None:
        pair = await self.storage.pair_for_user_message(case.id, message.message_id)
        if pair is not None and message.text:
            await self._edit(self.group, pair.operator_message_id, message.text)

    async def tell_operators(self, case: Case, key: str, **values: object) -> None:
        text = self.content.text(key, self.lang, code=case.code, **values)

        async def tell(thread: int | None, reply: ReplyParameters | None) -> list[Message]:
            return await send_text(self.bot, self.group, text, thread_id=thread, reply=reply)

        await self._into_case(case, tell)

    # --- operators -> user ---------------------------------------------------------------------

    async def user_chat(self, user_key: str) -> int | None:
        """The user's chat id, unsealed only for the moment it is needed."""
        return self.addresses.open(await self.storage.load_address(user_key))

    async def copy_to_user(self, case: Case, user_chat: int, message_id: int) -> None:
        """Copy an operator's message to the user; Telegram's errors travel up to the outbox."""
        result = await self.bot.copy_message(user_chat, self.group, message_id)
        await self.storage.add_pair(
            MessagePair(case.id, result.message_id, message_id, self.conversations.clock())
        )

    async def operator_edited(self, case: Case, message: Message) -> None:
        pair = await self.storage.pair_for_operator_message(message.message_id)
        chat_id = await self.user_chat(case.user_key)
        if pair is not None and chat_id is not None and message.text:
            await self._edit(chat_id, pair.user_message_id, message.text)

    async def notify_user(self, case: Case, notice: str) -> list[Event]:
        """Run a case notice through the core; operators hear when the user blocked the bot."""
        events, delivered = await self.notify(case.user_key, notice)
        if not delivered:
            await self.tell_operators(case, "op_user_blocked")
        return events

    async def notify(self, user_key: str, notice: str) -> tuple[list[Event], bool]:
        """Run a system notice through the core and show the user what it says."""
        outcome = await self.conversations.handle(
            user_key, Inbound("system", command=notice, at=self.conversations.clock())
        )
        chat_id = await self.user_chat(user_key)
        if chat_id is not None:
            try:
                await send_events(self.bot, chat_id, outcome.events)
            except TelegramForbiddenError:
                return outcome.events, False
        return outcome.events, True

    async def _edit(self, chat_id: int, message_id: int, text: str) -> None:
        try:
            await self.bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, parse_mode=None
            )
        except TelegramBadRequest as error:
            log.info("edit_not_relayed", extra={"reason": str(error)[:80]})

    async def case_for_operator_message(self, message: Message) -> Case | None:
        """The case an operator is writing in: the forum topic, or the message they reply to."""
        if self.is_forum and message.message_thread_id:
            return await self.storage.case_by_thread(message.message_thread_id)
        replied = message.reply_to_message
        if replied is None:
            return None
        pair = await self.storage.pair_for_operator_message(replied.message_id)
        return await self.storage.case_by_id(pair.case_id) if pair else None
