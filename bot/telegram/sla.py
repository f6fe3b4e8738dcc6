"""SLA timers for cases: fallback numbers when nobody answers, or at once outside working hours."""

from __future__ import annotations

from dataclasses import replace

from bot.handoff.cases import OperatorHours, fallback_due
from bot.handoff.model import Case
from bot.scheduler import Scheduler
from bot.telegram.relay import Relay


class SlaTimers:
    """Jobs are derived from stored cases, so a restart re-creates every pending timer."""

    def __init__(
        self, scheduler: Scheduler, relay: Relay, sla_minutes: int, hours: OperatorHours
    ) -> None:
        self.scheduler = scheduler
        self.relay = relay
        self.sla_minutes = sla_minutes
        self.hours = hours

    @staticmethod
    def job_name(case: Case) -> str:
        return f"sla:{case.id}"

    async def case_opened(self, case: Case) -> None:
        if not self.hours.is_open(case.opened_at):
            await self.escalate(case, "operators_offline")
            return
        self.schedule(case)

    def schedule(self, case: Case) -> None:
        deadline = case.opened_at + self.sla_minutes * 60
        self.scheduler.at(self.job_name(case), deadline, lambda: self.check(case.id))

    async def cancel(self, case: Case) -> None:
        self.scheduler.cancel(self.job_name(case))

    async def check(self, case_id: int) -> None:
        case = await self.relay.storage.case_by_id(case_id)
        now = self.relay.conversations.clock()
        if (
            case is not None
            and case.escalated_at is None
            and fallback_due(case, now, self.sla_minutes)
        ):
            await self.escalate(case, "sla_fallback")
            await self.relay.tell_operators(case, "op_sla_reminder", minutes=self.sla_minutes)

    async def escalate(self, case: Case, notice: str) -> None:
        """Give the user the numbers to call, once per case."""
        await self.relay.storage.update_case(
            replace(case, escalated_at=self.relay.conversations.clock())
        )
        await self.relay.notify_user(case, notice)

    async def restore(self) -> None:
        """At start-up: one timer per waiting case that has not been escalated yet."""
        for case in await self.relay.storage.waiting_cases():
            if case.escalated_at is None:
                self.schedule(case)
