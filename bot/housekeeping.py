"""Scheduled clean-up: conversation data after RETENTION_DAYS, quick-exit ids after 48 hours."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.scheduler import Scheduler
from bot.storage.base import Storage

log = logging.getLogger("bot.housekeeping")
RETENTION_JOB = "retention"
TRAIL_JOB = "chat-trail"
RETENTION_HOUR_UTC = 3
DAY_SECONDS = 86_400
# Telegram lets a bot delete a private chat's messages for 48 hours; after that ids are useless.
TRAIL_SECONDS = 48 * 3600


def schedule(
    scheduler: Scheduler, storage: Storage, clock: Callable[[], float], retention_days: int
) -> None:
    """Register both jobs under stable names, so a restart replaces rather than duplicates them."""
    scheduler.daily(
        RETENTION_JOB, RETENTION_HOUR_UTC, lambda: purge_old(storage, clock, retention_days)
    )
    scheduler.every(TRAIL_JOB, 3600, lambda: purge_trail(storage, clock))


async def purge_old(storage: Storage, clock: Callable[[], float], retention_days: int) -> None:
    """State, message pairs, cases and outbox older than the retention period go; counters stay."""
    removed = await storage.purge_before(clock() - retention_days * DAY_SECONDS)
    log.info("retention_purged", extra={"count": removed})


async def purge_trail(storage: Storage, clock: Callable[[], float]) -> None:
    removed = await storage.purge_trail_before(clock() - TRAIL_SECONDS)
    log.info("trail_purged", extra={"count": removed})
