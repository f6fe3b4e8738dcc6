"""Donor report from the anonymous daily counters: a CSV table and a PNG chart.

Only counters are read (never cases or states), so a report covers any period, long after
retention has purged the conversations themselves. Small cells are hidden: a count from 1 to
4 shows as "<5", and where a lone small cell could be worked out from a group's total, the
next smallest cell of that group is hidden too ("hidden").
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bot.config import Config
from bot.content.loader import Content
from bot.storage.base import CounterRow

SMALL = 5
SMALL_CELL = "<5"
HIDDEN = "hidden"
LANGUAGE_NAMES = {"ru": "Russian", "ky": "Kyrgyz", "uz": "Uzbek", "tg": "Tajik", "en": "English"}
REASON_NAMES = {"risk": "danger signs", "red_flag": "checklist red flag", "request": "asked"}

# (section, counter name, title): each section is one breakdown of one counter.
SECTIONS = (
    ("faq_answers", "faq_answer.result", "Free-text questions by FAQ result"),
    ("faq_topics", "faq_topic.topic", "FAQ topics answered"),
    ("checklists_completed", "checklist_completed.flow", "Checklists completed"),
    ("checklists_with_red_flags", "checklist_flagged.flow", "Checklists with red flags"),
    ("red_flags_per_checklist", "checklist_completed.red_flags", "Red flags per checklist"),
    ("cases_by_reason", "cases_opened", "Cases by reason"),
    ("cases_by_category", "risk_category", "Cases by risk category"),
    ("cases_by_language", "case_lang", "Cases by language"),
    ("cases_by_destination", "case_destination", "Cases by destination"),
)
TOTALS = (
    ("conversations", "conversations"),
    ("cases_opened", "cases_opened"),
    ("cases_claimed", "cases_claimed"),
    ("cases_closed", "cases_closed"),
    ("safety_checks", "safety_check"),
)


@dataclass(frozen=True)
class Cell:
    """One figure of the report, already made safe to publish (`shown`)."""

    section: str
    key: str
    label: str
    shown: str

    @property
    def plotted(self) -> int | None:
        """The number a chart may draw; None for a hidden or small cell."""
        return int(self.shown) if self.shown.isdigit() else None


@dataclass(frozen=True)
class Report:
    first_day: str
    last_day: str
    cells: list[Cell] = field(default_factory=list)

    def section(self, name: str) -> list[Cell]:
        return [cell for cell in self.cells if cell.section == name]

    def value(self, section: str, key: str) -> str:
        return next((c.shown for c in self.cells if c.section == section and c.key == key), "0")


def build_report(
    rows: Iterable[CounterRow], first_day: str, last_day: str, content: Content | None = None
) -> Report:
    """Sum the counters over the period and make every figure safe to publish."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if first_day <= row.day <= last_day:
            totals[row.name][row.label] += row.value
            if row.name == "conversations":
                totals["conversations.week"][_week_of(row.day, first_day)] += row.value
    names = _Names(content)
    cells = [Cell("period", "from", "First day", first_day)]
    cells.append(Cell("period", "to", "Last day", last_day))
    for key, name in TOTALS:  # totals are not parts of one whole: each is judged alone
        value = sum(totals[name].values())
        cells += _group("totals", {key: value}, lambda key: key.replace("_", " ").capitalize())
    cells += _group("conversations_by_week", totals["conversations.week"], _week_label)
    for section, counter, _ in SECTIONS:
        cells += _group(section, totals[counter], partial(names.label, section))
    cells += _time_to_claim(totals["time_to_claim_minutes"])
    return Report(first_day, last_day, cells)


def _group(section: str, values: dict[str, int], label: Callable[[str], str]) -> list[Cell]:
    shown = suppress(values)
    ordered = sorted(values, key=lambda key: (-values[key], key))
    if section in ("conversations_by_week", "red_flags_per_checklist"):
        ordered = sorted(values, key=lambda key: (len(key), key))
    return [Cell(section, key, label(key), shown[key]) for key in ordered]


