"""Editors and operators in the running bot: hot reload of content, the operators' directory."""

from __future__ import annotations

import shutil
from pathlib import Path

from fakes.telegram import FakeTelegram
from tests.conftest import CONTENT_DIR
from tests.e2e.harness import GROUP, OPERATOR, USER, bot_running

ADMIN = 900001
QUESTION = "patent skolko stoit v moskve"
OLD = "Гражданам Узбекистана и Таджикистана для работы в России нужен патент."
NEW = "Гражданам Узбекистана и Таджикистана, чтобы работать в России, нужен патент."
BROKEN_ANSWER = "Этот текст не должен дойти до людей."
GOOD_PROGRESS = 'ru: "Вопрос {current} из {total}"'
BAD_PROGRESS = 'ru: "Вопрос {current из {total}"'
RELOAD_TIMEOUT = 30.0


def texts(fake: FakeTelegram, chat: int) -> list[str]:
    return [str(m.get("text") or "") for m in fake.sent(chat)]


def replace_in(path: Path, old: str, new: str) -> int:
    """Edit a file as an editor would; returns the 1-based line of the edit."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


async def ask(fake: FakeTelegram, expected: str) -> None:
    before = len(texts(fake, USER))
    fake.user_message(USER, QUESTION, language_code="ru")
    await fake.wait_for(
        lambda: any(expected in t for t in texts(fake, USER)[before:]), what=expected
    )


async def test_edits_go_live_and_broken_edits_reach_only_admins(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    settings = {"admin_ids": [ADMIN], "content_watch_seconds": 0.2}
    async with bot_running(tmp_path, content_dir=content, **settings) as h:
        fake = h.fake
        fake.user_message(USER, "/start", language_code="ru")
        await fake.wait_for(lambda: fake.sent(USER), what="language picker")
        fake.user_message(ADMIN, "/start", language_code="ru")
        await fake.wait_for(lambda: fake.sent(ADMIN), what="admin has a private chat")
        await ask(fake, OLD)

        replace_in(content / "faq.yaml", OLD, NEW)
        await fake.wait_for(
            lambda: "Контент перезагружен." in texts(fake, ADMIN),
            timeout=RELOAD_TIMEOUT,
            what="reload confirmed to the admin",
        )
        await ask(fake, NEW)

        replace_in(content / "faq.yaml", NEW, BROKEN_ANSWER)
        line = replace_in(content / "ui.yaml", GOOD_PROGRESS, BAD_PROGRESS)
        where = f"ui.yaml:{line}: flow_progress: 'ru' text has a broken {{...}}"
        report = await fake.wait_for(
            lambda: [t for t in texts(fake, ADMIN) if where in t],
            timeout=RELOAD_TIMEOUT,
            what="the error with file:line sent to the admin",
        )
        assert report[0].startswith("Новый контент с ошибками, продолжаю работать со старым:")
        await ask(fake, NEW)
        assert not any(BROKEN_ANSWER in t for t in texts(fake, USER))
        assert not any(where in t for t in texts(fake, GROUP))

        fake.group_message(GROUP, ADMIN, "/reload")
        await fake.wait_for(
            lambda: any(where in t for t in texts(fake, GROUP)),
            timeout=RELOAD_TIMEOUT,
            what="/reload reports the same error in the group",
        )


async def test_without_reachable_admins_the_report_goes_to_the_operators(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    settings = {"admin_ids": [ADMIN], "content_watch_seconds": 0.2}
    async with bot_running(tmp_path, content_dir=content, **settings) as h:
        fake = h.fake
        line = replace_in(content / "ui.yaml", GOOD_PROGRESS, BAD_PROGRESS)
        await fake.wait_for(
            lambda: any(f"ui.yaml:{line}: flow_progress" in t for t in texts(fake, GROUP)),
            timeout=RELOAD_TIMEOUT,
            what="the error in the operators' group (the admin never opened a private chat)",
        )


async def test_operators_directory_lists_leads_users_never_see(tmp_path: Path) -> None:
    async with bot_running(tmp_path) as h:
        fake = h.fake
        fake.group_message(GROUP, OPERATOR, "/directory kg")
        listing = await fake.wait_for(
            lambda: [t for t in texts(fake, GROUP) if t.startswith("📒")], what="directory"
        )
        lines = listing[0].splitlines()
        assert any(line.startswith("• ") and " 189 " in line and "⚠️" in line for line in lines)
        fake.group_message(GROUP, OPERATOR, "/directory")
        await fake.wait_for(
            lambda: any("/directory KG" in t for t in texts(fake, GROUP)), what="usage"
        )
