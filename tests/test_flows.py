"""Every checklist completes in every language; every citizenship x destination gets rules."""

from __future__ import annotations

import pytest

from bot.content.loader import Content
from bot.flows import conversation
from bot.flows.engine import replay
from bot.text.language import LANGS

CITIZENSHIPS = ("kg", "uz", "tj", "other")
DESTINATIONS = ("ru", "kz", "kr", "tr", "ae", "gb")


@pytest.mark.parametrize("citizen", CITIZENSHIPS)
@pytest.mark.parametrize("country", DESTINATIONS)
def test_every_combination_reaches_its_rules_and_a_summary(
    content: Content, citizen: str, country: str
) -> None:
    flow = content.flows["destination"]
    answers = [["citizen", citizen], ["country", country]]
    position = replay(flow, answers)
    shown = []
    while not position.finished:
        step = flow.steps[position.index or 0]
        assert step.info is not None, step.id
        shown.append(step.id)
        answers.append([step.id, "-"])
        position = replay(flow, answers)
    assert shown, f"{citizen} x {country} gets no rules"
    assert all(step.startswith(country) for step in shown), shown
    events = conversation.summary(content, flow, position, "en")
    assert "Result of the checklist" in events[0].text  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", LANGS)
def test_every_flow_can_be_completed_in_every_language(content: Content, lang: str) -> None:
    for flow in content.flows.values():
        run = conversation.start(content, flow, lang).run
        assert run is not None
        for _ in range(len(flow.steps) + 1):
            position = replay(flow, run["answers"])
            if position.finished:
                break
            step = flow.steps[position.index or 0]
            option = step.options[0].id if step.options else conversation.CONTINUE
            turn = conversation.answer(content, flow, run, step.id, option, lang)
            assert turn.run is not None
            run = turn.run
        assert replay(flow, run["answers"]).finished, flow.id
