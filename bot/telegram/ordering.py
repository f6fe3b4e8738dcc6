"""Updates from one chat (or one forum topic) are handled one after another, in arrival order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject

from bot.locks import KeyedLocks


class ChatOrder(BaseMiddleware):
    """Without it a message waiting out a flood limit is overtaken by the next one."""

    def __init__(self) -> None:
        self.locks = KeyedLocks()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat = data.get("event_chat")
        if not isinstance(chat, Chat):
            return await handler(event, data)
        async with self.locks.hold((chat.id, data.get("event_thread_id"))):
            return await handler(event, data)
