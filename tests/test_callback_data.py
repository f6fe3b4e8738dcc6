"""Core payloads travel as aiogram CallbackData and come back unchanged; nothing else does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content.flowgraph import flow_callback
from bot.content.loader import Content
from bot.events import Button
from bot.telegram.render import CoreButton, keyboard

SAFE = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ0123456789:_-", min_size=1, max_size=61)


@given(SAFE)
def test_core_payloads_round_trip(payload: str) -> None:
    core = f"v1:{payload}"
    wire = CoreButton.from_core(core).pack()
    assert wire == f"v1|{payload}" and len(wire.encode()) == len(core.encode())
    assert CoreButton.unpack(wire).to_core() == core


def test_every_checklist_option_fits(content: Content) -> None:
    for flow in content.flows.values():
        for step in flow.steps:
            for option in step.options:
                CoreButton.from_core(flow_callback(flow.id, step.id, option.id)).pack()


@pytest.mark.parametrize(
    "wire", ["v1:m:menu", "v2|m:menu", "v1|m|menu", "v1|", "v1|m:<b>", "v1|" + "x" * 62, "v1|я"]
)
def test_forged_wire_data_is_refused(wire: str) -> None:
    with pytest.raises((TypeError, ValueError)):
        CoreButton.unpack(wire)


def test_a_payload_the_core_should_never_make_is_left_off_the_keyboard() -> None:
    markup = keyboard((Button("ok", "v1:m:menu"), Button("bad", "v1:m|x"), Button("old", "m:x")))
    assert markup is not None
    assert [row[0].callback_data for row in markup.inline_keyboard] == ["v1|m:menu"]
