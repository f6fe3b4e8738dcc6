"""SECRET_KEY rotation: pseudonyms and sealed chat ids move to the new key, nothing is lost."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.identity import user_key
from bot.storage import NewCase, SqliteStorage
from bot.telegram.address import AddressBook

OLD = "old-secret-key-that-leaked-0123456789"
NEW = "new-secret-key-from-the-vault-9876543210"
CHAT = 777001


async def stored_user(path: Path) -> str:
    """One person with state, an open case, a reminder and a sealed address under OLD."""
    storage = await SqliteStorage.open(path)
    key = user_key(OLD, CHAT)
    await storage.save_state(key, '{"lang":"ky"}', 1.0)
    await storage.save_address(key, AddressBook(OLD).seal(CHAT), 1.0)
    await storage.open_case(NewCase(key, "#ROT1", "ky", "risk", ("violence",), 1.0))
    await storage.schedule_job(key, "reminder:destination:kz-registration", 99.0)
    await storage.save_address("someone-else", "not-a-fernet-token", 1.0)
    await storage.close()
    return key


def test_rotate_key_moves_everything_to_the_new_pseudonym(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bot.sqlite3"
    old_key = asyncio.run(stored_user(path))
    (tmp_path / "new.key").write_text(NEW + "\n", encoding="utf-8")
    monkeypatch.setenv("SECRET_KEY", OLD)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["rotate-key", "--new-key-file", str(tmp_path / "new.key")]) == 0
    assert "1 people moved to the new key, 1 unreadable" in capsys.readouterr().out
    asyncio.run(check_moved(path, old_key))


async def check_moved(path: Path, old_key: str) -> None:
    storage = await SqliteStorage.open(path)
    new_key = user_key(NEW, CHAT)
    assert await storage.load_state(old_key) is None
    assert await storage.load_state(new_key) == '{"lang":"ky"}'
    case = await storage.active_case(new_key)
    assert case is not None and case.code == "#ROT1"
    assert [job.user_key for job in await storage.scheduled_jobs()] == [new_key]
    assert AddressBook(NEW).open(await storage.load_address(new_key)) == CHAT
    assert AddressBook(OLD).open(await storage.load_address(new_key)) is None
    await storage.close()


def test_rotate_key_refuses_a_short_or_unchanged_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", OLD)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    for new in ("short", OLD):
        (tmp_path / "new.key").write_text(new, encoding="utf-8")
        assert main(["rotate-key", "--new-key-file", str(tmp_path / "new.key")]) == 2
