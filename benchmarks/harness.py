"""Simulated users against a bot process, through the fake Bot API, timing every reply.

The bot runs alone on one core (`botproc`); this process plays Telegram and the users on the
other. Webhook mode POSTs each update to the bot's webhook with the secret header; polling mode
leaves updates for the bot's getUpdates. A user sends its next update only after the bot has
sent every message the previous one calls for (known from the script), so nothing is counted
twice and the figures are closed-loop: `concurrency` users in flight at any moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, TCPConnector

from benchmarks.botproc import GROUP, OPERATOR, TOKEN
from benchmarks.scripts import Script, Step
from bot.telegram.render import CoreButton
from fakes.telegram import SECRET_HEADER, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
FIRST_USER = 10_000_000
REPLY_TIMEOUT = 60.0
BOT_CORE, DRIVER_CORE = 0, 1


@dataclass
class Waiting:
    remaining: int
    done: asyncio.Future[float]
    first_at: float = 0.0


@dataclass
class Replies:
    """Listens to the fake's calls: what each chat was sent, and which step is waiting for it."""

    waiting: dict[int, Waiting] = field(default_factory=dict)
    buttons: dict[int, dict[str, int]] = field(default_factory=dict)
    last: dict[int, int] = field(default_factory=dict)
    unexpected: int = 0

    def __call__(self, method: str, params: dict[str, Any], result: Any) -> None:
        chat = params.get("chat_id")
        if method != "sendMessage" or not isinstance(chat, int) or chat < 0:
            return
        self.last[chat] = result["message_id"]
        rows = (result.get("reply_markup") or {}).get("inline_keyboard", [])
        known = self.buttons.setdefault(chat, {})
        for row in rows:
            for button in row:
                known[button["callback_data"]] = result["message_id"]
        self._count(chat)

    def _count(self, chat: int) -> None:
        waiting = self.waiting.get(chat)
        if waiting is None:
            self.unexpected += 1
            return
        waiting.first_at = waiting.first_at or time.perf_counter()
        waiting.remaining -= 1
        if waiting.remaining == 0:
            del self.waiting[chat]
            waiting.done.set_result(waiting.first_at)

    def expect(self, chat: int, count: int) -> asyncio.Future[float]:
        done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[chat] = Waiting(count, done)
        return done

    def message_for(self, chat: int, data: str) -> int:
        """The newest message carrying that button, else the newest message (an echo bot's)."""
        return self.buttons.get(chat, {}).get(data) or self.last[chat]


@dataclass(frozen=True)
class Load:
    """One closed-loop run: how many updates, how long, each reply's latency, bot CPU used."""

    updates: int
    seconds: float
    latencies_ms: list[float]
    cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    @property
    def per_cpu_second(self) -> float:
        """What one core could take if the bot had it to itself."""
        return self.updates / self.cpu_seconds

    @property
    def cpu_share(self) -> float:
        return self.cpu_seconds / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        if share == 0.5:
            return statistics.median(ordered)
        return ordered[max(int(len(ordered) * share) - 1, 0)]


class BotProcess:
    """`benchmarks.botproc` on the bot's core, talked to over its stdin and stdout."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.startup_s = 0.0
        self.built_rss_kb = 0
        self.phases: dict[str, float] = {}
        self.webhook = ""
        self.secret = ""

    @classmethod
    async def start(cls, api: str, data: Path, bot: str, mode: str, scale: float, profile: str):
        extra = os.environ.get("BENCH_BOT_ARGS", "").split()
        begun = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "benchmarks.botproc", "--bot", bot, "--mode", mode),
            *("--api", api, "--data", str(data), "--scale", str(scale)),
            *("--cpu", str(BOT_CORE if pinning() else -1), "--profile", profile, *extra),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        started = cls(process)
        built = await started.read()
        started.startup_s = time.perf_counter() - begun
        started.built_rss_kb = int(built["rss_kb"])
        started.phases = dict(built["phases"])
        ready = await started.read()
        started.webhook, started.secret = ready.get("webhook", ""), ready.get("secret", "")
        return started

    async def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 300)
        if not line:
            raise RuntimeError(f"the bot process exited ({await self.process.wait()})")
        return dict(json.loads(line))

    async def rss_kb(self) -> int:
        await self.tell("rss")
        return int((await self.read())["rss_kb"])

    async def tell(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        await self.process.stdin.drain()

    def cpu_seconds(self) -> float:
        """User plus system time of the bot process, from /proc (both are fields 14 and 15)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        with contextlib.suppress(ConnectionError):
            await self.tell("stop")
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def pinning() -> bool:
    return (os.cpu_count() or 1) > 1


