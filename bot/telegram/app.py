"""Builds the Telegram bot from its parts and runs it by long polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import CopyMessage, SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, TelegramObject, Update
from aiohttp import web

from bot import housekeeping
from bot.config import Config
from bot.content.loader import ContentHolder, load_content
from bot.coordination import Coordination, open_coordination
from bot.handoff.cases import OperatorHours
from bot.logs import setup_logging
from bot.metrics import Metrics
from bot.scheduler import Scheduler
from bot.service import Clock, Conversations
from bot.storage import open_storage
from bot.storage.base import Storage
from bot.telegram import operators, users
from bot.telegram.address import AddressBook
from bot.telegram.admin import ContentReloads
from bot.telegram.jobs import UserJobs
from bot.telegram.ordering import ChatOrder
from bot.telegram.outbox import Outbox
from bot.telegram.relay import Relay
from bot.telegram.sla import SlaTimers
from bot.telegram.throttle import PacingMiddleware, SendLimits
from bot.telegram.trail import ChatTrail, TrailMiddleware
from bot.text.language import LANGS

log = logging.getLogger("bot.app")
COMMANDS = ("start", "menu", "help", "lang", "privacy", "forget", "clear")
# Paced sends line up behind each other, so in a flood one send can meet several refusals in a
# row while other chats take their turns; a relay still refused after these waits in the outbox.
MAX_RETRIES = 10
OUTBOX_JOB = "outbox"
OUTBOX_RETRY_SECONDS = 60


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Telegram's flood limits: wait as told and send again, never drop the message."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

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
                self.metrics.retry_after.inc()
                await asyncio.sleep(error.retry_after)
        return await make_request(bot, method)


class SentMessagesMiddleware(BaseRequestMiddleware):
    """Counts messages delivered to users or to operators: the side, never which chat."""

    def __init__(self, metrics: Metrics, operator_chat_id: int) -> None:
        self.metrics = metrics
        self.group = operator_chat_id

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        response = await make_request(bot, method)
        if isinstance(method, SendMessage | CopyMessage):
            side = "operators" if method.chat_id == self.group else "user"
            self.metrics.messages_sent.labels(to=side).inc()
        return response


class UpdatesMiddleware(BaseMiddleware):
    """Counts incoming updates by Telegram's update type (message, callback_query, ...)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update):
            self.metrics.updates.labels(kind=_update_kind(event)).inc()
        return await handler(event, data)


def _update_kind(update: Update) -> str:
    try:
        return update.event_type
    except Exception:  # aiogram raises its own lookup error for update types it doesn't know
        return "unknown"


@dataclass
class TelegramApp:
    """Everything one running bot consists of; no globals."""

    bot: Bot
    dispatcher: Dispatcher
    relay: Relay
    outbox: Outbox
    timers: SlaTimers
    scheduler: Scheduler
    holder: ContentHolder
    config: Config
    metrics: Metrics
    jobs: UserJobs
    coordination: Coordination

    async def start(self) -> None:
        """Check rights, publish commands, restore timers; problems are logged, never silent."""
        await self.relay.detect_forum()
        await check_rights(self.bot, self.relay.group, self.relay.is_forum)
        await publish_commands(self.bot, self.holder)
        self.scheduler.start()
        await self.timers.restore()
        self.timers.watch()
        await self.jobs.start()
        await self.outbox.deliver_pending()

    async def stop(self) -> None:
        self.scheduler.stop()
        await self.bot.session.close()


