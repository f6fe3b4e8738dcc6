"""Checks a checklist as a graph, so a broken edit never strands a user mid-flow."""

from __future__ import annotations

from collections.abc import Iterator

from bot.content.models import Flow, FlowStep
from bot.content.yamlsource import Problem, YamlDocument

END = "end"
CALLBACK_LIMIT = 64


def flow_callback(flow_id: str, step_id: str, option_id: str) -> str:
    """Button payload for one option; shared by the engine and the 64-byte check."""
    return f"v1:f:{flow_id}:{step_id}:{option_id}"


def following(flow: Flow, index: int) -> str:
    """The step after position `index`, or the end of the flow."""
    return flow.steps[index + 1].id if index + 1 < len(flow.steps) else END


def successors(flow: Flow, index: int) -> set[str]:
    """Every step the engine can move to from the step at `index`."""
    step = flow.steps[index]
    default = step.next or following(flow, index)
    targets = {option.next or default for option in step.options}
    if not step.options or step.when or step.free_text:
        targets.add(default)
    return targets


def check_flow(flow: Flow, doc: YamlDocument, topic_ids: set[str]) -> Iterator[Problem]:
    """Dangling ids, unreachable steps, dead ends, oversize callbacks, bad step shapes."""
    ids = [step.id for step in flow.steps]
    for pos, ref in enumerate(flow.related):
        if ref not in topic_ids:
            yield Problem(doc.path, doc.line_of(["related", pos]), f"unknown FAQ topic '{ref}'")
    seen: set[str] = set()
    for index, step in enumerate(flow.steps):
        if step.id in seen:
            yield Problem(
                doc.path, doc.line_of(["steps", index, "id"]), f"duplicate step id '{step.id}'"
            )
        seen.add(step.id)
        yield from _check_step(flow, step, index, doc, set(ids))
    if not flow.steps:
        yield Problem(doc.path, doc.line_of(["steps"]), "flow has no steps")
        return
    yield from _check_graph(flow, doc)


def _check_step(
    flow: Flow, step: FlowStep, index: int, doc: YamlDocument, ids: set[str]
) -> Iterator[Problem]:
    loc: list[str | int] = ["steps", index]
    if (step.question is None) == (step.info is None):
        yield Problem(
            doc.path, doc.line_of(loc), f"step '{step.id}' needs exactly one of question/info"
        )
    if step.question is not None and not step.options and not step.free_text:
        yield Problem(doc.path, doc.line_of(loc), f"question '{step.id}' has no options")
    if step.info is not None and step.options:
        yield Problem(
            doc.path, doc.line_of([*loc, "options"]), f"info step '{step.id}' cannot have options"
        )
    if step.next and step.next not in ids and step.next != END:
        yield Problem(doc.path, doc.line_of([*loc, "next"]), f"unknown next step '{step.next}'")
    option_ids: set[str] = set()
    for pos, option in enumerate(step.options):
        where = [*loc, "options", pos]
        if option.id in option_ids:
            yield Problem(
                doc.path, doc.line_of([*where, "id"]), f"duplicate option id '{option.id}'"
            )
        option_ids.add(option.id)
        if option.next and option.next not in ids and option.next != END:
            yield Problem(
                doc.path, doc.line_of([*where, "next"]), f"unknown next step '{option.next}'"
            )
        size = len(flow_callback(flow.id, step.id, option.id).encode())
        if size > CALLBACK_LIMIT:
            message = f"button data for option '{option.id}' is {size} bytes (Telegram allows 64)"
            yield Problem(doc.path, doc.line_of([*where, "id"]), message)


def _check_graph(flow: Flow, doc: YamlDocument) -> Iterator[Problem]:
    position = {step.id: index for index, step in enumerate(flow.steps)}
    edges = {
        step.id: successors(flow, i) & (set(position) | {END}) for i, step in enumerate(flow.steps)
    }
    reachable = _reach({flow.steps[0].id}, edges)
    reverse: dict[str, set[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            reverse.setdefault(target, set()).add(source)
    finishing = _reach({END}, reverse)
    for step in flow.steps:
        line = doc.line_of(["steps", position[step.id]])
        if step.id not in reachable:
            yield Problem(doc.path, line, f"step '{step.id}' is unreachable")
        elif step.id not in finishing:
            yield Problem(doc.path, line, f"step '{step.id}' is in a cycle with no way to the end")


def _reach(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = list(start)
    while todo:
        for target in edges.get(todo.pop(), set()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen
