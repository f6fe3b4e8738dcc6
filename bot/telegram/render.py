"""Core events as Telegram messages: escaped HTML, inline keyboards, long texts split."""

from __future__ import annotations

import contextlib
import html
import logging
from typing import Annotated

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from pydantic import StringConstraints

from bot.events import Ask, Button, Event, Say

TELEGRAM_LIMIT = 4096
log = logging.getLogger("bot.render")


class CoreButton(CallbackData, prefix="v1", sep="|"):
    """A core payload `v1:kind:args` on the wire as `v1|kind:args`, checked again on arrival.

    aiogram's default separator is the core's own `:`, so this factory uses `|`; the core keeps
    one payload grammar for every adapter and the transcripts.
    """

    payload: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9:_\-]{1,61}$")]

    @classmethod
    def from_core(cls, data: str) -> CoreButton:
        version, _, payload = data.partition(":")
        if version != cls.__prefix__:
            raise ValueError(f"core payload without the {cls.__prefix__} prefix")
        return cls(payload=payload)

    def to_core(self) -> str:
        return f"{self.__prefix__}:{self.payload}"


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """One button per row (long labels on small screens); payloads checked before sending."""
    rows = []
    for button in buttons:
        try:
            data = CoreButton.from_core(button.data).pack()
        except ValueError:
            log.error("button_dropped", extra={"payload": button.data[:80]})
            continue
        rows.append([InlineKeyboardButton(text=button.label[:64], callback_data=data)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def chunks(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at paragraph or line breaks so no message exceeds Telegram's limit."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    return [*parts, rest] if rest else parts


async def send_events(bot: Bot, chat_id: int, events: list[Event]) -> list[Message]:
    """Render what the user should see; other events are effects handled elsewhere."""
    sent: list[Message] = []
    for event in events:
        if isinstance(event, Ask | Say):
            sent += await send_text(
                bot, chat_id, event.text, event.buttons if isinstance(event, Ask) else ()
            )
    return sent


async def send_text(
    bot: Bot,
    chat_id: int,
    text: str,
    buttons: tuple[Button, ...] = (),
    thread_id: int | None = None,
    reply: ReplyParameters | None = None,
) -> list[Message]:
    pieces = chunks(html.escape(text, quote=False))
    sent = []
    for index, piece in enumerate(pieces):
        markup = keyboard(buttons) if index == len(pieces) - 1 else None
        sent.append(
            await bot.send_message(
                chat_id,
                piece,
                reply_markup=markup,
                message_thread_id=thread_id,
                reply_parameters=reply,
            )
        )
    return sent


async def acknowledge(query: CallbackQuery) -> None:
    """Stop the button's spinner; a query too old to answer is no reason to stop handling it."""
    with contextlib.suppress(TelegramBadRequest):
        await query.answer()
