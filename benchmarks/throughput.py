"""The whole bot under load, webhook and polling, next to a bare aiogram echo bot."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks import memory
from benchmarks.harness import FIRST_USER, Load, session, user_ids
from benchmarks.scripts import Script
from benchmarks.sizes import Sizes
from benchmarks.table import Row, Target, at_least, ratio_at_least

ECHO = "aiogram echo bot"
WARM_UP_USERS = 20
GROWTH_SHARE = 5  # bigger content answers slower: growth runs time a fifth of the visits


@dataclass(frozen=True)
class Scripts:
    visits: list[Script]
    firsts: list[Script]


async def measure(
    bot: str, mode: str, scripts: Scripts, sizes: Sizes, scale: float = 1.0
) -> tuple[Load, memory.Footprint | None]:
    """Warm up (first calls build aiogram's models), time the visits; webhook runs then go on
    to the memory measurement, so each bot process is started once."""
    async with session(bot, mode, scale) as running:

        def script_for(user: int) -> Script:
            return scripts.visits[user % len(scripts.visits)]

        warm = min(WARM_UP_USERS, sizes.bot_users)
        await running.drive(user_ids(warm, FIRST_USER // 2), script_for, sizes.bot_concurrency)
        users = sizes.bot_users if scale == 1.0 else max(sizes.bot_users // GROWTH_SHARE, 1)
        load = await running.drive(user_ids(users), script_for, sizes.bot_concurrency)
        footprint = None
        if mode == "webhook" and scale == 1.0:
            footprint = await memory.footprint(running, scripts.firsts, sizes)
        return load, footprint


def load_rows(label: str, ours: Load, baseline: Load, targets: tuple[Target, ...]) -> list[Row]:
    """Throughput (wall clock and per CPU-second of the bot's core) and reply latency."""
    return [
        Row(
            f"{label}: updates/s", "/s", ours.per_second, baseline.per_second, ECHO, True, targets
        ),
        Row(
            f"{label}: updates per CPU-second of the bot's core",
            "/s",
            ours.per_cpu_second,
            baseline.per_cpu_second,
            ECHO,
            True,
            targets,
        ),
        Row(
            f"{label}: reply p50",
            "ms",
            ours.percentile(0.5),
            baseline.percentile(0.5),
            ECHO,
            False,
        ),
        Row(
            f"{label}: reply p99",
            "ms",
            ours.percentile(0.99),
            baseline.percentile(0.99),
            ECHO,
            False,
        ),
    ]


async def rows(
    scripts: Scripts, sizes: Sizes, notes: list[str]
) -> tuple[list[Row], list[Row], list[Row]]:
    """Webhook and polling rows, memory and start-up rows, then throughput as content grows."""
    found: list[Row] = []
    targets = (at_least(1000, "/s"), ratio_at_least(0.5))
    users = f"{sizes.bot_users:,} users, {sizes.bot_concurrency} at once"
    footprints: dict[str, memory.Footprint] = {}
    shipped: Load | None = None
    for mode in ("webhook", "polling"):
        ours, ours_footprint = await measure("real", mode, scripts, sizes)
        echo, echo_footprint = await measure("echo", mode, scripts, sizes)
        if ours_footprint and echo_footprint:
            footprints = {"real": ours_footprint, "echo": echo_footprint}
        shipped = shipped or ours
        found += load_rows(f"bot, {mode}, SQLite, {users}", ours, echo, targets)
        notes.append(
            f"{mode}: {ours.updates:,} updates timed; the bot's core was busy "
            f"{ours.cpu_share:.0%} of the time (echo bot {echo.cpu_share:.0%})"
        )
    assert shipped is not None
    growth = []
    for factor in sizes.bot_factors:
        grown, _ = await measure("real", "webhook", scripts, sizes, float(factor))
        growth.append(
            Row(
                f"bot, webhook, {factor}× FAQ content: updates/s",
                "/s",
                grown.per_second,
                shipped.per_second,
                "shipped content",
            )
        )
    return found, memory.rows(footprints["real"], footprints["echo"], sizes, notes), growth
