"""APScheduler 3 behind a small interface: named jobs, started and stopped with the app."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

Job = Callable[[], Awaitable[object]]


class Scheduler:
    """One job per stable name: scheduling a name again replaces the earlier job."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.aps = AsyncIOScheduler(timezone=dt.UTC)
        self.clock = clock

    def start(self) -> None:
        if not self.aps.running:
            self.aps.start()

    def stop(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=False)

    def at(self, name: str, when: float, job: Job) -> None:
        """Run `job` once at time `when` of the bot's clock (at once when it is already past).

        The delay is measured on the injected clock, so a test's fake time means what it says.
        """
        delay = max(0.0, when - self.clock())
        run_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay)
        self.aps.add_job(
            _run,
            "date",
            args=[job],
            run_date=run_at,
            id=name,
            replace_existing=True,
            misfire_grace_time=None,
        )

    def daily(self, name: str, hour: int, job: Job) -> None:
        self.aps.add_job(
            _run, "cron", args=[job], hour=hour, id=name, replace_existing=True, coalesce=True
        )

    def every(self, name: str, seconds: float, job: Job) -> None:
        """Run `job` every `seconds`; a slow run is never overlapped by the next one."""
        self.aps.add_job(
            _run,
            "interval",
            args=[job],
            seconds=seconds,
            id=name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )

    def cancel(self, name: str) -> None:
        if self.aps.get_job(name) is not None:
            self.aps.remove_job(name)

    def cancel_prefix(self, prefix: str) -> None:
        for name in self.names():
            if name.startswith(prefix):
                self.cancel(name)

    def names(self) -> list[str]:
        return [job.id for job in self.aps.get_jobs()]


async def _run(job: Job) -> None:
    """A coroutine function, so APScheduler awaits the job on the bot's event loop."""
    await job()
