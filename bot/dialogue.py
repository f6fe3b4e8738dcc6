"""The pure core: routes each inbound action to risk, checklist, FAQ or handoff."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot import directory, reminders
from bot.content.loader import Content
from bot.events import (
    Ask,
    Button,
    ClearChat,
    CountEvent,
    Event,
    Forget,
    Inbound,
    OpenCase,
    RelayToOperator,
    Say,
)
from bot.flows import conversation
from bot.flows.conversation import FlowTurn
from bot.flows.engine import facts_of
from bot.handoff import notices
from bot.menu import human_button, language_buttons, main_menu, menu_button, topic_button
from bot.risk.detector import MODEL_PATTERN
from bot.state import Result, State
from bot.text.language import LANGS
from bot.understanding import Triage, Understanding

TEXT_LIMIT = 4096


class Dialogue:
    """Built once per content snapshot; `handle` is pure and never touches I/O or clocks."""

    def __init__(self, content: Content, understanding: Understanding | None = None) -> None:
        self.content = content
        self.understanding = understanding or Understanding(content)
        self.button_routes = self._button_handlers()

    def handle(self, state: State, inbound: Inbound) -> Result:
        if inbound.kind == "system":
            return self._system(state, inbound)
        state = replace(state, seen_at=inbound.at)
        if inbound.kind == "command":
            return self._command(state, inbound)
        if inbound.kind == "button":
            return self._button(state, inbound)
        if inbound.kind == "media":
            return self._media(state, inbound)
        return self._text(state, inbound)

    def _system(self, state: State, inbound: Inbound) -> Result:
        """Notices about a case or a reminder's timer; they are not the user speaking."""
        if reminders.is_job(inbound.command):
            return reminders.fire(self.content, state, inbound.command, inbound.at)
        return notices.handle(self.content, state, inbound.command)

    def lang_of(self, state: State, inbound: Inbound) -> str:
        if state.lang:
            return state.lang
        hint = inbound.lang_hint or ""
        return hint if hint in LANGS else "ru"

    # --- commands ----------------------------------------------------------------------------

    def _command(self, state: State, inbound: Inbound) -> Result:
        lang = self.lang_of(state, inbound)
        name = inbound.command.lower()
        if name == "start" and not state.lang:
            return state, [
                Ask(self.content.text("welcome_pick_language", lang), language_buttons())
            ]
        if name in ("start", "menu"):
            return state, [
                main_menu(self.content, lang, "welcome" if name == "start" else "menu_title")
            ]
        if name == "help":
            return state, [Say(self.content.text("help", lang)), main_menu(self.content, lang)]
        if name == "lang":
            return state, [Ask(self.content.text("pick_language", lang), language_buttons())]
        if name == "privacy":
            return state, self._privacy(lang)
        if name == "forget":
            return self._forget(state, lang)
        if name == "clear":
            return self._quick_exit(state, lang)
        if name == "hotlines":
            return state, [
                directory.country_picker(self.content, lang, "v1:hl", "hotlines_pick_country")
            ]
        return state, [
            Say(self.content.text("unknown_command", lang)),
            main_menu(self.content, lang),
        ]

    def _privacy(self, lang: str) -> list[Event]:
        forget = Button(self.content.text("privacy_forget_button", lang), "v1:forget")
        leave = Button(self.content.text("quick_exit_button", lang), "v1:exit")
        buttons = (leave, forget, menu_button(self.content, lang))
        return [Ask(self.content.text("privacy", lang), buttons)]

    def _quick_exit(self, state: State, lang: str) -> Result:
        """Wipe the chat from the screen and leave one line that looks harmless to an onlooker."""
        events: list[Event] = [ClearChat(), Say(self.content.text("quick_exit_neutral", lang))]
        return replace(state, flow=None), [*events, CountEvent("quick_exit")]

    def _forget(self, state: State, lang: str) -> Result:
        """Erase everything, except that a ban stays, so /forget is no way around it."""
        banned = bool(state.extra.get("banned"))
        kept = State(lang=lang, extra={"banned": True} if banned else {})
        return kept, [Forget(keep_ban=banned), Say(self.content.text("forget_done", lang))]

    # --- buttons -----------------------------------------------------------------------------

    def _button(self, state: State, inbound: Inbound) -> Result:
        """Every payload is parsed defensively: forged or stale data gets a kind menu."""
        lang = self.lang_of(state, inbound)
        parts = inbound.data.split(":")
        if len(parts) < 2 or parts[0] != "v1" or len(inbound.data) > 64:
            return self._stale(state, lang)
        kind, args = parts[1], parts[2:]
        handler = self.button_routes.get(kind)
        return handler(state, lang, args) if handler else self._stale(state, lang)

    def _button_handlers(self) -> dict[str, Any]:
        return {
            "l": self._choose_language,
            "m": self._menu_item,
            "t": self._topic,
            "h": lambda state, lang, args: self._open_case(state, OpenCase("request", lang)),
            "hl": lambda state, lang, args: (
                state,
                directory.hotline_card(self.content, _arg(args, 0), lang),
            ),
            "s": self._services,
            "forget": lambda state, lang, args: self._forget(state, lang),
            "exit": lambda state, lang, args: self._quick_exit(state, lang),
            "r": lambda state, lang, args: notices.feedback(self.content, state, _arg(args, 0)),
            "fs": self._flow_start,
            "f": self._flow_answer,
            "fb": lambda state, lang, args: self._flow_control(state, lang, args, "back"),
            "fr": lambda state, lang, args: self._flow_control(state, lang, args, "restart"),
            "fx": lambda state, lang, args: self._flow_control(state, lang, args, "leave"),
            "rm": self._reminders,
        }

    def _reminders(self, state: State, lang: str, args: list[str]) -> Result:
        handled = reminders.handle_button(self.content, state, lang, args)
        return handled if handled is not None else self._stale(state, lang)

    def _stale(self, state: State, lang: str) -> Result:
        return state, [Say(self.content.text("stale_button", lang)), main_menu(self.content, lang)]

    def _choose_language(self, state: State, lang: str, args: list[str]) -> Result:
        chosen = _arg(args, 0)
        if chosen not in LANGS:
            return self._stale(state, lang)
        return replace(state, lang=chosen), [main_menu(self.content, chosen, "welcome")]

    def _menu_item(self, state: State, lang: str, args: list[str]) -> Result:
        item = _arg(args, 0)
        text = self.content.text
        if item == "checklists":
            buttons = tuple(
                Button(f.title[lang], f"v1:fs:{f.id}") for f in self.content.flows.values()
            )
            return state, [
                Ask(text("checklists_title", lang), (*buttons, menu_button(self.content, lang)))
            ]
        if item == "ask":
            return state, [Ask(text("ask_prompt", lang), (menu_button(self.content, lang),))]
        if item == "hotlines":
            return state, [
                directory.country_picker(self.content, lang, "v1:hl", "hotlines_pick_country")
            ]
        if item == "services":
            return state, [
                directory.country_picker(self.content, lang, "v1:s", "services_pick_country")
            ]
        if item == "privacy":
            return state, self._privacy(lang)
        if item == "lang":
            return state, [Ask(text("pick_language", lang), language_buttons())]
        if item == "menu":
            return state, [main_menu(self.content, lang)]
        return self._stale(state, lang)

    def _services(self, state: State, lang: str, args: list[str]) -> Result:
        country, region, kind = _arg(args, 0), _arg(args, 1), _arg(args, 2)
        if kind:
            return state, directory.service_list(self.content, country, region, kind, lang)
        if region:
            return state, [directory.kind_picker(self.content, country, region, lang)]
        return state, [directory.region_picker(self.content, country, lang)]

    def _topic(self, state: State, lang: str, args: list[str]) -> Result:
        topic = self.content.topics_by_id.get(_arg(args, 0))
        if topic is None:
            return self._stale(state, lang)
        return state, [self._answer(topic.id, lang), _count_topic(topic.id)]

    def _answer(self, topic_id: str, lang: str, extra: tuple[str, ...] = ()) -> Ask:
        """A topic's answer with next steps: related topics, its checklist, a person, the menu."""
        topic = self.content.topics_by_id[topic_id]
        buttons: list[Button | None] = [
            topic_button(self.content, t, lang) for t in (*extra, *topic.related)
        ]
        if topic.flow and topic.flow in self.content.flows:
            flow = self.content.flows[topic.flow]
            buttons.append(Button(flow.title[lang], f"v1:fs:{flow.id}"))
        buttons += [human_button(self.content, lang), menu_button(self.content, lang)]
        unique = tuple(dict.fromkeys(b for b in buttons if b is not None))
        return Ask(f"{topic.title[lang]}\n\n{topic.answer[lang]}", unique)

    # --- checklists ----------------------------------------------------------------------------

    def _flow_start(self, state: State, lang: str, args: list[str]) -> Result:
        flow = self.content.flows.get(_arg(args, 0))
        if flow is None:
            return self._stale(state, lang)
        return self._apply_flow(state, conversation.start(self.content, flow, lang))

    def start_flow(self, state: State, flow_id: str, lang: str) -> Result:
        """Entry for editors' previews (`migrant-bot chat --flow ID`)."""
        return self._flow_start(replace(state, lang=lang), lang, [flow_id])

    def _flow_answer(self, state: State, lang: str, args: list[str]) -> Result:
        flow, run = self._current_flow(state, _arg(args, 0))
        if flow is None or run is None or len(args) != 3:
            return self._stale(state, lang)
        turn = conversation.answer(self.content, flow, run, args[1], args[2], lang)
        return self._apply_flow(state, turn)

    def _flow_control(self, state: State, lang: str, args: list[str], action: str) -> Result:
        flow, run = self._current_flow(state, _arg(args, 0))
        if flow is None or run is None:
            return self._stale(state, lang)
        if action == "back":
            return self._apply_flow(state, conversation.back(self.content, flow, run, lang))
        if action == "restart":
            return self._apply_flow(state, conversation.restart(self.content, flow, lang))
        return replace(state, flow=None), [main_menu(self.content, lang, "flow_left")]

    def _current_flow(self, state: State, flow_id: str) -> tuple[Any, dict[str, Any] | None]:
        flow = self.content.flows.get(flow_id)
        if flow is None or not state.flow or state.flow.get("flow") != flow_id:
            return None, None
        return flow, state.flow

    def _apply_flow(self, state: State, turn: FlowTurn) -> Result:
        return replace(state, flow=turn.run), turn.events

    # --- free text and media -----------------------------------------------------------------

    def _media(self, state: State, inbound: Inbound) -> Result:
        lang = self.lang_of(state, inbound)
        in_case = bool(state.case) and not state.extra.get("banned")
        if inbound.media == "contact":  # a contact card names the person: never relayed, kept
            key = "handoff_contact_kept" if in_case else "contact_not_relayed"
            return state, [Say(self.content.text(key, lang))]
        if in_case:
            return state, [RelayToOperator(media=inbound.media)]
        buttons = (human_button(self.content, lang), menu_button(self.content, lang))
        return state, [Ask(self.content.text("media_text_only", lang), buttons)]

    def _text(self, state: State, inbound: Inbound) -> Result:
        text = inbound.text[:TEXT_LIMIT]
        if state.case and not state.extra.get("banned"):
            return state, [RelayToOperator(text=text)]
        triage = self.understanding.triage(text, state.lang)
        lang = state.lang or triage.lang
        if triage.risk.needs_human:
            return self._open_case(state, _case_from(triage, lang), lang)
        if state.flow:
            flow_result = self._text_in_flow(state, text, lang)
            if flow_result is not None:
                flow_state, events = flow_result
                return flow_state, events + self._safety_check(triage, lang)
        return state, self._faq_reply(triage, lang) + self._safety_check(triage, lang)

    def _safety_check(self, triage: Triage, lang: str) -> list[Event]:
        """Danger possible but not clear: answer, then ask plainly, one button from a person."""
        if not triage.risk.safety_check:
            return []
        ask = Ask(self.content.text("safety_check", lang), (human_button(self.content, lang),))
        return [ask, CountEvent("safety_check", ())]

    def _text_in_flow(self, state: State, text: str, lang: str) -> Result | None:
        flow = self.content.flows.get(str((state.flow or {}).get("flow")))
        if flow is None or state.flow is None:
            return None
        turn = conversation.free_text(self.content, flow, state.flow, lang)
        return self._apply_flow(state, turn) if turn is not None else None

    def _faq_reply(self, triage: Triage, lang: str) -> list[Event]:
        if triage.faq_id is not None:
            return [
                self._answer(triage.faq_id, lang, triage.suggestions),
                _count_topic(triage.faq_id),
                _count_faq("matched"),
            ]
        if triage.suggestions:
            buttons = [topic_button(self.content, t, lang) for t in triage.suggestions]
            buttons += [human_button(self.content, lang), menu_button(self.content, lang)]
            return [
                Ask(self.content.text("faq_unsure", lang), tuple(b for b in buttons if b)),
                _count_faq("unsure"),
            ]
        return [main_menu(self.content, lang, "faq_no_match"), _count_faq("none")]

    # --- handoff -------------------------------------------------------------------------------

    def _open_case(self, state: State, case: OpenCase, lang: str | None = None) -> Result:
        """Hand over at once; while the case is open every message goes to a person."""
        lang = lang or case.lang
        if state.extra.get("banned"):
            return state, [main_menu(self.content, lang, "handoff_banned")]
        if state.case:
            return state, [Say(self.content.text("handoff_already_open", lang))]
        if state.flow and not case.summary:
            flow = self.content.flows.get(str(state.flow.get("flow")))
            if flow is not None:
                flagged = conversation.handoff_case(flow, state.flow, lang)
                case = replace(
                    case, categories=case.categories or flagged.categories, summary=flagged.summary
                )
        destination = facts_of(self.content.flows, state.flow).get("destination", "")
        case = replace(case, destination=destination)
        opened = {"opened_at": state.seen_at, "reason": case.reason}
        return replace(state, case=opened, lang=state.lang or lang), [
            case,
            Say(self.content.text("handoff_opened", lang)),
        ]


def _count_topic(topic_id: str) -> CountEvent:
    return CountEvent("faq_topic", (("topic", topic_id),))


def _count_faq(result: str) -> CountEvent:
    """How a free-text question went: matched, unsure (suggestions shown) or none."""
    return CountEvent("faq_answer", (("result", result),))


def _arg(args: list[str], index: int) -> str:
    return args[index] if index < len(args) else ""


def _case_from(triage: Triage, lang: str) -> OpenCase:
    verdict = triage.risk
    ruled = [m.phrase for m in verdict.matches if m.pattern != MODEL_PATTERN]
    weighed = [m.phrase for m in verdict.matches if m.pattern == MODEL_PATTERN]
    phrase, words = "; ".join(dict.fromkeys(ruled)), "; ".join(dict.fromkeys(weighed))
    if verdict.is_risk:
        return OpenCase("risk", lang, tuple(verdict.categories), phrase, weighed=words)
    return OpenCase("request", lang, (), phrase)
