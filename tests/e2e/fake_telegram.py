"""A fake Telegram Bot API server, so end-to-end tests can drive the real bot over real HTTP.

Point the bot at it with ``TelegramAPIServer.from_base(await fake.start())``. Tests then act
as people (``user_message``, ``user_presses``, ``group_message`` ...) and look at what the bot
did (``sent``, ``calls``, ``topics`` ...). It copies the real Bot API wherever a difference
could hide a bug: response shapes, error codes and descriptions, strict HTML parsing, button
limits, forum topics (a topic message carries the topic's opening message as
``reply_to_message``), long polling, webhooks with the secret header, and injected failures.
Markdown parse modes are accepted unchecked; file uploads get fresh file ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import html
import inspect
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import (
    BodyPartReader,
    ClientError,
    ClientResponse,
    ClientSession,
    ClientTimeout,
    MultipartReader,
    web,
)

JsonDict = dict[str, Any]
Handler = Callable[["_Params"], Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
MEDIA_KINDS = (
    "photo",
    "voice",
    "video",
    "video_note",
    "sticker",
    "document",
    "animation",
    "audio",
    "contact",
    "location",
    "poll",
)
STORM_METHODS = (
    "sendMessage",
    "copyMessage",
    "editMessageText",
    "createForumTopic",
    "reopenForumTopic",
    "answerCallbackQuery",
)
CAPTIONED = frozenset({"photo", "voice", "video", "document", "animation", "audio"})
BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
FILE_PREFIX = {
    "photo": "AgACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "audio": "CQACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
    "video_note": "DQACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "animation": "CgACAgIAAxkBAAI",
}
HUMAN_ADMIN: JsonDict = {"id": 100, "is_bot": False, "first_name": "Admin"}
ANONYMOUS_ADMIN: JsonDict = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}

_JSON_KEYS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "media",
        "menu_button",
        "message_ids",
        "options",
        "reaction",
    }
)
_INT_KEYS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "icon_color",
        "max_connections",
        "cache_time",
    }
)
_BOOL_KEYS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "has_spoiler",
        "show_caption_above_media",
        "remove_caption",
    }
)
_INT_RE = re.compile(r"-?\d+")
_URL_RE = re.compile(r"(https?|tg)://\S+")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_TAG_RE = re.compile(r"([A-Za-z][A-Za-z0-9-]*)(\s.*)?", re.S)
_ATTR_RE = re.compile(r"""([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
_HTML_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]+);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class ApiError(Exception):
    """A Bot API failure that travels up to the HTTP layer and becomes an ``ok: false`` reply."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JsonDict:
        """Build the exact body Telegram sends, which aiogram maps onto its exceptions."""
        body: JsonDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(reason: str) -> ApiError:
    """Make a 400, the error Telegram uses for nearly every invalid request."""
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class Delivery:
    """One webhook POST attempt, kept so tests can see retries and the status the bot gave."""

    update_id: int
    attempt: int
    status: int | None
    error: str | None = None


@dataclass
class _Failure:
    """A queued fake failure, consumed by matching calls before they reach the handlers."""

    method: str
    code: int
    description: str
    retry_after: int | None
    times: int
    chat_id: int | None


@dataclass
class _Storm:
    """Flood limits: every `every`-th matching call is refused with 429 until calm()."""

    methods: frozenset[str]
    every: int
    retry_after: int
    seen: int = 0

    def refuses(self, method: str) -> bool:
        """Count a matching call; the first of every `every` calls is refused."""
        if method not in self.methods:
            return False
        self.seen += 1
        return (self.seen - 1) % self.every == 0


@dataclass
class _Topic:
    """A forum topic; its id is the id of the service message that opened it, as in Telegram."""

    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False

    def as_dict(self) -> JsonDict:
        """Render the ForumTopic object returned by createForumTopic."""
        topic: JsonDict = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic


@dataclass
class _Chat:
    """One chat with its own message-id sequence, as Telegram numbers messages per chat."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    is_forum: bool = False
    bot_is_admin: bool = False
    can_manage_topics: bool = False
    member_ids: set[int] = field(default_factory=set)
    admin_ids: set[int] = field(default_factory=set)
    messages: dict[int, JsonDict] = field(default_factory=dict)
    topics: dict[int, _Topic] = field(default_factory=dict)
    deleted: list[int] = field(default_factory=list)
    next_id: int = 1

    def new_message_id(self) -> int:
        """Hand out the next id; both sides of a chat share one increasing sequence."""
        self.next_id += 1
        return self.next_id - 1

    def short(self) -> JsonDict:
        """Render the Chat object embedded in messages."""
        chat: JsonDict = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = self.first_name or "Test"
            if self.username:
                chat["username"] = self.username
        else:
            chat["title"] = self.title or str(self.id)
        if self.is_forum:
            chat["is_forum"] = True
        return chat


class _Params:
    """Typed access to a decoded request that turns bad input into Bot API 400s."""

    def __init__(self, data: JsonDict, files: dict[str, bytes] | None = None) -> None:
        self.data = data
        self.files = files or {}

    def get(self, key: str) -> Any:
        """Return a raw value, for fields whose type the handler checks itself."""
        return self.data.get(key)

    def opt_int(self, key: str) -> int | None:
        """Read an optional integer, rejecting junk the way Telegram does."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(f"invalid {key} specified")
        return value

    def req_int(self, key: str) -> int:
        """Read a mandatory integer."""
        value = self.opt_int(key)
        if value is None:
            raise _bad(f"{key} is empty")
        return value

    def opt_str(self, key: str) -> str | None:
        """Read an optional string; numbers arrive as strings over forms, so accept them."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _bad(f"invalid {key} specified")
        return str(value)

    def flag(self, key: str) -> bool:
        """Read a boolean that defaults to false."""
        return self.data.get(key) is True

    def obj(self, key: str) -> JsonDict | None:
        """Read a JSON object field such as reply_markup."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _bad(f"can't parse {key} JSON object")
        return value

    def arr(self, key: str) -> list[Any] | None:
        """Read a JSON array field such as commands."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise _bad(f"can't parse {key} JSON array")
        return value


def _coerce(key: str, value: Any) -> Any:
    """Type one field: forms carry only strings, while JSON bodies may already be typed."""
    if not isinstance(value, str):
        return value
    if key in _JSON_KEYS:
        try:
            return json.loads(value)
        except ValueError:
            raise _bad(f"can't parse {key} JSON object") from None
    if key in _INT_KEYS and _INT_RE.fullmatch(value):
        return int(value)
    if key in _BOOL_KEYS:
        return value.lower() in ("true", "1")
    return value


async def _read_params(request: web.Request) -> _Params:
    """Decode query string, urlencoded, multipart or JSON bodies, as the real API accepts."""
    data: JsonDict = dict(request.query)
    files: dict[str, bytes] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse JSON body") from None
            if not isinstance(body, dict):
                raise _bad("JSON body must be an object")
            data.update(body)
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                else:
                    data[key] = value.decode() if isinstance(value, bytes | bytearray) else value
    return _Params({key: _coerce(key, value) for key, value in data.items()}, files)


def _now() -> int:
    """Unix time, the unit of every Telegram date field."""
    return int(time.time())


def _utf16(text: str) -> int:
    """Length in UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _entities_error(reason: str) -> ApiError:
    """Wrap an HTML problem in Telegram's wording."""
    return _bad(f"can't parse entities: {reason}")


