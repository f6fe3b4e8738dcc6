"""Content hot reload in the running bot: poll the folder, tell admins what happened."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from bot.content.loader import ContentHolder
from bot.content.watch import ContentWatcher, reload_report
from bot.content.yamlsource import Problem
from bot.telegram.render import send_text

log = logging.getLogger("bot.content")


class ContentReloads:
    """Reloads run off the event loop (loading takes most of a second); results go to admins."""

    def __init__(
        self, bot: Bot, holder: ContentHolder, admin_ids: set[int], group: int, lang: str
    ) -> None:
        self.bot = bot
        self.holder = holder
        self.watcher = ContentWatcher(holder)
        self.admin_ids = admin_ids
        self.group = group
        self.lang = lang

    async def poll(self) -> None:
        """The scheduler's job: when files changed and settled, reload and report once."""
        problems = await asyncio.to_thread(self.watcher.poll)
        if problems is not None:
            await self.tell_admins(self.report(problems))

    async def reload_now(self) -> str:
        """The /reload command: the same reload, reported in the chat that asked."""
        return self.report(await asyncio.to_thread(self.watcher.reload_now))

    def report(self, problems: list[Problem]) -> str:
        for problem in problems:
            log.warning("content_rejected %s", problem)
        log.info("content_reload ok=%s errors=%d", not problems, len(problems))
        return reload_report(self.holder.current, self.lang, problems)

    async def tell_admins(self, text: str) -> None:
        """Each admin privately; the operators' group when no admin could be reached."""
        reached = False
        for admin in sorted(self.admin_ids):
            try:
                await send_text(self.bot, admin, text)
                reached = True
            except (TelegramForbiddenError, TelegramBadRequest) as error:
                log.warning("admin_unreachable reason=%s", error.message)
        if not reached:
            await send_text(self.bot, self.group, text)
