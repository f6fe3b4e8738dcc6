"""The real bot (create_app) against the fake Bot API, driven as one user and one operator."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

from bot.config import Config
from bot.content.loader import Content, ContentHolder, load_content
from bot.storage import SqliteStorage
from bot.telegram.app import TelegramApp, create_app, serve_webhook
from bot.telegram.throttle import SendLimits
from tests.conftest import CONTENT_DIR
from tests.e2e.fake_telegram import FakeTelegram, JsonDict

TOKEN = "123456:TEST-token"
GROUP = -1001234567890
OPERATOR = 501
USER = 777001
NAME, USERNAME = "Aigerim", "aigerim_secret_name"
WEBHOOK_SECRET = "e2e-webhook-secret"
NOW = 1_790_000_000.0  # a Monday, 20:13 in Bishkek
Mode = Literal["polling", "webhook"]


@dataclass
class Harness:
    """One running bot, its fake Telegram, and the people who talk to it."""

    fake: FakeTelegram
    app: TelegramApp
    data_dir: Path
    content: Content

    # --- the user --------------------------------------------------------------------------------

    def user(self, text: str | None = None, media: str | None = None) -> JsonDict:
        """The user writes; every message carries their real name and username, as Telegram's."""
        flags = {media: True} if media else {}
        return self.fake.user_message(
            USER, text, first_name=NAME, username=USERNAME, language_code="ru", **flags
        )

    async def user_sees(self, fragment: str, after: int = 0) -> JsonDict:
        """Wait for a message to the user (past the first `after` ones) containing fragment."""
        return await self.fake.wait_for(
            lambda: _first_with(self.fake.sent(USER)[after:], fragment),
            what=f"user sees {fragment!r}",
        )

    async def press(self, label: str) -> None:
        """The user presses the newest button whose label contains `label`, once it is shown."""
        message_id, data = await self.fake.wait_for(
            lambda: self._button(label), what=f"a button labelled {label!r}"
        )
        self.fake.user_presses(USER, message_id, data)

    def _button(self, label: str) -> tuple[int, str] | None:
        for record in reversed(self.fake.sent(USER)):
            for row in (record["reply_markup"] or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return record["message_id"], button["callback_data"]
        return None

    def text(self, key: str, **values: object) -> str:
        """A user-facing string in Russian, as the content has it."""
        return self.content.text(key, "ru", **values)

    # --- the operators ---------------------------------------------------------------------------

    async def case_thread(self, index: int = 0) -> int:
        topics = await self.fake.wait_for(
            lambda: self.fake.topics(GROUP)[index:], what="case topic"
        )
        return int(topics[0]["message_thread_id"])

    def operator(
        self,
        text: str | None = None,
        *,
        thread: int | None = None,
        reply_to: int | None = None,
        media: str | None = None,
    ) -> JsonDict:
        return self.fake.group_message(
            GROUP, OPERATOR, text, thread_id=thread, reply_to_message_id=reply_to, media=media
        )

    async def group_sees(self, fragment: str, thread: int | None = None) -> JsonDict:
        return await self.fake.wait_for(
            lambda: _first_with(self.fake.sent(GROUP, thread), fragment),
            what=f"operators see {fragment!r}",
        )

    # --- checks ----------------------------------------------------------------------------------

    def assert_operator_side_anonymous(self) -> None:
        """Nothing the operators can see, nor the database, holds the user's id, name or login."""
        visible = [
            {k: v for k, v in message.items() if k not in ("from", "chat")}
            for message in self.fake.history(GROUP)
            if message.get("from", {}).get("id") == self.fake.bot_id
        ]
        seen = json.dumps([visible, self.fake.topics(GROUP)], ensure_ascii=False)
        stored = (self.data_dir / "bot.sqlite3").read_bytes().decode("utf-8", "replace")
        for secret in (str(USER), NAME, USERNAME):
            pattern = re.compile(rf"\b{re.escape(secret)}\b", re.IGNORECASE)
            assert not pattern.search(seen), f"operators can see {secret!r}"
            assert not pattern.search(stored), f"the database holds {secret!r}"
        assert self.fake.calls("forwardMessage") == []

    def transcript(self) -> list[str]:
        """Both sides of the conversation as text lines, in the order each chat shows them."""
        lines = [f"user chat   | {_line(m, self.fake.bot_id)}" for m in self.fake.history(USER)]
        lines += [f"operators   | {_line(m, self.fake.bot_id)}" for m in self.fake.history(GROUP)]
        return lines


def _first_with(records: list[JsonDict], fragment: str) -> JsonDict | None:
    return next(
        (r for r in records if fragment in (r.get("text") or r.get("caption") or "")), None
    )


def _line(message: JsonDict, bot_id: int) -> str:
    """`who: what [buttons]`, with the topic a group message sits in."""
    who = "bot" if message.get("from", {}).get("id") == bot_id else "person"
    if message["chat"]["type"] != "private" and who == "person":
        who = "operator"
    elif who == "person":
        who = "user"
    topic = f"[topic {message['message_thread_id']}] " if "message_thread_id" in message else ""
    reply = message.get("reply_to_message", {}).get("message_id")
    reply_note = f"(reply to #{reply}) " if reply and not topic else ""
    kind = next((k for k in ("text", "caption") if k in message), None)
    body = message[kind] if kind else _media_name(message)
    if kind == "caption":
        body = f"{_media_name(message)} {body}"
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    buttons = " | ".join(button["text"] for row in rows for button in row)
    shown = " ".join(str(body).split())
    return f"#{message['message_id']} {topic}{reply_note}{who}: {shown}" + (
        f"  [{buttons}]" if buttons else ""
    )


def _media_name(message: JsonDict) -> str:
    kinds = ("photo", "voice", "document", "sticker", "location", "video", "contact", "audio")
    found = next((k for k in kinds if k in message), None)
    if found:
        return f"<{found}>"
    service = next((k for k in message if k.startswith("forum_topic_")), "service")
    return f"<{service}>"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def bot_running(
    tmp_path: Path,
    content: Content | None = None,
    *,
    content_dir: Path = CONTENT_DIR,
    mode: Mode = "polling",
    forum: bool = True,
    clock: Callable[[], float] = lambda: NOW,
    limits: SendLimits | None = None,
    **settings: Any,
) -> AsyncIterator[Harness]:
    """Start the fake and the real app; on a clean exit, check the operator side is anonymous.

    `settings` are Config fields (handoff_sla_minutes, operator_hours, admin_ids, ...); `limits`
    replace Telegram's send rates the bot paces itself to.
    """
    fake = FakeTelegram(TOKEN)
    url = await fake.start()
    members = {OPERATOR, *settings.get("admin_ids", [])}
    fake.add_group(GROUP, "Operators", is_forum=forum, member_ids=members)
    port = _free_port()
    config = Config(
        bot_token=SecretStr(TOKEN),
        operator_chat_id=GROUP,
        secret_key=SecretStr("e2e-secret-key-long-enough"),
        telegram_api_base=url,
        data_dir=tmp_path,
        content_dir=content_dir,
        webhook_url=f"http://127.0.0.1:{port}",
        webhook_secret=SecretStr(WEBHOOK_SECRET),
        webhook_host="127.0.0.1",
        webhook_port=port,
        **settings,
    )
    storage = await SqliteStorage.open(tmp_path / "bot.sqlite3")
    holder = ContentHolder(content_dir, content or load_content(content_dir))
    app = create_app(config, storage, clock, holder, limits=limits)
    await app.start()
    receiving = asyncio.create_task(_receive(app, mode))
    try:
        if mode == "webhook":
            await fake.wait_for(lambda: fake.webhook_url, what="webhook set")
        harness = Harness(fake, app, tmp_path, holder.current)
        yield harness
        harness.assert_operator_side_anonymous()
    finally:
        await _stop_receiving(app, receiving, mode)
        await app.stop()
        await storage.close()
        await fake.stop()


async def _receive(app: TelegramApp, mode: Mode) -> Any:
    if mode == "webhook":
        return await serve_webhook(app)
    return await app.dispatcher.start_polling(app.bot, handle_signals=False, polling_timeout=1)


async def _stop_receiving(app: TelegramApp, receiving: asyncio.Task[Any], mode: Mode) -> None:
    if mode == "polling":
        with contextlib.suppress(RuntimeError):
            await app.dispatcher.stop_polling()
    receiving.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await receiving
