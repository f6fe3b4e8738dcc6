"""Keeps `make bench` working: the suite runs end to end at tiny sizes and fills every row.

Timings are not asserted (they depend on the machine); only that each figure exists and is
a plausible number.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

ROWS = [
    r"FAQ matcher, (shipped content|10,000 phrasings|10× content) \([\d,]+ phrasings\): median",
    r"triage, shipped content \([\d,]+ phrasings\): (median|p99)",
    r"triage, 10,000 phrasings \([\d,]+ phrasings\): (median|p99)",
    r"bot, (webhook|polling), SQLite, [\d,]+ users, \d+ at once: "
    r"(updates/s|updates per CPU-second of the bot's core|reply p50|reply p99)",
    r"state (writes|reads), [\d,]+ users \(SQLite store\)",
    r"start-up: process start to ready \(imports, content, app, SQLite\)",
    r"RSS after loading content",
    r"RSS after the load run and [\d,]+ more distinct users",
    r"triage, 10× content \([\d,]+ phrasings\): (median|p99)",
]
EXPECTED_COUNTS = [3, 2, 2, 8, 6, 1, 1, 1, 2]


def number(cell: str) -> float:
    return float(cell.split()[0].replace(",", ""))


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    output = tmp_path_factory.mktemp("bench") / "latest.md"
    subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--output", str(output)],
        cwd=ROOT,
        check=True,
        timeout=600,
        capture_output=True,
    )
    text = output.read_text(encoding="utf-8")
    assert text.startswith("Machine: ")
    rows = [line.strip("|").split(" | ") for line in text.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows[1:]}


def test_every_row_is_there_once(table: dict[str, list[str]]) -> None:
    counts = [sum(1 for metric in table if re.fullmatch(p, metric)) for p in ROWS]
    assert counts == EXPECTED_COUNTS
    assert len(table) == sum(EXPECTED_COUNTS)


def test_figures_are_positive_numbers_with_baselines(table: dict[str, list[str]]) -> None:
    for metric, (ours, baseline, ratio, *_) in table.items():
        assert number(ours) > 0 and math.isfinite(number(ours)), metric
        assert number(baseline) > 0, metric
        assert float(ratio.rstrip("×").replace(",", "")) > 0, metric


def test_figures_are_plausible(table: dict[str, list[str]]) -> None:
    def ours(pattern: str) -> list[float]:
        return [number(cells[0]) for metric, cells in table.items() if re.search(pattern, metric)]

    for low, high in zip(ours(r"^triage.*median$|reply p50$"), ours(r"p99$"), strict=True):
        assert low <= high
    assert all(10 < mb < 10_000 for mb in ours(r"^RSS"))
    assert 0 < ours(r"^start-up")[0] < 120
    assert all(rate < 1_000_000 for rate in ours(r"/s$|reads|writes"))


def test_targets_are_judged(table: dict[str, list[str]]) -> None:
    results = {metric: cells[4] for metric, cells in table.items() if cells[3]}
    assert results, "no row carries a target"
    assert all(r == "pass" or r.startswith(("FAIL (", "n/a")) for r in results.values())
