"""Quick exit: message ids of each private chat are kept 48 hours, so the chat can be wiped."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.housekeeping import TRAIL_SECONDS
from bot.identity import user_key
from bot.logs import pseudonym
from bot.storage.base import Storage
from bot.telegram.throttle import sent_to

log = logging.getLogger("bot.trail")
DELETE_BATCH = 100  # Telegram's limit for one deleteMessages call


class ChatTrail:
    """Message ids per pseudonym; in a private chat the chat id is the user's id."""

    def __init__(self, storage: Storage, secret: str, clock: Callable[[], float]) -> None:
        self.storage = storage
        self.secret = secret
        self.clock = clock

    async def note(self, chat_id: int, message_ids: Sequence[int]) -> None:
        """Remember messages of a private chat; groups (negative ids) are never tracked."""
        if chat_id > 0 and message_ids:
            key = user_key(self.secret, chat_id)
            await self.storage.track_messages(key, message_ids, self.clock())

    async def wipe(self, bot: Bot, chat_id: int) -> int:
        """Delete every message of this chat still deletable; the trail is emptied either way."""
        key = user_key(self.secret, chat_id)
        ids = await self.storage.tracked_messages(key, self.clock() - TRAIL_SECONDS)
        for start in range(0, len(ids), DELETE_BATCH):
            try:
                await bot.delete_messages(chat_id, ids[start : start + DELETE_BATCH])
            except TelegramAPIError as error:
                log.warning("trail_delete_failed", extra={"error": type(error).__name__})
        await self.storage.untrack_messages(key)
        log.info("quick_exit", extra={"user": pseudonym(key), "count": len(ids)})
        return len(ids)


class TrailMiddleware(BaseRequestMiddleware):
    """Notes every message the bot sends or copies into a private chat."""

    def __init__(self, trail: ChatTrail) -> None:
        self.trail = trail

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        result = await make_request(bot, method)
        chat_id = sent_to(method)
        if chat_id is not None:
            await self.trail.note(chat_id, _message_ids(result))
        return result


def _message_ids(result: Any) -> list[int]:
    """Session middlewares receive the method's result: a Message, a MessageId, or a list."""
    items = result if isinstance(result, list) else [result]
    return [
        item.message_id for item in items if isinstance(getattr(item, "message_id", None), int)
    ]
