"""`make bench`: every measurement in one run, printed and written as one table.

`--quick` (make bench-quick) and `--smoke` (the test suite) run the same rows on smaller sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

from benchmarks import storage, throughput, triage
from benchmarks.scripts import Planner
from benchmarks.sizes import MODES, Sizes
from benchmarks.table import Row, report
from bot.content.loader import Content, load_content

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "latest.md"


STARTED = time.perf_counter()


def progress(what: str) -> None:
    print(f"[bench {time.perf_counter() - STARTED:5.0f} s] {what}", file=sys.stderr, flush=True)


async def bot_rows(content: Content, sizes: Sizes, notes: list[str]) -> tuple[list[Row], ...]:
    """Bot, memory and storage rows; the bot's scripts are played once through the core."""
    planner = Planner(content)
    scripts = throughput.Scripts(await planner.pool(visit=True), await planner.pool(visit=False))
    progress("bot throughput, memory and start-up (webhook, polling, echo bot, growth)")
    bot, resident, bot_growth = await throughput.rows(scripts, sizes, notes)
    progress("storage (SQLite, TinyDB)")
    stored = await storage.rows(sizes)
    return bot, stored, resident, bot_growth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    size.add_argument("--smoke", action="store_true", help="tiny sizes, for the test suite")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    sizes = MODES[mode]
    load_before = os.getloadavg()[0]
    content = load_content(ROOT / "content")
    progress("triage")
    triage_rows, triage_growth = triage.rows(content, sizes)
    notes: list[str] = []
    bot, stored, resident, bot_growth = asyncio.run(bot_rows(content, sizes, notes))
    rows = [*triage_rows, *bot, *stored, *resident, *triage_growth, *bot_growth]
    notes.append(
        f"load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at "
        f"the end; run took {time.perf_counter() - STARTED:.0f} s"
    )
    flag = "" if mode == "full" else f" --{mode}"
    table = report(rows, flag, notes)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