class _HtmlParser:
    """Telegram's HTML subset, as strict as the real one, so bad markup fails in tests too."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[str] = []
        self.stack: list[tuple[str, int, JsonDict | None]] = []
        self.entities: list[JsonDict] = []

    def parse(self) -> tuple[str, list[JsonDict]]:
        """Return the plain text and its entities, or raise "can't parse entities"."""
        index = 0
        while index < len(self.source):
            char = self.source[index]
            if char == "<":
                index = self._tag(index)
            elif char == "&":
                index = self._entity(index)
            else:
                self.out.append(char)
                index += 1
        if self.stack:
            name = self.stack[-1][0]
            raise _entities_error(f'Can\'t find end tag corresponding to start tag "{name}"')
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), entities

    def _byte_offset(self, index: int) -> int:
        """Telegram reports HTML errors at UTF-8 byte offsets."""
        return len(self.source[:index].encode())

    def _tag(self, start: int) -> int:
        """Handle one ``<...>`` and return the index after it."""
        end = self.source.find(">", start)
        if end == -1:
            raise _entities_error(f"Unclosed start tag at byte offset {self._byte_offset(start)}")
        inner = self.source[start + 1 : end]
        if inner.startswith("/"):
            self._close(inner[1:].strip().lower(), start)
        else:
            self._open(inner, start)
        return end + 1

    def _open(self, inner: str, start: int) -> None:
        """Push a supported start tag, with the entity it will produce."""
        match = _TAG_RE.fullmatch(inner)
        name = match.group(1).lower() if match else inner.split(" ", 1)[0]
        if match is None or name not in _TAG_ENTITY:
            offset = self._byte_offset(start)
            raise _entities_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        attrs = {
            key.lower(): html.unescape(next((v for v in values if v), ""))
            for key, *values in _ATTR_RE.findall(match.group(2) or "")
        }
        self.stack.append((name, _utf16("".join(self.out)), _tag_entity(name, attrs, inner)))

    def _close(self, name: str, start: int) -> None:
        """Pop the matching start tag and emit its entity."""
        offset = self._byte_offset(start)
        if not self.stack:
            raise _entities_error(f"Unexpected end tag at byte offset {offset}")
        opened, begin, entity = self.stack.pop()
        if name != opened:
            raise _entities_error(
                f'Unmatched end tag at byte offset {offset}, expected "</{opened}>", '
                f'found "</{name}>"'
            )
        length = _utf16("".join(self.out)) - begin
        if entity is not None and length > 0:
            self.entities.append({**entity, "offset": begin, "length": length})

    def _entity(self, start: int) -> int:
        """Decode ``&lt;`` and friends; unknown ones stay literal, as Telegram leaves them."""
        match = _HTML_ENTITY_RE.match(self.source, start)
        if match is None:
            self.out.append("&")
            return start + 1
        token = match.group(1)
        if token.startswith("#"):
            code = int(token[2:], 16) if token[1:2] in ("x", "X") else int(token[1:])
            self.out.append(chr(code) if 0 < code <= 0x10FFFF else match.group(0))
        else:
            self.out.append(_NAMED_ENTITIES.get(token, match.group(0)))
        return match.end()


def _tag_entity(name: str, attrs: dict[str, str], inner: str) -> JsonDict | None:
    """Map a start tag to its entity, enforcing the attributes Telegram requires."""
    kind = _TAG_ENTITY[name]
    if name == "a":
        return {"type": kind, "url": attrs["href"]} if attrs.get("href") else None
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _entities_error('Tag "span" must have class "tg-spoiler"')
    if name == "tg-emoji":
        if not attrs.get("emoji-id"):
            raise _entities_error("Custom emoji identifier must be non-empty")
        return {"type": kind, "custom_emoji_id": attrs["emoji-id"]}
    if name == "blockquote" and "expandable" in inner.split():
        return {"type": "expandable_blockquote"}
    return {"type": kind}


def _render(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JsonDict]]:
    """Turn sent text into what Telegram stores: plain text plus entities."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _HtmlParser(text).parse()
    if mode in ("markdown", "markdownv2"):
        return text, []
    if mode:
        raise _bad("unsupported parse_mode")
    return text, list(entities) if isinstance(entities, list) else []


def _check_text(plain: str) -> None:
    """Enforce the 1..4096 character limit on message text after entity parsing."""
    if not plain.strip():
        raise _bad("message text is empty")
    if len(plain) > MAX_TEXT:
        raise _bad("message is too long")


def _text_fields(plain: str, entities: list[JsonDict], key: str = "text") -> JsonDict:
    """Build text (or caption) fields, omitting empty entity lists as Telegram does."""
    fields: JsonDict = {key: plain}
    if entities:
        fields["entities" if key == "text" else "caption_entities"] = entities
    return fields


def _check_markup(markup: JsonDict | None) -> JsonDict | None:
    """Validate any reply_markup; inline keyboards get Telegram's full button checks."""
    if markup is None:
        return None
    if "inline_keyboard" in markup:
        for button in _buttons(markup["inline_keyboard"], "inline_keyboard"):
            _check_inline_button(button)
        return markup
    if "keyboard" in markup:
        for button in _buttons(markup["keyboard"], "keyboard"):
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise _bad("can't parse keyboard button: Text must be a String")
        return markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise _bad("can't parse reply keyboard markup JSON object")


def _buttons(keyboard: Any, field_name: str) -> list[Any]:
    """Flatten an array of arrays of buttons, rejecting any other shape."""
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise _bad(f'Field "{field_name}" of reply markup must be an Array of Arrays')
    buttons = [button for row in keyboard for button in row]
    if len(buttons) > 100:
        raise _bad("reply markup is too long")
    return buttons


