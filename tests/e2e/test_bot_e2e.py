"""The real aiogram app over real HTTP against the fake Bot API: a whole visit, both sides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.content.loader import Content
from bot.handoff.cases import fallback_numbers
from bot.telegram.app import WEBHOOK_PATH
from fakes.telegram import SECRET_HEADER
from tests.e2e.harness import USER, WEBHOOK_SECRET, Harness, Mode, bot_running

DANGER = "работодатель забрал паспорт и не отдает"
OPERATOR_HELLO = "Здравствуйте, я консультант. Где вы сейчас?"
USER_ANSWER = "в Москве, на складе"


async def run_main_scenario(h: Harness) -> None:
    """Language, an FAQ answer, a checklist step, then a case relayed both ways and closed."""
    h.user("/start")
    await h.user_sees(h.text("welcome_pick_language"))
    await h.press("Русский")
    await h.user_sees(h.text("welcome"))

    h.user("как проверить агентство")
    await h.user_sees("Как проверить агентство по трудоустройству?")
    checklist = h.content.flows["offer-check"]
    await h.press(checklist.title["ru"])
    await h.user_sees("Вопрос 1 из")
    await h.press(checklist.steps[0].options[0].text["ru"])
    await h.user_sees("Вопрос 2 из")

    h.user(DANGER)
    await h.user_sees(h.text("handoff_opened"))
    thread = await h.case_thread()
    card = await h.group_sees("🆕", thread)
    copied = await h.group_sees(DANGER, thread)
    assert card["message_id"] < copied["message_id"]
    assert h.text("op_summary", summary="offer-check") in card["text"].splitlines()

    h.operator(OPERATOR_HELLO, thread=thread)
    await h.user_sees(OPERATOR_HELLO)
    h.user(USER_ANSWER)
    await h.group_sees(USER_ANSWER, thread)

    h.operator("/close", thread=thread)
    closed = await h.user_sees(h.text("handoff_closed"))
    await h.group_sees("закрыто", thread)
    await h.press(h.text("feedback_yes"))
    await h.user_sees(h.text("feedback_thanks"), after=h.fake.sent(USER).index(closed))


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_whole_visit(tmp_path: Path, content: Content, mode: Mode) -> None:
    async with bot_running(tmp_path, content, mode=mode) as h:
        await run_main_scenario(h)
        transcript = h.transcript()
        if mode == "webhook":
            assert h.fake.calls("getUpdates") == []
            assert {d.status for d in h.fake.webhook_deliveries} == {200}
            print("\n".join(["", "--- relay transcript (webhook mode) ---", *transcript]))
    user_side = [line for line in transcript if line.startswith("user chat")]
    operator_side = [line for line in transcript if line.startswith("operators")]
    assert _position(user_side, f"bot: {OPERATOR_HELLO}") > _position(user_side, DANGER)
    assert _position(operator_side, f"operator: {OPERATOR_HELLO}") < _position(
        operator_side, f"bot: {USER_ANSWER}"
    )


def _position(lines: list[str], fragment: str) -> int:
    return next(index for index, line in enumerate(lines) if fragment in line)


async def test_webhook_requires_the_secret_header(tmp_path: Path, content: Content) -> None:
    async with bot_running(tmp_path, content, mode="webhook") as h:
        url = h.fake.webhook_url
        assert url.endswith(WEBHOOK_PATH) and h.fake.webhook_secret == WEBHOOK_SECRET
        forged = {"update_id": 1, "message": h.user("/start")}
        await h.user_sees(h.text("welcome_pick_language"))
        async with aiohttp.ClientSession() as client:
            statuses = []
            for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: WEBHOOK_SECRET}):
                async with client.post(url, json=forged, headers=headers) as response:
                    statuses.append(response.status)
        assert statuses == [401, 401, 200]
        await h.fake.wait_for(lambda: len(h.fake.sent(USER)) == 2, what="the accepted update")


async def test_unclaimed_case_falls_back_to_numbers_and_reminds_operators(
    tmp_path: Path, content: Content
) -> None:
    async with bot_running(tmp_path, content, handoff_sla_minutes=0) as h:
        h.user("хочу поговорить с человеком")
        await h.user_sees("заняты")
        await h.group_sees("⏰")


async def test_outside_operator_hours_the_numbers_come_at_once(
    tmp_path: Path, content: Content
) -> None:
    """Monday 20:13 in Bishkek is after hours: no waiting for the SLA, numbers straight away."""
    hours = "Mon-Fri 09:00-18:00 Asia/Bishkek"
    async with bot_running(tmp_path, content, handoff_sla_minutes=60, operator_hours=hours) as h:
        await choose_destination(h, citizen="kg", destination="kz")
        h.user(DANGER)
        opened = await h.user_sees(h.text("handoff_opened"))
        offline = await h.user_sees(h.text("handoff_offline"))
        assert opened["message_id"] < offline["message_id"]
        numbers = fallback_numbers(content, ["KZ", "KG"], "ru")
        assert numbers and numbers in offline["text"]
        assert not [name for name in h.app.scheduler.names() if name.startswith("sla:")]
        await h.group_sees(DANGER)


async def choose_destination(h: Harness, citizen: str, destination: str) -> None:
    """Tell the destination checklist where the user is from and where they work."""
    h.user("/start")
    await h.press("Русский")
    await h.press(h.text("menu_checklists"))
    flow = h.content.flows["destination"]
    await h.press(flow.title["ru"])
    for step, choice in zip(flow.steps, (citizen, destination), strict=False):
        option = next(o for o in step.options if o.id == choice)
        await h.press(option.text["ru"])


FORGED = (
    "v1:m:checklists",  # the core's own spelling is not what our keyboards carry
    "v2|m:checklists",
    "v1|m:checklists|x",
    "v1|m:<b>checklists</b>",
    "v1|" + "m" * 61 + "x",
    "v1|",
    "v1|m:nothing-like-this",
)


async def test_forged_button_data_gets_the_menu(tmp_path: Path, content: Content) -> None:
    async with bot_running(tmp_path, content) as h:
        h.user("/start")
        await h.press("Русский")
        menu = await h.user_sees(h.text("welcome"))
        for forged in FORGED:
            seen = len(h.fake.sent(USER))
            h.fake.fail_next("answerCallbackQuery", 400, "Bad Request: query is too old")
            h.fake.user_presses(USER, menu["message_id"], forged, forged=True)
            await h.user_sees(h.text("stale_button"), after=seen)
        await h.press(h.text("menu_checklists"))
        await h.user_sees(h.text("checklists_title"))
        assert [b["callback_data"][:3] for b in _buttons(h.fake.sent(USER)[-1])] == ["v1|"] * 4


def _buttons(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in record["reply_markup"]["inline_keyboard"] for b in row]
