"""`migrant-bot train-risk`: fits the danger model on the labelled sets (development time only).

Needs scikit-learn (a dev dependency). Every `*_risk.jsonl` / `*_faq.jsonl` set named in
`TRAINING_SETS` is read; held-out sets are never, so their figures stay honest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.evaluation import read_jsonl
from bot.risk.detector import RiskDetector
from bot.risk.features import ANALYZERS, folded_words, lettered_words
from bot.risk.model import FeatureBlock, RiskModel, Vector
from bot.risk.thresholds import LEXICON_TUNED_ON, SMALL_TALK, Evidence, Thresholds
from bot.text.normalize import skeleton

TRAINING_SETS = (
    "eval",
    "holdout",
    "holdout2",
    "train",
    "train2",
    "train3",
    "train4",
    "train5",
    "train6",
    "train7",
    "train8",
    "train9",
    "train10",
    "train11",
    "train12",
    "train13",
    "train14",
    "train15",
    "train16",
    "train17",
    "train18",
    "train19",
    "train20",
    "train21",
    "train22",
    "train23",
    "smalltalk",
)
HELD_OUT_SETS = ("holdout3",)
CATEGORIES = (
    "document_retention",
    "confinement",
    "violence",
    "sexual_exploitation",
    "debt_bondage",
    "wage_withholding_coercion",
    "deception",
    "minor",
    "immediate_danger",
    "third_party",
)
REGULARISATION = 20.0
MIN_MESSAGES = 2  # a feature seen in one message only is noise, and doubles the file


@dataclass
class Corpus:
    """Texts with their danger label and, for dangers, their categories."""

    texts: list[str] = field(default_factory=list)
    danger: list[int] = field(default_factory=list)
    categories: list[list[str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    questions: list[bool] = field(default_factory=list)

    def add(self, text: str, danger: bool, source: str, categories: Sequence[str] = ()) -> None:
        self.texts.append(text)
        self.danger.append(int(danger))
        self.categories.append(list(categories))
        self.sources.append(source)
        self.questions.append(source.endswith("_faq"))

    def subset(self, rows: Sequence[int]) -> Corpus:
        return Corpus(
            [self.texts[i] for i in rows],
            [self.danger[i] for i in rows],
            [self.categories[i] for i in rows],
            [self.sources[i] for i in rows],
            [self.questions[i] for i in rows],
        )

    def summary(self) -> str:
        dangers = sum(self.danger)
        return f"{dangers} dangers, {len(self.texts) - dangers} others"


def read_corpus(data_dir: Path, names: Sequence[str] = TRAINING_SETS) -> Corpus:
    """Danger messages and hard negatives, plus FAQ questions as more negatives.

    Requests for a person are left out: rules catch them, and their words are not danger.
    A message the held-out sets also contain ("паспорт не отдают") is left out too, so the
    held-out figures measure messages the model has never seen.
    """
    held_out = {skeleton(row["text"]) for row in held_out_rows(data_dir)}
    corpus = Corpus()
    for name in names:
        for row in _rows(data_dir / f"{name}_risk.jsonl"):
            if not row.get("human") and skeleton(row["text"]) not in held_out:
                corpus.add(row["text"], bool(row["risk"]), f"{name}_risk", row["categories"])
        for row in _rows(data_dir / f"{name}_faq.jsonl"):
            if skeleton(row["text"]) not in held_out:
                corpus.add(row["text"], False, f"{name}_faq")
    return corpus


def held_out_rows(data_dir: Path) -> list[dict[str, Any]]:
    """Every message of the held-out sets, danger and FAQ alike."""
    return [
        row
        for name in HELD_OUT_SETS
        for kind in ("risk", "faq")
        for row in _rows(data_dir / f"{name}_{kind}.jsonl")
    ]


def _rows(path: Path) -> list[dict[str, Any]]:
    """A set's rows; a set without that kind of file (no FAQ questions) has none."""
    return read_jsonl(path) if path.is_file() else []


