"""Prometheus metrics after a real conversation: the counters move, no label names a person."""

from __future__ import annotations

import re
import socket
from pathlib import Path

from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.telegram.app import TelegramApp, serve_metrics, webhook_application
from bot.telegram.render import CoreButton
from fakes.telegram import FakeTelegram
from tests.e2e.harness import GROUP, NAME, OPERATOR, USER, USERNAME, bot_running

RISK_TEXT = "работодатель забрал паспорт и не отдает"
FAQ_TEXT = "сколько стоит патент"
LABEL_NAMES = {"kind", "to", "result", "topic", "category", "event", "le"}
SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.+\-]*$")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, keyed by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def converse(fake: FakeTelegram) -> None:
    """A user picks a language, asks about the patent, reports danger; an operator helps."""
    fake.user_message(USER, "/start", first_name=NAME, username=USERNAME, language_code="ru")
    picker = await fake.wait_for(lambda: fake.sent(USER), what="language picker")
    fake.user_presses(USER, picker[-1]["message_id"], CoreButton.from_core("v1:l:ru").pack())
    await fake.wait_for(lambda: len(fake.sent(USER)) >= 2, what="menu")
    fake.user_message(USER, FAQ_TEXT, first_name=NAME, username=USERNAME)
    await fake.wait_for(lambda: len(fake.sent(USER)) >= 3, what="FAQ answer")
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    fake.user_message(USER, RISK_TEXT, first_name=NAME, username=USERNAME)
    topics = await fake.wait_for(lambda: fake.topics(GROUP), what="case topic")
    thread = topics[0]["message_thread_id"]
    await fake.wait_for(lambda: len(fake.sent(GROUP, thread)) >= 2, what="card and copy")
    fake.group_message(GROUP, OPERATOR, "Здравствуйте, я консультант.", thread_id=thread)
    await fake.wait_for(
        lambda: any("консультант" in (m.get("text") or "") for m in fake.sent(USER)),
        what="operator reply",
    )
    fake.group_message(GROUP, OPERATOR, "/close", thread_id=thread)
    await fake.wait_for(
        lambda: any("Вам помогли" in (m.get("text") or "") for m in fake.sent(USER)), what="close"
    )


async def scrape(app: TelegramApp) -> str:
    """GET /metrics from the polling-mode metrics server on METRICS_PORT."""
    app.config = app.config.model_copy(update={"metrics_port": free_port()})
    runner = await serve_metrics(app, webhook=False)
    assert runner is not None
    try:
        url = f"http://{app.config.webhook_host}:{app.config.metrics_port}/metrics"
        async with (
            ClientSession() as session,
            session.get(url.replace("0.0.0.0", "127.0.0.1")) as r,
        ):
            assert r.status == 200 and r.content_type == "text/plain"
            return await r.text()
    finally:
        await runner.cleanup()


async def test_metrics_move_with_a_conversation_and_name_nobody(tmp_path: Path) -> None:
    async with bot_running(tmp_path) as h:
        fake, app = h.fake, h.app
        before = samples(await scrape(app))
        await converse(fake)
        text = await scrape(app)
    after = samples(text)

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert moved("migrant_bot_updates_total", kind="message") >= 5
    assert moved("migrant_bot_updates_total", kind="callback_query") == 1
    assert moved("migrant_bot_messages_sent_total", to="user") >= 4
    assert moved("migrant_bot_messages_sent_total", to="operators") >= 2
    assert moved("migrant_bot_faq_answers_total", result="matched") == 1
    assert moved("migrant_bot_faq_topics_total", topic="ru-patent") == 1
    assert moved("migrant_bot_risk_verdicts_total", category="document_retention") == 1
    for event in ("opened", "claimed", "closed"):
        assert moved("migrant_bot_cases_total", event=event) == 1
    assert moved("migrant_bot_time_to_claim_seconds_count") == 1
    assert moved("migrant_bot_telegram_retry_after_total") == 1
    assert after[("migrant_bot_outbound_queue_depth", ())] == 0
    for name, labels in after:
        for label, value in labels:
            assert label in LABEL_NAMES, (name, label)
            assert SAFE_VALUE.match(value), (name, value)
    for secret in (str(USER), NAME, USERNAME, "паспорт", "патент", "консультант"):
        assert secret not in text


async def test_webhook_app_serves_metrics_and_health(tmp_path: Path) -> None:
    async with (
        bot_running(tmp_path) as h,
        TestClient(TestServer(webhook_application(h.app))) as client,
    ):
        metrics = await client.get("/metrics")
        assert metrics.status == 200
        assert "migrant_bot_cases_total" in await metrics.text()
        health = await client.get("/healthz")
        assert health.status == 200
