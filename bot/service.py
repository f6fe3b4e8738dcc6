"""Runs the pure core for one user at a time and carries out the effects both adapters share."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.content.loader import Content
from bot.coordination.base import Locks
from bot.coordination.local import InProcessLocks
from bot.dialogue import Dialogue
from bot.events import Event, Forget, Inbound, OpenCase, Schedule, Unschedule
from bot.identity import case_code
from bot.metrics import Metrics
from bot.state import State
from bot.stats import Stats
from bot.storage.base import Case, NewCase, Storage

Clock = Callable[[], float]
# Told about every handled update (user key, events, time): e.g. the timers of scheduled jobs.
Listener = Callable[[str, list[Event], float], Awaitable[None]]


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
        metrics: Metrics | None = None,
        locks: Locks | None = None,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.rng = rng or random.SystemRandom()
        self.dialogue = Dialogue(content)
        self.stats = Stats(storage, metrics)
        self.listeners: list[Listener] = []
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
        if inbound.kind != "system":
            await self.stats.visit(state.seen_at, now)
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
            else:
                await self._keep_job(user_key, event, now)
        erased = next((e for e in events if isinstance(e, Forget)), None)
        if erased is None:
            await self.storage.save_state(user_key, new_state.to_json(), now)
        elif erased.keep_ban:
            await self.storage.save_state(user_key, State(extra={"banned": True}).to_json(), now)
        await self.stats.events(events, now)
        for listener in self.listeners:
            await listener(user_key, events, now)
        return Outcome(events, case, opened, forgotten, new_state)

    async def _keep_job(self, user_key: str, event: Event, now: float) -> None:
        """Scheduled jobs live in storage, so any adapter can re-create their timers."""
        if isinstance(event, Schedule):
            await self.storage.schedule_job(user_key, event.job, now + event.delay_seconds)
        elif isinstance(event, Unschedule):
            await self.storage.cancel_job(user_key, event.job)

    async def _open_case(self, user_key: str, event: OpenCase, now: float) -> Case:
        new = NewCase(
            user_key, case_code(self.rng), event.lang, event.reason, event.categories, now
        )
        return await self.storage.open_case(new)
