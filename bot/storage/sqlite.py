"""SQLite storage (aiosqlite, WAL): the default for one machine, safe against a crash mid-write."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.base import Case, CounterRow, MessagePair, NewCase, OutboxItem, ScheduledJob

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE states (
        user_key TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX states_updated ON states(updated_at);
    CREATE TABLE cases (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_key TEXT NOT NULL,
        code TEXT NOT NULL,
        lang TEXT NOT NULL,
        reason TEXT NOT NULL,
        categories TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'waiting',
        opened_at REAL NOT NULL,
        claimed_at REAL,
        closed_at REAL,
        thread_id INTEGER
    );
    CREATE INDEX cases_user ON cases(user_key, status);
    CREATE INDEX cases_thread ON cases(thread_id);
    CREATE TABLE message_pairs (
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        user_message_id INTEGER NOT NULL,
        operator_message_id INTEGER NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX pairs_user ON message_pairs(case_id, user_message_id);
    CREATE INDEX pairs_operator ON message_pairs(operator_message_id);
    CREATE TABLE counters (
        day TEXT NOT NULL,
        name TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        value INTEGER NOT NULL,
        PRIMARY KEY (day, name, label)
    );
    """,
    """
    ALTER TABLE cases ADD COLUMN escalated_at REAL;
    CREATE TABLE addresses (
        user_key TEXT PRIMARY KEY,
        sealed TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    """,
    """
    CREATE TABLE scheduled_jobs (
        user_key TEXT NOT NULL,
        job TEXT NOT NULL,
        run_at REAL NOT NULL,
        PRIMARY KEY (user_key, job)
    );
    """,
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        user_key TEXT NOT NULL,
        direction TEXT NOT NULL,
        message_id INTEGER NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX outbox_user ON outbox(user_key);
    CREATE TABLE chat_trail (
        user_key TEXT NOT NULL,
        message_id INTEGER NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (user_key, message_id)
    );
    CREATE INDEX chat_trail_created ON chat_trail(created_at);
    """,
)
OUTBOX_COLUMNS = "id, case_id, user_key, direction, message_id, created_at"
# A user with a pending reminder keeps the state and sealed address it needs to arrive.
WITHOUT_REMINDER = "user_key NOT IN (SELECT user_key FROM scheduled_jobs)"
# Retention, oldest first; each statement takes the cutoff as its one parameter.
RETENTION = (
    f"DELETE FROM states WHERE updated_at < ? AND {WITHOUT_REMINDER}",
    f"DELETE FROM addresses WHERE updated_at < ? AND {WITHOUT_REMINDER}",
    "DELETE FROM message_pairs WHERE created_at < ?",
    "DELETE FROM cases WHERE status = 'closed' AND closed_at < ?",
    # Abandoned: still open, opened before the cutoff, and the user's state has gone.
    "DELETE FROM cases WHERE status != 'closed' AND opened_at < ? "
    "AND user_key NOT IN (SELECT user_key FROM states)",
    "DELETE FROM outbox WHERE created_at < ?",
    "DELETE FROM chat_trail WHERE created_at < ?",
)
# Everything kept under a pseudonym: what forgetting a user or rotating the key touches.
USER_TABLES = ("states", "addresses", "cases", "scheduled_jobs", "outbox", "chat_trail")

CASE_COLUMNS = (
    "id, user_key, code, lang, reason, categories, status, opened_at, claimed_at, closed_at, "
    "thread_id, escalated_at"
)


class SqliteStorage:
    """One connection, WAL journal, schema upgraded by version number on open."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.db = connection

    @classmethod
    async def open(cls, path: Path | str) -> SqliteStorage:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(str(path))
        storage = cls(connection)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            await storage._run(f"PRAGMA {pragma}", ())
        await storage.migrate()
        return storage

    async def migrate(self) -> None:
        """Apply every migration newer than the file's `user_version`, each in one transaction."""
        async with self.db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        current = int(row[0]) if row else 0
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            await self.db.executescript(
                f"BEGIN;\n{script}\nPRAGMA user_version={version};\nCOMMIT;"
            )

    async def _one(self, sql: str, params: tuple[Any, ...]) -> Any:
        async with self.db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        await self._run(sql, params)
        await self.db.commit()

    async def _run(self, sql: str, params: tuple[Any, ...]) -> tuple[int, int]:
        """Execute and close the cursor on the database thread (a cursor left to the garbage
        collector is finalised on the event loop's thread, racing the next statement);
        returns (rowcount, lastrowid)."""
        async with self.db.execute(sql, params) as cursor:
            return cursor.rowcount, int(cursor.lastrowid or 0)

    async def load_state(self, user_key: str) -> str | None:
        row = await self._one("SELECT state FROM states WHERE user_key = ?", (user_key,))
        return str(row[0]) if row else None

    async def save_state(self, user_key: str, state: str, at: float) -> None:
        sql = (
            "INSERT INTO states(user_key, state, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_key) DO UPDATE SET state = excluded.state, "
            "updated_at = excluded.updated_at"
        )
        await self._write(sql, (user_key, state, at))

    async def open_case(self, new: NewCase) -> Case:
        sql = (
            "INSERT INTO cases(user_key, code, lang, reason, categories, opened_at) "
            "VALUES (?, ?, ?, ?, ?, ?)"
        )
        params = (
            new.user_key,
            new.code,
            new.lang,
            new.reason,
            json.dumps(list(new.categories)),
            new.opened_at,
        )
        _, case_id = await self._run(sql, params)
        await self.db.commit()
        case = await self.case_by_id(case_id)
        assert case is not None
        return case

    async def _case(self, where: str, params: tuple[Any, ...]) -> Case | None:
        row = await self._one(
            f"SELECT {CASE_COLUMNS} FROM cases WHERE {where} ORDER BY id DESC LIMIT 1", params
        )
        return case_from_row(row) if row else None

    async def active_case(self, user_key: str) -> Case | None:
        return await self._case("user_key = ? AND status IN ('waiting', 'claimed')", (user_key,))

    async def case_by_id(self, case_id: int) -> Case | None:
        return await self._case("id = ?", (case_id,))

    async def case_by_thread(self, thread_id: int) -> Case | None:
        return await self._case("thread_id = ?", (thread_id,))

    async def update_case(self, case: Case) -> None:
        sql = (
            "UPDATE cases SET status = ?, categories = ?, claimed_at = ?, closed_at = ?, "
            "thread_id = ?, escalated_at = COALESCE(escalated_at, ?) WHERE id = ?"
        )
        params = (
            case.status,
            json.dumps(list(case.categories)),
            case.claimed_at,
            case.closed_at,
            case.thread_id,
            case.escalated_at,
            case.id,
        )
        await self._write(sql, params)

    async def claim_escalation(self, case_id: int, at: float) -> bool:
        sql = "UPDATE cases SET escalated_at = ? WHERE id = ? AND escalated_at IS NULL"
        cursor = await self.db.execute(sql, (at, case_id))
        await self.db.commit()
        return cursor.rowcount == 1

    async def waiting_cases(self) -> list[Case]:
        sql = f"SELECT {CASE_COLUMNS} FROM cases WHERE status = 'waiting' ORDER BY id"
        async with self.db.execute(sql) as cursor:
            return [case_from_row(row) for row in await cursor.fetchall()]

    async def save_address(self, user_key: str, sealed: str, at: float) -> None:
        sql = (
            "INSERT INTO addresses(user_key, sealed, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_key) DO UPDATE SET sealed = excluded.sealed, "
            "updated_at = excluded.updated_at"
        )
        await self._write(sql, (user_key, sealed, at))

    async def load_address(self, user_key: str) -> str | None:
        row = await self._one("SELECT sealed FROM addresses WHERE user_key = ?", (user_key,))
        return str(row[0]) if row else None

    async def add_pair(self, pair: MessagePair) -> None:
        sql = (
            "INSERT INTO message_pairs(case_id, user_message_id, operator_message_id, created_at) "
            "VALUES (?, ?, ?, ?)"
        )
        await self._write(
            sql, (pair.case_id, pair.user_message_id, pair.operator_message_id, pair.created_at)
        )

    async def pair_for_user_message(
        self, case_id: int, user_message_id: int
    ) -> MessagePair | None:
        sql = "SELECT * FROM message_pairs WHERE case_id = ? AND user_message_id = ? LIMIT 1"
        row = await self._one(sql, (case_id, user_message_id))
        return MessagePair(*row) if row else None

    async def pair_for_operator_message(self, operator_message_id: int) -> MessagePair | None:
        sql = "SELECT * FROM message_pairs WHERE operator_message_id = ? LIMIT 1"
        row = await self._one(sql, (operator_message_id,))
        return MessagePair(*row) if row else None

    async def count(self, day: str, name: str, label: str = "", by: int = 1) -> None:
        sql = (
            "INSERT INTO counters(day, name, label, value) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(day, name, label) DO UPDATE SET value = value + excluded.value"
        )
        await self._write(sql, (day, name, label, by))

    async def counters(self, first_day: str, last_day: str) -> list[CounterRow]:
        sql = (
            "SELECT day, name, label, value FROM counters WHERE day BETWEEN ? AND ? "
            "ORDER BY day, name, label"
        )
        async with self.db.execute(sql, (first_day, last_day)) as cursor:
            return [CounterRow(*row) for row in await cursor.fetchall()]

    async def schedule_job(self, user_key: str, job: str, run_at: float) -> None:
        sql = (
            "INSERT INTO scheduled_jobs(user_key, job, run_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_key, job) DO UPDATE SET run_at = excluded.run_at"
        )
        await self._write(sql, (user_key, job, run_at))

    async def cancel_job(self, user_key: str, job: str) -> bool:
        sql = "DELETE FROM scheduled_jobs WHERE user_key = ? AND job = ?"
        removed, _ = await self._run(sql, (user_key, job))
        await self.db.commit()
        return removed > 0

    async def scheduled_jobs(self) -> list[ScheduledJob]:
        sql = "SELECT user_key, job, run_at FROM scheduled_jobs ORDER BY run_at, user_key, job"
        async with self.db.execute(sql) as cursor:
            return [ScheduledJob(*row) for row in await cursor.fetchall()]

    async def sealed_addresses(self) -> list[tuple[str, str]]:
        async with self.db.execute("SELECT user_key, sealed FROM addresses") as cursor:
            return [(str(key), str(sealed)) for key, sealed in await cursor.fetchall()]

    async def rename_user(self, old_key: str, new_key: str, sealed: str) -> None:
        """Key rotation: everything kept under the old pseudonym moves to the new one at once."""
        for table in USER_TABLES:
            sql = f"UPDATE {table} SET user_key = ? WHERE user_key = ?"
            await self._run(sql, (new_key, old_key))
        sql = "UPDATE addresses SET sealed = ? WHERE user_key = ?"
        await self._run(sql, (sealed, new_key))
        await self.db.commit()

    async def forget_user(self, user_key: str) -> None:
        for table in USER_TABLES:
            await self._run(f"DELETE FROM {table} WHERE user_key = ?", (user_key,))
        await self.db.commit()

    async def purge_before(self, cutoff: float) -> int:
        """Retention: old state, message pairs, cases, outbox and trail go; counters stay."""
        removed = 0
        for sql in RETENTION:
            removed += (await self._run(sql, (cutoff,)))[0]
        await self.db.commit()
        return removed

    async def close(self) -> None:
        await self.db.close()

    # --- Outbox and chat trail -----------------------------------------------------------------

    async def outbox_add(
        self, case_id: int, user_key: str, direction: str, message_id: int, at: float
    ) -> OutboxItem:
        sql = (
            "INSERT INTO outbox(case_id, user_key, direction, message_id, created_at) "
            "VALUES (?, ?, ?, ?, ?)"
        )
        _, item_id = await self._run(sql, (case_id, user_key, direction, message_id, at))
        await self.db.commit()
        return OutboxItem(item_id, case_id, user_key, direction, message_id, at)

    async def outbox_done(self, item_id: int) -> None:
        await self._write("DELETE FROM outbox WHERE id = ?", (item_id,))

    async def outbox_pending(self) -> list[OutboxItem]:
        sql = f"SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id"
        async with self.db.execute(sql) as cursor:
            return [OutboxItem(*row) for row in await cursor.fetchall()]

    async def track_messages(self, user_key: str, message_ids: Sequence[int], at: float) -> None:
        sql = (
            "INSERT INTO chat_trail(user_key, message_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_key, message_id) DO NOTHING"
        )
        async with self.db.executemany(sql, [(user_key, m, at) for m in message_ids]):
            pass
        await self.db.commit()

    async def tracked_messages(self, user_key: str, since: float) -> list[int]:
        sql = (
            "SELECT message_id FROM chat_trail WHERE user_key = ? AND created_at >= ? "
            "ORDER BY message_id"
        )
        async with self.db.execute(sql, (user_key, since)) as cursor:
            return [int(row[0]) for row in await cursor.fetchall()]

    async def untrack_messages(self, user_key: str) -> None:
        await self._write("DELETE FROM chat_trail WHERE user_key = ?", (user_key,))

    async def purge_trail_before(self, cutoff: float) -> int:
        removed, _ = await self._run("DELETE FROM chat_trail WHERE created_at < ?", (cutoff,))
        await self.db.commit()
        return removed


def case_from_row(row: Any) -> Case:
    values = list(row)
    values[5] = tuple(json.loads(values[5]))
    return Case(*values)
