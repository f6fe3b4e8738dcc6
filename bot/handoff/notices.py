"""What the user hears when something happens to their case on the operators' side."""

from __future__ import annotations

from dataclasses import replace

from bot import directory
from bot.content.loader import Content
from bot.events import Ask, Button, CountEvent, Event, Say
from bot.flows.engine import facts_of
from bot.handoff.cases import fallback_numbers
from bot.menu import main_menu
from bot.state import Result, State

HOME_COUNTRY = {"ky": "KG", "uz": "UZ", "tg": "TJ", "ru": "RU"}


def handle(content: Content, state: State, notice: str) -> Result:
    """Apply one system notice (claimed, closed, fallback, ...) to the user's conversation."""
    lang = state.lang or "ru"
    if notice == "case_claimed":
        return state, [Say(content.text("handoff_claimed", lang))]
    if notice == "case_closed":
        buttons = (
            Button(content.text("feedback_yes", lang), "v1:r:yes"),
            Button(content.text("feedback_no", lang), "v1:r:no"),
        )
        return replace(state, case=None), [Ask(content.text("handoff_closed", lang), buttons)]
    if notice == "flood_wait":
        return state, [Say(content.text("flood_wait", lang))]
    if notice in ("sla_fallback", "operators_offline"):
        return state, [Say(_fallback_text(content, state, notice, lang))]
    if notice == "send_hotlines":
        countries = user_countries(content, state)
        return state, [
            e for code in countries[:2] for e in directory.hotline_card(content, code, lang)
        ]
    if notice in ("ban", "unban"):
        banned = notice == "ban"
        told = Say(content.text("handoff_banned" if banned else "handoff_unbanned", lang))
        return replace(state, extra={**state.extra, "banned": banned}), [CountEvent(notice), told]
    return state, [main_menu(content, lang)]


def feedback(content: Content, state: State, answer: str) -> Result:
    """The user's answer to "did you get help?" becomes an anonymous counter."""
    lang = state.lang or "ru"
    helped = "yes" if answer == "yes" else "no"
    events: list[Event] = [CountEvent("case_feedback", (("helped", helped),))]
    return state, [*events, main_menu(content, lang, "feedback_thanks")]


def user_countries(content: Content, state: State) -> list[str]:
    """Destination and citizenship the user told a checklist, else the country of the language."""
    facts = facts_of(content.flows, state.flow)
    found = [
        facts.get("destination", ""),
        facts.get("citizenship", ""),
        HOME_COUNTRY.get(state.lang or "", ""),
    ]
    return [code for code in dict.fromkeys(found) if code]


def _fallback_text(content: Content, state: State, notice: str, lang: str) -> str:
    key = "handoff_sla_fallback" if notice == "sla_fallback" else "handoff_offline"
    numbers = fallback_numbers(content, user_countries(content, state), lang)
    return "\n\n".join(part for part in (content.text(key, lang), numbers) if part)
