"""Guesses which of the five languages a message is in, to answer in the language it came in."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.text.normalize import clean, fold

LANGS = ("ru", "ky", "uz", "tg", "en")

# Letters that only some of the languages use: strong evidence, checked before vocabulary.
SIGNATURE_LETTERS: dict[str, tuple[str, ...]] = {
    "ө": ("ky",), "ү": ("ky",), "ң": ("ky",),
    "ӣ": ("tg",), "ӯ": ("tg",), "ҷ": ("tg",),
    "ў": ("uz",),
    "қ": ("uz", "tg"), "ғ": ("uz", "tg"), "ҳ": ("uz", "tg"),
    "ы": ("ru", "ky"), "щ": ("ru",), "ъ": ("ru", "uz"), "э": ("ru", "ky"),
    "ё": ("ru", "uz"), "ь": ("ru",),
}  # fmt: skip
LETTER_WEIGHT = 3.0
UZ_LATIN_MARKS = ("o‘", "g‘", "o'", "g'", "oʻ", "gʻ", "o`", "g`", "o’", "g’")


@dataclass(frozen=True)
class LanguageGuesser:
    """Vocabulary evidence learned from content phrasings, plus signature letters."""

    vocabulary: Mapping[str, Mapping[str, float]]

    @classmethod
    def from_samples(cls, samples: Mapping[str, Iterable[str]]) -> LanguageGuesser:
        """Learn which skeleton words belong to which language from example texts."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for lang, texts in samples.items():
            for text in texts:
                for word in set(fold(clean(text)).split()):
                    counts[word][lang] += 1
        vocabulary = {word: _shares(counter) for word, counter in counts.items()}
        return cls(vocabulary)

    def scores(self, text: str) -> dict[str, float]:
        """Evidence per language; higher is likelier."""
        lowered = text.casefold()
        totals = dict.fromkeys(LANGS, 0.0)
        for letter, langs in SIGNATURE_LETTERS.items():
            if letter in lowered:
                for lang in langs:
                    totals[lang] += LETTER_WEIGHT / len(langs)
        if any(mark in lowered for mark in UZ_LATIN_MARKS):
            totals["uz"] += LETTER_WEIGHT
        for word in fold(clean(text)).split():
            for lang, share in self.vocabulary.get(word, {}).items():
                totals[lang] += share
        return totals

    def guess(self, text: str, default: str = "ru") -> str:
        """The likeliest language, or `default` when nothing speaks for any."""
        totals = self.scores(text)
        best = max(totals, key=lambda lang: totals[lang])
        return best if totals[best] > 0 else default


def _shares(counter: Counter[str]) -> dict[str, float]:
    """How much one word says about each language: rare, one-language words say most."""
    total = sum(counter.values())
    weight = 1.0 / (1.0 + math.log(len(counter)))
    return {lang: weight * count / total for lang, count in counter.items()}
