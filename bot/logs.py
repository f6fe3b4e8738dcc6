"""Log lines as key=value pairs naming events and pseudonyms, never who wrote or what was said."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from typing import Any

from bot.config import Config

SAFE_FIELDS = (
    "user", "case", "kind", "direction", "reason", "notice", "count", "method", "status", "error",
    "outcome",
)  # fmt: skip
TEXT_FIELD = "text"
# aiosqlite logs every statement with its parameters at DEBUG, APScheduler every timer run at
# INFO: neither is wanted in production.
QUIET_LIBRARIES = ("aiosqlite", "apscheduler.executors")
PSEUDONYM_LENGTH = 8
_text_logs = {"on": False}


def pseudonym(user_key: str) -> str:
    """A short prefix of the user key: enough to follow one conversation, useless to identify."""
    return user_key[:PSEUDONYM_LENGTH]


def text_field(text: str) -> dict[str, str]:
    """The message text as a log field, only when local development asked for it."""
    return {TEXT_FIELD: text} if _text_logs["on"] else {}


class KeyValueFormatter(logging.Formatter):
    """One line per record: `ts level logger event` plus whitelisted fields; nothing else."""

    def __init__(self, with_text: bool = False) -> None:
        super().__init__()
        self.with_text = with_text

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="seconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": self._event(record),
        }
        fields.update({k: getattr(record, k) for k in SAFE_FIELDS if hasattr(record, k)})
        if self.with_text and hasattr(record, TEXT_FIELD):
            fields[TEXT_FIELD] = getattr(record, TEXT_FIELD)
        if record.exc_info and record.exc_info[1] is not None:
            fields.update(self._failure(record.exc_info[1]))
        return " ".join(f"{key}={_quoted(value)}" for key, value in fields.items())

    def _event(self, record: logging.LogRecord) -> str:
        """Our own loggers log bare event names; a library's error text may quote a user."""
        if record.name.startswith("bot.") or self.with_text:
            return record.getMessage()
        return "library_error" if record.exc_info else record.getMessage()

    def _failure(self, error: BaseException) -> dict[str, str]:
        """Exception type and the line it came from; its message only in local development."""
        frames = traceback.extract_tb(error.__traceback__)
        where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
        failure = {"error": type(error).__name__, "where": where}
        if self.with_text:
            failure["detail"] = str(error)
        return failure


def _quoted(value: object) -> str:
    text = str(value)
    if text and not any(c.isspace() or c in '"=' for c in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def setup_logging(config: Config, webhook: bool) -> bool:
    """Configure the root logger once; message text only for local polling, never for webhooks."""
    with_text = config.debug_text_logs and not webhook
    _text_logs["on"] = with_text
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter(with_text))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(config.log_level.upper())
    for chatty in QUIET_LIBRARIES:
        logging.getLogger(chatty).setLevel(logging.DEBUG if with_text else logging.WARNING)
    if config.debug_text_logs and webhook:
        logging.getLogger("bot.logs").warning(
            "debug_text_logs_refused", extra={"reason": "webhook"}
        )
    elif with_text:
        logging.getLogger("bot.logs").warning("debug_text_logs_on")
    return with_text
