"""Turns a checklist run into what the user sees: one question at a time, then a summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import reminders
from bot.content.flowgraph import flow_callback
from bot.content.loader import Content
from bot.content.models import Flow
from bot.events import Ask, Button, CountEvent, Event, OpenCase, Say
from bot.flows.engine import (
    FREE_TEXT,
    FoundFlag,
    Position,
    new_run,
    option_by_id,
    remaining,
    replay,
)
from bot.menu import menu_button, topic_button

CONTINUE = "-"
SERIOUS = 3


@dataclass(frozen=True)
class FlowTurn:
    """The run after one user action and what to show; `run` None means the flow was left."""

    run: dict[str, Any] | None
    events: list[Event]


def start(content: Content, flow: Flow, lang: str) -> FlowTurn:
    run = new_run(flow)
    intro = Say(f"{flow.title[lang]}\n{flow.intro[lang]}")
    return FlowTurn(run, [intro, *show(content, flow, run, lang)])


def show(content: Content, flow: Flow, run: dict[str, Any], lang: str) -> list[Event]:
    """The current question, or the summary when the run is complete."""
    position = replay(flow, run["answers"])
    if position.finished:
        return summary(content, flow, position, lang)
    step = flow.steps[position.index or 0]
    total = position.answered + remaining(flow, position)
    progress = content.text("flow_progress", lang, current=position.answered + 1, total=total)
    body = step.question or step.info or {}
    buttons = [
        Button(option.text[lang], flow_callback(flow.id, step.id, option.id))
        for option in step.options
    ]
    if step.info is not None:
        buttons.append(
            Button(content.text("flow_continue", lang), flow_callback(flow.id, step.id, CONTINUE))
        )
    buttons += _controls(content, flow, lang, position.answered > 0)
    hint = f"\n{content.text('flow_free_text_hint', lang)}" if step.free_text else ""
    return [Ask(f"{progress}\n\n{body[lang]}{hint}", tuple(buttons))]


def _controls(content: Content, flow: Flow, lang: str, can_go_back: bool) -> list[Button]:
    controls = [Button(content.text("flow_back", lang), f"v1:fb:{flow.id}")] if can_go_back else []
    controls.append(Button(content.text("flow_restart", lang), f"v1:fr:{flow.id}"))
    controls.append(Button(content.text("flow_leave", lang), f"v1:fx:{flow.id}"))
    return controls


def answer(
    content: Content, flow: Flow, run: dict[str, Any], step_id: str, option_id: str, lang: str
) -> FlowTurn:
    """Record a button answer if it belongs to the current step; stale buttons re-show the step."""
    position = replay(flow, run["answers"])
    if position.finished or flow.steps[position.index or 0].id != step_id:
        return FlowTurn(
            run, [Say(content.text("flow_stale_button", lang)), *show(content, flow, run, lang)]
        )
    step = flow.steps[position.index or 0]
    option = option_by_id(step, option_id)
    if option is None and not (option_id == CONTINUE and step.info is not None):
        return FlowTurn(
            run, [Say(content.text("flow_stale_button", lang)), *show(content, flow, run, lang)]
        )
    answered = {**run, "answers": [*run["answers"], [step_id, option_id]]}
    events: list[Event] = []
    if option is not None and option.flag is not None and option.flag.handoff:
        events += _offer_human(content, flow, option.flag.advice[lang], lang)
    return FlowTurn(answered, [*events, *_after_answer(content, flow, answered, lang)])


def _after_answer(content: Content, flow: Flow, run: dict[str, Any], lang: str) -> list[Event]:
    """The next question, or the summary counted once: re-showing a summary counts nothing."""
    events = show(content, flow, run, lang)
    position = replay(flow, run["answers"])
    return [*events, *completion_counts(flow, position)] if position.finished else events


def completion_counts(flow: Flow, position: Position) -> list[Event]:
    """Anonymous counters for a finished checklist: which one, and how many red flags."""
    flags = len(position.flags)
    counts: list[Event] = [
        CountEvent("checklist_completed", (("flow", flow.id), ("red_flags", str(flags))))
    ]
    if flags:
        counts.append(CountEvent("checklist_flagged", (("flow", flow.id),)))
    return counts


def free_text(content: Content, flow: Flow, run: dict[str, Any], lang: str) -> FlowTurn | None:
    """Typed answer for a step that accepts one; None when the current step wants a button."""
    position = replay(flow, run["answers"])
    if position.finished:
        return None
    step = flow.steps[position.index or 0]
    if not step.free_text:
        return None
    answered = {**run, "answers": [*run["answers"], [step.id, FREE_TEXT]]}
    return FlowTurn(answered, _after_answer(content, flow, answered, lang))


def back(content: Content, flow: Flow, run: dict[str, Any], lang: str) -> FlowTurn:
    previous = {**run, "answers": run["answers"][:-1]}
    return FlowTurn(previous, show(content, flow, previous, lang))


def restart(content: Content, flow: Flow, lang: str) -> FlowTurn:
    run = new_run(flow)
    return FlowTurn(run, show(content, flow, run, lang))


def _offer_human(content: Content, flow: Flow, advice: str, lang: str) -> list[Event]:
    buttons = (Button(content.text("menu_human", lang), "v1:h"),)
    return [Ask(f"{advice}\n\n{content.text('flow_offer_human', lang)}", buttons)]


def summary(content: Content, flow: Flow, position: Position, lang: str) -> list[Event]:
    """Every red flag with its advice, a verdict, and where to go next."""
    flags = sorted(position.flags, key=lambda found: -found.flag.weight)
    lines = [content.text("flow_summary_title", lang, title=flow.title[lang])]
    lines.append(verdict(content, flags, lang))
    for found in flags:
        marker = "❗" if found.flag.weight >= SERIOUS else "⚠️"
        lines.append(f"{marker} {found.flag.advice[lang]}")
    buttons = [reminders.offer_button(content, flow, position.facts, lang)]
    buttons += [topic_button(content, topic_id, lang) for topic_id in flow.related]
    buttons += [Button(content.text("menu_hotlines", lang), "v1:m:hotlines")]
    buttons += [Button(content.text("menu_human", lang), "v1:h"), menu_button(content, lang)]
    return [Ask("\n\n".join(lines), tuple(b for b in buttons if b is not None))]


def verdict(content: Content, flags: list[FoundFlag], lang: str) -> str:
    """One sentence a worried person can act on, graded by the worst sign found."""
    serious = sum(1 for found in flags if found.flag.weight >= SERIOUS)
    if serious:
        return content.text("verdict_serious", lang, count=serious)
    if flags:
        return content.text("verdict_caution", lang, count=len(flags))
    return content.text("verdict_clean", lang)


def handoff_case(flow: Flow, run: dict[str, Any], lang: str) -> OpenCase:
    """A case opened from inside a checklist carries the red flags the operator should see."""
    position = replay(flow, run["answers"])
    categories = tuple(dict.fromkeys(found.flag.category for found in position.flags))
    flagged = ", ".join(f"{found.step_id}:{found.flag.category}" for found in position.flags)
    return OpenCase(
        "red_flag", lang, categories, summary=f"{flow.id}: {flagged}" if flagged else flow.id
    )