@dataclass(frozen=True)
class Fitted:
    """The scikit-learn objects of one fit: tests hold the bot's scorer against them."""

    vectorizers: list[Any]
    danger: Any
    kinds: list[Any]

    def matrix(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import hstack

        return hstack([v.transform(texts) for v in self.vectorizers]).tocsr()


def fit(corpus: Corpus, with_kinds: bool = True) -> Fitted:
    """One logistic regression for danger, one per category over the danger messages."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizers = [
        TfidfVectorizer(
            analyzer=_Analyzer(name), sublinear_tf=True, min_df=MIN_MESSAGES, dtype=np.float64
        )
        for name in ANALYZERS
    ]
    matrix = hstack([v.fit_transform(corpus.texts) for v in vectorizers]).tocsr()
    danger = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=5000)
    danger.fit(matrix, corpus.danger)
    rows = [i for i, label in enumerate(corpus.danger) if label]
    kinds = []
    for category in CATEGORIES if with_kinds else ():
        labels = [int(category in corpus.categories[i]) for i in rows]
        kind = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=5000)
        kinds.append(kind.fit(matrix[rows], labels))
    return Fitted(vectorizers, danger, kinds)


def export(fitted: Fitted, thresholds: Thresholds) -> RiskModel:
    """The weights alone, in the form the bot reads without scikit-learn."""
    return RiskModel(
        blocks=_blocks(fitted.vectorizers),
        danger=fitted.danger.coef_[0].astype(np.float64),
        danger_bias=float(fitted.danger.intercept_[0]),
        categories=CATEGORIES,
        category_weights=np.vstack([kind.coef_[0] for kind in fitted.kinds]),
        category_bias=np.asarray([kind.intercept_[0] for kind in fitted.kinds], dtype=np.float64),
        alarm=thresholds.alarm,
        confirm=thresholds.confirm,
        ask=thresholds.ask,
    )


class _Analyzer:
    """A picklable analyzer: skeleton words of the raw text, then one kind of feature."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, text: str) -> list[str]:
        return ANALYZERS[self.name](folded_words(text))


def _blocks(vectorizers: Sequence[Any]) -> tuple[FeatureBlock, ...]:
    blocks, offset = [], 0
    for name, vectorizer in zip(ANALYZERS, vectorizers, strict=True):
        features = vectorizer.get_feature_names_out()
        columns = {str(feature): i for i, feature in enumerate(features)}
        idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        blocks.append(FeatureBlock(name, columns, idf, offset))
        offset += len(features)
    return tuple(blocks)


def out_of_fold(corpus: Corpus, folds: int = 5) -> Vector:
    """Each message's danger probability from a model that did not learn from it."""
    from sklearn.model_selection import StratifiedKFold

    probabilities = np.zeros(len(corpus.texts))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for learn, check in splitter.split(corpus.texts, corpus.danger):
        fitted = fit(corpus.subset(learn), with_kinds=False)
        texts = [corpus.texts[i] for i in check]
        probabilities[check] = fitted.danger.predict_proba(fitted.matrix(texts))[:, 1]
    return probabilities


def gather_evidence(corpus: Corpus, rules: RiskDetector) -> Evidence:
    """What threshold choice needs: out-of-fold probabilities and the rules' verdicts."""
    verdicts = [rules.detect_by_rules(text) for text in corpus.texts]
    return Evidence(
        probability=out_of_fold(corpus),
        rule_fired=np.array([verdict.is_risk for verdict in verdicts]),
        danger=np.array(corpus.danger, dtype=bool),
        question=np.array(corpus.questions, dtype=bool),
        fair=np.array([source not in LEXICON_TUNED_ON + SMALL_TALK for source in corpus.sources]),
        firm_fired=np.array([any(m.firm for m in verdict.matches) for verdict in verdicts]),
        lettered=np.array([lettered_words(folded_words(text)) for text in corpus.texts]),
    )
