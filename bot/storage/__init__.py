"""Storage backends behind one protocol; `open_storage` picks one from the settings."""

from __future__ import annotations

from bot.config import Config
from bot.storage.base import Case, CounterRow, MessagePair, NewCase, ScheduledJob, Storage
from bot.storage.memory import MemoryStorage
from bot.storage.sqlite import SqliteStorage

__all__ = [
    "Case",
    "CounterRow",
    "MemoryStorage",
    "MessagePair",
    "NewCase",
    "ScheduledJob",
    "SqliteStorage",
    "Storage",
]


async def open_storage(config: Config, memory: bool = False) -> Storage:
    """In-memory when asked, else SQLite (the embedded default)."""
    if memory:
        return MemoryStorage()
    return await SqliteStorage.open(config.sqlite_path)
