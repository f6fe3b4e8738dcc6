"""Two `migrant-bot run --webhook` processes behind one proxy behave as one bot.

Both replicas share PostgreSQL and Redis (started by `make test`) and one fake Bot API; a small
reverse proxy in front of them sends each update to the next replica in turn, or to a pinned one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import ClientSession, web
from redis.asyncio import Redis

from bot.telegram.app import WEBHOOK_PATH
from fakes.telegram import SECRET_HEADER, FakeTelegram
from tests.conftest import CONTENT_DIR
from tests.services import fresh_postgres, fresh_redis

TOKEN = "123456:TEST-token"
GROUP = -1001234567890
OPERATOR = 501
RELAY_USER, SLA_USER = 777001, 777002
SPREAD_USERS = (777101, 777102, 777103, 777104)
SPREAD_TEXTS = ("/start", "/menu", "/menu")
NAME, USERNAME = "Aigerim", "aigerim_secret_name"
SLA_MINUTES = "0.05"
SLA_LOG = re.compile(r"sla_timer case=(\d+) outcome=(sent|sent_before)\b")
BUSY = "заняты"
# Upper bounds only, generous for a loaded machine: each step returns as soon as it is done.
STEP_S = 20.0


class Spreader:
    """The reverse proxy in front of the replicas: each update to the next one, unless pinned."""

    def __init__(self) -> None:
        self.replicas: list[str] = []
        self.pinned: int | None = None
        self.routed: list[tuple[int, dict[str, Any]]] = []
        self._turn = 0
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._client = ClientSession()
        return f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @contextlib.contextmanager
    def pin(self, replica: int) -> Iterator[None]:
        self.pinned = replica
        try:
            yield
        finally:
            self.pinned = None

    def _choose(self) -> int:
        if self.pinned is not None:
            return self.pinned
        self._turn = (self._turn + 1) % len(self.replicas)
        return self._turn

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._client is not None
        body = await request.read()
        replica = self._choose()
        self.routed.append((replica, json.loads(body)))
        headers = {
            SECRET_HEADER: request.headers.get(SECRET_HEADER, ""),
            "Content-Type": "application/json",
        }
        url = self.replicas[replica] + WEBHOOK_PATH
        async with self._client.post(url, data=body, headers=headers) as reply:
            return web.Response(status=reply.status, body=await reply.read())

    def replica_of(self, text: str) -> int:
        """Which replica got the (only) update whose message text contains `text`."""
        found = [
            r for r, update in self.routed if text in update.get("message", {}).get("text", "")
        ]
        assert len(found) == 1, f"{len(found)} updates with {text!r}"
        return found[0]


@dataclass
class Cluster:
    """The shared parts the replicas run against, and where each replica's log goes."""

    fake: FakeTelegram
    spreader: Spreader
    database_url: str
    redis_url: str
    logs: list[Path] = field(default_factory=list)

    def log_text(self, replica: int) -> str:
        return self.logs[replica].read_text(encoding="utf-8", errors="replace")

    def texts(self, chat_id: int, thread_id: int | None = None) -> list[str]:
        return [str(m.get("text") or "") for m in self.fake.sent(chat_id, thread_id)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def replica_command() -> list[str]:
    script = Path(sys.executable).with_name("migrant-bot")
    entry = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    return [*entry, "run", "--webhook"]


def replica_env(cluster: Cluster, fake_url: str, proxy_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "BOT_TOKEN": TOKEN,
        "OPERATOR_CHAT_ID": str(GROUP),
        "SECRET_KEY": "replica-secret-key-long-enough",
        "TELEGRAM_API_BASE": fake_url,
        "DATABASE_URL": cluster.database_url,
        "REDIS_URL": cluster.redis_url,
        "WEBHOOK_URL": proxy_url,
        "WEBHOOK_SECRET": "replica-webhook-secret",
        "WEBHOOK_HOST": "127.0.0.1",
        "HANDOFF_SLA_MINUTES": SLA_MINUTES,
        "CONTENT_DIR": str(CONTENT_DIR),
        "DATA_DIR": str(tmp_path),
        "LOG_LEVEL": "INFO",
    }


async def stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    database_url, redis_url = await fresh_postgres(), await fresh_redis()
    async with contextlib.AsyncExitStack() as stack:
        fake = FakeTelegram(TOKEN)
        fake_url = await fake.start()
        stack.push_async_callback(fake.stop)
        fake.add_group(GROUP, "Operators", is_forum=True, member_ids={OPERATOR})
        spreader = Spreader()
        proxy_url = await spreader.start()
        stack.push_async_callback(spreader.stop)
        cluster = Cluster(fake, spreader, database_url, redis_url)
        env = replica_env(cluster, fake_url, proxy_url, tmp_path)
        processes = [await start_replica(stack, cluster, env, tmp_path) for _ in range(2)]
        stack.callback(lambda: print(*(cluster.log_text(i) for i in range(2)), sep="\n"))

        def both_up() -> bool:
            for index, process in enumerate(processes):
                if process.returncode is not None:
                    raise AssertionError(f"replica {index} exited: {cluster.log_text(index)}")
            return len(fake.calls("setWebhook")) == 2

        await fake.wait_for(both_up, timeout=60, what="both replicas up")
        yield cluster


async def start_replica(
    stack: contextlib.AsyncExitStack, cluster: Cluster, env: dict[str, str], tmp_path: Path
) -> asyncio.subprocess.Process:
    """One `migrant-bot run --webhook` on a free port, its output in replica-N.log."""
    port = free_port()
    cluster.spreader.replicas.append(f"http://127.0.0.1:{port}")
    cluster.logs.append(tmp_path / f"replica-{len(cluster.logs)}.log")
    with cluster.logs[-1].open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *replica_command(),
            env={**env, "WEBHOOK_PORT": str(port)},
            cwd=tmp_path,
            stdout=log,
            stderr=log,
        )
    stack.push_async_callback(stop_process, process)
    return process