def _check_inline_button(button: Any) -> None:
    """One inline button: text, exactly the actions Telegram allows, 1..64-byte data."""
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _bad("can't parse inline keyboard button: Text must be a String")
    if not BUTTON_ACTIONS & button.keys():
        raise _bad("text buttons are unallowed in the inline keyboard")
    data = button.get("callback_data")
    if "callback_data" in button and not (
        isinstance(data, str) and 1 <= len(data.encode()) <= MAX_CALLBACK_DATA
    ):
        raise _bad("BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in button and not (isinstance(url, str) and _URL_RE.fullmatch(url)):
        raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _kind(message: JsonDict) -> str | None:
    """Name a message's content kind; None means a service message."""
    if "text" in message:
        return "text"
    return next((kind for kind in MEDIA_KINDS if kind in message), None)


def _content_of(message: JsonDict, kind: str) -> JsonDict:
    """Copy the content part of a message, which copyMessage and forwardMessage reuse."""
    keys = (kind, "text", "entities", "caption", "caption_entities", "has_media_spoiler")
    return {key: copy.deepcopy(message[key]) for key in keys if key in message}


def _without_reply(message: JsonDict) -> JsonDict:
    """A message as nested in reply_to_message: Telegram never nests replies deeper."""
    return {key: value for key, value in message.items() if key != "reply_to_message"}


def _callback_datas(message: JsonDict) -> set[str]:
    """Collect the callback data a user could actually press on a message."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {button["callback_data"] for row in rows for button in row if "callback_data" in button}


class FakeTelegram:
    """Plays Telegram for one bot token: chats, messages, topics, updates, webhooks, failures."""

    def __init__(
        self,
        token: str,
        bot_id: int = 999000,
        bot_username: str = "migrant_test_bot",
        *,
        bot_name: str = "Migrant Test Bot",
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.base_url = ""
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_deliveries: list[Delivery] = []
        self.webhook_attempts = 3
        self.webhook_retry_delay = 0.1
        self.allowed_updates: list[str] | None = None
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, JsonDict] = {}
        self._queue: list[JsonDict] = []
        self._next_update_id = 1
        self._wake = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._calls: list[tuple[str, JsonDict]] = []
        self._errors: list[tuple[str, JsonDict, int, str]] = []
        self._failures: list[_Failure] = []
        self._storm: _Storm | None = None
        self._blocked: set[int] = set()
        self._sent: list[JsonDict] = []
        self._records: dict[tuple[int, int], JsonDict] = {}
        self._callbacks: dict[str, JsonDict] = {}
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._files: dict[str, str] = {}
        self._serial = itertools.count(1)
        self._webhook_error: tuple[int, str] | None = None
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._worker: asyncio.Task[None] | None = None
        self._handlers = self._build_handlers()

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> str:
        """Serve on a free local port and return the base URL for TelegramAPIServer."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._closing = False
        self._kick_webhook()
        return self.base_url

    async def stop(self) -> None:
        """Release pending long polls, the webhook sender and the port."""
        self._closing = True
        self._wake.set()
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---------------------------------------------------------------- HTTP layer

    async def _handle(self, request: web.Request) -> web.Response:
        """Serve one Bot API call the way api.telegram.org would."""
        try:
            params = await _read_params(request)
        except ApiError as err:
            return web.json_response(err.payload(), status=err.code)
        token_ok = request.match_info["token"] == self.token
        status, body = await self._call(request.match_info["method"], params, token_ok)
        return web.json_response(body, status=status)

    async def _not_found(self, request: web.Request) -> web.Response:
        """Anything outside /bot<token>/<method> is a plain Telegram 404."""
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _call(self, method: str, params: _Params, token_ok: bool = True) -> tuple[int, Any]:
        """Log, authorise and run a call, returning the HTTP status and Bot API body."""
        name = self._canonical(method)
        self._calls.append((name, params.data))
        try:
            if not token_ok:
                raise ApiError(401, "Unauthorized")
            result = await self._execute(name, params)
        except ApiError as err:
            self._errors.append((name, params.data, err.code, err.description))
            return err.code, err.payload()
        return 200, {"ok": True, "result": result}

    async def _execute(self, name: str, params: _Params) -> Any:
        """Apply injected failures, then dispatch; method names are case-insensitive."""
        self._inject_failure(name, params)
        handler = self._handlers.get(name.lower())
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        result = handler[1](params)
        if inspect.isawaitable(result):
            result = await result
        return result

    def _canonical(self, method: str) -> str:
        """Log methods under their documented spelling whatever case the client used."""
        entry = self._handlers.get(method.lower())
        return entry[0] if entry else method

    def _inject_failure(self, name: str, params: _Params) -> None:
        """Raise the first queued failure matching this call, consuming one use of it."""
        chat_id = params.get("chat_id")
        for rule in self._failures:
            if rule.method == name.lower() and rule.chat_id in (None, chat_id):
                rule.times -= 1
                if rule.times <= 0:
                    self._failures.remove(rule)
                raise ApiError(rule.code, rule.description, rule.retry_after)
        if self._storm is not None and self._storm.refuses(name.lower()):
            wait = self._storm.retry_after
            raise ApiError(429, f"Too Many Requests: retry after {wait}", wait)

    def _build_handlers(self) -> dict[str, tuple[str, Handler]]:
        """Map lower-cased method names to their documented name and handler."""
        table: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": lambda p: self._send_media(p, "photo"),
            "sendDocument": lambda p: self._send_media(p, "document"),
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "createForumTopic": self._create_forum_topic,
            "closeForumTopic": lambda p: self._toggle_topic(p, closed=True),
            "reopenForumTopic": lambda p: self._toggle_topic(p, closed=False),
            "editForumTopic": self._edit_forum_topic,
            "deleteForumTopic": self._delete_forum_topic,
            "sendChatAction": self._send_chat_action,
        }
        return {name.lower(): (name, handler) for name, handler in table.items()}

    # ---------------------------------------------------------------- lookups

    def _me(self) -> JsonDict:
        """The bot as a User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def _chat(self, ref: Any) -> _Chat:
        """Resolve a chat id or @username, failing like Telegram for unknown chats."""
        if isinstance(ref, str) and ref.startswith("@"):
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == ref[1:].lower():
                    return chat
        if isinstance(ref, int) and not isinstance(ref, bool) and ref in self._chats:
            return self._chats[ref]
        raise _bad("chat not found")

    def _target(self, p: _Params, key: str = "chat_id") -> _Chat:
        """Resolve the chat named by a parameter."""
        value = p.get(key)
        if value is None or value == "":
            raise _bad(f"{key} is empty")
        return self._chat(value)

    def _writable(self, p: _Params) -> _Chat:
        """Resolve the chat the bot writes to; users who blocked the bot answer 403."""
        chat = self._target(p)
        if chat.type == "private" and chat.id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _thread(self, chat: _Chat, p: _Params) -> _Topic | None:
        """Check message_thread_id names an existing, open topic of a forum."""
        thread_id = p.opt_int("message_thread_id")
        if thread_id is None:
            return None
        topic = chat.topics.get(thread_id) if chat.is_forum else None
        if topic is None:
            raise _bad("message thread not found")
        if topic.closed:
            raise _bad("TOPIC_CLOSED")
        return topic

    def _reply_target(self, chat: _Chat, p: _Params) -> JsonDict | None:
        """Resolve reply_parameters or reply_to_message_id to a stored message."""
        params = p.obj("reply_parameters") or {}
        message_id = params.get("message_id", p.opt_int("reply_to_message_id"))
        if message_id is None:
            return None
        source = (
            chat if params.get("chat_id") in (None, chat.id) else self._chat(params["chat_id"])
        )
        target = source.messages.get(message_id) if isinstance(message_id, int) else None
        lenient = params.get("allow_sending_without_reply") or p.flag(
            "allow_sending_without_reply"
        )
        if target is None and not lenient:
            raise _bad("message to be replied not found")
        return target

    def _own_message(self, chat: _Chat, p: _Params) -> JsonDict:
        """Find a message the bot may edit: it must exist and be the bot's own."""
        if p.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        message = chat.messages.get(p.req_int("message_id"))
        if message is None:
            raise _bad("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id or "forum_topic_created" in message:
            raise _bad("message can't be edited")
        return message

    # ---------------------------------------------------------------- message building

    def _place(
        self, message: JsonDict, chat: _Chat, topic: _Topic | None, reply: JsonDict | None
    ) -> None:
        """Put a message in its topic and reply chain the way Telegram reports it."""
        if topic is None and reply is not None and reply.get("is_topic_message"):
            topic = chat.topics.get(reply.get("message_thread_id", 0))
        if topic is not None:
            message["message_thread_id"] = topic.thread_id
            message["is_topic_message"] = True
            reply = reply or chat.messages.get(topic.thread_id)
        if reply is not None:
            message["reply_to_message"] = _without_reply(reply)

    def _bot_message(
        self,
        chat: _Chat,
        topic: _Topic | None,
        reply: JsonDict | None,
        content: JsonDict,
        markup: JsonDict | None,
    ) -> JsonDict:
        """Store a new bot message; only inline keyboards are echoed back, as in Telegram."""
        message: JsonDict = {"message_id": chat.new_message_id()}
        if chat.type == "channel":
            message["sender_chat"] = chat.short()
        else:
            message["from"] = self._me()
        message.update(chat=chat.short(), date=_now())
        self._place(message, chat, topic, reply)
        message.update(content)
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        chat.messages[message["message_id"]] = message
        return message

    def _record(
        self,
        method: str,
        message: JsonDict,
        p: _Params,
        reply: JsonDict | None,
        copied_from: tuple[int, int] | None = None,
    ) -> JsonDict:
        """Remember what the bot sent in the flat shape tests assert against."""
        record: JsonDict = {
            "method": method,
            "chat_id": message["chat"]["id"],
            "message_id": message["message_id"],
            "thread_id": message.get("message_thread_id"),
            "kind": _kind(message),
            "text": message.get("text"),
            "caption": message.get("caption"),
            "raw": p.opt_str("text") or p.opt_str("caption"),
            "parse_mode": p.opt_str("parse_mode"),
            "reply_markup": p.obj("reply_markup"),
            "reply_to_message_id": reply["message_id"] if reply else None,
            "copied_from": copied_from,
            "sent_by_bot": True,
            "edited": False,
            "deleted": False,
            "message": message,
        }
        self._sent.append(record)
        self._records[(record["chat_id"], record["message_id"])] = record
        return record

    def _service_message(
        self, chat: _Chat, sender: JsonDict, topic: _Topic | None, content: JsonDict
    ) -> JsonDict:
        """Store a service message such as forum_topic_created; it is not in sent()."""
        message: JsonDict = {
            "message_id": chat.new_message_id(),
            "from": sender,
            "chat": chat.short(),
            "date": _now(),
            **content,
        }
        if topic is not None:
            message.update(message_thread_id=topic.thread_id, is_topic_message=True)
        chat.messages[message["message_id"]] = message
        return message

    def _new_file(self, kind: str) -> tuple[str, str]:
        """Issue a file_id and file_unique_id that look like Telegram's and are remembered."""
        serial = next(self._serial)
        file_id = f"{FILE_PREFIX.get(kind, 'BQACAgIAAxkBAAI')}{serial:06d}fake"
        self._files[file_id] = kind
        return file_id, f"AQAD{serial:06d}"

    def _file_object(self, kind: str, file_id: str | None = None) -> Any:
        """Build the media object of one kind, with sizes and types aiogram accepts."""
        if file_id is None:
            file_id, unique = self._new_file(kind)
        else:
            unique = f"AQAD{file_id[-12:]}"
        base: JsonDict = {"file_id": file_id, "file_unique_id": unique, "file_size": 40960}
        if kind == "photo":
            small_id, small_unique = self._new_file("photo")
            small = {"file_id": small_id, "file_unique_id": small_unique, "file_size": 1300}
            return [{**small, "width": 90, "height": 67}, {**base, "width": 1280, "height": 960}]
        extra: dict[str, JsonDict] = {
            "voice": {"duration": 3, "mime_type": "audio/ogg"},
            "audio": {"duration": 180, "mime_type": "audio/mpeg", "file_name": "track.mp3"},
            "video": {"width": 640, "height": 360, "duration": 5, "mime_type": "video/mp4"},
            "animation": {"width": 320, "height": 240, "duration": 2, "mime_type": "video/mp4"},
            "video_note": {"length": 240, "duration": 4},
            "sticker": {
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "🙂",
            },
            "document": {"file_name": "document.pdf", "mime_type": "application/pdf"},
        }
        return {**base, **extra[kind]}

    def _file_param(self, p: _Params, kind: str) -> str:
        """Accept a known file_id, an HTTP URL or an upload, like sendPhoto/sendDocument do."""
        value = p.opt_str(kind) or ""
        uploaded = value.removeprefix("attach://") if value.startswith("attach://") else kind
        if uploaded in p.files:
            return self._new_file(kind)[0]
        if not value:
            raise _bad(f"there is no {kind} in the request")
        if value.startswith(("http://", "https://")):
            return self._new_file(kind)[0]
        known = self._files.get(value)
        if known is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        if kind == "photo" and known != "photo":
            label = known.replace("_", " ").title().replace(" ", "")
            raise _bad(f"can't use file of type {label} as Photo")
        return value

    def _caption(self, p: _Params) -> JsonDict:
        """Parse an optional caption, limited to 1024 characters."""
        caption = p.opt_str("caption")
        if not caption:
            return {}
        plain, entities = _render(caption, p.opt_str("parse_mode"), p.get("caption_entities"))
        if len(plain) > MAX_CAPTION:
            raise _bad("message caption is too long")
        return _text_fields(plain, entities, "caption")

    # ---------------------------------------------------------------- API: bot and updates

    def _get_me(self, p: _Params) -> JsonDict:
        """Describe the bot."""
        return {
            **self._me(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, p: _Params) -> list[JsonDict]:
        """Long-poll the queue; a newer poll ends an older one with 409, as in Telegram."""
        if self.webhook_url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = p.opt_int("offset") or 0
        limit = min(max(p.opt_int("limit") or 100, 1), 100)
        deadline = asyncio.get_running_loop().time() + max(p.opt_int("timeout") or 0, 0)
        if p.arr("allowed_updates"):
            self.allowed_updates = p.arr("allowed_updates")
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake.set()
        while True:
            batch = [u for u in self._queue if u["update_id"] >= offset][:limit]
            if batch or self._closing:
                return batch
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT)
            if self.webhook_url:
                raise ApiError(409, WEBHOOK_CONFLICT)
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return []
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), remaining)

    def _confirm(self, offset: int) -> None:
        """Forget updates before offset; a negative offset keeps only the last -offset."""
        if offset < 0:
            self._queue = self._queue[offset:]
        elif offset:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]

    def _set_webhook(self, p: _Params) -> bool:
        """Switch to webhook delivery; an empty url switches back to getUpdates."""
        url = p.opt_str("url") or ""
        if url and not url.startswith(("http://", "https://")):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.opt_str("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise _bad("secret token contains unallowed characters")
        if p.flag("drop_pending_updates"):
            self._queue.clear()
        if p.arr("allowed_updates") is not None:
            self.allowed_updates = p.arr("allowed_updates")
        self.webhook_url, self.webhook_secret = url, secret if url else None
        self._webhook_error = None
        self._wake.set()
        self._kick_webhook()
        return True

    def _delete_webhook(self, p: _Params) -> bool:
        """Return to getUpdates mode, optionally dropping what is pending."""
        if p.flag("drop_pending_updates"):
            self._queue.clear()
        self.webhook_url, self.webhook_secret = "", None
        return True

    def _get_webhook_info(self, p: _Params) -> JsonDict:
        """Report webhook state, including the last delivery error as Telegram does."""
        info: JsonDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook_url:
            info.update(ip_address="127.0.0.1", max_connections=40)
        if self._webhook_error is not None:
            info.update(
                last_error_date=self._webhook_error[0], last_error_message=self._webhook_error[1]
            )
        if self.allowed_updates is not None:
            info["allowed_updates"] = self.allowed_updates
        return info

    # ---------------------------------------------------------------- API: messages

    def _send_message(self, p: _Params) -> JsonDict:
        """sendMessage with Telegram's checks on text, HTML, topic, reply and keyboard."""
        chat = self._writable(p)
        plain, entities = _render(
            p.opt_str("text") or "", p.opt_str("parse_mode"), p.arr("entities")
        )
        _check_text(plain)
        topic, reply = self._thread(chat, p), self._reply_target(chat, p)
        markup = _check_markup(p.obj("reply_markup"))
        message = self._bot_message(chat, topic, reply, _text_fields(plain, entities), markup)
        self._record("sendMessage", message, p, reply)
        return message

    def _send_media(self, p: _Params, kind: str) -> JsonDict:
        """sendPhoto / sendDocument by file_id, URL or upload, with an optional caption."""
        chat = self._writable(p)
        file_id = self._file_param(p, kind)
        content: JsonDict = {kind: self._file_object(kind, file_id), **self._caption(p)}
        topic, reply = self._thread(chat, p), self._reply_target(chat, p)
        markup = _check_markup(p.obj("reply_markup"))
        message = self._bot_message(chat, topic, reply, content, markup)
        self._record("send" + kind.title(), message, p, reply)
        return message

    def _source_message(self, p: _Params, verb: str) -> tuple[_Chat, JsonDict, str]:
        """Find the message to copy or forward; service messages cannot be."""
        source_chat = self._target(p, "from_chat_id")
        source = source_chat.messages.get(p.req_int("message_id"))
        if source is None:
            raise _bad(f"message to {verb} not found")
        kind = _kind(source)
        if kind is None:
            raise _bad(f"message can't be {verb}ed")
        return source_chat, source, kind

    def _copy_message(self, p: _Params) -> JsonDict:
        """copyMessage: same content without a link to the original, optional new caption."""
        chat = self._writable(p)
        source_chat, source, kind = self._source_message(p, "copy")
        content = _content_of(source, kind)
        if kind in CAPTIONED and (p.get("caption") is not None or p.flag("remove_caption")):
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption(p))
        topic, reply = self._thread(chat, p), self._reply_target(chat, p)
        markup = _check_markup(p.obj("reply_markup"))
        message = self._bot_message(chat, topic, reply, content, markup)
        record = self._record(
            "copyMessage", message, p, reply, (source_chat.id, source["message_id"])
        )
        record["raw"] = p.opt_str("caption") or source.get("text") or source.get("caption")
        return {"message_id": message["message_id"]}

    def _forward_message(self, p: _Params) -> JsonDict:
        """forwardMessage: works, but is recorded so tests can prove it was never used."""
        chat = self._writable(p)
        source_chat, source, kind = self._source_message(p, "forward")
        content = _content_of(source, kind)
        content["forward_origin"] = self._origin(source_chat, source)
        message = self._bot_message(chat, self._thread(chat, p), None, content, None)
        self._record("forwardMessage", message, p, None, (source_chat.id, source["message_id"]))
        return message

    def _origin(self, chat: _Chat, source: JsonDict) -> JsonDict:
        """Describe where a forwarded message came from."""
        date = source.get("date", _now())
        if chat.type == "channel":
            origin = {"type": "channel", "chat": chat.short(), "message_id": source["message_id"]}
            return {**origin, "date": date}
        if "from" in source:
            return {"type": "user", "sender_user": source["from"], "date": date}
        return {"type": "chat", "sender_chat": chat.short(), "date": date}

    def _edit_message_text(self, p: _Params) -> JsonDict:
        """editMessageText; identical text and keyboard is "message is not modified"."""
        chat = self._writable(p)
        message = self._own_message(chat, p)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        plain, entities = _render(
            p.opt_str("text") or "", p.opt_str("parse_mode"), p.arr("entities")
        )
        _check_text(plain)
        markup = self._inline_markup(p)
        if (plain, entities, markup) == (
            message["text"],
            message.get("entities", []),
            message.get("reply_markup"),
        ):
            raise _bad(NOT_MODIFIED)
        message.pop("entities", None)
        message.update(_text_fields(plain, entities))
        return self._finish_edit(chat, message, markup, {"text": plain, "raw": p.opt_str("text")})

    def _edit_message_reply_markup(self, p: _Params) -> JsonDict:
        """editMessageReplyMarkup; the same keyboard again is "message is not modified"."""
        chat = self._writable(p)
        message = self._own_message(chat, p)
        markup = self._inline_markup(p)
        if markup == message.get("reply_markup"):
            raise _bad(NOT_MODIFIED)
        return self._finish_edit(chat, message, markup, {})

    def _inline_markup(self, p: _Params) -> JsonDict | None:
        """Edits only take inline keyboards; omitting one removes the current keyboard."""
        markup = _check_markup(p.obj("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad("inline keyboard expected")
        return markup

    def _finish_edit(
        self, chat: _Chat, message: JsonDict, markup: JsonDict | None, changes: JsonDict
    ) -> JsonDict:
        """Apply an edit's keyboard and edit_date, and mirror it into the sent() record."""
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = _now()
        record = self._records.get((chat.id, message["message_id"]))
        if record is not None:
            record.update(changes, reply_markup=markup, edited=True)
        return message

    def _delete_message(self, p: _Params) -> bool:
        """deleteMessage: only existing messages; others' messages in groups need admin."""
        self._delete_one(self._target(p), p.req_int("message_id"))
        return True

    def _delete_messages(self, p: _Params) -> bool:
        """deleteMessages: like Telegram, silently skips ids that cannot be deleted."""
        chat = self._target(p)
        for message_id in p.arr("message_ids") or []:
            try:
                self._delete_one(chat, message_id)
            except ApiError:
                continue
        return True

    def _delete_one(self, chat: _Chat, message_id: Any) -> None:
        """Delete one message and record the deletion."""
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise _bad("message to delete not found")
        own = message.get("from", {}).get("id") == self.bot_id
        if chat.type != "private" and not own and not chat.bot_is_admin:
            raise _bad("message can't be deleted")
        del chat.messages[message_id]
        chat.deleted.append(message_id)
        record = self._records.get((chat.id, message_id))
        if record is not None:
            record["deleted"] = True

    def _send_chat_action(self, p: _Params) -> bool:
        """sendChatAction with a known action; blocked users still answer 403."""
        chat = self._writable(p)
        if p.opt_str("action") not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._thread(chat, p)
        return True

    def _answer_callback_query(self, p: _Params) -> bool:
        """answerCallbackQuery: each query can be answered once, like Telegram's."""
        query = self._callbacks.get(p.opt_str("callback_query_id") or "")
        if query is None or query["answered"]:
            raise _bad(QUERY_TOO_OLD)
        text = p.opt_str("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            raise _bad("MESSAGE_TOO_LONG")
        query.update(answered=True, text=text, show_alert=p.flag("show_alert"))
        return True

    # ---------------------------------------------------------------- API: commands

    def _scope_key(self, p: _Params) -> tuple[str, str]:
        """Key commands by scope and language, e.g. ("chat:-100123", "ru")."""
        scope = p.obj("scope") or {"type": "default"}
        kind = scope.get("type")
        if kind not in SCOPES:
            raise _bad("wrong scope type specified")
        key = str(kind)
        if kind in ("chat", "chat_administrators", "chat_member"):
            key += f":{self._chat(scope.get('chat_id')).id}"
        if kind == "chat_member":
            key += f":{scope.get('user_id')}"
        language = p.opt_str("language_code") or ""
        if language and not _LANGUAGE_RE.fullmatch(language):
            raise _bad("invalid language code specified")
        return key, language

    def _set_my_commands(self, p: _Params) -> bool:
        """setMyCommands with Telegram's command and description rules."""
        commands = p.arr("commands")
        if commands is None or len(commands) > 100:
            raise _bad("commands must be a list of at most 100 commands")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.fullmatch(
                str(command.get("command", ""))
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(p)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, p: _Params) -> list[JsonDict]:
        """getMyCommands for exactly the given scope and language."""
        return self._commands.get(self._scope_key(p), [])

    def _delete_my_commands(self, p: _Params) -> bool:
        """deleteMyCommands for exactly the given scope and language."""
        self._commands.pop(self._scope_key(p), None)
        return True

    # ---------------------------------------------------------------- API: chats

    def _get_chat(self, p: _Params) -> JsonDict:
        """getChat, returning the ChatFullInfo fields aiogram requires."""
        gifts = dict.fromkeys(
            ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription"), True
        )
        return {
            **self._target(p).short(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {**gifts, "gifts_from_channels": False},
        }

    def _get_chat_member(self, p: _Params) -> JsonDict:
        """getChatMember: bot per its rights, listed members, everyone else "left"."""
        return self._member(self._target(p), p.req_int("user_id"))

    def _get_chat_administrators(self, p: _Params) -> list[JsonDict]:
        """getChatAdministrators: the bot if it is an admin, plus admin_ids."""
        chat = self._target(p)
        if chat.type == "private":
            raise _bad("there are no administrators in the private chat")
        ids = ([self.bot_id] if chat.bot_is_admin else []) + sorted(chat.admin_ids)
        return [self._member(chat, user_id) for user_id in ids]

    def _user(self, user_id: int) -> JsonDict:
        """A User object for someone the fake knows or a plausible stand-in."""
        if user_id == self.bot_id:
            return self._me()
        return self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "Test"})

    def _member(self, chat: _Chat, user_id: int) -> JsonDict:
        """Build a ChatMember of the right status for this chat."""
        user = self._user(user_id)
        if (user_id == self.bot_id and chat.bot_is_admin) or user_id in chat.admin_ids:
            is_bot = user_id == self.bot_id
            return self._admin(user, chat.can_manage_topics if is_bot else True)
        if user_id == self.bot_id or user_id in chat.member_ids or user_id == chat.id:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    def _admin(self, user: JsonDict, can_manage_topics: bool) -> JsonDict:
        """A ChatMemberAdministrator with the rights a bot admin usually gets."""
        rights = dict.fromkeys(
            (
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
            ),
            True,
        )
        return {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_promote_members": False,
            "can_send_welcome_messages": False,
            "can_manage_topics": can_manage_topics,
            **rights,
        }

    # ---------------------------------------------------------------- API: forum topics

    def _forum(self, p: _Params, verb: str) -> _Chat:
        """A forum where the bot may manage topics, or the 400 Telegram gives."""
        chat = self._target(p)
        if not chat.is_forum:
            raise _bad("the chat is not a forum")
        if not (chat.bot_is_admin and chat.can_manage_topics):
            raise _bad(f"not enough rights to {verb} a topic")
        return chat

    def _topic(self, chat: _Chat, p: _Params) -> _Topic:
        """The topic named by message_thread_id."""
        topic = chat.topics.get(p.req_int("message_thread_id"))
        if topic is None:
            raise _bad("TOPIC_ID_INVALID")
        return topic

    def _open_topic(
        self, chat: _Chat, sender: JsonDict, name: str, color: int, emoji: str | None
    ) -> _Topic:
        """Create a topic whose id is the id of its forum_topic_created service message."""
        created: JsonDict = {"name": name, "icon_color": color}
        if emoji:
            created["icon_custom_emoji_id"] = emoji
        service = self._service_message(chat, sender, None, {"forum_topic_created": created})
        topic = _Topic(service["message_id"], name, color, emoji)
        service.update(message_thread_id=topic.thread_id, is_topic_message=True)
        chat.topics[topic.thread_id] = topic
        return topic

    def _create_forum_topic(self, p: _Params) -> JsonDict:
        """createForumTopic: forum groups only, and only with the right to manage topics."""
        chat = self._forum(p, "create")
        name = p.opt_str("name") or ""
        if not 1 <= len(name) <= 128:
            raise _bad("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        color = p.opt_int("icon_color") or TOPIC_COLORS[0]
        if color not in TOPIC_COLORS:
            raise _bad("TOPIC_ICON_COLOR_INVALID")
        emoji = p.opt_str("icon_custom_emoji_id")
        return self._open_topic(chat, self._me(), name, color, emoji).as_dict()

    def _toggle_topic(self, p: _Params, *, closed: bool) -> bool:
        """closeForumTopic / reopenForumTopic; a no-op change is TOPIC_NOT_MODIFIED."""
        chat = self._forum(p, "close" if closed else "reopen")
        topic = self._topic(chat, p)
        if topic.closed == closed:
            raise _bad("TOPIC_NOT_MODIFIED")
        topic.closed = closed
        event = "forum_topic_closed" if closed else "forum_topic_reopened"
        self._service_message(chat, self._me(), topic, {event: {}})
        return True

    def _edit_forum_topic(self, p: _Params) -> bool:
        """editForumTopic: rename or change the icon; no change is TOPIC_NOT_MODIFIED."""
        chat = self._forum(p, "edit")
        topic = self._topic(chat, p)
        name, emoji = p.opt_str("name"), p.opt_str("icon_custom_emoji_id")
        if name is not None and not 1 <= len(name) <= 128:
            raise _bad("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        changes: JsonDict = {}
        if name is not None and name != topic.name:
            topic.name = changes["name"] = name
        if emoji is not None and emoji != (topic.icon_custom_emoji_id or ""):
            topic.icon_custom_emoji_id = changes["icon_custom_emoji_id"] = emoji
        if not changes:
            raise _bad("TOPIC_NOT_MODIFIED")
        self._service_message(chat, self._me(), topic, {"forum_topic_edited": changes})
        return True

    def _delete_forum_topic(self, p: _Params) -> bool:
        """deleteForumTopic: the topic and its messages disappear."""
        chat = self._forum(p, "delete")
        self._drop_topic(chat, self._topic(chat, p).thread_id)
        return True

    def _drop_topic(self, chat: _Chat, thread_id: int) -> None:
        """Remove a topic with its messages, whoever deleted it."""
        chat.topics.pop(thread_id, None)
        for message_id, message in list(chat.messages.items()):
            if message.get("message_thread_id") == thread_id:
                del chat.messages[message_id]

    # ---------------------------------------------------------------- updates and webhook

    def _enqueue(self, kind: str, payload: JsonDict) -> JsonDict:
        """Queue a snapshot of an update and wake pollers or the webhook sender."""
        update = {"update_id": self._next_update_id, kind: copy.deepcopy(payload)}
        self._push(update)
        return update

    def _push(self, update: JsonDict) -> None:
        """Append an update, keep update ids increasing and notify consumers."""
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._queue.append(update)
        self._wake.set()
        self._kick_webhook()

    def _kick_webhook(self) -> None:
        """Start the webhook sender if there is a webhook, work, and a running loop."""
        if not self.webhook_url or not self._queue or self._closing or not self.base_url:
            return
        if self._worker is not None and not self._worker.done():
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._worker = asyncio.create_task(self._deliver_all())

    async def _deliver_all(self) -> None:
        """Deliver queued updates in order, one at a time; undeliverable ones are dropped."""
        while self.webhook_url and self._queue and not self._closing:
            update = self._queue[0]
            await self._deliver(update)
            if self._queue and self._queue[0] is update:
                self._queue.pop(0)

    async def _deliver(self, update: JsonDict) -> bool:
        """POST one update, retrying a few times on errors and non-2xx answers."""
        for attempt in range(1, self.webhook_attempts + 1):
            status, error = await self._post_update(update)
            self.webhook_deliveries.append(Delivery(update["update_id"], attempt, status, error))
            if error is None:
                return True
            self._webhook_error = (_now(), error)
            if attempt < self.webhook_attempts:
                await asyncio.sleep(self.webhook_retry_delay)
        return False

    async def _post_update(self, update: JsonDict) -> tuple[int | None, str | None]:
        """POST an update with the secret header; a 2xx reply may carry a method to run."""
        if self._client is None:
            self._client = ClientSession(timeout=ClientTimeout(total=10))
        headers = {SECRET_HEADER: self.webhook_secret} if self.webhook_secret else {}
        try:
            async with self._client.post(self.webhook_url, json=update, headers=headers) as resp:
                if not 200 <= resp.status < 300:
                    return resp.status, f"Wrong response from the webhook: {resp.status}"
                await self._run_webhook_reply(resp)
                return resp.status, None
        except (ClientError, TimeoutError) as exc:
            return None, f"Connection failed: {exc or type(exc).__name__}"

    async def _run_webhook_reply(self, resp: ClientResponse) -> None:
        """Run a method returned in the webhook response, as Telegram does."""
        fields: JsonDict = {}
        files: dict[str, bytes] = {}
        if resp.content_type == "application/json":
            body = await resp.json()
            fields = body if isinstance(body, dict) else {}
        elif resp.content_type.startswith("multipart/"):
            reader = MultipartReader(resp.headers, resp.content)
            while (part := await reader.next()) is not None:
                if isinstance(part, BodyPartReader) and part.name:
                    raw = await part.read()
                    if part.filename:
                        files[part.name] = bytes(raw)
                    else:
                        fields[part.name] = bytes(raw).decode()
        method = fields.pop("method", None)
        if isinstance(method, str) and method:
            coerced = {key: _coerce(key, value) for key, value in fields.items()}
            await self._call(method, _Params(coerced, files))

    # ---------------------------------------------------------------- test setup

    def add_group(
        self,
        chat_id: int,
        title: str,
        is_forum: bool,
        bot_is_admin: bool = True,
        can_manage_topics: bool = True,
        member_ids: Iterable[int] = (),
        *,
        admin_ids: Iterable[int] = (),
    ) -> None:
        """Add a supergroup the bot is in; forum groups support topics."""
        if chat_id >= 0:
            raise ValueError(f"group ids are negative, like -100…; got {chat_id}")
        self._chats[chat_id] = _Chat(
            id=chat_id,
            type="supergroup",
            title=title,
            is_forum=is_forum,
            bot_is_admin=bot_is_admin,
            can_manage_topics=can_manage_topics,
            member_ids=set(member_ids),
            admin_ids=set(admin_ids),
        )

    def add_topic(self, chat_id: int, name: str, icon_color: int = TOPIC_COLORS[0]) -> int:
        """Create a topic as a human admin would; returns its message_thread_id."""
        chat = self._group(chat_id)
        if not chat.is_forum:
            raise ValueError(f"chat {chat_id} is not a forum")
        return self._open_topic(chat, HUMAN_ADMIN, name, icon_color, None).thread_id

    def close_topic(self, chat_id: int, thread_id: int, closed: bool = True) -> None:
        """Close (or reopen) a topic as a human admin would."""
        self._existing_topic(chat_id, thread_id).closed = closed

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Delete a topic as a human admin would, so sends to it fail."""
        self._existing_topic(chat_id, thread_id)
        self._drop_topic(self._group(chat_id), thread_id)

    def add_file(self, file_id: str, kind: str = "photo") -> None:
        """Make a file_id known, e.g. one the bot's config sends by id."""
        self._files[file_id] = kind

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next `times` calls of a method (to one chat, if given) fail like this."""
        failure = _Failure(method.lower(), error_code, description, retry_after, times, chat_id)
        self._failures.append(failure)

    def storm(
        self, every: int = 2, retry_after: int = 1, methods: Iterable[str] = STORM_METHODS
    ) -> None:
        """Flood limits hit: the first of every `every` calls of these methods gets a 429."""
        wanted = frozenset(method.lower() for method in methods)
        self._storm = _Storm(wanted, max(every, 1), retry_after)

    def calm(self) -> None:
        """The flood is over: calls go through again."""
        self._storm = None

    def block_bot(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends to them get 403 and a my_chat_member update arrives."""
        self._blocked.add(user_id)
        if notify and user_id in self._chats:
            self._membership_update(user_id, "member", "kicked")

    def unblock_bot(self, user_id: int, *, notify: bool = True) -> None:
        """The user unblocks the bot."""
        self._blocked.discard(user_id)
        if notify and user_id in self._chats:
            self._membership_update(user_id, "kicked", "member")

    def _membership_update(self, user_id: int, old: str, new: str) -> None:
        """Queue the my_chat_member update Telegram sends when a user (un)blocks the bot."""
        new_member: JsonDict = {"status": new, "user": self._me()}
        if new == "kicked":
            new_member["until_date"] = 0
        update: JsonDict = {
            "chat": self._chats[user_id].short(),
            "from": self._user(user_id),
            "date": _now(),
            "old_chat_member": {"status": old, "user": self._me()},
            "new_chat_member": new_member,
        }
        self._enqueue("my_chat_member", update)

    # ---------------------------------------------------------------- acting as people

    def user_message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        first_name: str = "Test",
        username: str | None = None,
        language_code: str = "ru",
        photo: bool = False,
        voice: bool = False,
        video: bool = False,
        video_note: bool = False,
        sticker: bool = False,
        document: bool = False,
        contact: bool = False,
        location: bool = False,
        poll: bool = False,
    ) -> JsonDict:
        """A user writes to the bot in private; media kinds carry realistic file objects."""
        flags = {
            "photo": photo,
            "voice": voice,
            "video": video,
            "video_note": video_note,
            "sticker": sticker,
            "document": document,
            "contact": contact,
            "location": location,
            "poll": poll,
        }
        kinds = [kind for kind, on in flags.items() if on]
        if len(kinds) > 1:
            raise ValueError("give text, or one media kind with an optional caption")
        user = self._remember_user(user_id, first_name, username, language_code)
        chat = self._private_chat(user)
        message = self._incoming(chat, user)
        message.update(self._person_content(kinds[0] if kinds else None, user, text))
        chat.messages[message["message_id"]] = message
        self._enqueue("message", message)
        return message

    def user_edits(self, user_id: int, message_id: int, new_text: str) -> JsonDict:
        """A user edits their own text message (or caption): an edited_message update."""
        chat = self._chats.get(user_id)
        message = chat.messages.get(message_id) if chat else None
        if message is None or message.get("from", {}).get("id") != user_id:
            raise ValueError(f"user {user_id} has no message {message_id} to edit")
        if "text" in message:
            message.pop("entities", None)
            message.update(_user_text(new_text))
        elif "caption" in message or _kind(message) in CAPTIONED:
            message["caption"] = new_text
        else:
            raise ValueError(f"message {message_id} has no text or caption")
        message["edit_date"] = _now()
        self._enqueue("edited_message", message)
        return message

    def user_presses(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        chat_id: int | None = None,
        forged: bool = False,
    ) -> str:
        """A user presses an inline button of a bot message; returns the callback query id.

        ``forged=True`` plays a modified client that sends data no button of the message has.
        """
        chat = self._chats.get(user_id if chat_id is None else chat_id)
        message = chat.messages.get(message_id) if chat else None
        if chat is None or message is None or message.get("from", {}).get("id") != self.bot_id:
            raise ValueError(f"no bot message {message_id} in chat {chat_id or user_id}")
        if chat.type != "private" and user_id not in chat.member_ids | chat.admin_ids:
            raise ValueError(f"user {user_id} is not a member of chat {chat.id}")
        if not forged and callback_data not in _callback_datas(message):
            raise ValueError(f"message {message_id} has no button with data {callback_data!r}")
        query_id = str(4_300_000_000_000_000 + next(self._serial))
        query: JsonDict = {
            "id": query_id,
            "from": self._user(user_id),
            "message": message,
            "chat_instance": str(-abs(chat.id) * 7919 - 1),
            "data": callback_data,
        }
        self._callbacks[query_id] = {
            "id": query_id,
            "user_id": user_id,
            "chat_id": chat.id,
            "message_id": message_id,
            "data": callback_data,
            "answered": False,
            "text": None,
            "show_alert": False,
        }
        self._enqueue("callback_query", query)
        return query_id

    def group_message(
        self,
        chat_id: int,
        from_user_id: int,
        text: str | None = None,
        *,
        thread_id: int | None = None,
        reply_to_message_id: int | None = None,
        username: str | None = None,
        first_name: str = "Test",
        media: str | None = None,
    ) -> JsonDict:
        """A member writes in a group, optionally in a topic and/or as a reply; media by kind."""
        chat = self._group(chat_id)
        if from_user_id not in chat.member_ids | chat.admin_ids:
            raise ValueError(f"user {from_user_id} is not in member_ids of chat {chat_id}")
        topic = self._existing_topic(chat_id, thread_id) if thread_id is not None else None
        if topic is not None and topic.closed and from_user_id not in chat.admin_ids:
            raise ValueError(f"topic {thread_id} is closed")
        reply = None
        if reply_to_message_id is not None:
            reply = chat.messages.get(reply_to_message_id)
            if reply is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
        known = self._users.get(from_user_id, {})
        user = self._remember_user(
            from_user_id, first_name, username or known.get("username"), known.get("language_code")
        )
        return self._group_post(chat, user, text, topic, reply, media=media)

    def outsider_message(
        self, chat_id: int, from_user_id: int, text: str, *, thread_id: int | None = None
    ) -> JsonDict:
        """Someone who is not a member writes in a group, as a linked discussion group allows."""
        chat = self._group(chat_id)
        topic = self._existing_topic(chat_id, thread_id) if thread_id is not None else None
        user = self._remember_user(from_user_id, "Outsider", None, None)
        return self._group_post(chat, user, text, topic, None)

    def anonymous_admin_message(
        self, chat_id: int, text: str, *, thread_id: int | None = None
    ) -> JsonDict:
        """An admin posts anonymously: Telegram names GroupAnonymousBot and the group itself."""
        chat = self._group(chat_id)
        topic = self._existing_topic(chat_id, thread_id) if thread_id is not None else None
        return self._group_post(chat, ANONYMOUS_ADMIN, text, topic, None, chat.short())

    def _group_post(
        self,
        chat: _Chat,
        user: JsonDict,
        text: str | None,
        topic: _Topic | None,
        reply: JsonDict | None,
        sender_chat: JsonDict | None = None,
        media: str | None = None,
    ) -> JsonDict:
        """Store and queue a message in a group, placed in its topic and reply chain."""
        message = self._incoming(chat, user)
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        self._place(message, chat, topic, reply)
        message.update(self._person_content(media, user, text))
        chat.messages[message["message_id"]] = message
        self._enqueue("message", message)
        return message

    def channel_post(self, chat_id: int, text: str) -> JsonDict:
        """A post in a channel where the bot is an admin (the channel appears on first use)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = _Chat(id=chat_id, type="channel", title=f"Channel {chat_id}", bot_is_admin=True)
            self._chats[chat_id] = chat
        message: JsonDict = {
            "message_id": chat.new_message_id(),
            "sender_chat": chat.short(),
            "chat": chat.short(),
            "date": _now(),
            **_user_text(text),
        }
        chat.messages[message["message_id"]] = message
        self._enqueue("channel_post", message)
        return message

    def raw_update(self, update: JsonDict) -> JsonDict:
        """Queue a hand-made (possibly hostile) update; update_id is filled in if missing."""
        update = copy.deepcopy(update)
        if not isinstance(update.get("update_id"), int):
            update["update_id"] = self._next_update_id
        self._push(update)
        return update

    def _remember_user(
        self, user_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> JsonDict:
        """Store the latest User object for someone, as they currently look."""
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _private_chat(self, user: JsonDict) -> _Chat:
        """The user's private chat with the bot, created on first contact."""
        chat = self._chats.get(user["id"])
        if chat is None:
            chat = _Chat(id=user["id"], type="private")
            self._chats[chat.id] = chat
        chat.first_name, chat.username = user["first_name"], user.get("username")
        return chat

    def _incoming(self, chat: _Chat, user: JsonDict) -> JsonDict:
        """The envelope of a message a person sends."""
        return {
            "message_id": chat.new_message_id(),
            "from": user,
            "chat": chat.short(),
            "date": _now(),
        }

    def _person_content(self, kind: str | None, user: JsonDict, text: str | None) -> JsonDict:
        """Text, or one media kind with the caption only captioned kinds (and polls) allow."""
        if kind is None:
            if text is None:
                raise ValueError("give text, or one media kind with an optional caption")
            return _user_text(text)
        if kind not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind {kind!r}; one of {MEDIA_KINDS}")
        if text is not None and kind not in CAPTIONED and kind != "poll":
            raise ValueError(f"a {kind} message cannot carry text")
        return self._media_content(kind, user, text)

    def _media_content(self, kind: str, user: JsonDict, text: str | None) -> JsonDict:
        """Content of a user's media message of one kind."""
        if kind == "contact":
            contact = {"phone_number": "+79001234567", "first_name": user["first_name"]}
            return {"contact": {**contact, "user_id": user["id"]}}
        if kind == "location":
            return {"location": {"latitude": 55.7558, "longitude": 37.6173}}
        if kind == "poll":
            return {"poll": self._poll(text or "Question?")}
        content: JsonDict = {kind: self._file_object(kind)}
        if text is not None:
            content["caption"] = text
        return content

    def _poll(self, question: str) -> JsonDict:
        """A fresh regular poll with two options."""
        options = [
            {"persistent_id": str(index), "text": text, "voter_count": 0}
            for index, text in enumerate(("Yes", "No"))
        ]
        return {
            "id": str(5_000_000_000_000_000 + next(self._serial)),
            "question": question,
            "options": options,
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }

    def _group(self, chat_id: int) -> _Chat:
        """A group added with add_group, or a ValueError for the test author."""
        chat = self._chats.get(chat_id)
        if chat is None or chat.type != "supergroup":
            raise ValueError(f"no group {chat_id}; call add_group first")
        return chat

    def _existing_topic(self, chat_id: int, thread_id: int) -> _Topic:
        """A topic of a group, or a ValueError for the test author."""
        topic = self._group(chat_id).topics.get(thread_id)
        if topic is None:
            raise ValueError(f"no topic {thread_id} in chat {chat_id}")
        return topic

    # ---------------------------------------------------------------- inspection

    def sent(self, chat_id: int | None = None, thread_id: int | None = None) -> list[JsonDict]:
        """Messages the bot sent, copied or forwarded, oldest first, optionally filtered."""
        return [
            record
            for record in self._sent
            if (chat_id is None or record["chat_id"] == chat_id)
            and (thread_id is None or record["thread_id"] == thread_id)
        ]

    def last_sent(self, chat_id: int | None = None) -> JsonDict:
        """The most recent message the bot sent (to a chat), failing clearly if none."""
        records = self.sent(chat_id)
        if not records:
            raise AssertionError(f"the bot sent nothing to {chat_id or 'any chat'}")
        return records[-1]

    def calls(self, method: str | None = None) -> list[tuple[str, JsonDict]]:
        """Every API call as (method, decoded params), including failed ones."""
        wanted = method.lower() if method else None
        return [call for call in self._calls if wanted is None or call[0].lower() == wanted]

    def errors(self, method: str | None = None) -> list[tuple[str, JsonDict, int, str]]:
        """Calls that got an error, as (method, params, error_code, description)."""
        wanted = method.lower() if method else None
        return [err for err in self._errors if wanted is None or err[0].lower() == wanted]

    def topics(self, chat_id: int) -> list[JsonDict]:
        """Topics of a forum group, with their closed state."""
        return [
            {**topic.as_dict(), "is_closed": topic.closed}
            for topic in self._group(chat_id).topics.values()
        ]

    def deleted(self, chat_id: int) -> list[int]:
        """Ids of messages deleted in a chat, in deletion order."""
        chat = self._chats.get(chat_id)
        return list(chat.deleted) if chat else []

    def commands(self) -> dict[tuple[str, str], list[JsonDict]]:
        """Commands by (scope key, language_code); scope keys look like "default", "chat:ID"."""
        return copy.deepcopy(self._commands)

    def message(self, chat_id: int, message_id: int) -> JsonDict | None:
        """A stored message as Telegram currently holds it, or None if absent/deleted."""
        chat = self._chats.get(chat_id)
        return chat.messages.get(message_id) if chat else None

    def history(self, chat_id: int) -> list[JsonDict]:
        """Every message a chat still holds, from people and the bot, as its members see it."""
        chat = self._chats.get(chat_id)
        return [chat.messages[key] for key in sorted(chat.messages)] if chat else []

    def callback_query(self, query_id: str) -> JsonDict:
        """State of a pressed button: answered, text and show_alert of the answer."""
        return dict(self._callbacks[query_id])

    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by getUpdates or delivered to the webhook."""
        return list(self._queue)

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = ""
    ) -> Any:
        """Poll until predicate() is truthy and return its value; on timeout explain state."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if asyncio.get_running_loop().time() >= deadline:
                raise AssertionError(self._timeout_report(predicate, timeout, what))
            await asyncio.sleep(0.01)

    def _timeout_report(self, predicate: Callable[[], Any], timeout: float, what: str) -> str:
        """Say what was awaited and what the bot actually did, to make failures readable."""
        label = what or getattr(predicate, "__name__", repr(predicate))
        calls = [name for name, _ in self._calls[-10:]]
        sent = [(r["chat_id"], r["kind"], r["text"] or r["caption"]) for r in self._sent[-5:]]
        errors = [(name, code, text) for name, _, code, text in self._errors[-5:]]
        return (
            f"timed out after {timeout}s waiting for {label}; last calls: {calls}; "
            f"last sent: {sent}; last errors: {errors}; pending updates: {len(self._queue)}"
        )


def _user_text(text: str) -> JsonDict:
    """Text as a client sends it: a leading /command gets its bot_command entity."""
    fields: JsonDict = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16(command)}]
    return fields
