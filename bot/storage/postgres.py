"""PostgreSQL storage (asyncpg): one database that every replica of the bot shares."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import asyncpg

from bot.storage.base import Case, CounterRow, MessagePair, NewCase, OutboxItem, ScheduledJob
from bot.storage.sqlite import (
    CASE_COLUMNS,
    OUTBOX_COLUMNS,
    RETENTION,
    USER_TABLES,
    case_from_row,
)

# Replicas starting together must not both migrate: the first holds this advisory lock.
MIGRATION_LOCK = 7_361_001

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE states (
        user_key TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX states_updated ON states(updated_at);
    CREATE TABLE cases (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_key TEXT NOT NULL,
        code TEXT NOT NULL,
        lang TEXT NOT NULL,
        reason TEXT NOT NULL,
        categories TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'waiting',
        opened_at DOUBLE PRECISION NOT NULL,
        claimed_at DOUBLE PRECISION,
        closed_at DOUBLE PRECISION,
        thread_id BIGINT,
        escalated_at DOUBLE PRECISION
    );
    CREATE INDEX cases_user ON cases(user_key, status);
    CREATE INDEX cases_thread ON cases(thread_id);
    CREATE TABLE message_pairs (
        case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        user_message_id BIGINT NOT NULL,
        operator_message_id BIGINT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX pairs_user ON message_pairs(case_id, user_message_id);
    CREATE INDEX pairs_operator ON message_pairs(operator_message_id);
    CREATE TABLE counters (
        day TEXT NOT NULL,
        name TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        value BIGINT NOT NULL,
        PRIMARY KEY (day, name, label)
    );
    CREATE TABLE addresses (
        user_key TEXT PRIMARY KEY,
        sealed TEXT NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL
    );
    """,
    """
    CREATE TABLE scheduled_jobs (
        user_key TEXT NOT NULL,
        job TEXT NOT NULL,
        run_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (user_key, job)
    );
    """,
    """
    CREATE TABLE outbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        user_key TEXT NOT NULL,
        direction TEXT NOT NULL,
        message_id BIGINT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX outbox_user ON outbox(user_key);
    CREATE TABLE chat_trail (
        user_key TEXT NOT NULL,
        message_id BIGINT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (user_key, message_id)
    );
    CREATE INDEX chat_trail_created ON chat_trail(created_at);
    """,
)

PAIR_COLUMNS = "case_id, user_message_id, operator_message_id, created_at"


