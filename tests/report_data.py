"""A month of made-up consultations driven through the real service, for report tests.

Each person acts on one day of November 2026: FAQ topics, checklists, dangerous messages that
open cases; operators then claim and close the cases. The figures below are what they add up to.
"""

from __future__ import annotations

import datetime as dt
import random

from bot.content.loader import Content
from bot.events import Ask, Event, Inbound
from bot.handoff.cases import claim, close
from bot.service import Conversations
from bot.storage.base import Storage

NOVEMBER_1 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC).timestamp()
RISK_RU = "работодатель забрал паспорт и не отдает"
RISK_KY = "кожоюн паспортумду алып койду, бербей жатат"
CLAIM_MINUTES = (1, 2, 3, 5, 7, 8, 10, 12, 15, 20, 45)
CLOSED = 5
TOPIC_PEOPLE = (("uz", "ru-patent", 9), ("tg", "kr-eps", 6), ("en", "anonymity", 3))


class Month:
    """Drives one person at a time; `key(i)` is the pseudonym the service would get."""

    def __init__(self, content: Content, storage: Storage) -> None:
        self.now = NOVEMBER_1
        self.conversations = Conversations(
            content, storage, lambda: self.now, rng=random.Random(7)
        )
        self.storage = storage
        self.people = 0
        self.keys: list[str] = []

    async def person(self, lang: str) -> str:
        """A new person on the next day of the month (wrapping), who first picks a language."""
        key = f"person-{self.people:03d}"
        self.now = NOVEMBER_1 + (self.people % 30) * 86400 + self.people * 60
        self.people += 1
        self.keys.append(key)
        await self.send(key, Inbound("button", data=f"v1:l:{lang}"))
        return key

    async def send(self, key: str, inbound: Inbound) -> list[Event]:
        self.now += 30
        stamped = Inbound(**{**inbound.__dict__, "at": self.now})
        return (await self.conversations.handle(key, stamped)).events

    async def checklist(self, key: str, flow: str, choices: dict[str, str]) -> None:
        """Answer every step: the chosen option where given, else the first button."""
        events = await self.send(key, Inbound("button", data=f"v1:fs:{flow}"))
        prefix = f"v1:f:{flow}:"
        while True:
            asks = [e for e in events if isinstance(e, Ask)]
            step_buttons = [b.data for a in asks for b in a.buttons if b.data.startswith(prefix)]
            if not step_buttons:
                return
            step = step_buttons[0].split(":")[3]
            wanted = f"{prefix}{step}:{choices[step]}" if step in choices else step_buttons[0]
            events = await self.send(key, Inbound("button", data=wanted))

    async def operators_work(self) -> None:
        """Every case is claimed after the listed minutes; the first few are closed."""
        stats = self.conversations.stats
        for index, minutes in enumerate(CLAIM_MINUTES):
            case = await self.storage.case_by_id(index + 1)
            assert case is not None
            claimed = claim(case, case.opened_at + minutes * 60)
            await self.storage.update_case(claimed)
            await stats.case_claimed(claimed)
            if index < CLOSED:
                closed = close(claimed, claimed.opened_at + 3600)
                await self.storage.update_case(closed)
                await stats.case_closed(closed)


async def fill_month(content: Content, storage: Storage) -> Month:
    """44 people, 11 cases; see tests/test_report.py for the figures this must produce."""
    month = Month(content, storage)
    for _ in range(6):  # Uzbek workers in Russia: rules checklist, then danger: case, RU
        key = await month.person("ru")
        await month.checklist(key, "destination", {"citizen": "uz", "country": "ru"})
        await month.send(key, Inbound("text", text=RISK_RU))
    for _ in range(4):  # danger in Kyrgyz, destination unknown
        await month.send(await month.person("ky"), Inbound("text", text=RISK_KY))
    await month.send(await month.person("en"), Inbound("button", data="v1:h"))
    for lang, topic, people in (
        ("uz", "ru-patent", 9),
        ("tg", "kr-eps", 6),
        ("en", "anonymity", 3),
    ):
        for _ in range(people):
            await month.send(await month.person(lang), Inbound("button", data=f"v1:t:{topic}"))
    for _ in range(6):
        await month.send(await month.person("ru"), Inbound("text", text="12345"))
    for index in range(9):  # offer checks: the last three with a recruitment fee
        choices = {"fee": "fee"} if index >= 6 else {}
        await month.checklist(await month.person("ru"), "offer-check", choices)
    await month.operators_work()
    return month
