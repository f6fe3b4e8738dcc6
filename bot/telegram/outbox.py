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
from bot.metrics import Metrics
from bot.telegram.relay import Relay

log = logging.getLogger("bot.outbox")
TO_OPERATORS, TO_USER = "to_operators", "to_user"
# Telegram said no for good (message gone, user blocked the bot): retrying cannot help.
PERMANENT = (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound)
# Operators' notices (content/ui.yaml) for a message of theirs that will never arrive.
NOT_DELIVERED, USER_BLOCKED = "op_not_delivered", "op_user_blocked"


class Outbox:
    """At-least-once relay: an item left by a crash or an outage is sent at start-up or later."""

    def __init__(self, relay: Relay, metrics: Metrics) -> None:
        self.relay = relay
        self.storage = relay.storage
        self.metrics = metrics
        self._in_flight: set[int] = set()
        self._depth = 0

    async def write(self, case: Case, direction: str, message_id: int) -> OutboxItem:
        now = self.relay.conversations.clock()
        item = await self.storage.outbox_add(case.id, case.user_key, direction, message_id, now)
        self._count(self._depth + 1)
        return item

    async def send(self, case: Case, direction: str, message_id: int) -> str | None:
        """Write, then deliver; the operators' notice when the message can never arrive."""
        return await self.deliver(await self.write(case, direction, message_id))

    async def deliver(self, item: OutboxItem) -> str | None:
        """Send one item; it stays in the outbox when Telegram could not be reached."""
        if item.id in self._in_flight:
            return None
        self._in_flight.add(item.id)
        try:
            return await self._attempt(item)
        finally:
            self._in_flight.discard(item.id)

    async def deliver_pending(self) -> int:
        """Send whatever a crash or an outage left behind, oldest first; operators hear in the
        case when one of their messages turns out undeliverable."""
        pending = await self.storage.outbox_pending()
        self._count(len(pending))
        for item in pending:
            problem = await self.deliver(item)
            if problem and item.direction == TO_USER:
                await self._tell_operators(item.case_id, problem)
        if pending:
            log.info("outbox_pending_retried", extra={"count": len(pending)})
        return len(pending)

    async def _tell_operators(self, case_id: int, notice: str) -> None:
        case = await self.storage.case_by_id(case_id)
        if case is not None:
            await self.relay.tell_operators(case, notice)

    async def _attempt(self, item: OutboxItem) -> str | None:
        case = await self.storage.case_by_id(item.case_id)
        user_chat = await self.relay.user_chat(item.user_key) if case else None
        if case is None or user_chat is None:
            return await self._drop(item, case, "case_gone", NOT_DELIVERED)
        try:
            problem = await self._copy(item, case, user_chat)
        except PERMANENT as error:
            notice = USER_BLOCKED if isinstance(error, TelegramForbiddenError) else NOT_DELIVERED
            return await self._drop(item, case, type(error).__name__, notice)
        except (TelegramAPIError, TimeoutError, OSError) as error:
            log.warning("relay_deferred", extra=_fields(item, case, type(error).__name__))
            return None
        if problem is None:
            await self._done(item)
            log.info("relay_sent", extra=_fields(item, case))
        return problem

    async def _copy(self, item: OutboxItem, case: Case, user_chat: int) -> str | None:
        if item.direction == TO_USER:
            if case.status == "closed":
                return await self._drop(item, case, "case_closed", NOT_DELIVERED)
            await self.relay.copy_to_user(case, user_chat, item.message_id)
            return None
        if case.thread_id is None:
            case = await self.relay.open_case(case)
        await self.relay.copy_to_operators(case, user_chat, item.message_id)
        return None

    async def _drop(self, item: OutboxItem, case: Case | None, reason: str, notice: str) -> str:
        await self._done(item)
        log.warning("relay_dropped", extra=_fields(item, case, reason))
        return notice

    async def _done(self, item: OutboxItem) -> None:
        await self.storage.outbox_done(item.id)
        self._count(self._depth - 1)

    def _count(self, depth: int) -> None:
        """Relays waiting to be sent, for the queue-depth gauge; a sweep resets it to the truth."""
        self._depth = max(depth, 0)
        self.metrics.set_outbound_queue_depth(self._depth)


def _fields(item: OutboxItem, case: Case | None, reason: str = "") -> dict[str, object]:
    fields: dict[str, object] = {"user": pseudonym(item.user_key), "direction": item.direction}
    fields["case"] = case.code if case else item.case_id
    return {**fields, "reason": reason} if reason else fields
