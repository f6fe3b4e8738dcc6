"""SQLite storage (aiosqlite, WAL): the default for one machine, safe against a crash mid-write."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.base import Case, CounterRow, MessagePair, NewCase, ScheduledJob

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
)

CASE_COLUMNS = (
    "id, user_key, code, lang, reason, categories, status, opened_at, claimed_at, closed_at, "
    "thread_id, escalated_at"
)


class SqliteStorage:
    """One connection, WAL journal, schema upgraded by version number on open.

    Autocommit: every statement is its own transaction, so a write or a read is one trip to
    aiosqlite's thread instead of three; changes that span statements say BEGIN themselves.
    """

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.db = connection
        self._one_transaction = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> SqliteStorage:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(str(path), isolation_level=None)
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA synchronous=NORMAL")
        await connection.execute("PRAGMA foreign_keys=ON")
        storage = cls(connection)
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
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        return list(await self.db.execute_fetchall(sql, params))

    async def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        await self.db.execute(sql, params)

    async def _transaction(self, statements: list[tuple[str, tuple[Any, ...]]]) -> int:
        """Several statements, all or none; returns how many rows they changed."""
        changed = 0
        async with self._one_transaction:
            await self.db.execute("BEGIN")
            try:
                for sql, params in statements:
                    cursor = await self.db.execute(sql, params)
                    changed += cursor.rowcount
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")
        return changed

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
        cursor = await self.db.execute(sql, params)
        case = await self.case_by_id(int(cursor.lastrowid or 0))
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
        return cursor.rowcount == 1

    async def waiting_cases(self) -> list[Case]:
        sql = f"SELECT {CASE_COLUMNS} FROM cases WHERE status = 'waiting' ORDER BY id"
        return [case_from_row(row) for row in await self._all(sql)]

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
        return [CounterRow(*row) for row in await self._all(sql, (first_day, last_day))]

    async def schedule_job(self, user_key: str, job: str, run_at: float) -> None:
        sql = (
            "INSERT INTO scheduled_jobs(user_key, job, run_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_key, job) DO UPDATE SET run_at = excluded.run_at"
        )
        await self._write(sql, (user_key, job, run_at))

    async def cancel_job(self, user_key: str, job: str) -> bool:
        sql = "DELETE FROM scheduled_jobs WHERE user_key = ? AND job = ?"
        cursor = await self.db.execute(sql, (user_key, job))
        return cursor.rowcount > 0

    async def scheduled_jobs(self) -> list[ScheduledJob]:
        sql = "SELECT user_key, job, run_at FROM scheduled_jobs ORDER BY run_at, user_key, job"
        return [ScheduledJob(*row) for row in await self._all(sql)]

    async def sealed_addresses(self) -> list[tuple[str, str]]:
        rows = await self._all("SELECT user_key, sealed FROM addresses")
        return [(str(key), str(sealed)) for key, sealed in rows]

    async def rename_user(self, old_key: str, new_key: str, sealed: str) -> None:
        """Key rotation: everything kept under the old pseudonym moves to the new one at once."""
        moves = [
            (f"UPDATE {table} SET user_key = ? WHERE user_key = ?", (new_key, old_key))
            for table in ("states", "cases", "scheduled_jobs")
        ]
        address = "UPDATE addresses SET user_key = ?, sealed = ? WHERE user_key = ?"
        await self._transaction([*moves, (address, (new_key, sealed, old_key))])

    async def forget_user(self, user_key: str) -> None:
        await self._transaction(
            [
                (f"DELETE FROM {table} WHERE user_key = ?", (user_key,))
                for table in ("scheduled_jobs", "states", "addresses", "cases")
            ]
        )

    async def purge_before(self, cutoff: float) -> int:
        """Retention: old state, old message pairs and long-closed cases go; counters stay.

        A user with a pending reminder keeps the state and sealed address it needs to arrive.
        """
        waiting = "user_key NOT IN (SELECT user_key FROM scheduled_jobs)"
        return await self._transaction(
            [
                (sql, (cutoff,))
                for sql in (
                    f"DELETE FROM states WHERE updated_at < ? AND {waiting}",
                    f"DELETE FROM addresses WHERE updated_at < ? AND {waiting}",
                    "DELETE FROM message_pairs WHERE created_at < ?",
                    "DELETE FROM cases WHERE status = 'closed' AND closed_at < ?",
                )
            ]
        )

    async def close(self) -> None:
        await self.db.close()


def case_from_row(row: Any) -> Case:
    values = list(row)
    values[5] = tuple(json.loads(values[5]))
    return Case(*values)
