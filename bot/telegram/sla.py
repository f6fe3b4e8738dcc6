"""SLA timers for cases: fallback numbers when nobody answers, or at once outside working hours."""

from __future__ import annotations

import logging

from bot.handoff.cases import OperatorHours, fallback_due
from bot.handoff.model import Case
from bot.scheduler import Scheduler
from bot.telegram.relay import Relay

log = logging.getLogger("bot.sla")
# Replicas look for cases opened elsewhere every quarter of the SLA, within these bounds.
SWEEP_MIN_S, SWEEP_MAX_S = 0.5, 60.0
SWEEP_JOB = "sla-sweep"


class SlaTimers:
    """Timers derived from stored cases on every replica; the database lets one of them fire."""

    def __init__(
        self, scheduler: Scheduler, relay: Relay, sla_minutes: float, hours: OperatorHours
    ) -> None:
        self.scheduler = scheduler
        self.relay = relay
        self.sla_minutes = sla_minutes
        self.hours = hours

    @property
    def sweep_seconds(self) -> float:
        return min(SWEEP_MAX_S, max(SWEEP_MIN_S, self.sla_minutes * 60 / 4))

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
        if case is None or not fallback_due(case, now, self.sla_minutes):
            log.info("sla_timer", extra={"case": case_id, "outcome": "not_due"})
            return
        sent = await self.escalate(case, "sla_fallback")
        if sent:
            minutes = f"{self.sla_minutes:g}"
            await self.relay.tell_operators(case, "op_sla_reminder", minutes=minutes)
        log.info(
            "sla_timer", extra={"case": case_id, "outcome": "sent" if sent else "sent_before"}
        )

    async def escalate(self, case: Case, notice: str) -> bool:
        """Give the user the numbers to call, once per case however many replicas try."""
        now = self.relay.conversations.clock()
        if not await self.relay.storage.claim_escalation(case.id, now):
            return False
        await self.relay.notify_user(case, notice)
        return True

    async def restore(self) -> None:
        """One timer per waiting case that has not been escalated yet."""
        for case in await self.relay.storage.waiting_cases():
            if case.escalated_at is None:
                self.schedule(case)

    def watch(self) -> None:
        """Restore again every sweep: other replicas open cases too, and may die before firing."""
        self.scheduler.every(SWEEP_JOB, self.sweep_seconds, self.restore)
