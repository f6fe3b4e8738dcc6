import asyncio, time, gc, sys
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods.base import Response
from aiogram.types import Message
from fakes.telegram import FakeTelegram
keep = Response[Message] if sys.argv[1] == "pin" else None
async def main():
    fake = FakeTelegram("1:x"); url = await fake.start()
    bot = Bot("1:x", session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
    fake.user_message(5, "hi")
    for i in range(300): await bot.send_message(5, f"hello {i}")
    t = time.process_time()
    for i in range(3000):
        await bot.send_message(5, f"hello {i}")
    print(sys.argv[1], (time.process_time()-t)/3000*1000, "ms per send (bot+fake)")
    await bot.session.close(); await fake.stop()
asyncio.run(main())
