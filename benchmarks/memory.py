"""Resident memory and start-up time of the bot process, next to the bare echo bot."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.harness import Session, user_ids
from benchmarks.scripts import Script
from benchmarks.sizes import TARGET_USERS, Sizes
from benchmarks.table import Row, at_most

ECHO = "aiogram echo bot"
MEMORY_FIRST_USER = 50_000_000
KB_PER_MB = 1024


@dataclass(frozen=True)
class Footprint:
    startup_s: float
    phases: dict[str, float]
    built_mb: float
    after_users_mb: float


async def footprint(running: Session, firsts: list[Script], sizes: Sizes) -> Footprint:
    """RSS when built, and once `memory_users` new distinct users have each written once."""
    users = user_ids(sizes.memory_users, MEMORY_FIRST_USER)
    await running.drive(users, lambda user: firsts[user % len(firsts)], sizes.bot_concurrency)
    process = running.bot
    return Footprint(
        process.startup_s,
        process.phases,
        process.built_rss_kb / KB_PER_MB,
        await process.rss_kb() / KB_PER_MB,
    )


def rows(ours: Footprint, echo: Footprint, sizes: Sizes, notes: list[str]) -> list[Row]:
    phases = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in ours.phases.items())
    notes.append(
        f"start-up {ours.startup_s:.2f} s: interpreter and aiogram "
        f"{ours.startup_s - sum(ours.phases.values()):.2f} s, {phases}"
    )
    full_size = sizes.memory_users >= TARGET_USERS
    return [
        Row(
            "start-up: process start to ready (imports, content, app, SQLite)",
            "s",
            ours.startup_s,
            echo.startup_s,
            ECHO,
            False,
            (at_most(2, "s"),),
        ),
        Row("RSS after loading content", "MB", ours.built_mb, echo.built_mb, ECHO, False),
        Row(
            f"RSS after the load run and {sizes.memory_users:,} more distinct users",
            "MB",
            ours.after_users_mb,
            echo.after_users_mb,
            ECHO,
            False,
            (at_most(150, "MB", applies=full_size),),
        ),
    ]
