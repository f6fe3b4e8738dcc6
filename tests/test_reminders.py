"""Deadline reminders in the pure core: opt in, what gets scheduled, fire, cancel, forget."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.content.loader import Content
from bot.dialogue import Dialogue
from bot.events import Ask, Event, Forget, Inbound, Say, Schedule, Unschedule
from bot.reminders import DAY, add_months
from bot.state import State

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC).timestamp()
REGISTRATION = "reminder:destination:ru-registration-15"
PATENT = "reminder:destination:ru-patent-application"
PAYMENT = "reminder:destination:ru-patent-payment"


@pytest.fixture(scope="module")
def dialogue(content: Content) -> Dialogue:
    return Dialogue(content)


def press(
    dialogue: Dialogue, state: State, data: str, at: float = NOW
) -> tuple[State, list[Event]]:
    return dialogue.handle(state, Inbound("button", data=data, at=at))


def finished_checklist(dialogue: Dialogue, citizen: str, country: str) -> tuple[State, Ask]:
    """The destination checklist answered to the end; returns the state and the summary."""
    state, events = press(dialogue, State(lang="ru"), "v1:fs:destination")
    for step, option in (("citizen", citizen), ("country", country)):
        state, events = press(dialogue, state, f"v1:f:destination:{step}:{option}")
    while True:
        ask = next(e for e in events if isinstance(e, Ask))
        step_buttons = [b.data for b in ask.buttons if b.data.startswith("v1:f:destination:")]
        if not step_buttons:
            return state, ask
        state, events = press(dialogue, state, step_buttons[0])


def schedules(events: list[Event]) -> dict[str, int]:
    return {e.job: e.delay_seconds for e in events if isinstance(e, Schedule)}


def test_summary_offers_reminders_only_where_confirmed_deadlines_exist(dialogue: Dialogue) -> None:
    _, summary = finished_checklist(dialogue, "uz", "ru")
    assert "v1:rm:ask:destination" in [b.data for b in summary.buttons]
    for citizen, country in (("other", "ru"), ("kg", "tr"), ("uz", "gb")):
        _, summary = finished_checklist(dialogue, citizen, country)
        assert "v1:rm:ask:destination" not in [b.data for b in summary.buttons]


def test_opting_in_schedules_each_deadline_from_the_arrival_day(dialogue: Dialogue) -> None:
    state, _ = finished_checklist(dialogue, "uz", "ru")
    state, events = press(dialogue, state, "v1:rm:ask:destination")
    offered = [b.data for b in events[0].buttons]  # type: ignore[attr-defined]
    assert "v1:rm:on:destination:arrival:3" in offered
    assert "v1:rm:on:destination:payment:0" in offered
    state, events = press(dialogue, state, "v1:rm:on:destination:arrival:3")
    # registration due 15 days after arrival, reminded 3 days before; patent 30, 5 before
    assert schedules(events) == {REGISTRATION: (15 - 3 - 3) * DAY, PATENT: (30 - 5 - 3) * DAY}
    assert set(state.extra["reminders"]) == {REGISTRATION, PATENT}
    confirmation = events[-1]
    assert isinstance(confirmation, Ask)
    assert "11.11.2026" in confirmation.text and "24.11.2026" in confirmation.text
    assert "v1:rm:off" in [b.data for b in confirmation.buttons]


def test_a_deadline_too_close_is_named_not_scheduled(dialogue: Dialogue) -> None:
    state, _ = finished_checklist(dialogue, "uz", "ru")
    state, events = press(dialogue, state, "v1:rm:on:destination:arrival:14")
    assert set(schedules(events)) == {PATENT}
    assert "⚠️" in events[-1].text and "03.11.2026" in events[-1].text  # type: ignore[attr-defined]


def test_the_monthly_payment_counts_a_month_from_today(dialogue: Dialogue) -> None:
    state, _ = finished_checklist(dialogue, "tj", "ru")
    state, events = press(dialogue, state, "v1:rm:on:destination:payment:0")
    assert schedules(events) == {PAYMENT: int(add_months(NOW, 1) - 3 * DAY - NOW)}


def test_a_fired_reminder_speaks_the_users_language_and_a_monthly_one_comes_back(
    dialogue: Dialogue, content: Content
) -> None:
    state, _ = finished_checklist(dialogue, "uz", "ru")
    state, _ = press(dialogue, state, "v1:rm:on:destination:arrival:0")
    state, _ = press(dialogue, state, "v1:rm:on:destination:payment:0")
    fire_at = NOW + 12 * DAY
    state, events = dialogue.handle(state, Inbound("system", command=REGISTRATION, at=fire_at))
    assert "миграционный учёт" in events[0].text and "17.11.2026" in events[0].text  # type: ignore[attr-defined]
    assert REGISTRATION not in state.extra["reminders"] and PATENT in state.extra["reminders"]
    paid_until = add_months(NOW, 1)
    state, events = dialogue.handle(
        state, Inbound("system", command=PAYMENT, at=paid_until - 3 * DAY)
    )
    assert "02.12.2026" in events[0].text  # type: ignore[attr-defined]
    assert schedules(events) == {PAYMENT: int(add_months(paid_until, 1) - paid_until)}
    assert state.extra["reminders"][PAYMENT] == add_months(paid_until, 1)


def test_one_button_cancels_every_reminder_and_a_late_timer_stays_silent(
    dialogue: Dialogue,
) -> None:
    state, _ = finished_checklist(dialogue, "uz", "ru")
    state, _ = press(dialogue, state, "v1:rm:on:destination:arrival:0")
    state, events = press(dialogue, state, "v1:rm:off")
    assert {e.job for e in events if isinstance(e, Unschedule)} == {REGISTRATION, PATENT}
    assert "reminders" not in state.extra
    _, late = dialogue.handle(state, Inbound("system", command=REGISTRATION, at=NOW + 20 * DAY))
    assert late == []


def test_forget_drops_reminders_with_everything_else(dialogue: Dialogue) -> None:
    state, _ = finished_checklist(dialogue, "kg", "ru")
    state, events = press(dialogue, state, "v1:rm:on:destination:arrival:1")
    assert set(schedules(events)) == {"reminder:destination:ru-eaeu-30-days"}
    state, events = dialogue.handle(state, Inbound("command", command="forget", at=NOW))
    assert any(isinstance(e, Forget) for e in events)
    assert state.extra == {} and state.flow is None


@pytest.mark.parametrize(
    "data",
    [
        "v1:rm:on:destination:arrival:5",  # not an offered day
        "v1:rm:on:destination:payment:0",  # Kyrgyz citizens pay no patent
        "v1:rm:on:offer-check:arrival:0",
        "v1:rm:ask:nowhere",
        "v1:rm:on:destination:arrival",
    ],
)
def test_forged_reminder_buttons_schedule_nothing(dialogue: Dialogue, data: str) -> None:
    state, _ = finished_checklist(dialogue, "kg", "ru")
    new_state, events = press(dialogue, state, data)
    assert schedules(events) == {} and new_state == state
    assert isinstance(events[0], Say)


def test_unverified_reminders_are_never_offered(content: Content) -> None:
    flow = content.flows["destination"]
    hidden = flow.model_copy(
        update={"reminders": [r.model_copy(update={"verified": False}) for r in flow.reminders]}
    )
    edited = Dialogue(dataclasses.replace(content, flows={"destination": hidden}))
    _, summary = finished_checklist(edited, "uz", "ru")
    assert all(not b.data.startswith("v1:rm:") for b in summary.buttons)


def test_months_keep_the_day_or_take_the_last_one() -> None:
    jan_31 = dt.datetime(2027, 1, 31, 8, tzinfo=dt.UTC).timestamp()
    assert dt.datetime.fromtimestamp(add_months(jan_31, 1), dt.UTC).date() == dt.date(2027, 2, 28)
    assert dt.datetime.fromtimestamp(add_months(jan_31, 12), dt.UTC).date() == dt.date(2028, 1, 31)
