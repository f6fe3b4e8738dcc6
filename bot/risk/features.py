"""What the danger model reads: letter pieces survive typos and endings, word pairs keep sense.

Training (scikit-learn) and the bot call the very same functions, so a model never meets features
it was not trained on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import pairwise

from bot.text.normalize import words

SHORTEST_PIECE = 2
LONGEST_PIECE = 5


def letter_pieces(folded: Sequence[str]) -> list[str]:
    """2–5-letter pieces of each word padded with spaces, so word starts and ends stand out."""
    return [piece for word in folded for piece in pieces_of_word(word)]


@lru_cache(maxsize=65536)
def pieces_of_word(word: str) -> tuple[str, ...]:
    """One word's letter pieces; words recur from message to message, so they are kept."""
    padded = f" {word} "
    return tuple(
        padded[start : start + size]
        for size in range(SHORTEST_PIECE, min(LONGEST_PIECE, len(padded)) + 1)
        for start in range(len(padded) - size + 1)
    )


def word_pairs(folded: Sequence[str]) -> list[str]:
    """Each word and each pair of neighbours ("ne otdaet", "zabral pasport")."""
    return [*folded, *(f"{first} {second}" for first, second in pairwise(folded))]


ANALYZERS: dict[str, Callable[[Sequence[str]], list[str]]] = {
    "letters": letter_pieces,
    "words": word_pairs,
}
# Analyzers whose features are the sum of each word's own: their columns are kept per word.
PER_WORD: dict[str, Callable[[str], tuple[str, ...]]] = {"letters": pieces_of_word}


def lettered_words(folded: Sequence[str]) -> int:
    """Words with letters: numbers and phone numbers alone give the model nothing to read."""
    return sum(any(char.isalpha() for char in word) for word in folded)


def folded_words(text: str) -> list[str]:
    """The message as skeleton words: every spelling of a word meets the same features."""
    return [folded for _, folded in words(text)]
