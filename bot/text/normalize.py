"""Folds every way a word can be typed (scripts, translit, typos of case and letters) into one key.

A phrase written once in content must match however a migrant types it: Cyrillic or Latin,
Kyrgyz/Tajik/Uzbek letters or their plain look-alikes, Uzbek o‘ with any apostrophe or none,
Russian in Latin letters ("pasport zabrali", "ya ne mogu uyti", "ho4u"). Both sides of every
comparison pass through `skeleton`, so content and messages meet in one Latin "skeleton".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

APOSTROPHES = "'`´‘’ʻʼʹ′"
_APOSTROPHE_TABLE = str.maketrans("", "", APOSTROPHES)

CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    # Kyrgyz
    "ө": "o", "ү": "u", "ң": "n",
    # Tajik
    "ӣ": "i", "ӯ": "u", "ҳ": "h", "ҷ": "ch", "қ": "k", "ғ": "g",
    # Uzbek Cyrillic (ў is Latin o‘)
    "ў": "o",
    # Kazakh and others seen in mixed messages
    "һ": "h", "ә": "a", "і": "i", "ұ": "u", "ї": "i", "є": "e",
}  # fmt: skip
_CYRILLIC_TABLE = str.maketrans(CYRILLIC_TO_LATIN)

# Latin spellings that stand for one sound, folded to one letter. Order matters: longest first.
# "yo" meets Cyrillic ё, which Russians type as е: Tajik/Uzbek "yordam" = "ёрдам", "yosh" = "ёш".
_LATIN_FOLDS: list[tuple[str, str]] = [
    ("shch", "š"), ("sch", "š"), ("sh", "š"), ("ch", "č"), ("zh", "j"), ("kh", "h"),
    ("ts", "s"), ("tz", "s"), ("ck", "k"), ("x", "h"), ("q", "k"), ("w", "v"), ("c", "s"),
    ("yo", "e"), ("y", "i"),
]  # fmt: skip
_LATIN_FOLD_RE = re.compile("|".join(re.escape(src) for src, _ in _LATIN_FOLDS))
_LATIN_FOLD_MAP = dict(_LATIN_FOLDS)
# Chat translit: "ho4u" (хочу), "6to" (што); only digits glued to letters, never "4 months".
_DIGIT_LETTER_RE = re.compile(r"(?<=[a-z])[46]|[46](?=[a-z])")
_DIGIT_LETTER = {"4": "ch", "6": "sh"}
_REPEATS_RE = re.compile(r"(.)\1+")
_SPACES_RE = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def clean(text: str) -> str:
    """NFKC, casefold, no emoji/punctuation/invisible marks; Uzbek apostrophes joined on."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(_APOSTROPHE_TABLE)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    kept = [ch if _is_word_char(ch) else " " for ch in text]
    return _SPACES_RE.sub(" ", "".join(kept)).strip()


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() and unicodedata.category(ch)[0] in "LN"


@lru_cache(maxsize=65536)
def fold(cleaned: str) -> str:
    """Script folding of already-cleaned text into the shared Latin skeleton."""
    latin = cleaned.translate(_CYRILLIC_TABLE)
    latin = _DIGIT_LETTER_RE.sub(lambda m: _DIGIT_LETTER[m.group(0)], latin)
    latin = _LATIN_FOLD_RE.sub(lambda m: _LATIN_FOLD_MAP[m.group(0)], latin)
    return _REPEATS_RE.sub(r"\1", latin)


@lru_cache(maxsize=65536)
def skeleton(text: str) -> str:
    """The comparison key of a text: cleaned, folded, repeated letters squashed."""
    return fold(clean(text))


def tokens(text: str) -> list[str]:
    """Skeleton words of a text."""
    return skeleton(text).split()


# Punctuation that ends a clause: a negation before it says nothing about the words after it.
_CLAUSE_BREAK_RE = re.compile(r"[,.;:!?()\[\]…\n]+|\s[-–—]+\s")


def clauses(text: str) -> list[str]:
    """The text cut at clause punctuation ("ба бот не, ба одам ..." is two clauses)."""
    return [part for part in _CLAUSE_BREAK_RE.split(text) if part.strip()]


def words(text: str) -> list[tuple[str, str]]:
    """(as typed, skeleton) pairs, aligned, so a match can quote the user's own words."""
    pairs = []
    for typed in clean(text).split():
        folded = fold(typed)
        if folded:
            pairs.append((typed, folded))
    return pairs