class Session:
    """A fake Telegram, a bot process and the users' HTTP client, started together."""

    def __init__(self, fake: FakeTelegram, bot: BotProcess, client: ClientSession, echo: bool):
        self.fake = fake
        self.bot = bot
        self.client = client
        self.echo = echo
        self.replies = Replies()
        fake.listeners.append(self.replies)

    async def send(self, user: int, lang: str, step: Step) -> None:
        if step.kind == "press":
            data = CoreButton.from_core(step.value).pack()
            message_id = self.replies.message_for(user, data)
            self.fake.user_presses(user, message_id, data, forged=self.echo)
        else:
            text = f"/{step.value}" if step.kind == "command" else step.value
            self.fake.user_message(user, text, language_code=lang)
        if self.bot.webhook:
            for update in self.fake.take_pending():
                headers = {SECRET_HEADER: self.bot.secret}
                async with self.client.post(self.bot.webhook, json=update, headers=headers) as r:
                    if r.status != 200:
                        raise RuntimeError(f"webhook answered {r.status}: {await r.text()}")

    async def visit(self, user: int, script: Script, latencies: list[float]) -> None:
        for step in script.steps:
            done = self.replies.expect(user, step.replies)
            sent_at = time.perf_counter()
            await self.send(user, script.lang, step)
            try:
                first_at = await asyncio.wait_for(done, REPLY_TIMEOUT)
            except TimeoutError as error:
                calls = [name for name, _ in self.fake.calls()[-5:]]
                raise RuntimeError(
                    f"user {user}: no reply to {step}; last calls {calls}"
                ) from error
            latencies.append((first_at - sent_at) * 1000)

    async def drive(
        self, users: list[int], script_for: Callable[[int], Script], concurrency: int
    ) -> Load:
        """Every user plays its script; at most `concurrency` of them at once."""
        queue = list(reversed(users))
        latencies: list[float] = []

        async def worker() -> None:
            while queue:
                user = queue.pop()
                script = script_for(user)
                await self.visit(user, script.echoed() if self.echo else script, latencies)

        cpu_before, start = self.bot.cpu_seconds(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - start
        return Load(len(latencies), seconds, latencies, self.bot.cpu_seconds() - cpu_before)


@contextlib.asynccontextmanager
async def session(
    bot: str, mode: str, scale: float = 1.0, profile: str = ""
) -> AsyncIterator[Session]:
    """Fake Telegram on this core, the bot on the other, torn down whatever happens."""
    previous = os.sched_getaffinity(0)
    if pinning():
        os.sched_setaffinity(0, {DRIVER_CORE})
    fake = FakeTelegram(TOKEN)
    api = await fake.start()
    fake.add_group(GROUP, "Operators", is_forum=True, member_ids={OPERATOR})
    try:
        with tempfile.TemporaryDirectory(prefix="bench-bot-") as data:
            process = await BotProcess.start(api, Path(data), bot, mode, scale, profile)
            try:
                async with ClientSession(connector=TCPConnector(limit=0)) as client:
                    yield Session(fake, process, client, echo=bot == "echo")
                await settle(fake)
            finally:
                await process.stop()
    finally:
        await fake.stop()
        os.sched_setaffinity(0, previous)


async def settle(fake: FakeTelegram, quiet: float = 0.3, limit: float = 15.0) -> None:
    """Let the bot finish work users do not wait for (operators' side of new cases) first."""
    deadline = time.perf_counter() + limit
    seen = -1
    while len(fake.calls()) != seen and time.perf_counter() < deadline:
        seen = len(fake.calls())
        await asyncio.sleep(quiet)


def user_ids(count: int, first: int = FIRST_USER) -> list[int]:
    return list(range(first, first + count))
