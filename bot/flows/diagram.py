"""Mermaid flowcharts of checklists, so editors can see the branches they wrote."""

from __future__ import annotations

from bot.content.flowgraph import END, following
from bot.content.models import Flow


def mermaid(flow: Flow, lang: str) -> str:
    """One node per step, one edge per option (labelled), conditions shown on the node."""
    lines = ["flowchart TD", f"  start([{_label(flow.title.get(lang, flow.id))}])"]
    lines.append(f"  start --> {flow.steps[0].id}" if flow.steps else "  start --> end_")
    for index, step in enumerate(flow.steps):
        text = step.question or step.info or {}
        condition = " ".join(f"{k}={'/'.join(v)}" for k, v in step.when.items())
        title = f"{step.id}: {_short(text.get(lang, ''))}"
        lines.append(
            f'  {step.id}["{_label(title)}{"<br/>if " + condition if condition else ""}"]'
        )
        default = step.next or following(flow, index)
        for option in step.options:
            flag = " ⚠" if option.flag else ""
            label = _label(_short(option.text.get(lang, option.id), 24) + flag)
            lines.append(f'  {step.id} -->|"{label}"| {_node(option.next or default)}')
        if not step.options or step.when or step.free_text:
            lines.append(f"  {step.id} --> {_node(default)}")
    lines.append("  end_([end: summary])")
    return "\n".join(lines) + "\n"


def _node(step_id: str) -> str:
    return "end_" if step_id == END else step_id


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _label(text: str) -> str:
    return text.replace('"', "'").replace("[", "(").replace("]", ")")
