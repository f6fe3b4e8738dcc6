"""The `migrant-bot` command as people and scripts use it: chat, triage, check, eval."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.loader import Content
from bot.evaluation import bot_system, evaluate
from bot.text.language import LANGS
from tests.conftest import CONTENT_DIR, ROOT

DATA = ROOT / "tests" / "data"


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bot.cli", *args]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_piped_chat_shows_the_menu_and_answers() -> None:
    result = run("chat", "--memory", stdin="/start\n1\n2\npatent skolko stoit v moskve\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "[1] Русский" in result.stdout
    assert "Проверки" in result.stdout
    assert "атент" in result.stdout


def test_chat_can_open_a_checklist_directly() -> None:
    result = run("chat", "--memory", "--flow", "offer-check", "--lang", "ky", stdin="1\n")
    assert result.returncode == 0, result.stderr
    assert "2 /" in result.stdout or "2-" in result.stdout or "2 " in result.stdout


def test_triage_follows_the_contract_and_survives_bad_lines() -> None:
    lines = [
        json.dumps({"text": "паспорт забрали на работе", "lang": "ru"}, ensure_ascii=False),
        "not json",
        json.dumps({"lang": "ru"}),
        json.dumps({"text": "kak oplatit patent"}),
    ]
    result = run("triage", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(verdicts) == 4
    assert verdicts[0]["risk"] is True and "document_retention" in verdicts[0]["risk_categories"]
    assert "error" in verdicts[1] and "error" in verdicts[2]
    assert verdicts[3]["lang"] == "ru" and verdicts[3]["risk"] is False
    assert verdicts[3]["faq_id"] == "ru-patent"
    for key in ("lang", "risk", "risk_categories", "faq_id", "faq_score", "suggestions"):
        assert key in verdicts[0]


def test_triage_with_unreadable_content_exits_2(tmp_path: Path) -> None:
    result = run("triage", "--content", str(tmp_path / "missing"), stdin="")
    assert result.returncode == 2
    assert "content folder not found" in result.stderr


def test_content_check_passes_and_reports_a_mistake_with_its_line(tmp_path: Path) -> None:
    assert run("content", "check", str(CONTENT_DIR), "--quiet").returncode == 0
    broken = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, broken)
    faq = broken / "faq.yaml"
    faq.write_text(
        faq.read_text(encoding="utf-8").replace("related: [", "related: [no-such-topic, ", 1)
    )
    result = run("content", "check", str(broken))
    assert result.returncode == 1
    assert (
        "faq.yaml:" in result.stdout and "unknown related topic 'no-such-topic'" in result.stdout
    )


def test_diagram_is_mermaid() -> None:
    result = run("content", "diagram", "offer-check")
    assert result.returncode == 0
    assert result.stdout.startswith("flowchart TD")


def test_spec_topic_ids_all_exist(content: Content) -> None:
    spec = ROOT.parent / "shared" / "spec" / "faq-topics.yaml"
    if not spec.exists():
        return
    ids = [
        line.split(":")[0].strip()
        for line in spec.read_text().splitlines()
        if line.startswith("  ") and ":" in line and not line.strip().startswith("#")
    ]
    assert len(ids) >= 30
    missing = [topic for topic in ids if topic not in content.topics_by_id]
    assert not missing
    for topic in content.faq.topics:
        assert set(topic.answer) == set(LANGS)


@pytest.mark.parametrize("name", ["eval", "holdout", "holdout2", "holdout3"])
def test_understanding_stays_above_its_floors(content: Content, name: str) -> None:
    """Regression floors a little below what each evaluation set reaches today."""
    floors = FLOORS[name]
    report = evaluate(bot_system(content), DATA, name)
    assert report.rate("faq_top1") >= floors["faq_top1"]
    assert min(report.rate("faq_top1", lang) for lang in LANGS) >= floors["faq_top1_each"]
    assert report.rate("risk_recall") >= floors["risk_recall"]
    assert report.rate("risk_reached") >= floors["risk_reached"]
    assert report.rate("human_request_recall") >= floors["human_request_recall"]
    assert report.rate("risk_false_alarm") <= floors["risk_false_alarm"]
    assert report.rate("faq_false_alarm") <= floors["faq_false_alarm"]
    assert report.rate("faq_asked") <= floors["faq_asked"]


def _floors(faq: float, faq_each: float, **danger: float) -> dict[str, float]:
    learned = {"risk_recall": 0.99, "risk_reached": 0.99, "human_request_recall": 0.95}
    learned |= {"risk_false_alarm": 0.01, "faq_false_alarm": 0.01, "faq_asked": 0.05}
    return {"faq_top1": faq, "faq_top1_each": faq_each, **learned, **danger}


# The first three sets taught the danger model: their risk floors only catch breakage.
FLOORS = {
    "eval": _floors(0.96, 0.93),
    "holdout": _floors(0.96, 0.92),
    "holdout2": _floors(0.97, 0.95),
    "holdout3": _floors(
        0.92,
        0.86,
        risk_recall=0.975,
        risk_reached=0.97,
        human_request_recall=0.95,
        risk_false_alarm=0.045,
        faq_false_alarm=0.03,
        faq_asked=0.07,
    ),
}
