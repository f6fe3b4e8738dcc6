"""The bot under test, in its own process on its own core: the real app or a bare echo bot.

Speaks a line protocol on stdio: prints {"built": ...} once imports, content, app and storage
are ready, {"ready": ...} once it serves updates; answers "rss" and stops on "stop" or EOF.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token"
GROUP = -1001234567890
OPERATOR = 501
SECRET_KEY = "benchmark-secret-key-long-enough"
WEBHOOK_SECRET = "benchmark-webhook-secret"
WEBHOOK_PATH = "/telegram"
POLL_SECONDS = 1  # long-poll wait when idle; under load getUpdates returns at once anyway


def rss_kb() -> int:
    """Resident memory from /proc, no extra packages needed."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextlib.contextmanager
def timed(phases: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    phases[name] = time.perf_counter() - start


def say(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def bare_bot(api: str) -> Bot:
    """aiogram as it comes: no middlewares of ours, the same HTML default as the real bot."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api))
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def echo_dispatcher() -> Dispatcher:
    """The floor any aiogram bot stands on: echo text, answer a button and say what it was."""
    router = Router(name="echo")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(html.escape(message.text or ""))

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(html.escape(query.data or ""))

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


def echo_webhook(dispatcher: Dispatcher, bot: Bot) -> web.Application:
    application = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token=WEBHOOK_SECRET).register(
        application, path=WEBHOOK_PATH
    )
    setup_application(application, dispatcher, bot=bot)
    return application


@contextlib.asynccontextmanager
async def built_bot(
    args: argparse.Namespace,
) -> AsyncIterator[tuple[Bot, Dispatcher, web.Application]]:
    """Everything that makes the bot ready to serve; start-up time is measured up to here.

    The bot's own modules are imported here, so the echo bot loads aiogram and nothing more.
    """
    if args.bot == "echo":
        bot = bare_bot(args.api)
        dispatcher = echo_dispatcher()
        say(built=True, rss_kb=rss_kb(), phases={})
        try:
            yield bot, dispatcher, echo_webhook(dispatcher, bot)
        finally:
            await bot.session.close()
        return
    async with real_bot(args) as served:
        yield served


@contextlib.asynccontextmanager
async def real_bot(
    args: argparse.Namespace,
) -> AsyncIterator[tuple[Bot, Dispatcher, web.Application]]:
    """The production app from its factory, on SQLite unless told otherwise."""
    started = time.perf_counter()
    from benchmarks.content_growth import grow
    from bot.config import Config
    from bot.content.loader import ContentHolder, load_content
    from bot.storage.base import Storage
    from bot.storage.memory import MemoryStorage
    from bot.storage.sqlite import SqliteStorage
    from bot.telegram.app import create_app, webhook_application
    from bot.telegram.throttle import SendLimits

    phases = {"bot imports": time.perf_counter() - started}
    config = Config(
        bot_token=SecretStr(TOKEN),
        operator_chat_id=GROUP,
        secret_key=SecretStr(SECRET_KEY),
        telegram_api_base=args.api,
        data_dir=Path(args.data),
        webhook_secret=SecretStr(WEBHOOK_SECRET),
    )
    with timed(phases, "storage"):
        storage: Storage = MemoryStorage()
        if args.storage == "sqlite":
            storage = await SqliteStorage.open(config.sqlite_path)
    with timed(phases, "content"):
        content = grow(load_content(ROOT / "content"), args.scale)
    with timed(phases, "app"):
        # Pacing to Telegram's flood limits is lifted: the fake API has none, and this measures
        # the bot's own capacity (in production Telegram's limits are meant to be the ceiling).
        unpaced = SendLimits(overall=(1e6, 1.0), private_chat=(1e6, 1.0), group=(1e6, 1.0))
        holder = ContentHolder(ROOT / "content", content)
        app = create_app(config, storage, time.time, holder, limits=unpaced)
    say(built=True, rss_kb=rss_kb(), phases=phases)
    await app.start()
    try:
        yield app.bot, app.dispatcher, webhook_application(app)
    finally:
        await app.stop()
        await storage.close()


async def serve(args: argparse.Namespace) -> None:
    async with built_bot(args) as (bot, dispatcher, application):
        if args.mode == "polling":
            polling = asyncio.create_task(
                dispatcher.start_polling(bot, handle_signals=False, polling_timeout=POLL_SECONDS)
            )
            say(ready=True)
            try:
                await obey(args.profile)
            finally:
                await dispatcher.stop_polling()
                await asyncio.gather(polling, return_exceptions=True)
            return
        runner = web.AppRunner(application, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        say(ready=True, webhook=f"http://127.0.0.1:{port}{WEBHOOK_PATH}", secret=WEBHOOK_SECRET)
        try:
            await obey(args.profile)
        finally:
            await runner.cleanup()


async def obey(profile: str) -> None:
    """Answer the driver until it says stop; "profile" starts pyinstrument (after warm-up)."""
    profiler = None
    loop = asyncio.get_running_loop()
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if line == "rss":
            say(rss_kb=rss_kb())
        elif line == "profile" and profile:
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="disabled")
            profiler.start()
        elif line in ("stop", ""):
            break
    if profiler is not None:
        profiler.stop()
        everything = os.environ.get("PROFILE_ALL") == "1"
        Path(profile).write_text(profiler.output_text(unicode=True, show_all=everything))
        flat = profiler.output_text(unicode=True, flat=True, show_all=True)
        Path(profile).with_suffix(".flat.txt").write_text(flat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bot", choices=("real", "echo"), default="real")
    parser.add_argument("--mode", choices=("webhook", "polling"), default="webhook")
    parser.add_argument("--api", required=True, help="base URL of the fake Bot API")
    parser.add_argument("--data", required=True, help="folder for the SQLite file")
    parser.add_argument("--storage", choices=("sqlite", "memory"), default="sqlite")
    parser.add_argument("--scale", type=float, default=1.0, help="FAQ content size factor")
    parser.add_argument("--cpu", type=int, default=-1, help="core to pin the process to")
    parser.add_argument("--profile", default="", help="write a pyinstrument report here")
    args = parser.parse_args()
    if args.cpu >= 0:
        os.sched_setaffinity(0, {args.cpu})
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
