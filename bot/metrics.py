"""Live Prometheus metrics: how the bot is doing right now, with no user data in any label."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from bot.events import CountEvent, Event, OpenCase

# Minutes an operator may take to claim a case: the SLA (10 min by default) sits in the middle.
CLAIM_BUCKETS = (60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 4 * 3600.0, 24 * 3600.0)
FAQ_RESULTS = ("matched", "unsure", "none")


class Metrics:
    """One registry per running bot (no process-wide globals); every label is a fixed set."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "migrant_bot_updates",
            "Telegram updates received, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.messages_sent = Counter(
            "migrant_bot_messages_sent",
            "Messages the bot sent or copied",
            ["to"],
            registry=self.registry,
        )
        self.faq_answers = Counter(
            "migrant_bot_faq_answers",
            "Free-text questions by FAQ result",
            ["result"],
            registry=self.registry,
        )
        self.faq_topics = Counter(
            "migrant_bot_faq_topics",
            "FAQ answers shown, by topic id",
            ["topic"],
            registry=self.registry,
        )
        self.risk_verdicts = Counter(
            "migrant_bot_risk_verdicts",
            "Risk cases by category",
            ["category"],
            registry=self.registry,
        )
        self.cases = Counter(
            "migrant_bot_cases", "Case transitions", ["event"], registry=self.registry
        )
        self.time_to_claim = Histogram(
            "migrant_bot_time_to_claim_seconds",
            "Seconds from a case opening to an operator claiming it",
            buckets=CLAIM_BUCKETS,
            registry=self.registry,
        )
        self.outbound_queue = Gauge(
            "migrant_bot_outbound_queue_depth",
            "Messages waiting in the outbox; stays 0 while messages are sent inline",
            registry=self.registry,
        )
        self.retry_after = Counter(
            "migrant_bot_telegram_retry_after",
            "429 Too Many Requests answers seen",
            registry=self.registry,
        )
        for result in FAQ_RESULTS:
            self.faq_answers.labels(result=result)
        for event in ("opened", "claimed", "closed"):
            self.cases.labels(event=event)

    def observe(self, events: list[Event]) -> None:
        """What the core decided for one update, turned into counter increments."""
        for event in events:
            if isinstance(event, OpenCase):
                self.cases.labels(event="opened").inc()
                for category in event.categories if event.reason == "risk" else ():
                    self.risk_verdicts.labels(category=category).inc()
            elif isinstance(event, CountEvent):
                self._count(event)

    def _count(self, event: CountEvent) -> None:
        labels = dict(event.labels)
        if event.name == "faq_answer" and labels.get("result") in FAQ_RESULTS:
            self.faq_answers.labels(result=labels["result"]).inc()
        elif event.name == "faq_topic" and "topic" in labels:
            self.faq_topics.labels(topic=labels["topic"]).inc()

    def case_claimed(self, waited_seconds: float) -> None:
        self.cases.labels(event="claimed").inc()
        self.time_to_claim.observe(max(0.0, waited_seconds))

    def case_closed(self) -> None:
        self.cases.labels(event="closed").inc()

    def set_outbound_queue_depth(self, depth: int) -> None:
        """The hook for an outbox: call it whenever messages are queued or sent."""
        self.outbound_queue.set(depth)

    def exposition(self) -> tuple[bytes, str]:
        """The text format Prometheus scrapes, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
