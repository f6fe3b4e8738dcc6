"""Triage (normalise + risk + FAQ) per message next to rapidfuzz extractOne(WRatio)."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from benchmarks.content_growth import grow
from benchmarks.sizes import TARGET_PHRASINGS, Sizes
from benchmarks.table import Row, Target, at_most, ratio_at_least
from bot.content.loader import Content
from bot.understanding import Understanding, _phrasings

ROOT = Path(__file__).resolve().parent.parent
EVAL_FILES = ("tests/data/eval_faq.jsonl", "tests/data/eval_risk.jsonl")
BASELINE = "WRatio extractOne"


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p99_ms: float


def messages(limit: int) -> list[str]:
    """Real users' phrasings from the evaluation sets, FAQ questions and risk messages alike."""
    texts = [
        json.loads(line)["text"]
        for name in EVAL_FILES
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return spread(texts, limit)


def spread(items: list[str], count: int) -> list[str]:
    """An even sample across the list, so a short run still sees every language."""
    step = max(len(items) / max(count, 1), 1.0)
    return [items[int(i * step)] for i in range(min(count, len(items)))]


def timed(run: Callable[[str], object], queries: list[str]) -> Timing:
    timings = []
    for query in queries:
        start = time.perf_counter()
        run(query)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return Timing(statistics.median(timings), timings[max(int(len(timings) * 0.99) - 1, 0)])


def measure_content(
    content: Content, queries: list[str], baseline_queries: int
) -> tuple[int, Timing, Timing, Timing]:
    """Ours over every query on a freshly built index; the baseline over a sample (it is slow).

    Returns the FAQ matcher alone, the whole triage, and the baseline.
    """
    understanding = Understanding(content)
    choices = [phrasing.text for phrasing in _phrasings(content)]
    matcher = timed(understanding.index.match, queries)
    ours = timed(understanding.triage, queries)
    theirs = timed(
        lambda query: process.extractOne(query, choices, scorer=fuzz.WRatio),
        spread(queries, baseline_queries),
    )
    return len(choices), matcher, ours, theirs


def rows(content: Content, sizes: Sizes) -> tuple[list[Row], list[Row]]:
    """Rows at shipped content and at the 10,000-phrasing target, then the growth rows."""
    queries = messages(sizes.triage_queries)
    to_target = TARGET_PHRASINGS / len(_phrasings(content))
    runs: list[tuple[str, float, tuple[Target, ...]]] = [
        ("shipped content", 1.0, ()),
        (f"{TARGET_PHRASINGS:,} phrasings", to_target, (at_most(0.2, "ms"), ratio_at_least(50))),
    ]
    runs += [(f"{factor}× content", float(factor), ()) for factor in sizes.content_factors[1:]]
    found: list[Row] = []
    for label, factor, targets in runs:
        count, matcher, ours, theirs = measure_content(
            grow(content, factor), queries, sizes.baseline_queries
        )
        name = f"{label} ({count:,} phrasings)"
        found += [
            Row(
                f"FAQ matcher, {name}: median",
                "ms",
                matcher.median_ms,
                theirs.median_ms,
                BASELINE,
                False,
                targets,
            ),
            Row(
                f"triage, {name}: median",
                "ms",
                ours.median_ms,
                theirs.median_ms,
                BASELINE,
                False,
                targets,
            ),
            Row(f"triage, {name}: p99", "ms", ours.p99_ms, theirs.p99_ms, BASELINE, False),
        ]
    return found[:6], found[6:]
