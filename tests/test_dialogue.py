"""Routing in the pure core: commands, buttons (real, stale, forged), text, media, handoff."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.loader import Content
from bot.content.models import Flow
from bot.dialogue import Dialogue
from bot.events import (
    Ask,
    ClearChat,
    CountEvent,
    Forget,
    Inbound,
    OpenCase,
    RelayToOperator,
    Say,
    ShowMenu,
)
from bot.flows.engine import replay
from bot.handoff.cases import operator_card
from bot.handoff.model import Case
from bot.menu import human_button
from bot.state import State
from bot.text.language import LANGS
from bot.understanding import Understanding


@pytest.fixture(scope="module")
def dialogue(content: Content) -> Dialogue:
    return Dialogue(content)


def text(message: str) -> Inbound:
    return Inbound("text", text=message, at=1.0)


def press(data: str) -> Inbound:
    return Inbound("button", data=data, at=1.0)


def command(name: str) -> Inbound:
    return Inbound("command", command=name, at=1.0)


def test_first_start_asks_for_language(dialogue: Dialogue) -> None:
    _, events = dialogue.handle(State(), Inbound("command", command="start", lang_hint="ky"))
    assert isinstance(events[0], Ask)
    assert [b.data for b in events[0].buttons] == [f"v1:l:{lang}" for lang in LANGS]
    assert events[0].text == dialogue.content.text("welcome_pick_language", "ky")


@pytest.mark.parametrize("lang", LANGS)
def test_choosing_a_language_shows_the_menu_in_it(dialogue: Dialogue, lang: str) -> None:
    state, events = dialogue.handle(State(), press(f"v1:l:{lang}"))
    assert state.lang == lang
    assert isinstance(events[0], ShowMenu)
    assert events[0].buttons[0].label == dialogue.content.text("menu_checklists", lang)
    assert len(events[0].buttons) == 7


def test_menu_help_lang_privacy_commands(dialogue: Dialogue) -> None:
    state = State(lang="en")
    assert isinstance(dialogue.handle(state, command("menu"))[1][0], ShowMenu)
    assert isinstance(dialogue.handle(state, command("help"))[1][0], Say)
    assert len(dialogue.handle(state, command("lang"))[1][0].buttons) == 5  # type: ignore[attr-defined]
    assert "anonymous" in dialogue.handle(state, command("privacy"))[1][0].text  # type: ignore[attr-defined]


def test_unknown_command_is_answered_kindly(dialogue: Dialogue) -> None:
    _, events = dialogue.handle(State(lang="en"), command("xyz"))
    assert events[0] == Say(dialogue.content.text("unknown_command", "en"))
    assert isinstance(events[1], ShowMenu)


def test_topic_button_answers_in_the_users_language(dialogue: Dialogue, content: Content) -> None:
    _, events = dialogue.handle(State(lang="tg"), press("v1:t:ru-patent"))
    answer = events[0]
    assert isinstance(answer, Ask)
    assert content.topics_by_id["ru-patent"].answer["tg"] in answer.text
    assert any(b.data == "v1:h" for b in answer.buttons)


@pytest.mark.parametrize(
    "data",
    [
        "",
        "v1",
        "v2:t:ru-patent",
        "v1:t:no-such-topic",
        "v1:zz:1",
        "v1:l:fr",
        "x" * 80,
        "v1:f:nope:a:b",
    ],
)
def test_forged_or_stale_buttons_get_the_menu(dialogue: Dialogue, data: str) -> None:
    state, events = dialogue.handle(State(lang="en"), press(data))
    assert any(isinstance(e, ShowMenu) for e in events) or isinstance(events[0], Say)
    assert state.lang == "en"


def test_danger_opens_a_case_and_answers_no_faq(dialogue: Dialogue) -> None:
    state, events = dialogue.handle(
        State(lang="ru"), text("работодатель забрал паспорт и не отдает")
    )
    assert isinstance(events[0], OpenCase)
    assert "document_retention" in events[0].categories
    assert events[0].phrase
    assert state.case is not None
    assert not any(isinstance(e, Ask) for e in events)


def test_a_danger_only_the_model_sees_tells_operators_it_is_the_models_judgement(
    dialogue: Dialogue, content: Content
) -> None:
    told = "хозяин говорит домой поедешь когда сезон кончится, а документы пока у него в машине"
    _, events = dialogue.handle(State(lang="ru"), text(told))
    opened = events[0]
    assert isinstance(opened, OpenCase) and opened.reason == "risk"
    assert not opened.phrase  # no editors' pattern fired
    assert opened.weighed and set(opened.weighed.split(", ")) <= set(told.replace(",", "").split())
    case = Case(1, "key", "#MDL1", "ru", "risk", opened.categories)
    card = operator_card(content, case, "en", opened)
    assert content.text("op_weighed", "en", words=opened.weighed) in card
    assert "Triggered by" not in card


def test_asking_for_a_person_opens_a_case(dialogue: Dialogue) -> None:
    _, events = dialogue.handle(State(lang="uz"), text("odam bilan gaplashmoqchiman"))
    assert isinstance(events[0], OpenCase) and events[0].reason == "request"


def test_possible_danger_gets_the_answer_and_a_plain_safety_question(content: Content) -> None:
    doubting = _doubting_dialogue(content)
    state, events = doubting.handle(State(lang="en"), text("how do i send money home safely"))
    assert state.case is None
    assert isinstance(events[0], Ask)  # the FAQ answer comes first, unchanged
    check = [
        e for e in events if isinstance(e, Ask) and e.text == content.text("safety_check", "en")
    ]
    assert [b.data for b in check[0].buttons] == ["v1:h"]
    assert CountEvent("safety_check") in events
    _, pressed = doubting.handle(state, press("v1:h"))
    assert isinstance(pressed[0], OpenCase) and pressed[0].reason == "request"


def test_a_checklist_asks_about_safety_after_a_worrying_typed_answer(content: Content) -> None:
    flow = content.flows["offer-check"]
    state = State(lang="en", flow={"flow": flow.id, "answers": _answers_until(flow, "other")})
    after, events = _doubting_dialogue(content).handle(state, text("the boss is strange"))
    assert after.flow is not None and after.flow["answers"][-1][0] == "other"
    assert events[-1] == CountEvent("safety_check")
    assert events[-2] == Ask(content.text("safety_check", "en"), (human_button(content, "en"),))


def _doubting_dialogue(content: Content) -> Dialogue:
    """Every message falls between "ask" and "alarm": the model doubts, nothing is certain."""
    understanding = Understanding(content)
    model = understanding.detector.model
    assert model is not None
    understanding.detector.model = replace(model, ask=0.0, confirm=0.0, alarm=1.01)
    return Dialogue(content, understanding)


def _answers_until(flow: Flow, step_id: str) -> list[list[str]]:
    """The first option of every step before `step_id`, along the path the flow takes."""
    answers: list[list[str]] = []
    while (index := replay(flow, answers).index) is not None:
        step = flow.steps[index]
        if step.id == step_id:
            return answers
        answers.append([step.id, step.options[0].id])
    raise AssertionError(f"{step_id} not reached")


def test_plain_questions_get_no_safety_question(dialogue: Dialogue, content: Content) -> None:
    for question in ("how do i send money home safely", "паспорт потерял что делать"):
        _, events = dialogue.handle(State(lang="en"), text(question))
        assert content.text("safety_check", "en") not in [getattr(e, "text", "") for e in events]


def test_inside_a_case_everything_is_relayed(dialogue: Dialogue) -> None:
    state = State(lang="ru", case={"opened_at": 1.0, "reason": "risk"})
    assert dialogue.handle(state, text("сколько стоит патент"))[1] == [
        RelayToOperator(text="сколько стоит патент")
    ]
    assert dialogue.handle(state, Inbound("media", media="voice"))[1] == [
        RelayToOperator(media="voice")
    ]
    assert dialogue.handle(state, Inbound("media", media="contact"))[1] == [
        Say(dialogue.content.text("handoff_contact_kept", "ru"))
    ]


def test_a_banned_user_is_told_and_reaches_nobody_until_unbanned(dialogue: Dialogue) -> None:
    in_case = State(lang="ru", case={"opened_at": 1.0, "reason": "risk"})
    system = Inbound("system", command="ban", at=1.0)
    banned, events = dialogue.handle(in_case, system)
    assert Say(dialogue.content.text("handoff_banned", "ru")) in events
    for attempt in (text("работодатель забрал паспорт"), press("v1:h")):
        _, events = dialogue.handle(banned, attempt)
        assert not any(isinstance(e, OpenCase | RelayToOperator) for e in events)
        assert isinstance(events[0], ShowMenu)
        assert events[0].text == dialogue.content.text("handoff_banned", "ru")
    unbanned, events = dialogue.handle(banned, Inbound("system", command="unban", at=1.0))
    assert Say(dialogue.content.text("handoff_unbanned", "ru")) in events
    assert dialogue.handle(unbanned, text("я тут"))[1] == [RelayToOperator(text="я тут")]


def test_media_outside_a_case_offers_a_person(dialogue: Dialogue) -> None:
    _, events = dialogue.handle(State(lang="ky"), Inbound("media", media="voice"))
    assert isinstance(events[0], Ask)
    assert events[0].text == dialogue.content.text("media_text_only", "ky")
    assert events[0].buttons[0].data == "v1:h"


def test_nonsense_says_so_and_shows_the_menu(dialogue: Dialogue) -> None:
    _, events = dialogue.handle(State(lang="en"), text("zxqv wpolk"))
    assert isinstance(events[0], ShowMenu)
    assert events[0].text == dialogue.content.text("faq_no_match", "en")


def test_forget_erases_and_confirms(dialogue: Dialogue) -> None:
    state, events = dialogue.handle(
        State(lang="en", flow={"flow": "x", "answers": []}), command("forget")
    )
    assert isinstance(events[0], Forget)
    assert state == State(lang="en")


def test_state_survives_json_and_broken_json_starts_fresh() -> None:
    state = State(
        lang="tg", flow={"flow": "offer-check", "answers": [["who", "agency"]]}, seen_at=3.0
    )
    assert State.from_json(state.to_json()) == state
    assert State.from_json("{not json") == State()
    assert State.from_json('{"lang": "ru", "unknown": 1}') == State(lang="ru")


ODD_CHARACTERS = "\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u2069\ufeff\u0627"
odd_text = st.text(alphabet=st.characters() | st.sampled_from(ODD_CHARACTERS), max_size=300)
huge_text = st.builds(
    lambda c, n: c * n, st.sampled_from(["а", "x ", "\u200b"]), st.integers(4000, 5000)
)
inbounds = st.one_of(
    st.builds(lambda t: Inbound("text", text=t, at=1.0), odd_text | huge_text),
    st.builds(
        lambda d: Inbound("button", data=d, at=1.0),
        st.text(max_size=80) | st.sampled_from(["v1:exit", "v1:forget", "v1:h", "v1:l:xx"]),
    ),
    st.builds(
        lambda c, a: Inbound("command", command=c, text=a, at=1.0),
        st.text(max_size=20) | st.sampled_from(["start", "clear", "forget", "privacy", "menu"]),
        odd_text,
    ),
    st.builds(
        lambda m, t: Inbound("media", media=m, text=t, at=1.0),
        st.sampled_from(
            ["photo", "voice", "sticker", "video_note", "document", "contact", "location", "poll"]
        ),
        st.text(max_size=20),
    ),
)
start_states = st.builds(
    lambda lang, case, banned: State(
        lang=lang,
        case={"opened_at": 1.0, "reason": "risk"} if case else None,
        extra={"banned": True} if banned else {},
    ),
    st.sampled_from([None, *LANGS]),
    st.booleans(),
    st.booleans(),
)
VISIBLE = (Say, Ask, OpenCase, RelayToOperator)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(inbounds, min_size=1, max_size=6), start_states)
def test_any_input_gets_an_answer_and_never_an_exception(
    dialogue: Dialogue, actions: list[Inbound], state: State
) -> None:
    """Whatever arrives, in whatever state (new, in a case, banned): no exception, an answer."""
    for inbound in actions:
        state, events = dialogue.handle(state, inbound)
        assert any(isinstance(e, VISIBLE) for e in events), (inbound, events)
        State.from_json(state.to_json())
        if state.extra.get("banned"):
            assert not any(isinstance(e, RelayToOperator | OpenCase) for e in events)


def test_clear_wipes_first_then_says_one_neutral_line(dialogue: Dialogue) -> None:
    state = State(lang="ky", flow={"flow": "offer-check", "answers": []})
    for inbound in (command("clear"), press("v1:exit")):
        new_state, events = dialogue.handle(state, inbound)
        assert isinstance(events[0], ClearChat)
        assert events[1] == Say(dialogue.content.text("quick_exit_neutral", "ky"))
        assert new_state.flow is None and new_state.lang == "ky"


def test_privacy_offers_quick_exit_and_erasure(dialogue: Dialogue) -> None:
    _, events = dialogue.handle(State(lang="en"), command("privacy"))
    assert [b.data for b in events[0].buttons][:2] == ["v1:exit", "v1:forget"]  # type: ignore[attr-defined]


def test_forget_keeps_only_the_ban(dialogue: Dialogue) -> None:
    banned = State(lang="ru", case={"opened_at": 1.0}, extra={"banned": True, "x": 1})
    state, events = dialogue.handle(banned, command("forget"))
    assert events[0] == Forget(keep_ban=True)
    assert state == State(lang="ru", extra={"banned": True})


def test_contact_cards_are_never_relayed(dialogue: Dialogue) -> None:
    outside = State(lang="ru")
    _, events = dialogue.handle(outside, Inbound("media", media="contact", at=1.0))
    assert events == [Say(dialogue.content.text("contact_not_relayed", "ru"))]
    banned = State(lang="ru", case={"opened_at": 1.0}, extra={"banned": True})
    _, events = dialogue.handle(banned, Inbound("media", media="contact", at=1.0))
    assert events == [Say(dialogue.content.text("contact_not_relayed", "ru"))]
