import asyncio, time, sys
from pathlib import Path
from bot.content.loader import load_content
from benchmarks.scripts import Planner
from benchmarks import harness

async def main():
    content = load_content(Path("content"))
    planner = Planner(content)
    pool = await planner.pool(visit=True)
    bot, mode, prof, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    async with harness.session(bot, mode, profile=prof) as s:
        await s.drive(harness.user_ids(50, 1), lambda u: pool[u % len(pool)], 25)
        await s.bot.tell("profile")
        c0=time.process_time()
        load = await s.drive(harness.user_ids(n), lambda u: pool[u % len(pool)], 50)
        c1=time.process_time()
        print(bot, mode, round(load.per_second), "bot ms/upd", round(load.cpu_seconds/load.updates*1000,3), "cpu share", round(load.cpu_share,2), "driver ms/upd", round((c1-c0)/load.updates*1000,3), "p50", round(load.percentile(0.5),1), "p99", round(load.percentile(0.99),1))
asyncio.run(main())
