"""Anonymous statistics in two forms: daily counters kept for donor reports, live metrics.

Counters outlive retention (cases are purged, counters stay), so every figure a report needs is
counted here at the moment it happens. No counter carries a user key, a name or message text.
"""

from __future__ import annotations

import datetime as dt

from bot.events import CountEvent, Event, OpenCase
from bot.handoff.model import Case
from bot.metrics import Metrics
from bot.storage.base import Storage

UNKNOWN = "unknown"


class Stats:
    """Writes daily counters through any storage backend and feeds the Prometheus metrics."""

    def __init__(self, storage: Storage, metrics: Metrics | None = None) -> None:
        self.storage = storage
        self.metrics = metrics or Metrics()

    async def visit(self, last_seen: float, now: float) -> None:
        """A conversation is one person's first message of a UTC day."""
        if day_of(last_seen) != day_of(now):
            await self.storage.count(day_of(now), "conversations")

    async def events(self, events: list[Event], now: float) -> None:
        day = day_of(now)
        for event in events:
            if isinstance(event, OpenCase):
                await self._case_opened(day, event)
            elif isinstance(event, CountEvent):
                for key, value in event.labels or (("", ""),):
                    await self.storage.count(
                        day, event.name if not key else f"{event.name}.{key}", value
                    )
        self.metrics.observe(events)

    async def _case_opened(self, day: str, event: OpenCase) -> None:
        await self.storage.count(day, "cases_opened", event.reason)
        await self.storage.count(day, "case_lang", event.lang or UNKNOWN)
        await self.storage.count(day, "case_destination", event.destination or UNKNOWN)
        for category in event.categories:
            await self.storage.count(day, "risk_category", category)

    async def case_claimed(self, case: Case) -> None:
        """Time to claim is kept as whole minutes, so a median survives the cases' deletion."""
        claimed_at = case.claimed_at or case.opened_at
        waited = max(0.0, claimed_at - case.opened_at)
        day = day_of(claimed_at)
        await self.storage.count(day, "cases_claimed")
        await self.storage.count(day, "time_to_claim_minutes", str(int(waited // 60)))
        self.metrics.case_claimed(waited)

    async def case_closed(self, case: Case) -> None:
        await self.storage.count(day_of(case.closed_at or case.opened_at), "cases_closed")
        self.metrics.case_closed()


def day_of(timestamp: float) -> str:
    """The UTC day of a timestamp, as counters are keyed; empty for 'never'."""
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).date().isoformat() if timestamp else ""
