"""Flood control both ways: people writing too fast are asked to wait; the bot paces its sends."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import CallbackQuery, TelegramObject, User
from aiolimiter import AsyncLimiter

from bot.coordination.base import Counter
from bot.identity import user_key
from bot.logs import pseudonym
from bot.telegram.render import acknowledge

log = logging.getLogger("bot.throttle")
SENDING = ("Send", "Copy", "Forward")
# Per-chat limiters kept before idle ones are dropped, so memory stays bounded.
MAX_TRACKED = 10_000


def sent_to(method: TelegramMethod[Any]) -> int | None:
    """The chat a method puts a new message into (send, copy, forward), else None."""
    chat_id = getattr(method, "chat_id", None)
    if isinstance(chat_id, int) and type(method).__name__.startswith(SENDING):
        return chat_id
    return None


AskToWait = Callable[[TelegramObject, str], Awaitable[None]]


class FloodGuard(BaseMiddleware):
    """More than `limit` updates in `window` seconds: one kind "please wait", then quiet drops."""

    def __init__(
        self,
        counter: Counter,
        secret: str,
        clock: Callable[[], float],
        limit: int,
        window: float,
        ask_to_wait: AskToWait,
    ) -> None:
        self.counter = counter
        self.secret = secret
        self.clock = clock
        self.limit = limit
        self.window = window
        self.ask_to_wait = ask_to_wait

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        if not isinstance(user, User):
            return await handler(event, data)
        key = user_key(self.secret, user.id)
        hits = await self.counter.hit(key, self.window, self.clock())
        if hits <= self.limit:
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            await acknowledge(event)
        if hits == self.limit + 1:
            log.info("flood_throttled", extra={"user": pseudonym(key)})
            await self.ask_to_wait(event, key)
        return None


@dataclass(frozen=True)
class SendLimits:
    """Telegram's limits as (messages, seconds): 30/s overall, ~1/s a private chat, 20/min a group.

    A private chat may burst to three, so a two-part answer is not held back a second.
    """

    overall: tuple[float, float] = (30, 1.0)
    private_chat: tuple[float, float] = (3, 3.0)
    group: tuple[float, float] = (20, 60.0)


class PacingMiddleware(BaseRequestMiddleware):
    """Waits for a free slot before every send: messages are queued, never dropped."""

    def __init__(self, limits: SendLimits | None = None) -> None:
        self.limits = limits or SendLimits()
        self.overall = AsyncLimiter(*self.limits.overall)
        self.chats: dict[int, AsyncLimiter] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = sent_to(method)
        if chat_id is not None:
            await self._chat(chat_id).acquire()
            await self.overall.acquire()
        return await make_request(bot, method)

    def _chat(self, chat_id: int) -> AsyncLimiter:
        if chat_id not in self.chats and len(self.chats) > MAX_TRACKED:
            self.chats = {c: lim for c, lim in self.chats.items() if _busy(lim)}
        if chat_id not in self.chats:
            rate = self.limits.private_chat if chat_id > 0 else self.limits.group
            self.chats[chat_id] = AsyncLimiter(*rate)
        return self.chats[chat_id]


def _busy(limiter: AsyncLimiter) -> bool:
    """A limiter still draining; an idle one can be dropped and made afresh."""
    return not limiter.has_capacity(limiter.max_rate)
