"""Private chats: convert the update, call the core, render, carry out handoff effects."""

from __future__ import annotations

import contextlib
import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from bot.events import Inbound, OpenCase, RelayToOperator
from bot.identity import user_key
from bot.service import Conversations, Outcome
from bot.telegram.address import AddressBook
from bot.telegram.relay import Relay
from bot.telegram.render import CoreButton, send_events
from bot.telegram.sla import SlaTimers

log = logging.getLogger("bot.users")
MEDIA_KINDS = (
    "photo", "voice", "video", "video_note", "audio", "document", "sticker", "animation",
    "location", "venue", "contact", "poll", "dice",
)  # fmt: skip


class UserSide:
    """What every user handler needs, built once by the app factory."""

    def __init__(
        self,
        conversations: Conversations,
        relay: Relay,
        addresses: AddressBook,
        timers: SlaTimers,
        secret: str,
    ) -> None:
        self.conversations = conversations
        self.relay = relay
        self.addresses = addresses
        self.timers = timers
        self.secret = secret

    async def handle(self, message: Message, inbound: Inbound) -> Outcome | None:
        if message.from_user is None:
            return None
        key = user_key(self.secret, message.from_user.id)
        await self.conversations.storage.save_address(
            key, self.addresses.seal(message.chat.id), self.conversations.clock()
        )
        outcome = await self.conversations.handle(key, inbound)
        await send_events(message.bot, message.chat.id, outcome.events)  # type: ignore[arg-type]
        await self._effects(outcome, message, inbound.kind in ("text", "media"))
        return outcome

    async def _effects(self, outcome: Outcome, message: Message, users_own: bool) -> None:
        case = outcome.case
        if outcome.forgotten is not None:
            await self.timers.cancel(outcome.forgotten)
            await self.relay.tell_operators(outcome.forgotten, "op_user_erased")
        if case is None:
            return
        opened = next((e for e in outcome.events if isinstance(e, OpenCase)), None)
        if outcome.opened and opened is not None:
            case = await self.relay.open_case(case, opened.phrase, opened.summary)
            await self.timers.case_opened(case)
            if users_own:
                await self.relay.to_operators(case, message)
        if any(isinstance(e, RelayToOperator) for e in outcome.events):
            await self.relay.to_operators(case, message)


def lang_hint(message: Message | CallbackQuery) -> str | None:
    user = message.from_user
    code = (user.language_code or "")[:2] if user else ""
    return code or None


def media_kind(message: Message) -> str:
    return next(
        (kind for kind in MEDIA_KINDS if getattr(message, kind, None) is not None), "other"
    )


def setup(side: UserSide) -> Router:
    """Router for private chats only; groups and channels never reach these handlers."""
    router = Router(name="users")
    router.message.filter(F.chat.type == "private")
    router.edited_message.filter(F.chat.type == "private")

    @router.message(F.text.startswith("/"))
    async def on_command(message: Message) -> None:
        name, _, args = (message.text or "/")[1:].partition(" ")
        inbound = Inbound(
            "command", command=name.split("@")[0], text=args, lang_hint=lang_hint(message)
        )
        await side.handle(message, inbound)

    @router.message(F.text)
    async def on_text(message: Message) -> None:
        await side.handle(
            message, Inbound("text", text=message.text or "", lang_hint=lang_hint(message))
        )

    @router.message(F.caption)
    async def on_captioned_media(message: Message) -> None:
        await side.handle(
            message, Inbound("media", media=media_kind(message), text=message.caption or "")
        )

    @router.message()
    async def on_media(message: Message) -> None:
        await side.handle(
            message, Inbound("media", media=media_kind(message), lang_hint=lang_hint(message))
        )

    @router.edited_message(F.text)
    async def on_edit(message: Message) -> None:
        if message.from_user is None:
            return
        case = await side.conversations.storage.active_case(
            user_key(side.secret, message.from_user.id)
        )
        if case is not None:
            await side.relay.user_edited(case, message)
        else:
            await on_text(message)

    @router.callback_query(F.message.chat.type == "private", CoreButton.filter())
    async def on_button(query: CallbackQuery, callback_data: CoreButton) -> None:
        await pressed(query, callback_data.to_core())

    @router.callback_query(F.message.chat.type == "private")
    async def on_forged_button(query: CallbackQuery) -> None:
        """Data no keyboard of ours could carry: the core answers it like a stale button."""
        await pressed(query, "invalid")

    async def pressed(query: CallbackQuery, data: str) -> None:
        with contextlib.suppress(TelegramBadRequest):  # too old to answer, still worth handling
            await query.answer()
        if isinstance(query.message, Message):
            inbound = Inbound("button", data=data, lang_hint=lang_hint(query))
            await side.handle(_as_from(query.message, query), inbound)

    return router


def _as_from(message: Message, query: CallbackQuery) -> Message:
    """The bot's own message, seen as coming from the user who pressed its button."""
    return message.model_copy(update={"from_user": query.from_user})