class PostgresStorage:
    """A connection pool; the schema is upgraded by version number when the first replica opens."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: str) -> PostgresStorage:
        storage = cls(await asyncpg.create_pool(url, min_size=1, max_size=10))
        await storage.migrate()
        return storage

    async def migrate(self) -> None:
        """Apply every migration newer than `schema_version`, all in one transaction."""
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            current = await connection.fetchval("SELECT max(version) FROM schema_version") or 0
            for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
                await connection.execute(script)
                await connection.execute(
                    "INSERT INTO schema_version(version) VALUES ($1)", version
                )

    async def schema_version(self) -> int:
        return int(await self.pool.fetchval("SELECT max(version) FROM schema_version") or 0)

    async def load_state(self, user_key: str) -> str | None:
        state = await self.pool.fetchval("SELECT state FROM states WHERE user_key = $1", user_key)
        return str(state) if state is not None else None

    async def save_state(self, user_key: str, state: str, at: float) -> None:
        sql = (
            "INSERT INTO states(user_key, state, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT(user_key) DO UPDATE SET state = excluded.state, "
            "updated_at = excluded.updated_at"
        )
        await self.pool.execute(sql, user_key, state, at)

    async def open_case(self, new: NewCase) -> Case:
        sql = (
            "INSERT INTO cases(user_key, code, lang, reason, categories, opened_at) "
            f"VALUES ($1, $2, $3, $4, $5, $6) RETURNING {CASE_COLUMNS}"
        )
        categories = json.dumps(list(new.categories))
        row = await self.pool.fetchrow(
            sql, new.user_key, new.code, new.lang, new.reason, categories, new.opened_at
        )
        return case_from_row(row)

    async def _case(self, where: str, *params: Any) -> Case | None:
        row = await self.pool.fetchrow(
            f"SELECT {CASE_COLUMNS} FROM cases WHERE {where} ORDER BY id DESC LIMIT 1", *params
        )
        return case_from_row(row) if row else None

    async def active_case(self, user_key: str) -> Case | None:
        return await self._case("user_key = $1 AND status IN ('waiting', 'claimed')", user_key)

    async def case_by_id(self, case_id: int) -> Case | None:
        return await self._case("id = $1", case_id)

    async def case_by_thread(self, thread_id: int) -> Case | None:
        return await self._case("thread_id = $1", thread_id)

    async def update_case(self, case: Case) -> None:
        sql = (
            "UPDATE cases SET status = $1, categories = $2, claimed_at = $3, closed_at = $4, "
            "thread_id = $5, escalated_at = COALESCE(escalated_at, $6) WHERE id = $7"
        )
        await self.pool.execute(
            sql,
            case.status,
            json.dumps(list(case.categories)),
            case.claimed_at,
            case.closed_at,
            case.thread_id,
            case.escalated_at,
            case.id,
        )

    async def claim_escalation(self, case_id: int, at: float) -> bool:
        sql = "UPDATE cases SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL"
        return _rows(await self.pool.execute(sql, at, case_id)) == 1

    async def waiting_cases(self) -> list[Case]:
        sql = f"SELECT {CASE_COLUMNS} FROM cases WHERE status = 'waiting' ORDER BY id"
        return [case_from_row(row) for row in await self.pool.fetch(sql)]

    async def save_address(self, user_key: str, sealed: str, at: float) -> None:
        sql = (
            "INSERT INTO addresses(user_key, sealed, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT(user_key) DO UPDATE SET sealed = excluded.sealed, "
            "updated_at = excluded.updated_at"
        )
        await self.pool.execute(sql, user_key, sealed, at)

    async def load_address(self, user_key: str) -> str | None:
        sql = "SELECT sealed FROM addresses WHERE user_key = $1"
        sealed = await self.pool.fetchval(sql, user_key)
        return str(sealed) if sealed is not None else None

    async def add_pair(self, pair: MessagePair) -> None:
        sql = f"INSERT INTO message_pairs({PAIR_COLUMNS}) VALUES ($1, $2, $3, $4)"
        await self.pool.execute(
            sql, pair.case_id, pair.user_message_id, pair.operator_message_id, pair.created_at
        )

    async def pair_for_user_message(
        self, case_id: int, user_message_id: int
    ) -> MessagePair | None:
        sql = (
            f"SELECT {PAIR_COLUMNS} FROM message_pairs "
            "WHERE case_id = $1 AND user_message_id = $2 LIMIT 1"
        )
        row = await self.pool.fetchrow(sql, case_id, user_message_id)
        return MessagePair(*row) if row else None

    async def pair_for_operator_message(self, operator_message_id: int) -> MessagePair | None:
        sql = f"SELECT {PAIR_COLUMNS} FROM message_pairs WHERE operator_message_id = $1 LIMIT 1"
        row = await self.pool.fetchrow(sql, operator_message_id)
        return MessagePair(*row) if row else None

    async def count(self, day: str, name: str, label: str = "", by: int = 1) -> None:
        sql = (
            "INSERT INTO counters(day, name, label, value) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT(day, name, label) DO UPDATE SET value = counters.value + excluded.value"
        )
        await self.pool.execute(sql, day, name, label, by)

    async def counters(self, first_day: str, last_day: str) -> list[CounterRow]:
        sql = (
            "SELECT day, name, label, value FROM counters WHERE day BETWEEN $1 AND $2 "
            "ORDER BY day, name, label"
        )
        return [CounterRow(*row) for row in await self.pool.fetch(sql, first_day, last_day)]

    async def schedule_job(self, user_key: str, job: str, run_at: float) -> None:
        sql = (
            "INSERT INTO scheduled_jobs(user_key, job, run_at) VALUES ($1, $2, $3) "
            "ON CONFLICT(user_key, job) DO UPDATE SET run_at = excluded.run_at"
        )
        await self.pool.execute(sql, user_key, job, run_at)

    async def cancel_job(self, user_key: str, job: str) -> bool:
        sql = "DELETE FROM scheduled_jobs WHERE user_key = $1 AND job = $2"
        return _rows(await self.pool.execute(sql, user_key, job)) > 0

    async def scheduled_jobs(self) -> list[ScheduledJob]:
        sql = "SELECT user_key, job, run_at FROM scheduled_jobs ORDER BY run_at, user_key, job"
        return [ScheduledJob(*row) for row in await self.pool.fetch(sql)]

    async def sealed_addresses(self) -> list[tuple[str, str]]:
        rows = await self.pool.fetch("SELECT user_key, sealed FROM addresses")
        return [(str(key), str(sealed)) for key, sealed in rows]

    async def rename_user(self, old_key: str, new_key: str, sealed: str) -> None:
        """Key rotation: everything kept under the old pseudonym moves to the new one at once."""
        async with self.pool.acquire() as connection, connection.transaction():
            for table in USER_TABLES:
                sql = f"UPDATE {table} SET user_key = $1 WHERE user_key = $2"
                await connection.execute(sql, new_key, old_key)
            sql = "UPDATE addresses SET sealed = $1 WHERE user_key = $2"
            await connection.execute(sql, sealed, new_key)

    async def forget_user(self, user_key: str) -> None:
        """Everything under the pseudonym goes at once; message pairs follow their cases."""
        async with self.pool.acquire() as connection, connection.transaction():
            for table in USER_TABLES:
                await connection.execute(f"DELETE FROM {table} WHERE user_key = $1", user_key)

    async def purge_before(self, cutoff: float) -> int:
        """Retention: the same statements as SQLite, in one transaction; counters stay."""
        removed = 0
        async with self.pool.acquire() as connection, connection.transaction():
            for sql in RETENTION:
                removed += _rows(await connection.execute(sql.replace("?", "$1"), cutoff))
        return removed

    async def close(self) -> None:
        await self.pool.close()

    # --- Outbox and chat trail -----------------------------------------------------------------

    async def outbox_add(
        self, case_id: int, user_key: str, direction: str, message_id: int, at: float
    ) -> OutboxItem:
        sql = (
            "INSERT INTO outbox(case_id, user_key, direction, message_id, created_at) "
            f"VALUES ($1, $2, $3, $4, $5) RETURNING {OUTBOX_COLUMNS}"
        )
        return OutboxItem(
            *await self.pool.fetchrow(sql, case_id, user_key, direction, message_id, at)
        )

    async def outbox_done(self, item_id: int) -> None:
        await self.pool.execute("DELETE FROM outbox WHERE id = $1", item_id)

    async def outbox_pending(self) -> list[OutboxItem]:
        sql = f"SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id"
        return [OutboxItem(*row) for row in await self.pool.fetch(sql)]

    async def track_messages(self, user_key: str, message_ids: Sequence[int], at: float) -> None:
        sql = (
            "INSERT INTO chat_trail(user_key, message_id, created_at) VALUES ($1, $2, $3) "
            "ON CONFLICT(user_key, message_id) DO NOTHING"
        )
        await self.pool.executemany(sql, [(user_key, m, at) for m in message_ids])

    async def tracked_messages(self, user_key: str, since: float) -> list[int]:
        sql = (
            "SELECT message_id FROM chat_trail WHERE user_key = $1 AND created_at >= $2 "
            "ORDER BY message_id"
        )
        return [int(row[0]) for row in await self.pool.fetch(sql, user_key, since)]

    async def untrack_messages(self, user_key: str) -> None:
        await self.pool.execute("DELETE FROM chat_trail WHERE user_key = $1", user_key)

    async def purge_trail_before(self, cutoff: float) -> int:
        sql = "DELETE FROM chat_trail WHERE created_at < $1"
        return _rows(await self.pool.execute(sql, cutoff))


def _rows(status: str) -> int:
    """Rows touched, from a command tag such as `UPDATE 1` or `DELETE 3`."""
    return int(status.rsplit(" ", 1)[-1])
