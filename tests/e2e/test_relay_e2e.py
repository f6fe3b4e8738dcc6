"""Relay details over real HTTP: media, edits, closed topics, blocked users, commands, floods."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.content.loader import Content
from tests.e2e.harness import GROUP, USER, Harness, bot_running

DANGER = "работодатель забрал паспорт и не отдает"
MEDIA = ("photo", "voice", "document", "sticker", "location")


@pytest.fixture
async def h(tmp_path: Path, content: Content) -> AsyncIterator[Harness]:
    async with bot_running(tmp_path, content) as harness:
        yield harness


async def open_case(h: Harness) -> int:
    """A Russian-speaking user whose danger message opened a case; returns its topic."""
    h.user("/start")
    await h.press("Русский")
    await h.user_sees(h.text("welcome"))
    h.user(DANGER)
    thread = await h.case_thread()
    await h.group_sees(DANGER, thread)
    return thread


def kinds(records: list[dict[str, object]]) -> list[object]:
    return [record["kind"] for record in records]


async def test_media_is_copied_both_ways_never_forwarded(h: Harness) -> None:
    thread = await open_case(h)
    for kind in MEDIA:
        h.user(media=kind)
    await h.fake.wait_for(lambda: kinds(h.fake.sent(GROUP, thread))[-5:] == list(MEDIA))
    before = len(h.fake.sent(USER))
    h.operator("вот образец заявления", thread=thread, media="document")
    for kind in ("photo", "voice", "sticker", "location"):
        h.operator(thread=thread, media=kind)
    expected = ["document", "photo", "voice", "sticker", "location"]
    await h.fake.wait_for(lambda: kinds(h.fake.sent(USER)[before:]) == expected)
    assert h.fake.sent(USER)[before]["caption"] == "вот образец заявления"
    copies = h.fake.calls("copyMessage")
    assert len(copies) == 1 + len(MEDIA) + len(expected)


async def test_a_contact_card_is_never_relayed(h: Harness) -> None:
    thread = await open_case(h)
    h.user(media="contact")
    await h.user_sees(h.text("handoff_contact_kept"))
    assert "contact" not in kinds(h.fake.sent(GROUP, thread))


async def test_an_edited_user_message_is_edited_on_the_operator_side(h: Harness) -> None:
    thread = await open_case(h)
    sent = h.user("меня держат на складе")
    copy = await h.group_sees("на складе", thread)
    h.fake.user_edits(USER, sent["message_id"], "меня держат на складе в Подольске")
    await h.fake.wait_for(lambda: "Подольске" in (copy["text"] or ""), what="edited copy")
    assert (
        copy["edited"]
        and copy["message_id"] == h.fake.calls("editMessageText")[-1][1]["message_id"]
    )
    assert len(h.fake.sent(GROUP, thread)) == 3


async def test_a_closed_topic_is_reopened_by_the_next_user_message(h: Harness) -> None:
    thread = await open_case(h)
    h.fake.close_topic(GROUP, thread)
    h.user("вы тут? мне страшно")
    await h.group_sees("мне страшно", thread)
    assert [call[1]["message_thread_id"] for call in h.fake.calls("reopenForumTopic")] == [thread]
    assert not h.fake.topics(GROUP)[0]["is_closed"]
    assert [err[3] for err in h.fake.errors()] == ["Bad Request: TOPIC_CLOSED"]


async def test_operators_learn_in_the_topic_that_the_user_blocked_the_bot(h: Harness) -> None:
    thread = await open_case(h)
    h.fake.block_bot(USER)
    h.operator("Здравствуйте, вы можете говорить?", thread=thread)
    code = h.app.relay.content.text("op_user_blocked", "ru", code="")
    notice = await h.group_sees(code, thread)
    h.operator("Напишите, когда сможете", thread=thread)
    await h.fake.wait_for(lambda: len(h.fake.sent(GROUP, thread)) == 4, what="second notice")
    assert h.fake.sent(GROUP, thread)[-1]["text"] == notice["text"]
    assert [err[2] for err in h.fake.errors("copyMessage")] == [403, 403]


async def test_note_stays_with_operators_and_hotlines_reach_the_user(h: Harness) -> None:
    thread = await open_case(h)
    seen_by_user = len(h.fake.sent(USER))
    h.operator("/note похоже на торговлю людьми, уточнить город", thread=thread)
    await h.group_sees("заметка", thread)
    assert len(h.fake.sent(USER)) == seen_by_user
    h.operator("/hotlines", thread=thread)
    await h.group_sees("номера горячих линий отправлены", thread)
    await h.user_sees(h.text("hotlines_title", country="Россия"), after=seen_by_user)


async def test_a_banned_user_is_told_and_not_relayed_until_unbanned(h: Harness) -> None:
    thread = await open_case(h)
    h.operator("/ban", thread=thread)
    banned = await h.user_sees(h.text("handoff_banned"))
    await h.group_sees("больше не пересылаются", thread)
    relayed_before = len(h.fake.sent(GROUP, thread))
    h.user("ну и ладно, всё равно напишу")
    h.user(DANGER)
    await h.user_sees(h.text("handoff_banned"), after=h.fake.sent(USER).index(banned) + 1)
    assert len(h.fake.sent(GROUP, thread)) == relayed_before
    h.operator("/unban", thread=thread)
    await h.user_sees(h.text("handoff_unbanned"))
    h.user("спасибо, что вернули")
    await h.group_sees("спасибо, что вернули", thread)


async def test_a_plain_group_works_by_replies(tmp_path: Path, content: Content) -> None:
    async with bot_running(tmp_path, content, forum=False) as h:
        h.user("/start")
        await h.press("Русский")
        h.user(DANGER)
        card = await h.group_sees("🆕")
        first = await h.group_sees(DANGER)
        assert first["reply_to_message_id"] == card["message_id"] and not h.fake.topics(GROUP)
        h.operator("Ответ на карточку", reply_to=card["message_id"])
        await h.user_sees("Ответ на карточку")
        h.operator("Не ответ, а разговор между консультантами")
        h.user("второе сообщение")
        second = await h.group_sees("второе сообщение")
        assert second["reply_to_message_id"] == card["message_id"]
        h.operator("Ответ на второе сообщение", reply_to=second["message_id"])
        await h.user_sees("Ответ на второе сообщение")
        h.operator("/close", reply_to=first["message_id"])
        await h.user_sees(h.text("handoff_closed"))
        assert not [r for r in h.fake.sent(USER) if "между консультантами" in (r["text"] or "")]


async def test_a_flood_storm_loses_nothing_and_keeps_order(h: Harness) -> None:
    thread = await open_case(h)
    h.fake.storm(every=2, retry_after=1)
    user_lines = [f"сообщение человека {n}" for n in range(1, 6)]
    operator_lines = [f"ответ консультанта {n}" for n in range(1, 6)]
    for user_line, operator_line in zip(user_lines, operator_lines, strict=True):
        h.user(user_line)
        h.operator(operator_line, thread=thread)
    await h.fake.wait_for(
        lambda: (
            len(h.fake.sent(GROUP, thread)) >= 2 + len(user_lines)
            and sum("консультанта" in (r["text"] or "") for r in h.fake.sent(USER)) >= 5
        ),
        timeout=30,
        what="everything through the storm",
    )
    h.fake.calm()
    relayed = [r["text"] for r in h.fake.sent(GROUP, thread)][2:]
    answered = [r["text"] for r in h.fake.sent(USER) if "консультанта" in (r["text"] or "")]
    assert relayed == user_lines
    assert answered == operator_lines
    assert any(err[2] == 429 for err in h.fake.errors())
