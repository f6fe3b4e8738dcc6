"""Runs the pure core for one user at a time and carries out the effects both adapters share."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.content.loader import Content
from bot.coordination.base import Locks
from bot.coordination.local import InProcessLocks
from bot.dialogue import Dialogue
from bot.events import CountEvent, Event, Forget, Inbound, OpenCase
from bot.identity import case_code
from bot.state import State
from bot.storage.base import Case, NewCase, Storage

Clock = Callable[[], float]


@dataclass(frozen=True)
class Outcome:
    """What the adapter must render, plus the case when one is open or was just opened."""

    events: list[Event]
    case: Case | None = None
    opened: bool = False
    forgotten: Case | None = None
    state: State = field(default_factory=State)


class Conversations:
    """State in, core, state out, effects; one user's updates never run concurrently."""

    def __init__(
        self,
        content: Content,
        storage: Storage,
        clock: Clock,
        rng: random.Random | None = None,
        locks: Locks | None = None,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.rng = rng or random.SystemRandom()
        self.dialogue = Dialogue(content)
        self.locks = locks or InProcessLocks()

    def use_content(self, content: Content) -> None:
        """Switch to a freshly loaded snapshot (hot reload); running conversations keep going."""
        self.dialogue = Dialogue(content)

    async def handle(self, user_key: str, inbound: Inbound) -> Outcome:
        async with self.locks.hold(f"user:{user_key}"):
            return await self._handle(user_key, inbound)

    async def _handle(self, user_key: str, inbound: Inbound) -> Outcome:
        now = inbound.at or self.clock()
        stamped = Inbound(**{**inbound.__dict__, "at": now})
        state = State.from_json(await self.storage.load_state(user_key))
        await self._count_visit(state, now)
        new_state, events = self.dialogue.handle(state, stamped)
        case = await self.storage.active_case(user_key)
        opened = False
        forgotten = None
        for event in events:
            if isinstance(event, OpenCase) and case is None:
                case = await self._open_case(user_key, event, now)
                opened = True
            elif isinstance(event, Forget):
                forgotten, case = case, None
                await self.storage.forget_user(user_key)
        if not any(isinstance(e, Forget) for e in events):
            await self.storage.save_state(user_key, new_state.to_json(), now)
        await self._count_events(events, now)
        return Outcome(events, case, opened, forgotten, new_state)

    async def _open_case(self, user_key: str, event: OpenCase, now: float) -> Case:
        new = NewCase(
            user_key, case_code(self.rng), event.lang, event.reason, event.categories, now
        )
        return await self.storage.open_case(new)

    async def _count_visit(self, state: State, now: float) -> None:
        if _day(state.seen_at) != _day(now):
            await self.storage.count(_day(now), "conversations")

    async def _count_events(self, events: list[Event], now: float) -> None:
        day = _day(now)
        for event in events:
            if isinstance(event, OpenCase):
                await self.storage.count(day, "cases_opened", event.reason)
                for category in event.categories:
                    await self.storage.count(day, "risk_category", category)
            elif isinstance(event, CountEvent):
                for key, value in event.labels or (("", ""),):
                    await self.storage.count(
                        day, event.name if not key else f"{event.name}.{key}", value
                    )


def _day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).date().isoformat() if timestamp else ""
