"""A linear danger model over letter pieces and words: it sees dangers told in words no rule has.

The weights come from `migrant-bot train-risk` (scikit-learn, at development time); here they are
only read and applied, with numpy, so the bot needs no machine-learning library at run time.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.risk.features import ANALYZERS, PER_WORD, lettered_words
from bot.text.normalize import words

MODEL_PATH = Path(__file__).with_name("danger-model.json.gz")
EVIDENCE_WORDS = 3
WORDS_TO_ALARM = 2  # one word ("привет", "да", "sroch") is too little to hand over on alone
WORDS_KEPT = 50_000

Vector = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ModelVerdict:
    """How likely a message tells of danger, of which kinds, and the words that weighed most."""

    probability: float
    categories: tuple[str, ...]
    evidence: tuple[str, ...]
    words: int = WORDS_TO_ALARM  # words with letters the model read

    @property
    def enough_words(self) -> bool:
        """Whether the model read enough to hand over on its own."""
        return self.words >= WORDS_TO_ALARM


@dataclass(frozen=True)
class FeatureBlock:
    """One kind of feature (letters or words), weighted by rarity and scaled to unit length."""

    analyzer: str
    columns: dict[str, int]
    idf: Vector
    offset: int
    known_words: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)

    def vector(self, folded: Sequence[str]) -> tuple[npt.NDArray[np.int64], Vector]:
        """Columns and values, as scikit-learn's TfidfVectorizer(sublinear_tf=True) makes them."""
        if self.analyzer in PER_WORD:
            found = [column for word in folded for column in self._word_columns(word)]
        else:
            found = self._lookup(ANALYZERS[self.analyzer](folded))
        columns, counts = np.unique(np.asarray(found, dtype=np.int64), return_counts=True)
        values = (1 + np.log(counts)) * self.idf[columns]
        norm = float(np.sqrt(values @ values)) or 1.0
        return columns + self.offset, values / norm

    def columns_of(self, word: str) -> set[int]:
        """The model columns one word lights up on its own, without weighing them."""
        if self.analyzer in PER_WORD:
            return {column + self.offset for column in self._word_columns(word)}
        return {column + self.offset for column in self._lookup(ANALYZERS[self.analyzer]([word]))}

    def _word_columns(self, word: str) -> tuple[int, ...]:
        """A word's columns, kept: the same words come back message after message."""
        known = self.known_words.get(word)
        if known is None:
            if len(self.known_words) > WORDS_KEPT:
                self.known_words.clear()
            known = self.known_words[word] = tuple(self._lookup(PER_WORD[self.analyzer](word)))
        return known

    def _lookup(self, pieces: Sequence[str]) -> list[int]:
        columns = self.columns
        return [columns[piece] for piece in pieces if piece in columns]


@dataclass(frozen=True)
class RiskModel:
    """Danger probability from one weight vector; kinds of danger from one vector per category."""

    blocks: tuple[FeatureBlock, ...]
    danger: Vector
    danger_bias: float
    categories: tuple[str, ...]
    category_weights: npt.NDArray[np.float64]
    category_bias: Vector
    alarm: float
    confirm: float
    ask: float

    def score(self, text: str) -> ModelVerdict:
        """The model's reading of one message."""
        pairs = words(text)
        folded = [skeleton for _, skeleton in pairs]
        lettered = lettered_words(folded)
        parts = [block.vector(folded) for block in self.blocks]
        columns = np.concatenate([part[0] for part in parts])
        if not len(columns):
            return ModelVerdict(0.0, (), (), lettered)
        values = np.concatenate([part[1] for part in parts])
        pushes = self.danger[columns] * values
        probability = _sigmoid(float(pushes.sum()) + self.danger_bias)
        kinds = self.category_weights[:, columns] @ values + self.category_bias
        likely = [name for name, logit in zip(self.categories, kinds, strict=True) if logit >= 0]
        chosen = likely or [self.categories[int(np.argmax(kinds))]]
        if probability < self.alarm:
            return ModelVerdict(probability, tuple(chosen), (), lettered)
        push_of = dict(zip(columns.tolist(), pushes.tolist(), strict=True))
        return ModelVerdict(probability, tuple(chosen), self._evidence(pairs, push_of), lettered)

    def _evidence(
        self, pairs: list[tuple[str, str]], push_of: dict[int, float]
    ) -> tuple[str, ...]:
        """The typed words whose own features pushed hardest towards danger."""
        weight_of: dict[str, float] = {}
        for typed, skeleton in pairs:
            own = {c for block in self.blocks for c in block.columns_of(skeleton)}
            weight_of[typed] = sum(push_of.get(c, 0.0) for c in own)
        telling = [word for word in weight_of if weight_of[word] > 0 and len(word) > 2]
        return tuple(sorted(telling, key=weight_of.__getitem__, reverse=True)[:EVIDENCE_WORDS])

    def to_json(self) -> dict[str, Any]:
        """JSON with feature names in the clear and weights as packed float32 (small, fast)."""
        return {
            "alarm": self.alarm,
            "confirm": self.confirm,
            "ask": self.ask,
            "blocks": [
                {
                    "analyzer": block.analyzer,
                    "features": list(block.columns),
                    "idf": _pack(block.idf),
                }
                for block in self.blocks
            ],
            "danger": {"weights": _pack(self.danger), "bias": self.danger_bias},
            "categories": {
                "names": list(self.categories),
                "weights": _pack(self.category_weights),
                "bias": _pack(self.category_bias),
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RiskModel:
        blocks, offset = [], 0
        for block in data["blocks"]:
            columns = {feature: i for i, feature in enumerate(block["features"])}
            idf = _unpack(block["idf"])
            blocks.append(FeatureBlock(block["analyzer"], columns, idf, offset))
            offset += len(columns)
        categories = data["categories"]
        return cls(
            blocks=tuple(blocks),
            danger=_unpack(data["danger"]["weights"]),
            danger_bias=float(data["danger"]["bias"]),
            categories=tuple(categories["names"]),
            category_weights=_unpack(categories["weights"]).reshape(len(categories["names"]), -1),
            category_bias=_unpack(categories["bias"]),
            alarm=float(data["alarm"]),
            confirm=float(data["confirm"]),
            ask=float(data["ask"]),
        )

    def save(self, path: Path) -> None:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            json.dump(self.to_json(), handle, ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> RiskModel | None:
    """The shipped model, read once per process; None when the file is absent (rules only)."""
    if not path.is_file():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return RiskModel.from_json(json.load(handle))


def _sigmoid(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-logit)) if logit > -700 else 0.0


def _pack(array: npt.NDArray[np.float64]) -> str:
    return base64.b64encode(array.astype("<f4").tobytes()).decode("ascii")


def _unpack(packed: str) -> Vector:
    return np.frombuffer(base64.b64decode(packed), dtype="<f4").astype(np.float64)
