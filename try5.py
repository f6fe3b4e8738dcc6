import asyncio, time, gc
from pydantic._internal import _generics
import pydantic.main as pm
calls = {"n": 0}
orig = _generics.create_generic_submodel
def counting(*a, **k):
    calls["n"] += 1
    return orig(*a, **k)
_generics.create_generic_submodel = counting
pm._generics.create_generic_submodel = counting
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from fakes.telegram import FakeTelegram
async def main():
    fake = FakeTelegram("1:x"); url = await fake.start()
    bot = Bot("1:x", session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
    fake.user_message(5, "hi")
    for i in range(2000):
        await bot.send_message(5, f"hello {i}")
        if i % 200 == 0: print(i, calls["n"], len(_generics._GENERIC_TYPES_CACHE))
    await bot.session.close(); await fake.stop()
asyncio.run(main())
