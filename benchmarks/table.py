"""One results table: each figure beside its baseline, the ratio, the target and pass/fail."""

from __future__ import annotations

import datetime as dt
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HEADER = ("metric", "ours", "baseline", "ratio", "target", "result")


@dataclass(frozen=True)
class Target:
    """A goal on `ours` or `ratio`; `applies` is False when the run was smaller than the goal."""

    text: str
    met: Callable[[float, float], bool]
    applies: bool = True


def at_most(limit: float, unit: str, applies: bool = True) -> Target:
    return Target(f"≤ {limit:g} {unit}", lambda ours, ratio: ours <= limit, applies)


def at_least(limit: float, unit: str, applies: bool = True) -> Target:
    return Target(f"≥ {limit:,g} {unit}", lambda ours, ratio: ours >= limit, applies)


def ratio_at_least(limit: float, applies: bool = True) -> Target:
    return Target(f"≥ {limit:g}× baseline", lambda ours, ratio: ratio >= limit, applies)


@dataclass(frozen=True)
class Row:
    """One measured figure; `ratio` is how many times better ours is than the baseline."""

    metric: str
    unit: str
    ours: float
    baseline: float | None = None
    baseline_name: str = ""
    higher_is_better: bool = True
    targets: tuple[Target, ...] = field(default_factory=tuple)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.ours or not self.baseline:
            return None
        return self.ours / self.baseline if self.higher_is_better else self.baseline / self.ours

    def result(self) -> str:
        checked = [t for t in self.targets if t.applies]
        if not self.targets:
            return ""
        if not checked:
            return "n/a (smaller run)"
        ratio = self.ratio or 0.0
        failed = [t.text for t in checked if not t.met(self.ours, ratio)]
        return f"FAIL ({'; '.join(failed)})" if failed else "pass"

    def cells(self) -> tuple[str, ...]:
        baseline = ""
        if self.baseline is not None:
            baseline = f"{number(self.baseline)} {self.unit} ({self.baseline_name})"
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}×"
        target = "; ".join(t.text for t in self.targets)
        return (
            self.metric,
            f"{number(self.ours)} {self.unit}",
            baseline,
            ratio,
            target,
            self.result(),
        )


def number(value: float) -> str:
    """Three significant figures at most, thousands separated: readable at any magnitude."""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def markdown(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    """Where the figures come from: they mean little without the CPU and Python that made them."""
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{dt.date.today().isoformat()}"
    )


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def report(rows: list[Row], mode: str, notes: list[str]) -> str:
    body = [
        f"Machine: {machine()}. Run: `python -m benchmarks{mode}`.",
        "",
        markdown(rows),
    ]
    if notes:
        body += ["", *[f"- {note}" for note in notes]]
    return "\n".join(body) + "\n"
