"""The operators' group: case commands, replies relayed to users, admin commands for ADMIN_IDS."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import Message

from bot import directory
from bot.handoff.cases import CaseError, claim, close
from bot.handoff.model import Case
from bot.telegram.outbox import TO_USER, Outbox
from bot.telegram.relay import Relay
from bot.telegram.render import send_text
from bot.telegram.sla import SlaTimers
from bot.telegram.users import MEDIA_KINDS

log = logging.getLogger("bot.operators")
CaseCommand = Callable[[Case, Message, CommandObject], Awaitable[None]]
MEMBER_STATUSES = ("creator", "administrator", "member")
MEMBERSHIP_TTL = 300.0


class OperatorGate(Filter):
    """Only members of the operators' group act as operators: people who merely comment in a
    linked discussion, post as a channel, or are bots are ignored; anonymous admins count."""

    def __init__(self, group: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.group = group
        self.clock = clock
        self._members: dict[int, tuple[bool, float]] = {}

    async def __call__(self, message: Message) -> bool:
        if message.sender_chat is not None:
            allowed = message.sender_chat.id == self.group
        elif message.from_user is None or message.from_user.is_bot or message.bot is None:
            allowed = False
        else:
            allowed = await self._is_member(message, message.from_user.id)
        if not allowed:
            log.info("operator_rejected", extra={"kind": message.content_type})
        return allowed

    async def _is_member(self, message: Message, user_id: int) -> bool:
        """Asked of Telegram, remembered for a few minutes so busy groups cost one call each."""
        known = self._members.get(user_id)
        if known is not None and self.clock() - known[1] < MEMBERSHIP_TTL:
            return known[0]
        assert message.bot is not None
        member = await message.bot.get_chat_member(self.group, user_id)
        allowed = member.status in MEMBER_STATUSES or bool(getattr(member, "is_member", False))
        self._members[user_id] = (allowed, self.clock())
        return allowed


class OperatorSide:
    def __init__(
        self,
        relay: Relay,
        outbox: Outbox,
        timers: SlaTimers,
        admin_ids: set[int],
        reload_content: Callable[[], Awaitable[str]],
    ) -> None:
        self.relay = relay
        self.outbox = outbox
        self.timers = timers
        self.admin_ids = admin_ids
        self.reload_content = reload_content

    async def say(self, message: Message, key: str, **values: object) -> None:
        await self.reply(message, self.relay.content.text(key, self.relay.lang, **values))

    async def reply(self, message: Message, text: str) -> None:
        thread = message.message_thread_id if message.is_topic_message else None
        await send_text(self.relay.bot, message.chat.id, text, thread_id=thread)

    async def claim(self, case: Case, message: Message, command: CommandObject) -> None:
        await self._move(claim(case, self.relay.conversations.clock()), message, "case_claimed")

    async def close(self, case: Case, message: Message, command: CommandObject) -> None:
        await self._move(close(case, self.relay.conversations.clock()), message, "case_closed")

    async def _move(self, case: Case, message: Message, notice: str) -> None:
        """Store the case's new state, tell the user, confirm to operators."""
        await self.store_move(case)
        await self.relay.notify_user(case, notice)
        await self.say(message, f"op_{notice}", code=case.code)

    async def store_move(self, case: Case) -> None:
        """A claimed or closed case: keep it, stop its SLA timer, count it anonymously."""
        await self.relay.storage.update_case(case)
        await self.timers.cancel(case)
        stats = self.relay.conversations.stats
        await (stats.case_closed(case) if case.status == "closed" else stats.case_claimed(case))

    async def note(self, case: Case, message: Message, command: CommandObject) -> None:
        """Notes stay in the group as they are: the command only acknowledges, nothing is sent."""
        await self.say(message, "op_note_saved", code=case.code)

    async def hotlines(self, case: Case, message: Message, command: CommandObject) -> None:
        await self.relay.notify_user(case, "send_hotlines")
        await self.say(message, "op_hotlines_sent", code=case.code)

    async def ban(self, case: Case, message: Message, command: CommandObject) -> None:
        banning = command.command == "ban"
        await self.relay.notify_user(case, "ban" if banning else "unban")
        await self.say(message, "op_banned" if banning else "op_unbanned", code=case.code)

    async def on_case_command(
        self, message: Message, command: CommandObject, action: CaseCommand
    ) -> None:
        case = await self.relay.case_for_operator_message(message)
        if case is None:
            await self.say(message, "op_not_a_case")
            return
        try:
            await action(case, message, command)
        except CaseError as error:
            await self.say(message, f"op_{error}", code=case.code)


def setup(side: OperatorSide, operator_chat_id: int) -> Router:
    """Router for the operators' group only; every other group is ignored on purpose."""
    router = Router(name="operators")
    gate = OperatorGate(operator_chat_id)
    router.message.filter(F.chat.id == operator_chat_id, gate)
    router.edited_message.filter(F.chat.id == operator_chat_id, gate)
    case_commands: dict[str, CaseCommand] = {
        "claim": side.claim,
        "close": side.close,
        "note": side.note,
        "hotlines": side.hotlines,
        "ban": side.ban,
        "unban": side.ban,
    }

    @router.message(Command(*case_commands))
    async def on_case_command(message: Message, command: CommandObject) -> None:
        await side.on_case_command(message, command, case_commands[command.command])

    @router.message(Command("directory"))
    async def on_directory(message: Message, command: CommandObject) -> None:
        content, lang = side.relay.content, side.relay.lang
        await side.reply(message, directory.operator_directory(content, command.args or "", lang))

    @router.message(Command("reload", "stats"))
    async def on_admin(message: Message, command: CommandObject) -> None:
        if message.from_user is None or message.from_user.id not in side.admin_ids:
            await side.say(message, "op_admin_only")
            return
        if command.command == "reload":
            await side.reply(message, await side.reload_content())
            return
        await side.say(
            message, "admin_stats", waiting=len(await side.relay.storage.waiting_cases())
        )

    @router.message(F.content_type.in_(("text", *MEDIA_KINDS)))
    async def on_operator_message(message: Message) -> None:
        if message.text and message.text.startswith("/"):
            return
        case = await side.relay.case_for_operator_message(message)
        if case is None:
            return
        if case.status == "waiting":
            case = claim(case, side.relay.conversations.clock())
            await side.store_move(case)
        problem = await side.outbox.send(case, TO_USER, message.message_id)
        if problem:
            await side.say(message, problem, code=case.code)

    @router.edited_message()
    async def on_operator_edit(message: Message) -> None:
        case = await side.relay.case_for_operator_message(message)
        if case is not None:
            await side.relay.operator_edited(case, message)

    return router
