"""Builds the Telegram bot from its parts and runs it by long polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats
from aiohttp import web

from bot.config import Config
from bot.content.loader import ContentHolder, load_content
from bot.handoff.cases import OperatorHours
from bot.scheduler import Scheduler
from bot.service import Clock, Conversations
from bot.storage import open_storage
from bot.storage.base import Storage
from bot.telegram import operators, users
from bot.telegram.address import AddressBook
from bot.telegram.relay import Relay
from bot.telegram.sla import SlaTimers
from bot.text.language import LANGS

log = logging.getLogger("bot.app")
COMMANDS = ("start", "menu", "help", "lang", "privacy", "forget")
MAX_RETRIES = 5


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Telegram's flood limits: wait as told and send again, never drop the message."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for _ in range(MAX_RETRIES):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                await asyncio.sleep(error.retry_after)
        return await make_request(bot, method)


class KeepResponseModels(BaseRequestMiddleware):
    """aiogram parses every reply as `Response[T]`, a class pydantic caches only weakly: the
    garbage collector drops it and the next call rebuilds it (milliseconds). Hold each one."""

    def __init__(self) -> None:
        self.kept: dict[object, object] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self.kept:
            self.kept[returning] = Response.__class_getitem__(returning)
        return await make_request(bot, method)


@dataclass
class TelegramApp:
    """Everything one running bot consists of; no globals."""

    bot: Bot
    dispatcher: Dispatcher
    relay: Relay
    timers: SlaTimers
    scheduler: Scheduler
    holder: ContentHolder
    config: Config

    async def start(self) -> None:
        """Check rights, publish commands, restore timers; problems are logged, never silent."""
        await self.relay.detect_forum()
        await check_rights(self.bot, self.relay.group, self.relay.is_forum)
        await publish_commands(self.bot, self.holder)
        self.scheduler.start()
        await self.timers.restore()

    async def stop(self) -> None:
        self.scheduler.stop()
        await self.bot.session.close()


def make_bot(config: Config, token: str) -> Bot:
    session = AiohttpSession()
    if config.telegram_api_base:
        session = AiohttpSession(
            api=TelegramAPIServer.from_base(config.telegram_api_base.rstrip("/"))
        )
    session.middleware(KeepResponseModels())
    session.middleware(RetryAfterMiddleware())
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def create_app(
    config: Config, storage: Storage, clock: Clock, holder: ContentHolder | None = None
) -> TelegramApp:
    """The factory: one Bot, one Dispatcher, routers per side, dependencies passed in."""
    token, operator_chat_id = config.require_telegram()
    holder = holder or ContentHolder(config.content_dir, load_content(config.content_dir))
    bot = make_bot(config, token)
    conversations = Conversations(holder.current, storage, clock)
    holder.listeners.append(conversations.use_content)
    secret = config.secret_key.get_secret_value()
    addresses = AddressBook(secret)
    relay = Relay(bot, storage, conversations, addresses, operator_chat_id, config.operator_lang)
    scheduler = Scheduler()
    timers = SlaTimers(
        scheduler, relay, config.handoff_sla_minutes, OperatorHours.parse(config.operator_hours)
    )
    dispatcher = Dispatcher()
    dispatcher.include_router(
        users.setup(users.UserSide(conversations, relay, addresses, timers, secret))
    )
    operator_side = operators.OperatorSide(
        relay, timers, set(config.admin_ids), lambda: _reload(holder)
    )
    dispatcher.include_router(operators.setup(operator_side, operator_chat_id))
    return TelegramApp(bot, dispatcher, relay, timers, scheduler, holder, config)


def _reload(holder: ContentHolder) -> list[str]:
    return [str(problem) for problem in holder.reload()]


async def check_rights(bot: Bot, group: int, is_forum: bool) -> bool:
    """The bot must be an admin of the operators' group (and manage topics in a forum)."""
    me = await bot.get_me()
    member: Any = await bot.get_chat_member(group, me.id)
    problems = []
    if member.status not in ("administrator", "creator"):
        problems.append("the bot is not an administrator of the operators' group")
    elif is_forum and not getattr(member, "can_manage_topics", False):
        problems.append("the bot may not manage topics in the operators' forum")
    for problem in problems:
        log.error("operator_group_rights: %s", problem)
    return not problems


async def publish_commands(bot: Bot, holder: ContentHolder) -> None:
    """The command menu in each user's language."""
    content = holder.current
    for lang in (*LANGS, None):
        shown = lang or "en"
        commands = [
            BotCommand(command=c, description=content.text(f"cmd_{c}", shown)[:256])
            for c in COMMANDS
        ]
        await bot.set_my_commands(
            commands, scope=BotCommandScopeAllPrivateChats(), language_code=lang
        )


async def serve(config: Config, webhook: bool) -> None:
    storage = await open_storage(config)
    app = create_app(config, storage, time.time)
    await app.start()
    try:
        if webhook:
            await serve_webhook(app)
        else:
            await app.bot.delete_webhook(drop_pending_updates=False)
            await app.dispatcher.start_polling(app.bot, handle_signals=True)
    finally:
        await app.stop()
        await storage.close()


def webhook_application(app: TelegramApp) -> web.Application:
    """aiohttp app that rejects requests without the secret token (401)."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application

    secret = app.config.webhook_secret.get_secret_value() if app.config.webhook_secret else None
    application = web.Application()
    SimpleRequestHandler(app.dispatcher, app.bot, secret_token=secret).register(
        application, path=WEBHOOK_PATH
    )
    setup_application(application, app.dispatcher, bot=app.bot)
    return application


WEBHOOK_PATH = "/telegram"


async def serve_webhook(app: TelegramApp) -> None:
    config = app.config
    if not config.webhook_url or config.webhook_secret is None:
        from bot.config import MissingSetting

        raise MissingSetting("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
    runner = web.AppRunner(webhook_application(app))
    await runner.setup()
    await web.TCPSite(runner, config.webhook_host, config.webhook_port).start()
    await app.bot.set_webhook(
        config.webhook_url.rstrip("/") + WEBHOOK_PATH,
        secret_token=config.webhook_secret.get_secret_value(),
    )
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def run_telegram(config: Config, webhook: bool) -> int:
    logging.basicConfig(
        level=config.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    asyncio.run(serve(config, webhook))
    return 0
