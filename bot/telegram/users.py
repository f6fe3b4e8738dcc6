"""Private chats: convert the update, call the core, render, carry out handoff effects."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from bot.coordination.base import Counter
from bot.events import ClearChat, Inbound, OpenCase, RelayToOperator
from bot.handoff.model import Case
from bot.identity import user_key
from bot.logs import pseudonym, text_field
from bot.service import Conversations, Outcome
from bot.state import State
from bot.telegram.address import AddressBook
from bot.telegram.outbox import TO_OPERATORS, Outbox
from bot.telegram.relay import Relay
from bot.telegram.render import CoreButton, acknowledge, send_events
from bot.telegram.sla import SlaTimers
from bot.telegram.throttle import FloodGuard
from bot.telegram.trail import ChatTrail

log = logging.getLogger("bot.users")
# What a person can send; service messages (pins, timers, shared chats...) are ignored on purpose.
MEDIA_KINDS = (
    "photo", "voice", "video", "video_note", "audio", "document", "sticker", "animation",
    "location", "venue", "contact", "poll", "dice", "story", "live_photo", "paid_media", "game",
    "checklist",
)  # fmt: skip
OWN_MESSAGE_KINDS = ("text", "media", "command")


@dataclass(frozen=True)
class Sender:
    """Who acted and where: the user, their private chat, and their own message if any."""

    bot: Bot
    user: User
    chat_id: int
    message_id: int | None


class UserSide:
    """What every user handler needs, built once by the app factory."""

    def __init__(
        self,
        conversations: Conversations,
        relay: Relay,
        outbox: Outbox,
        trail: ChatTrail,
        timers: SlaTimers,
        secret: str,
        flood_counter: Counter,
    ) -> None:
        self.conversations = conversations
        self.relay = relay
        self.outbox = outbox
        self.trail = trail
        self.timers = timers
        self.secret = secret
        self.flood_counter = flood_counter

    @property
    def addresses(self) -> AddressBook:
        return self.relay.addresses

    async def handle(self, sender: Sender, inbound: Inbound) -> Outcome:
        key = user_key(self.secret, sender.user.id)
        now = self.conversations.clock()
        await self.conversations.storage.save_address(
            key, self.addresses.seal(sender.chat_id), now
        )
        own = sender.message_id if inbound.kind in OWN_MESSAGE_KINDS else None
        if own is not None:
            await self.trail.note(sender.chat_id, [own])
        log.debug(
            "update",
            extra={"user": pseudonym(key), "kind": inbound.kind, **text_field(inbound.text)},
        )
        outcome = await self.conversations.handle(key, inbound)
        if any(isinstance(e, ClearChat) for e in outcome.events):
            await self._quick_exit(sender, outcome)
        await send_events(sender.bot, sender.chat_id, outcome.events)
        await self._effects(outcome, own)
        return outcome

    async def _quick_exit(self, sender: Sender, outcome: Outcome) -> None:
        """Wipe the chat; operators of an open case learn not to write first."""
        await self.trail.wipe(sender.bot, sender.chat_id)
        if outcome.case is not None:
            await self.relay.tell_operators(outcome.case, "op_user_left")

    async def _effects(self, outcome: Outcome, own_message: int | None) -> None:
        case = outcome.case
        if outcome.forgotten is not None:
            await self.timers.cancel(outcome.forgotten)
            await self.relay.tell_operators(outcome.forgotten, "op_user_erased")
        if case is None:
            return
        relaying = outcome.opened or any(isinstance(e, RelayToOperator) for e in outcome.events)
        item = None
        if relaying and own_message is not None:
            item = await self.outbox.write(case, TO_OPERATORS, own_message)
        opened = next((e for e in outcome.events if isinstance(e, OpenCase)), None)
        if outcome.opened and opened is not None:
            case = await self.relay.open_case(case, opened)
            log.info("case_opened", extra=_case_fields(case))
            await self.timers.case_opened(case)
        if item is not None:
            await self.outbox.deliver(item)

    async def edited(self, message: Message) -> None:
        """An edit follows its relayed copy, unless the person was banned; else it is new text."""
        if message.from_user is None:
            return
        key = user_key(self.secret, message.from_user.id)
        case = await self.conversations.storage.active_case(key)
        if case is None:
            await self.handle(_sender(message), _text_inbound(message))
            return
        state = State.from_json(await self.conversations.storage.load_state(key))
        if not state.extra.get("banned"):
            await self.relay.user_edited(case, message)

    async def ask_to_wait(self, event: TelegramObject, key: str) -> None:
        """The one kind reply a flood gets; the core words it in the user's language."""
        user = getattr(event, "from_user", None)
        bot = getattr(event, "bot", None)
        if not isinstance(user, User) or not isinstance(bot, Bot):
            return
        outcome = await self.conversations.handle(key, Inbound("system", command="flood_wait"))
        await send_events(bot, user.id, outcome.events)

    def flood_guard(self, limit: int, window: float) -> FloodGuard:
        """Counted by the coordination counter: with REDIS_URL every replica sees every hit."""
        return FloodGuard(
            self.flood_counter,
            self.secret,
            self.conversations.clock,
            limit,
            window,
            self.ask_to_wait,
        )


