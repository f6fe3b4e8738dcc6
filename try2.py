import asyncio, time
from pathlib import Path
from bot.content.loader import load_content
from benchmarks.scripts import Planner
from benchmarks import harness

async def main():
    content = load_content(Path("content"))
    planner = Planner(content)
    pool = await planner.pool(visit=True)
    async with harness.session("real", "webhook") as s:
        try:
            await s.drive(harness.user_ids(200), lambda u: pool[u % len(pool)], 50)
        except Exception as e:
            print(e)
            u = int(str(e).split()[1].rstrip(":")) if str(e).startswith("user") else None
            print(repr(e)[:300])
            import re
            m = re.search(r"message (\d+)", str(e))
            for uid in harness.user_ids(200):
                sent = s.fake.sent(uid)
                # find user whose pending step failed
            for call, params in s.fake.calls()[-3:]:
                print(call, params.get("chat_id"), params.get("data"), str(params.get("message_id")))
asyncio.run(main())
