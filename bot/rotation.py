"""SECRET_KEY rotation: every stored pseudonym and sealed chat id moves to the new key.

User keys are HMACs of the Telegram id and chat ids are sealed with a key derived from the
secret, so a new secret alone would orphan everything: open cases could no longer reach their
users and reminders would be lost. In a private chat the chat id is the user's id, so the sealed
address is enough to compute the new pseudonym; nothing else about a person is needed or shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.identity import user_key
from bot.storage.base import Storage
from bot.telegram.address import AddressBook


@dataclass(frozen=True)
class RotationResult:
    moved: int
    unreadable: int


async def rotate_key(storage: Storage, old_secret: str, new_secret: str) -> RotationResult:
    """Re-key and re-seal every stored address; rows without one expire with retention."""
    old_book, new_book = AddressBook(old_secret), AddressBook(new_secret)
    moved = unreadable = 0
    for old_key, sealed in await storage.sealed_addresses():
        chat_id = old_book.open(sealed)
        if chat_id is None or user_key(old_secret, chat_id) != old_key:
            unreadable += 1
            continue
        await storage.rename_user(old_key, user_key(new_secret, chat_id), new_book.seal(chat_id))
        moved += 1
    return RotationResult(moved, unreadable)
