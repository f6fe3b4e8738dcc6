"""Case rules: who may move a case where, what operators see, when the fallback is due."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content.checks import dialable
from bot.content.loader import Content
from bot.events import OpenCase
from bot.handoff.model import Case

WAITING, CLAIMED, CLOSED = "waiting", "claimed", "closed"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS_RE = re.compile(
    r"^\s*(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})\s+(?P<zone>\S+)\s*$",
    re.IGNORECASE,
)


class CaseError(ValueError):
    """An operator command that does not fit the case's state; the message says why."""


def claim(case: Case, at: float) -> Case:
    if case.status == CLOSED:
        raise CaseError("case_already_closed")
    if case.status == CLAIMED:
        raise CaseError("case_already_claimed")
    return replace(case, status=CLAIMED, claimed_at=at)


def close(case: Case, at: float) -> Case:
    if case.status == CLOSED:
        raise CaseError("case_already_closed")
    return replace(case, status=CLOSED, closed_at=at)


def fallback_due(case: Case, now: float, sla_minutes: float) -> bool:
    """Nobody claimed the case within the promised time."""
    return case.status == WAITING and now - case.opened_at >= sla_minutes * 60


@dataclass(frozen=True)
class OperatorHours:
    """Working hours like `Mon-Fri 09:00-18:00 Asia/Bishkek`; empty means always staffed."""

    days: frozenset[int]
    opens: dt.time
    closes: dt.time
    zone: ZoneInfo | None

    @classmethod
    def parse(cls, spec: str) -> OperatorHours:
        if not spec.strip():
            return cls(frozenset(range(7)), dt.time(0, 0), dt.time(23, 59, 59), None)
        found = HOURS_RE.match(spec)
        if found is None:
            raise ValueError(
                f"OPERATOR_HOURS not understood: {spec!r} (e.g. Mon-Fri 09:00-18:00 Asia/Bishkek)"
            )
        first = DAYS.index(found["first"].lower())
        last = DAYS.index((found["last"] or found["first"]).lower())
        days = {(first + k) % 7 for k in range((last - first) % 7 + 1)}
        try:
            zone = ZoneInfo(found["zone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"OPERATOR_HOURS has an unknown time zone: {found['zone']!r}"
            ) from exc
        return cls(frozenset(days), _time(found["open"]), _time(found["close"]), zone)

    def is_open(self, timestamp: float) -> bool:
        if self.zone is None:
            return True
        local = dt.datetime.fromtimestamp(timestamp, self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes


def _time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def operator_card(content: Content, case: Case, lang: str, opened: OpenCase | None) -> str:
    """What operators learn about a new case: pseudonym, language, why — never who.

    `opened` is None when a case is carded again after a restart: the words are not kept.
    """
    text = content.text
    categories = ", ".join(_category_label(content, c, lang) for c in case.categories)
    lines = [text("op_new_case", lang, code=case.code, language=case.lang.upper())]
    lines.append(text(f"op_reason_{case.reason}", lang))
    if categories:
        lines.append(text("op_categories", lang, categories=categories))
    if opened and opened.phrase:
        lines.append(text("op_phrase", lang, phrase=opened.phrase))
    if opened and opened.weighed:
        lines.append(text("op_weighed", lang, words=opened.weighed))
    if opened and opened.summary:
        lines.append(text("op_summary", lang, summary=opened.summary))
    lines.append(text("op_commands", lang))
    return "\n".join(lines)


def _category_label(content: Content, category: str, lang: str) -> str:
    for known in content.risk.categories:
        if known.id == category:
            return known.label.get(lang) or category
    return category


def fallback_numbers(content: Content, countries: list[str], lang: str) -> str:
    """Verified numbers for the user's countries, for when no person can answer in time."""
    lines = []
    for country in content.hotlines.countries:
        if country.code not in countries:
            continue
        for hotline in (h for h in country.hotlines if h.verified):
            name = hotline.name.get(lang) or hotline.id
            where = country.name.get(lang) or country.code
            lines.append(f"• {where} — {name}: {dialable(hotline.phone, country.code)}")
    return "\n".join(lines)
