"""The danger model: the bot's scorer is scikit-learn's, the shipped weights are current, and
rules and model decide together as documented."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.content.loader import Content
from bot.risk import thresholds
from bot.risk.detector import MODEL_PATTERN, RiskDetector, RiskMatch, RiskVerdict, weigh
from bot.risk.model import MODEL_PATH, ModelVerdict, RiskModel, load_model
from bot.risk.thresholds import Evidence, Thresholds, choose
from bot.risk.training import (
    HELD_OUT_SETS,
    TRAINING_SETS,
    Corpus,
    export,
    fit,
    held_out_rows,
    read_corpus,
)
from bot.text.normalize import skeleton

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return read_corpus(DATA)


@pytest.fixture(scope="module")
def shipped() -> RiskModel:
    model = load_model()
    assert model is not None, f"{MODEL_PATH} is missing: run `migrant-bot train-risk`"
    return model


def test_the_bots_scorer_gives_scikit_learns_probabilities(corpus: Corpus) -> None:
    small = corpus.subset(range(0, len(corpus.texts), 7))
    fitted = fit(small)
    exported = export(fitted, Thresholds(0.5, 0.3, 0.2))
    model = RiskModel.from_json(json.loads(json.dumps(exported.to_json())))
    texts = corpus.texts[3::50]
    expected = fitted.danger.predict_proba(fitted.matrix(texts))[:, 1]
    for text, probability in zip(texts, expected, strict=True):
        assert model.score(text).probability == pytest.approx(probability, abs=1e-4), text


def test_shipped_model_is_trained_on_the_current_sets(corpus: Corpus, shipped: RiskModel) -> None:
    """Changing the sets, the features or the normaliser without retraining fails here."""
    retrained = export(fit(corpus), Thresholds(shipped.alarm, shipped.confirm, shipped.ask))
    for text in corpus.texts[::40]:
        fresh, kept = retrained.score(text), shipped.score(text)
        assert kept.probability == pytest.approx(fresh.probability, abs=1e-3), (
            f"{MODEL_PATH.name} is stale: run `migrant-bot train-risk` ({text})"
        )
        assert kept.categories == fresh.categories


def test_the_held_out_set_is_never_learned_from(corpus: Corpus) -> None:
    assert not set(HELD_OUT_SETS) & set(TRAINING_SETS)
    learned = {skeleton(text) for text in corpus.texts}
    held = [row["text"] for row in held_out_rows(DATA)]
    assert len(held) > 500
    learned_too = sum(skeleton(text) in learned for text in held)
    assert learned_too == 0, f"{learned_too} held-out messages are in the training sets"


def test_rules_alarm_stands_unless_the_model_finds_it_very_unlikely(shipped: RiskModel) -> None:
    rule = RiskVerdict((RiskMatch("confinement", "@lock @inside", "заперли"),))
    doubtful = ModelVerdict(shipped.confirm - 0.01, ("violence",), ())
    unsure = ModelVerdict(shipped.confirm + 0.01, ("violence",), ())
    assert not weigh(rule, doubtful, shipped).is_risk
    kept = weigh(rule, unsure, shipped)
    assert kept.matches == rule.matches
    assert kept.probability == unsure.probability


def test_a_firm_rule_stands_whatever_the_model_thinks(shipped: RiskModel) -> None:
    firm = RiskMatch("immediate_danger", "@suicide", "не хочу жить", firm=True)
    ordinary = RiskMatch("violence", "@hit", "побили")
    doubtful = ModelVerdict(0.0, ("violence",), ())
    assert weigh(RiskVerdict((firm, ordinary)), doubtful, shipped).matches == (firm,)


def test_firm_patterns_are_marked_so_in_the_detector(content: Content) -> None:
    verdict = RiskDetector.from_content(content.risk).detect_by_rules("не хочу жить больше")
    assert [(m.category, m.firm) for m in verdict.matches] == [("immediate_danger", True)]


def test_model_alone_raises_the_alarm_and_names_kinds_and_words(shipped: RiskModel) -> None:
    quiet = RiskVerdict()
    sure = ModelVerdict(shipped.alarm, ("debt_bondage", "confinement"), ("долг", "растет"))
    verdict = weigh(quiet, sure, shipped)
    assert verdict.categories == ["debt_bondage", "confinement"]
    assert {m.pattern for m in verdict.matches} == {MODEL_PATTERN}
    assert verdict.matches[0].phrase == "долг, растет"
    below = ModelVerdict(shipped.alarm - 0.01, ("debt_bondage",), ())
    assert not weigh(quiet, below, shipped).is_risk
    # A plain wish for a person stays a request: the model never learned from such wishes.
    request = weigh(RiskVerdict(human_request=True), sure, shipped)
    assert request.human_request and not request.is_risk


def test_a_danger_no_rule_knows_is_seen_with_the_users_words(
    content: Content, shipped: RiskModel
) -> None:
    text = "хозяин говорит домой поедешь когда сезон кончится, а документы пока у него в машине"
    rules_only = RiskDetector.from_content(content.risk).detect(text)
    verdict = RiskDetector.from_content(content.risk, shipped).detect(text)
    assert not rules_only.is_risk
    assert verdict.is_risk
    assert verdict.matches[0].pattern == MODEL_PATTERN
    assert "document_retention" in verdict.categories
    assert set(verdict.matches[0].phrase.split(", ")) <= set(text.replace(",", "").split())


def test_without_a_model_file_the_rules_work_alone(tmp_path: Path) -> None:
    assert load_model(tmp_path / "absent.json.gz") is None


def test_thresholds_catch_most_dangers_within_the_false_alarm_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(thresholds, "FALSE_ALARM_BUDGET", 0.04)  # one false alarm in 25
    dangers = [(0.95, False), (0.8, False), (0.62, False), (0.3, True)]
    negatives = [(0.1, False)] * 22 + [(0.7, False), (0.45, True), (0.02, True)]
    questions = [(0.05, False)] * 19 + [(0.3, False)]
    rows = dangers + negatives + questions
    evidence = Evidence(
        probability=np.array([p for p, _ in rows]),
        rule_fired=np.array([fired for _, fired in rows]),
        danger=np.array([True] * 4 + [False] * 45),
        question=np.array([False] * 29 + [True] * 20),
        fair=np.ones(49, dtype=bool),
        firm_fired=np.zeros(49, dtype=bool),
        lettered=np.full(49, 3),
    )
    chosen = choose(evidence)
    # One false alarm in 25 is the budget. Catching all four dangers would take the 0.7
    # negative (alarm ≤ 0.62) and the rule-fired negative at 0.45 (confirm ≤ 0.3): two.
    assert chosen.recall == 0.75 and chosen.false_alarms == 0.04
    fired = evidence.handed_over(chosen.alarm, chosen.confirm)
    assert fired[:4].sum() == 3 and fired[4:29].sum() == 1
    assert chosen.ask == 0.06  # the lowest cut-off that asks at most one question in twenty
    assert chosen.reached == 1.0


def test_thresholds_count_what_one_word_alone_may_do() -> None:
    # The same reading as `detector.weigh`: one word is never handed over on alone, only asked
    # about; a bare number is neither. A rule's alarm needs no second word.
    evidence = Evidence(
        probability=np.array([0.9, 0.9, 0.9, 0.9]),
        rule_fired=np.array([False, False, False, True]),
        danger=np.ones(4, dtype=bool),
        question=np.zeros(4, dtype=bool),
        fair=np.ones(4, dtype=bool),
        firm_fired=np.zeros(4, dtype=bool),
        lettered=np.array([2, 1, 0, 1]),
    )
    assert evidence.handed_over(0.5, 0.2).tolist() == [True, False, False, True]
    assert evidence.asked(0.5, 0.2, 0.3).tolist() == [False, True, False, False]
    assert not evidence.asked(0.95, 0.2, 0.3)[1]  # one word is asked about only at alarm
