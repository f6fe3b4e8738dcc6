"""The donor report as one PNG page: six small bar charts drawn only from publishable cells."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from bot.report import HIDDEN, SMALL, SMALL_CELL, Cell, Report

PANELS = (
    ("conversations_by_week", "Conversations per week"),
    ("faq_topics", "FAQ topics answered (top 8)"),
    ("checklists_completed", "Checklists completed"),
    ("cases_by_category", "Cases by risk category"),
    ("cases_by_language", "Cases by language"),
    ("cases_by_destination", "Cases by destination"),
)
TOP = 8
BAR = "#2b6f9e"
SMALL_BAR = "#c9d9e6"


def draw_chart(report: Report, path: Path) -> None:
    """A 3x2 grid of horizontal bars; small cells are a pale hatched bar up to 5 marked "<5"."""
    figure, axes = plt.subplots(3, 2, figsize=(12, 13), layout="constrained")
    figure.suptitle(_title(report), fontsize=15, fontweight="bold")
    for ax, (section, title) in zip(axes.flat, PANELS, strict=True):
        _panel(ax, title, report.section(section)[:TOP])
    figure.text(0.5, -0.01, _footer(report), ha="center", va="top", fontsize=10, wrap=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)


def _title(report: Report) -> str:
    return f"Consultations {report.first_day} to {report.last_day}"


def _footer(report: Report) -> str:
    def total(key: str) -> str:
        return report.value("totals", key)

    return (
        f"Conversations: {total('conversations')}   ·   Cases opened: {total('cases_opened')}, "
        f"claimed: {total('cases_claimed')}, closed: {total('cases_closed')}   ·   "
        f"Median minutes to claim: {report.value('time_to_claim', 'median_minutes')}\n"
        f'Counts from 1 to 4 are shown as "{SMALL_CELL}"; "{HIDDEN}" marks a cell withheld '
        "so that a small one cannot be worked out from a total. No person can be singled out."
    )


def _panel(ax: Axes, title: str, cells: list[Cell]) -> None:
    ax.set_title(title, loc="left", fontsize=12)
    ax.spines[["top", "right"]].set_visible(False)
    if not cells:
        ax.text(0.5, 0.5, "nothing in this period", ha="center", va="center", color="grey")
        ax.set_axis_off()
        return
    labels = [_short(cell.label) for cell in reversed(cells)]
    for row, cell in enumerate(reversed(cells)):
        _bar(ax, row, cell)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.margins(x=0.15)


def _bar(ax: Axes, row: int, cell: Cell) -> None:
    value = cell.plotted
    if value is None:
        width = SMALL if cell.shown == SMALL_CELL else 0
        ax.barh(row, width, height=0.6, color=SMALL_BAR, hatch="//", edgecolor="white")
        ax.text(width, row, f" {cell.shown}", va="center", fontsize=9, color="#555555")
        return
    ax.barh(row, value, height=0.6, color=BAR)
    ax.text(value, row, f" {value}", va="center", fontsize=9)


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
