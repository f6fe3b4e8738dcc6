"""`migrant-bot eval`: how well the bot understands held-out messages, next to a naive baseline."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from rapidfuzz import fuzz, process

from bot.content.loader import Content
from bot.risk.detector import word_lists
from bot.risk.patterns import expand
from bot.text.language import LANGS
from bot.understanding import Understanding

ALL = "all"


@dataclass(frozen=True)
class Guess:
    """What a system answered for one message: ranked topics, and whether it raised the alarm."""

    topics: tuple[str, ...]
    answered: str | None
    alarm: bool
    check: bool = False


@dataclass
class Tally:
    hits: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.hits += int(ok)
        self.total += 1

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 0.0


@dataclass
class Report:
    """Metric name -> language (or "all") -> tally, plus the messages each system got wrong."""

    metrics: dict[str, dict[str, Tally]] = field(default_factory=lambda: defaultdict(dict))
    misses: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, metric: str, lang: str, ok: bool) -> None:
        for key in (lang, ALL):
            self.metrics[metric].setdefault(key, Tally()).add(ok)

    def rate(self, metric: str, lang: str = ALL) -> float:
        return self.metrics[metric].get(lang, Tally()).rate


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def bot_system(content: Content) -> Callable[[str, str | None], Guess]:
    """The real understanding path, as the bot runs it."""
    understanding = Understanding(content)

    def guess(text: str, lang: str | None) -> Guess:
        triage = understanding.triage(text, lang)
        ranked = tuple(
            t for t in (triage.match.topic_id, *(t for t, _ in triage.match.runners_up)) if t
        )
        risk = triage.risk
        return Guess(ranked, triage.faq_id, risk.needs_human, risk.safety_check)

    return guess


def baseline_system(content: Content) -> Callable[[str, str | None], Guess]:
    """Plain rapidfuzz WRatio over raw phrasings; risk = any single lexicon word in the text."""
    choices: list[str] = []
    owners: list[str] = []
    for topic in content.faq.topics:
        for texts in topic.phrasings.values():
            choices += texts
            owners += [topic.id] * len(texts)
    keywords = _lexicon_words(content)

    def guess(text: str, lang: str | None) -> Guess:
        found = process.extract(text, choices, scorer=fuzz.WRatio, limit=40)
        ranked = tuple(dict.fromkeys(owners[index] for _, _, index in found))[:3]
        lowered = text.casefold()
        return Guess(ranked, ranked[0] if ranked else None, any(k in lowered for k in keywords))

    return guess


def _lexicon_words(content: Content) -> set[str]:
    words: set[str] = set()
    risk = content.risk
    patterns = [p for c in risk.categories for ps in c.patterns.values() for p in ps]
    patterns += [p for ps in risk.human_request.values() for p in ps]
    patterns = [expand(p, word_lists(risk)) for p in patterns]
    for pattern in patterns:
        for part in pattern.replace("+", "|").split("|"):
            words.update(w.rstrip("!").casefold() for w in part.split() if len(w.rstrip("!")) >= 4)
    return words


SETS = {
    "eval": "Development set (lexicon tuned on its misses; the danger model learned from it)",
    "holdout": "Second development set (lexicon tuned on its misses; the model learned from it)",
    "holdout2": "Third set (lexicon never tuned on it; the danger model learned from it)",
    "holdout3": "Held-out set (written last, never read while tuning, never learned from)",
}


def evaluate(
    system: Callable[[str, str | None], Guess], data_dir: Path, name: str = "eval"
) -> Report:
    """Score one system on one set; lang is given, as the bot knows it once a user chose."""
    report = Report()
    for row in read_jsonl(data_dir / f"{name}_faq.jsonl"):
        guess = system(row["text"], row.get("lang"))
        top1 = guess.answered == row["faq_id"] and not guess.alarm
        report.add("faq_top1", row["lang"], top1)
        report.add("faq_top3", row["lang"], row["faq_id"] in guess.topics[:3])
        report.add("faq_false_alarm", row["lang"], guess.alarm)
        report.add("faq_asked", row["lang"], guess.check and not guess.alarm)
        if not top1:
            report.misses["faq"].append(f"{row['faq_id']} <- {guess.answered}: {row['text']}")
    for row in read_jsonl(data_dir / f"{name}_risk.jsonl"):
        guess = system(row["text"], row.get("lang"))
        metric = "risk_recall" if row["risk"] else "risk_false_alarm"
        if row.get("human"):
            metric = "human_request_recall"
        report.add(metric, row["lang"], guess.alarm)
        if not row.get("human"):
            reached = "risk_reached" if row["risk"] else "risk_false_reach"
            report.add(reached, row["lang"], guess.alarm or guess.check)
        if guess.alarm != row["risk"]:
            report.misses["risk"].append(
                f"expected risk={row['risk']} {row['categories']}: {row['text']}"
            )
    return report


METRICS = (
    ("faq_top1", "FAQ top-1 accuracy", "≥ 90%"),
    ("faq_top3", "FAQ top-3 hit rate", ""),
    ("risk_recall", "Risk recall", "≥ 98%"),
    ("human_request_recall", "Talk-to-a-person recall", ""),
    ("risk_false_alarm", "False alarms, hard negatives", "≤ 5%"),
    ("faq_false_alarm", "False alarms, FAQ questions", "≤ 5%"),
    ("risk_reached", "Risk handed over or asked “are you safe?”", ""),
    ("risk_false_reach", "Hard negatives handed over or asked", ""),
    ("faq_asked", "FAQ questions answered, then asked", ""),
)


def render(ours: Report, baseline: Report, out: TextIO, errors: int) -> None:
    out.write("| metric | ours | baseline | target | " + " | ".join(LANGS) + " |\n")
    out.write("|---|---|---|---|" + "---|" * len(LANGS) + "\n")
    for key, title, target in METRICS:
        per_lang = " | ".join(_pct(ours.rate(key, lang)) for lang in LANGS)
        overall = f"{_pct(ours.rate(key))} | {_pct(baseline.rate(key))}"
        out.write(f"| {title} | {overall} | {target} | {per_lang} |\n")
    counts = {key: ours.metrics[key].get(ALL, Tally()).total for key, _, _ in METRICS}
    out.write(f"\nmessages: {json.dumps(counts)}\n")
    for name, misses in ours.misses.items():
        out.write(f"\nwrong ({name}, first {errors} of {len(misses)}):\n")
        out.writelines(f"  {line}\n" for line in misses[:errors])


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def run_evaluation(content: Content, data_dir: Path, errors: int, out: TextIO) -> int:
    """Every set present in `data_dir`, each with the baseline beside it."""
    ours, baseline = bot_system(content), baseline_system(content)
    for name, title in SETS.items():
        if (data_dir / f"{name}_faq.jsonl").exists():
            out.write(f"## {title}: {name}_*.jsonl\n\n")
            render(evaluate(ours, data_dir, name), evaluate(baseline, data_dir, name), out, errors)
            out.write("\n")
    return 0