def make_bot(
    config: Config,
    token: str,
    metrics: Metrics,
    operator_chat_id: int,
    *middlewares: BaseRequestMiddleware,
    limits: SendLimits | None = None,
) -> Bot:
    """Outermost first: retry on flood errors, then wait for a free slot, then the rest."""
    session = AiohttpSession()
    if config.telegram_api_base:
        session = AiohttpSession(
            api=TelegramAPIServer.from_base(config.telegram_api_base.rstrip("/"))
        )
    for middleware in (
        RetryAfterMiddleware(metrics),
        PacingMiddleware(limits),
        SentMessagesMiddleware(metrics, operator_chat_id),
        *middlewares,
    ):
        session.middleware(middleware)
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def create_app(
    config: Config,
    storage: Storage,
    clock: Clock,
    holder: ContentHolder | None = None,
    coordination: Coordination | None = None,
    limits: SendLimits | None = None,
) -> TelegramApp:
    """The factory: one Bot, one Dispatcher, routers per side, dependencies passed in."""
    token, operator_chat_id = config.require_telegram()
    holder = holder or ContentHolder(config.content_dir, load_content(config.content_dir))
    coordination = coordination or Coordination.in_process()
    metrics = Metrics()
    secret = config.secret_key.get_secret_value()
    trail = ChatTrail(storage, secret, clock)
    bot = make_bot(config, token, metrics, operator_chat_id, TrailMiddleware(trail), limits=limits)
    conversations = Conversations(
        holder.current, storage, clock, metrics=metrics, locks=coordination.locks
    )
    holder.listeners.append(conversations.use_content)
    addresses = AddressBook(secret)
    relay = Relay(bot, storage, conversations, addresses, operator_chat_id, config.operator_lang)
    scheduler = Scheduler(clock)
    jobs = UserJobs(scheduler, relay)
    conversations.listeners.append(jobs.follow)
    timers = SlaTimers(
        scheduler, relay, config.handoff_sla_minutes, OperatorHours.parse(config.operator_hours)
    )
    outbox = Outbox(relay, metrics)
    housekeeping.schedule(scheduler, storage, clock, config.retention_days)
    scheduler.every(OUTBOX_JOB, OUTBOX_RETRY_SECONDS, outbox.deliver_pending)
    user_side = users.UserSide(
        conversations, relay, outbox, trail, timers, secret, coordination.counter
    )
    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(UpdatesMiddleware(metrics))
    dispatcher.update.outer_middleware(ChatOrder())
    dispatcher.include_router(users.setup(user_side, config.flood_messages, config.flood_seconds))
    reloads = ContentReloads(
        bot, holder, set(config.admin_ids), operator_chat_id, config.operator_lang
    )
    if config.content_watch_seconds > 0:
        scheduler.every("content-watch", config.content_watch_seconds, reloads.poll)
    operator_side = operators.OperatorSide(
        relay, outbox, timers, set(config.admin_ids), reloads.reload_now
    )
    dispatcher.include_router(operators.setup(operator_side, operator_chat_id))
    return TelegramApp(
        bot,
        dispatcher,
        relay,
        outbox,
        timers,
        scheduler,
        holder,
        config,
        metrics,
        jobs,
        coordination,
    )


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
    coordination = await open_coordination(config)
    app = create_app(config, storage, time.time, coordination=coordination)
    await app.start()
    metrics_runner = await serve_metrics(app, webhook)
    try:
        if webhook:
            await serve_webhook(app)
        else:
            await app.bot.delete_webhook(drop_pending_updates=False)
            await app.dispatcher.start_polling(app.bot, handle_signals=True)
    finally:
        if metrics_runner is not None:
            await metrics_runner.cleanup()
        await app.stop()
        await coordination.close()
        await storage.close()


def add_metrics_routes(application: web.Application, metrics: Metrics) -> None:
    """`/metrics` for Prometheus and `/healthz` for container health checks."""

    async def scrape(request: web.Request) -> web.Response:
        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    application.router.add_get("/metrics", scrape)
    application.router.add_get("/healthz", health)


async def serve_metrics(app: TelegramApp, webhook: bool) -> web.AppRunner | None:
    """A small HTTP server on METRICS_PORT (unless the webhook server already is that port)."""
    port = app.config.metrics_port
    if port is None or (webhook and port == app.config.webhook_port):
        return None
    application = web.Application()
    add_metrics_routes(application, app.metrics)
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, app.config.webhook_host, port).start()
    return runner


def webhook_application(app: TelegramApp) -> web.Application:
    """aiohttp app that rejects requests without the secret token (401)."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application

    secret = app.config.webhook_secret.get_secret_value() if app.config.webhook_secret else None
    application = web.Application()
    SimpleRequestHandler(app.dispatcher, app.bot, secret_token=secret).register(
        application, path=WEBHOOK_PATH
    )
    setup_application(application, app.dispatcher, bot=app.bot)
    add_metrics_routes(application, app.metrics)
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
    setup_logging(config, webhook)
    asyncio.run(serve(config, webhook))
    return 0
