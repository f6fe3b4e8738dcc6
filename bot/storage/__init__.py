"""Storage backends behind one protocol; `open_storage` picks one from the settings."""

from __future__ import annotations

from bot.config import Config
from bot.storage.base import (
    Case,
    CounterRow,
    MessagePair,
    NewCase,
    OutboxItem,
    ScheduledJob,
    Storage,
)
from bot.storage.memory import MemoryStorage
from bot.storage.postgres import PostgresStorage
from bot.storage.sqlite import SqliteStorage

__all__ = [
    "Case",
    "CounterRow",
    "MemoryStorage",
    "MessagePair",
    "NewCase",
    "OutboxItem",
    "PostgresStorage",
    "ScheduledJob",
    "SqliteStorage",
    "Storage",
]


async def open_storage(config: Config, memory: bool = False) -> Storage:
    """In-memory when asked, PostgreSQL for a postgresql:// DATABASE_URL, else SQLite."""
    if memory:
        return MemoryStorage()
    if config.uses_postgres:
        return await PostgresStorage.open(config.database_url)
    return await SqliteStorage.open(config.sqlite_path)