def suppress(values: dict[str, int]) -> dict[str, str]:
    """Counts of 1-4 become "<5"; more cells are hidden until a group's hidden part is >= 5."""
    small = {key for key, value in values.items() if 0 < value < SMALL}
    hidden: set[str] = set()
    if small:
        others = sorted((v, k) for k, v in values.items() if k not in small and v > 0)
        while others and (len(small | hidden) < 2 or _sum(values, small | hidden) < SMALL):
            hidden.add(others.pop(0)[1])
    return {
        key: SMALL_CELL if key in small else HIDDEN if key in hidden else str(value)
        for key, value in values.items()
    }


def _sum(values: dict[str, int], keys: set[str]) -> int:
    return sum(values[key] for key in keys)


def _time_to_claim(minutes: dict[str, int]) -> list[Cell]:
    """Median minutes from a case opening to its claim; hidden below five claims."""
    waits = [int(m) for m, count in minutes.items() if m.isdigit() for _ in range(count)]
    claims = len(waits)
    median = f"{statistics.median(waits):g}" if claims >= SMALL else SMALL_CELL
    return [
        Cell("time_to_claim", "claims_measured", "Claims measured", suppress({"n": claims})["n"]),
        Cell("time_to_claim", "median_minutes", "Median minutes to claim", median),
    ]


def _week_of(day: str, first_day: str) -> str:
    """The Monday of the day's week, or the period's first day for a week cut by it."""
    date = dt.date.fromisoformat(day)
    monday = (date - dt.timedelta(days=date.weekday())).isoformat()
    return max(monday, first_day)


def _week_label(key: str) -> str:
    return f"week from {key}"


class _Names:
    """Readable names for ids (topics, flows, categories, countries) from the content, in en."""

    def __init__(self, content: Content | None) -> None:
        self.by_section: dict[str, dict[str, str]] = {
            "cases_by_language": LANGUAGE_NAMES,
            "cases_by_reason": REASON_NAMES,
        }
        if content is not None:
            self._from_content(content)

    def _from_content(self, content: Content) -> None:
        topics = {t.id: t.title.get("en", t.id) for t in content.faq.topics}
        flows = {f.id: f.title.get("en", f.id) for f in content.flows.values()}
        categories = {c.id: c.label.get("en", c.id) for c in content.risk.categories}
        countries = {c.code: c.name.get("en", c.code) for c in content.hotlines.countries}
        self.by_section.update(
            faq_topics=topics,
            checklists_completed=flows,
            checklists_with_red_flags=flows,
            cases_by_category=categories,
            cases_by_destination=countries,
        )

    def label(self, section: str, key: str) -> str:
        if section == "red_flags_per_checklist":
            return f"{key} red flag{'' if key == '1' else 's'}"
        return self.by_section.get(section, {}).get(key, key)


def write_csv(report: Report, path: Path) -> None:
    """One row per figure: section, key (stable id), label (readable), value (safe to publish)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["section", "key", "label", "value"])
        for cell in report.cells:
            writer.writerow([cell.section, cell.key, cell.label, cell.shown])


async def write_report(
    config: Config, content: Content, first_day: str, last_day: str, folder: Path
) -> list[Path]:
    """Read the counters from the configured storage (any backend), write CSV and PNG."""
    from bot.report_chart import draw_chart
    from bot.storage import open_storage

    storage = await open_storage(config)
    try:
        rows = await storage.counters(first_day, last_day)
    finally:
        await storage.close()
    report = build_report(rows, first_day, last_day, content)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"consultations-{first_day}_{last_day}"
    csv_path, png_path = stem.with_suffix(".csv"), stem.with_suffix(".png")
    write_csv(report, csv_path)
    draw_chart(report, png_path)
    return [csv_path, png_path]
