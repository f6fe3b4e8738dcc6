"""Timers for jobs the core scheduled for a user (deadline reminders), kept across restarts."""

from __future__ import annotations

from bot.events import Event, Forget, Schedule, Unschedule
from bot.scheduler import Scheduler
from bot.telegram.relay import Relay

REFRESH_SECONDS = 3600
REFRESH_TIMER = "user-jobs:refresh"


class UserJobs:
    """Like the SLA timers: storage is the truth, timers are derived from it at start-up."""

    def __init__(self, scheduler: Scheduler, relay: Relay) -> None:
        self.scheduler = scheduler
        self.relay = relay

    @staticmethod
    def timer_name(user_key: str, job: str = "") -> str:
        return f"user:{user_key}:{job}"

    async def follow(self, user_key: str, events: list[Event], now: float) -> None:
        """Listener on every handled update: start, stop or drop this user's timers."""
        for event in events:
            if isinstance(event, Schedule):
                self._start(user_key, event.job, now + event.delay_seconds)
            elif isinstance(event, Unschedule):
                self.scheduler.cancel(self.timer_name(user_key, event.job))
            elif isinstance(event, Forget):
                self.scheduler.cancel_prefix(self.timer_name(user_key))

    def _start(self, user_key: str, job: str, run_at: float) -> None:
        self.scheduler.at(self.timer_name(user_key, job), run_at, lambda: self.run(user_key, job))

    async def run(self, user_key: str, job: str) -> None:
        """Whoever removes the stored job runs it (once, among replicas); the core may
        schedule the next one itself. A job cancelled meanwhile is gone and runs nowhere."""
        if await self.relay.storage.cancel_job(user_key, job):
            await self.relay.notify(user_key, job)

    async def start(self) -> None:
        """Timers for stored jobs now, and again every hour: replicas learn each other's jobs."""
        await self.restore()
        self.scheduler.every(REFRESH_TIMER, REFRESH_SECONDS, self.restore)

    async def restore(self) -> None:
        """One timer per stored job (overdue ones run at once)."""
        for stored in await self.relay.storage.scheduled_jobs():
            self._start(stored.user_key, stored.job, stored.run_at)
