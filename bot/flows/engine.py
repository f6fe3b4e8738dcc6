"""Runs a checklist: where the user is, what they have said, what it means. Pure and replayable.

The run keeps only the answers given; position, facts and red flags are derived by replaying
them, so Back is "drop the last answer" and a restart of the bot resumes exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.content.flowgraph import END, following
from bot.content.models import Flow, FlowOption, FlowStep, RedFlag

FREE_TEXT = "~"


@dataclass(frozen=True)
class FoundFlag:
    """A red flag the user's answer raised, with the step it came from."""

    step_id: str
    flag: RedFlag


@dataclass(frozen=True)
class Position:
    """Where a run stands after replaying its answers."""

    index: int | None
    facts: dict[str, str] = field(default_factory=dict)
    flags: tuple[FoundFlag, ...] = ()
    answered: int = 0

    @property
    def finished(self) -> bool:
        return self.index is None


def step_applies(step: FlowStep, facts: dict[str, str]) -> bool:
    """A conditional step runs only when every named fact has one of the listed values."""
    return conditions_met(step.when, facts)


def conditions_met(when: dict[str, list[str]], facts: dict[str, str]) -> bool:
    """Every named fact has one of the listed values (steps and reminders share the rule)."""
    return all(facts.get(name) in values for name, values in when.items())


def facts_of(flows: dict[str, Flow], run: dict[str, Any] | None) -> dict[str, str]:
    """What the user told their current checklist (citizenship, destination ...), if any."""
    if not run or run.get("flow") not in flows:
        return {}
    return replay(flows[run["flow"]], run.get("answers", [])).facts


def advance(
    flow: Flow, index: int, option: FlowOption | None, facts: dict[str, str]
) -> int | None:
    """The next step that applies after answering step `index`, or None at the end."""
    step = flow.steps[index]
    target = (option.next if option else None) or step.next or following(flow, index)
    positions = {s.id: i for i, s in enumerate(flow.steps)}
    visited: set[int] = set()
    while target != END:
        current = positions[target]
        if current in visited:
            return None
        visited.add(current)
        candidate = flow.steps[current]
        if step_applies(candidate, facts):
            return current
        target = candidate.next or following(flow, current)
    return None


def first_position(flow: Flow) -> int | None:
    """The first step that applies with no facts known."""
    return 0 if step_applies(flow.steps[0], {}) else advance(flow, 0, None, {})


def replay(flow: Flow, answers: list[list[str]]) -> Position:
    """Rebuild position, facts and flags from the answers; stale answers end the replay."""
    index = first_position(flow)
    facts: dict[str, str] = {}
    flags: list[FoundFlag] = []
    answered = 0
    for step_id, option_id in answers:
        if index is None or flow.steps[index].id != step_id:
            break
        step = flow.steps[index]
        option = option_by_id(step, option_id)
        if option is None and not (option_id == FREE_TEXT or step.info is not None):
            break
        if option is not None:
            facts.update(option.set)
            if option.flag is not None:
                flags.append(FoundFlag(step.id, option.flag))
        answered += 1
        index = advance(flow, index, option, facts)
    return Position(index, facts, tuple(flags), answered)


def option_by_id(step: FlowStep, option_id: str) -> FlowOption | None:
    return next((option for option in step.options if option.id == option_id), None)


def remaining(flow: Flow, position: Position) -> int:
    """Steps still ahead on the default path with the facts known now (for "3 of 9")."""
    count = 0
    index = position.index
    seen: set[int] = set()
    while index is not None and index not in seen:
        seen.add(index)
        count += 1
        index = advance(flow, index, None, position.facts)
    return count


def new_run(flow: Flow) -> dict[str, Any]:
    """JSON-ready state of a fresh run: only the answers are kept, the rest is replayed."""
    return {"flow": flow.id, "answers": []}
