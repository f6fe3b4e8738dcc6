import asyncio, time
from pathlib import Path
from bot.content.loader import load_content
from benchmarks.scripts import Planner
from benchmarks import harness

async def main():
    content = load_content(Path("content"))
    t=time.perf_counter()
    planner = Planner(content)
    pool = await planner.pool(visit=True)
    print("plan", time.perf_counter()-t, [ (s.kind, s.value[:20], s.replies) for s in pool[0].steps])
    print(sum(len(s.steps) for s in pool)/len(pool))
    for bot in ("real","echo"):
      for mode in ("webhook","polling"):
        async with harness.session(bot, mode) as s:
            print(bot, mode, "startup", s.bot.startup_s, s.bot.built_rss_kb)
            users = harness.user_ids(200)
            load = await s.drive(users, lambda u: pool[u % len(pool)], 50)
            print(load.updates, load.per_second, load.percentile(0.5), load.percentile(0.99), load.cpu_share, "unexpected", s.replies.unexpected)
asyncio.run(main())