def _case_fields(case: Case) -> dict[str, object]:
    return {"case": case.code, "user": pseudonym(case.user_key), "reason": case.reason}


def lang_hint(message: Message | CallbackQuery) -> str | None:
    user = message.from_user
    code = (user.language_code or "")[:2] if user else ""
    return code or None


def media_kind(message: Message) -> str:
    return next(
        (kind for kind in MEDIA_KINDS if getattr(message, kind, None) is not None), "other"
    )


def _sender(message: Message) -> Sender:
    assert message.from_user is not None and message.bot is not None
    return Sender(message.bot, message.from_user, message.chat.id, message.message_id)


def _text_inbound(message: Message) -> Inbound:
    return Inbound("text", text=message.text or "", lang_hint=lang_hint(message))


def setup(side: UserSide, flood_limit: int, flood_window: float) -> Router:
    """Router for private chats only; groups and channels never reach these handlers."""
    router = Router(name="users")
    private = F.chat.type == "private"
    router.message.filter(private, F.from_user)
    router.edited_message.filter(private, F.from_user)
    guard = side.flood_guard(flood_limit, flood_window)
    router.message.middleware(guard)
    router.callback_query.middleware(guard)

    @router.message(F.text.startswith("/"))
    async def on_command(message: Message) -> None:
        name, _, args = (message.text or "/")[1:].partition(" ")
        inbound = Inbound(
            "command", command=name.split("@")[0], text=args, lang_hint=lang_hint(message)
        )
        await side.handle(_sender(message), inbound)

    @router.message(F.text)
    async def on_text(message: Message) -> None:
        await side.handle(_sender(message), _text_inbound(message))

    @router.message(F.content_type.in_(MEDIA_KINDS))
    async def on_media(message: Message) -> None:
        inbound = Inbound(
            "media",
            media=media_kind(message),
            text=message.caption or "",
            lang_hint=lang_hint(message),
        )
        await side.handle(_sender(message), inbound)

    @router.edited_message(F.text)
    async def on_edit(message: Message) -> None:
        await side.edited(message)

    @router.callback_query(F.message.chat.type == "private", CoreButton.filter())
    async def on_button(query: CallbackQuery, callback_data: CoreButton) -> None:
        await pressed(query, callback_data.to_core())

    @router.callback_query(F.message.chat.type == "private")
    async def on_forged_button(query: CallbackQuery) -> None:
        """Data no keyboard of ours could carry: the core answers it like a stale button."""
        await pressed(query, "invalid")

    @router.callback_query()
    async def on_foreign_button(query: CallbackQuery) -> None:
        """Buttons outside private chats (inline mode, groups) carry nothing for the core."""
        await acknowledge(query)

    async def pressed(query: CallbackQuery, data: str) -> None:
        await acknowledge(query)  # a press too old to answer is still worth handling
        inbound = Inbound("button", data=data, lang_hint=lang_hint(query))
        chat_id = query.message.chat.id if query.message else query.from_user.id
        assert query.bot is not None
        await side.handle(Sender(query.bot, query.from_user, chat_id, None), inbound)

    return router
