"""The real `migrant-bot run` process, killed with SIGKILL mid-relay, loses no message."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from tests.conftest import CONTENT_DIR
from tests.e2e.fake_telegram import FakeTelegram
from tests.e2e.harness import GROUP, NAME, TOKEN, USER, USERNAME

HELD = "меня держат на складе, помогите"


@contextlib.asynccontextmanager
async def bot_process(url: str, data_dir: Path, run: int) -> AsyncIterator[Path]:
    """Start the bot as its own process; yields the file its logs go to."""
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "OPERATOR_CHAT_ID": str(GROUP),
        "SECRET_KEY": "crash-test-secret-key-long-enough",
        "TELEGRAM_API_BASE": url,
        "DATA_DIR": str(data_dir),
        "CONTENT_DIR": str(CONTENT_DIR),
    }
    log_file = data_dir / f"run-{run}.log"
    with log_file.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=env,
            cwd=data_dir,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            yield log_file
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()


def copies_of(fake: FakeTelegram, text: str, thread: int) -> int:
    return sum((m.get("text") or "") == text for m in fake.sent(GROUP, thread))


async def test_message_written_but_not_relayed_survives_kill_9(tmp_path: Path) -> None:
    async with FakeTelegram(TOKEN) as fake:
        fake.add_group(GROUP, "Operators", is_forum=True)
        async with bot_process(fake.base_url, tmp_path, 1):
            fake.user_message(USER, "/start", first_name=NAME, username=USERNAME)
            await fake.wait_for(lambda: fake.sent(USER), timeout=30, what="first answer")
            fake.user_message(USER, "работодатель забрал паспорт и не отдает")
            topics = await fake.wait_for(lambda: fake.topics(GROUP), timeout=10, what="case")
            thread = topics[0]["message_thread_id"]
            await fake.wait_for(lambda: len(fake.sent(GROUP, thread)) >= 2, what="card, copy")
            fake.fail_next("copyMessage", 500, "Internal Server Error", chat_id=GROUP)
            fake.user_message(USER, HELD, first_name=NAME, username=USERNAME)
            await fake.wait_for(lambda: fake.errors("copyMessage"), what="relay attempted")
            await fake.wait_for(lambda: not fake.pending_updates(), what="update confirmed")
        assert copies_of(fake, HELD, thread) == 0

        async with bot_process(fake.base_url, tmp_path, 2) as log_file:
            await fake.wait_for(
                lambda: copies_of(fake, HELD, thread), timeout=30, what="relayed after restart"
            )
            fake.user_message(USER, "я ещё здесь", first_name=NAME, username=USERNAME)
            await fake.wait_for(lambda: copies_of(fake, "я ещё здесь", thread), what="next one")
        assert copies_of(fake, HELD, thread) == 1
        logs = log_file.read_text()
        assert "event=outbox_pending_retried" in logs
        assert str(USER) not in logs and NAME not in logs and USERNAME not in logs
