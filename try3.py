import asyncio, time, sys
from pathlib import Path
from pyinstrument import Profiler
from bot.content.loader import load_content
from benchmarks.scripts import Planner
from benchmarks import harness

async def main():
    content = load_content(Path("content"))
    planner = Planner(content)
    pool = await planner.pool(visit=True)
    bot = sys.argv[1]
    async with harness.session(bot, "webhook") as s:
        p = Profiler(async_mode="disabled"); p.start()
        c0 = time.process_time()
        load = await s.drive(harness.user_ids(200), lambda u: pool[u % len(pool)], 50)
        c1 = time.process_time()
        p.stop()
        print(bot, load.per_second, "bot ms/upd", load.cpu_seconds/load.updates*1000, "driver ms/upd", (c1-c0)/load.updates*1000)
        open(f"/tmp/x/prof-driver-{bot}.txt","w").write(p.output_text(show_all=False))
asyncio.run(main())
