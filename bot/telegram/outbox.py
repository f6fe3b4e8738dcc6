"""Relays are written down before they are sent and crossed out once Telegram confirms them."""

from __future__ import annotations

import logging

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
)

from bot.handoff.model import Case, OutboxItem
from bot.logs import pseudonym
from bot.telegram.relay import Relay

log = logging.getLogger("bot.outbox")
TO_OPERATORS, TO_USER = "to_operators", "to_user"
# Telegram said no for good (message gone, user blocked the bot): retrying cannot help.
PERMANENT = (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound)


class Outbox:
    """At-least-once relay: an item left by a crash or an outage is sent at start-up or later."""

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.storage = relay.storage
        self._in_flight: set[int] = set()

    async def write(self, case: Case, direction: str, message_id: int) -> OutboxItem:
        now = self.relay.conversations.clock()
        return await self.storage.outbox_add(case.id, case.user_key, direction, message_id, now)

    async def send(self, case: Case, direction: str, message_id: int) -> bool:
        """Write, then deliver; False only when the message can never be delivered."""
        return await self.deliver(await self.write(case, direction, message_id))

    async def deliver(self, item: OutboxItem) -> bool:
        """Send one item; it stays in the outbox when Telegram could not be reached."""
        if item.id in self._in_flight:
            return True
        self._in_flight.add(item.id)
        try:
            return await self._attempt(item)
        finally:
            self._in_flight.discard(item.id)

    async def deliver_pending(self) -> int:
        """Send whatever a crash or an outage left behind, oldest first."""
        pending = await self.storage.outbox_pending()
        for item in pending:
            await self.deliver(item)
        if pending:
            log.info("outbox_pending_retried", extra={"count": len(pending)})
        return len(pending)

    async def _attempt(self, item: OutboxItem) -> bool:
        case = await self.storage.case_by_id(item.case_id)
        user_chat = await self.relay.user_chat(case) if case else None
        if case is None or user_chat is None:
            return await self._drop(item, None, "case_gone")
        try:
            delivered = await self._copy(item, case, user_chat)
        except PERMANENT as error:
            await self._refused(item, case, error)
            return False
        except (TelegramAPIError, TimeoutError, OSError) as error:
            log.warning("relay_deferred", extra=_fields(item, case, type(error).__name__))
            return True
        if delivered:
            await self.storage.outbox_done(item.id)
            log.info("relay_sent", extra=_fields(item, case))
        return delivered

    async def _copy(self, item: OutboxItem, case: Case, user_chat: int) -> bool:
        if item.direction == TO_USER:
            if case.status == "closed":
                return await self._drop(item, case, "case_closed")
            await self.relay.copy_to_user(case, user_chat, item.message_id)
            return True
        if case.thread_id is None:
            case = await self.relay.open_case(case, "", "")
        await self.relay.copy_to_operators(case, user_chat, item.message_id)
        return True

    async def _refused(self, item: OutboxItem, case: Case, error: Exception) -> None:
        await self._drop(item, case, type(error).__name__)
        if item.direction == TO_USER and isinstance(error, TelegramForbiddenError):
            await self.relay.tell_operators(case, "op_user_blocked")

    async def _drop(self, item: OutboxItem, case: Case | None, reason: str) -> bool:
        await self.storage.outbox_done(item.id)
        log.warning("relay_dropped", extra=_fields(item, case, reason))
        return False


def _fields(item: OutboxItem, case: Case | None, reason: str = "") -> dict[str, object]:
    fields: dict[str, object] = {"user": pseudonym(item.user_key), "direction": item.direction}
    fields["case"] = case.code if case else item.case_id
    return {**fields, "reason": reason} if reason else fields