async def test_two_replicas_answer_once_share_cases_and_fire_sla_once(cluster: Cluster) -> None:
    fake, spreader = cluster.fake, cluster.spreader
    sla_thread = await unanswered_case(cluster)
    await relay_across_replicas(cluster)
    spread = await spread_messages(cluster)

    sla_case = await case_id_for_thread(cluster.database_url, sla_thread)
    assert sorted(await sla_outcomes(cluster, sla_case)) == ["sent", "sent_before"]
    assert sum(BUSY in t for t in cluster.texts(SLA_USER)) == 1
    assert sum("⏰" in t for t in cluster.texts(GROUP, sla_thread)) == 1

    assert set(spread) == {0, 1}
    for user in SPREAD_USERS:
        assert len(fake.sent(user)) == len(SPREAD_TEXTS), f"user {user} not answered once"
    delivered = [d.update_id for d in fake.webhook_deliveries]
    assert len(delivered) == len(set(delivered)) == len(spreader.routed)
    assert all(d.status == 200 for d in fake.webhook_deliveries)
    kept = await everything_kept(cluster)
    for secret in (str(RELAY_USER), str(SLA_USER), NAME, USERNAME):
        assert secret not in kept
    assert fake.calls("forwardMessage") == []


async def unanswered_case(cluster: Cluster) -> int:
    """A case nobody claims, opened on replica 0; returns its topic."""
    with cluster.spreader.pin(0):
        cluster.fake.user_message(SLA_USER, "хочу поговорить с человеком", language_code="ru")
        topics = await cluster.fake.wait_for(
            lambda: cluster.fake.topics(GROUP), STEP_S, "unanswered case topic"
        )
    return int(topics[0]["message_thread_id"])


async def relay_across_replicas(cluster: Cluster) -> None:
    """Opened through replica 0, answered and continued through replica 1."""
    fake, spreader = cluster.fake, cluster.spreader
    with spreader.pin(0):
        fake.user_message(
            RELAY_USER, "работодатель забрал паспорт", first_name=NAME, username=USERNAME
        )
        topics = await fake.wait_for(lambda: fake.topics(GROUP)[1:], STEP_S, "relayed case topic")
    thread = topics[0]["message_thread_id"]
    with spreader.pin(1):
        fake.group_message(GROUP, OPERATOR, "Я консультант. Где вы сейчас?", thread_id=thread)
        await fake.wait_for(
            lambda: any("консультант" in t for t in cluster.texts(RELAY_USER)),
            STEP_S,
            what="operator reply relayed by the other replica",
        )
        fake.user_message(RELAY_USER, "в Москве, на складе", first_name=NAME, username=USERNAME)
        await fake.wait_for(
            lambda: any("на складе" in t for t in cluster.texts(GROUP, thread)),
            STEP_S,
            what="user's next message in the case topic",
        )
    assert [spreader.replica_of(t) for t in ("работодатель", "консультант", "складе")] == [0, 1, 1]


async def spread_messages(cluster: Cluster) -> list[int]:
    """Several users write at once, their updates alternating between the replicas."""
    fake, first = cluster.fake, len(cluster.spreader.routed)
    for text in SPREAD_TEXTS:
        for user in SPREAD_USERS:
            fake.user_message(user, text, language_code="ru")
    await fake.wait_for(
        lambda: all(len(fake.sent(u)) >= len(SPREAD_TEXTS) for u in SPREAD_USERS),
        STEP_S,
        what="answers to every spread message",
    )
    routed = [replica for replica, _ in cluster.spreader.routed[first:]]
    assert len(routed) == len(SPREAD_TEXTS) * len(SPREAD_USERS)
    return routed


async def sla_outcomes(cluster: Cluster, case_id: int) -> list[str]:
    """Wait until both replicas' timers for the case have run; what each of them did."""

    def outcomes() -> list[str] | None:
        found = [
            [
                outcome
                for case, outcome in SLA_LOG.findall(cluster.log_text(i))
                if int(case) == case_id
            ]
            for i in range(2)
        ]
        return [outcome for each in found for outcome in each] if all(found) else None

    return list(await cluster.fake.wait_for(outcomes, STEP_S, "SLA timers on both"))


async def case_id_for_thread(database_url: str, thread_id: int) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        return int(
            await connection.fetchval("SELECT id FROM cases WHERE thread_id = $1", thread_id)
        )
    finally:
        await connection.close()


async def everything_kept(cluster: Cluster) -> str:
    """Every row of every table and every Redis key, as one text to search for identities."""
    connection = await asyncpg.connect(cluster.database_url)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        rows = [
            await connection.fetch(f"SELECT row_to_json(t)::text FROM {table['tablename']} t")
            for table in tables
        ]
    finally:
        await connection.close()
    client = Redis.from_url(cluster.redis_url)
    keys = await client.keys("*")
    await client.aclose()
    return "\n".join([*(str(r[0]) for found in rows for r in found), *map(str, keys)])
