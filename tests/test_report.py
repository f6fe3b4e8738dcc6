"""`migrant-bot report`: a month of consultations in SQLite becomes a safe CSV and a PNG chart."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main
from bot.content.loader import Content
from bot.report import build_report, suppress
from bot.storage import SqliteStorage
from tests.report_data import fill_month

PERIOD = ["--from", "2026-11-01", "--to", "2026-11-30"]


@pytest.fixture
def month_db(tmp_path: Path, content: Content) -> list[str]:
    """A SQLite file with November's consultations; returns the pseudonyms that were used."""

    async def fill() -> list[str]:
        storage = await SqliteStorage.open(tmp_path / "bot.sqlite3")
        month = await fill_month(content, storage)
        await storage.close()
        return month.keys

    return asyncio.run(fill())


async def purge_everything(path: Path) -> bool:
    """Retention far in the future: every case and state goes; True if case 1 is gone."""
    storage = await SqliteStorage.open(path)
    await storage.purge_before(4_000_000_000.0)
    gone = await storage.case_by_id(1) is None
    await storage.close()
    return gone


def run_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, str], Path]:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["report", *PERIOD, "--out", str(tmp_path / "out")]) == 0
    stem = tmp_path / "out" / "consultations-2026-11-01_2026-11-30"
    with stem.with_suffix(".csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {f"{r['section']}/{r['key']}": r["value"] for r in rows}, stem.with_suffix(".png")


def test_report_counts_consultations_and_hides_small_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, month_db: list[str]
) -> None:
    table, _ = run_report(tmp_path, monkeypatch)
    assert table["totals/conversations"] == "44"
    assert table["totals/cases_opened"] == "11"
    assert table["totals/cases_claimed"] == "11"
    assert table["totals/cases_closed"] == "5"
    assert table["faq_topics/ru-patent"] == "9"
    assert table["faq_topics/anonymity"] == "<5"
    assert table["faq_topics/kr-eps"] == "hidden"  # else 18 - 9 - 6 would give the 3 away
    assert table["faq_answers/none"] == "6"
    assert table["checklists_completed/offer-check"] == "9"
    assert table["checklists_completed/destination"] == "6"
    assert table["checklists_with_red_flags/offer-check"] == "<5"
    assert table["cases_by_language/ru"] == "6"
    assert table["cases_by_language/ky"] == "<5"
    assert table["cases_by_language/en"] == "<5"
    assert table["cases_by_destination/RU"] == "6"
    assert table["cases_by_destination/unknown"] == "5"
    assert table["cases_by_reason/request"] == "<5"
    assert table["cases_by_reason/risk"] == "hidden"
    assert table["time_to_claim/median_minutes"] == "8"


def test_report_chart_is_a_png_and_holds_no_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, month_db: list[str]
) -> None:
    table, png = run_report(tmp_path, monkeypatch)
    with Image.open(png) as image:
        image.verify()
        assert image.format == "PNG" and image.size[0] > 800 and image.size[1] > 800
    published = " ".join(table) + " ".join(table.values())
    assert not any(key in published for key in month_db)
    shown_counts = [int(v) for v in table.values() if v.isdigit()]
    assert shown_counts and all(count == 0 or count >= 5 for count in shown_counts)


def test_report_survives_retention_because_it_reads_counters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, month_db: list[str]
) -> None:
    before, _ = run_report(tmp_path, monkeypatch)
    assert asyncio.run(purge_everything(tmp_path / "bot.sqlite3"))
    after, _ = run_report(tmp_path, monkeypatch)
    assert after == before


def test_a_lone_small_cell_takes_the_next_smallest_with_it() -> None:
    assert suppress({"a": 9, "b": 6, "c": 3}) == {"a": "9", "b": "hidden", "c": "<5"}
    assert suppress({"a": 6, "b": 4, "c": 1}) == {"a": "6", "b": "<5", "c": "<5"}
    assert suppress({"a": 7, "b": 0}) == {"a": "7", "b": "0"}
    assert suppress({"a": 2}) == {"a": "<5"}


def test_median_is_withheld_below_five_claims() -> None:
    report = build_report([], "2026-11-01", "2026-11-30")
    assert report.value("time_to_claim", "median_minutes") == "<5"


def test_report_rejects_a_reversed_period(tmp_path: Path) -> None:
    assert main(["report", "--from", "2026-11-30", "--to", "2026-11-01"]) == 2
