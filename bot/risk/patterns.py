"""The editors' pattern language ("паспорт|документ + забрал|не отда") compiled for fast matching.

A pattern is groups joined by " + "; a group is alternatives joined by "|"; an alternative is
words that must stand next to each other, or "@name" for every alternative of a named word list
(written once per language, used by patterns in any language); inside a phrase, "за @abroad" is
the phrase with each alternative of the list in turn. Each word is a stem (prefix) in
any script; words of three letters or fewer (after folding), or ending in "!", must be whole
words; stems of `FUZZY_MIN` letters or more also match with one typo: one letter added, dropped,
changed, or two swapped, never the first or last letter ("забрать" is another form of "забрал",
not a typo). Shorter stems get no typos: across five languages folded to one skeleton, a
five-letter stem one letter off is usually another word ("tiket"/"tišet", "mekunam"/"mekušam").
Guards are compiled without typos: "bought" must not cancel "brought". All groups must fall
within `WINDOW` words of each other. A negation cancels only the word right after it in the same
clause: "ба бот не, ба одам" does not negate "одам".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import product

from rapidfuzz.distance import OSA

from bot.text.normalize import clean, fold

WINDOW = 12
FUZZY_MIN = 7


WHOLE = "!"
EXACT = "="


class Stem(str):
    """A folded pattern word; "!" marks a whole word, "=" a prefix matched without typos."""

    @classmethod
    def of(cls, text: str, whole: bool, fuzzy: bool = True) -> Stem:
        if whole:
            return cls(text + WHOLE)
        return cls(text if fuzzy or len(text) < FUZZY_MIN else text + EXACT)

    @property
    def text(self) -> str:
        return self.rstrip(WHOLE + EXACT)

    @property
    def whole(self) -> bool:
        return self.endswith(WHOLE)

    @property
    def fuzzy(self) -> bool:
        return not self.endswith((WHOLE, EXACT)) and len(self) >= FUZZY_MIN


Alternative = tuple[Stem, ...]


@dataclass(frozen=True)
class Pattern:
    """One compiled pattern, remembering its source text to explain a verdict."""

    source: str
    groups: tuple[tuple[Alternative, ...], ...]
    heads: tuple[frozenset[Stem], ...] = ()
    by_head: tuple[Mapping[Stem, tuple[Alternative, ...]], ...] = ()


WORD_LIST = re.compile(r"@([a-z0-9_-]+)")


def expand(source: str, words: Mapping[str, Sequence[str]]) -> str:
    """Replace each "@name" with its list's alternatives; inside a phrase, with every pairing.

    "за @abroad" becomes "за корею|за турцию|...", so a construction is written once for every
    country, number or form a list holds; an unknown name contributes nothing.
    """
    return " + ".join(
        "|".join(
            expanded
            for alternative in group.split("|")
            for expanded in _expand_alternative(alternative, words)
        )
        for group in source.split("+")
    )


def _expand_alternative(alternative: str, words: Mapping[str, Sequence[str]]) -> list[str]:
    options: list[Sequence[str]] = [
        words.get(token[1:], ()) if WORD_LIST.fullmatch(token) else (token,)
        for token in alternative.split()
    ]
    return [" ".join(parts) for parts in product(*options)] if options else []


def word_lists_used(source: str) -> list[str]:
    """Names of the word lists a pattern refers to, for the content check."""
    return WORD_LIST.findall(source)


def parse_pattern(source: str, fuzzy: bool = True) -> Pattern:
    """Compile the editors' syntax; empty parts are ignored; `fuzzy=False` for guards."""
    groups = []
    for group_text in source.split("+"):
        alternatives: list[Alternative] = []
        for alternative in group_text.split("|"):
            stems = tuple(
                _stem(word, fuzzy) for word in alternative.split() if _stem(word, fuzzy).text
            )
            if stems:
                alternatives.append(stems)
        if alternatives:
            groups.append(tuple(alternatives))
    heads = tuple(frozenset(alternative[0] for alternative in group) for group in groups)
    return Pattern(source, tuple(groups), heads, tuple(_by_head(group) for group in groups))


def _by_head(group: Sequence[Alternative]) -> dict[Stem, tuple[Alternative, ...]]:
    """A group's alternatives by first word: a message wakes only those it holds."""
    index: dict[Stem, list[Alternative]] = defaultdict(list)
    for alternative in group:
        index[alternative[0]].append(alternative)
    return {head: tuple(alternatives) for head, alternatives in index.items()}


def _stem(word: str, fuzzy: bool = True) -> Stem:
    whole = word.endswith(WHOLE)
    folded = fold(clean(word.rstrip(WHOLE))).replace(" ", "")
    return Stem.of(folded, whole or len(folded) <= 3, fuzzy)


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1 :] for i in range(len(text))}


@dataclass
class StemMatcher:
    """Finds which stems a message word matches: exact prefix, whole word, or one typo away."""

    prefixes: set[str] = field(default_factory=set)
    exact_prefixes: set[str] = field(default_factory=set)
    wholes: set[str] = field(default_factory=set)
    typo_keys: dict[str, set[str]] = field(default_factory=dict)
    lengths: set[int] = field(default_factory=set)
    _cache: dict[str, frozenset[Stem]] = field(default_factory=dict)

    @classmethod
    def build(cls, stems: Iterable[Stem]) -> StemMatcher:
        matcher = cls()
        typo_keys: dict[str, set[str]] = defaultdict(set)
        for stem in stems:
            if stem.whole:
                matcher.wholes.add(stem.text)
                continue
            if not stem.fuzzy:
                matcher.exact_prefixes.add(stem.text)
                continue
            matcher.prefixes.add(stem.text)
            if len(stem.text) >= FUZZY_MIN:
                matcher.lengths.add(len(stem.text))
                for key in _deletions(stem.text) | {stem.text}:
                    typo_keys[key].add(stem.text)
        matcher.typo_keys = dict(typo_keys)
        return matcher

    def stems_of(self, word: str) -> frozenset[Stem]:
        """Every stem this message word satisfies (cached: words repeat across messages)."""
        cached = self._cache.get(word)
        if cached is None:
            cached = frozenset(self._compute(word))
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[word] = cached
        return cached

    def _compute(self, word: str) -> set[Stem]:
        found = {Stem.of(word, True)} if word in self.wholes else set()
        for end in range(1, len(word) + 1):
            if word[:end] in self.prefixes:
                found.add(Stem.of(word[:end], False))
            if word[:end] in self.exact_prefixes:
                found.add(Stem.of(word[:end], False, fuzzy=False))
        for length in self.lengths:
            for end in (length - 1, length, length + 1):
                if FUZZY_MIN - 1 <= end <= len(word):
                    found.update(self._typos(word[:end]))
        return found

    def _typos(self, head: str) -> set[Stem]:
        found: set[Stem] = set()
        for key in _deletions(head) | {head}:
            for stem in self.typo_keys.get(key, ()):
                if one_typo(head, stem):
                    found.add(Stem.of(stem, False))
        return found


def one_typo(typed: str, stem: str) -> bool:
    """At most one edit, first and last letters kept: shared deletion keys alone allow two."""
    return (
        typed[0] == stem[0]
        and typed[-1] == stem[-1]
        and OSA.distance(typed, stem, score_cutoff=1) <= 1
    )


@dataclass(frozen=True)
class Message:
    """A message as the pattern matcher sees it: matched stems per word, negations before each."""

    matched: Sequence[frozenset[Stem]]
    after_negation: Sequence[bool]
    negations: frozenset[str]
    where: Mapping[Stem, Sequence[int]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        matched: Sequence[frozenset[Stem]],
        negations: frozenset[str],
        folded: Sequence[str],
        clause_starts: AbstractSet[int] = frozenset(),
    ) -> Message:
        """Index each stem's positions once, so patterns look only where their words are."""
        where: dict[Stem, list[int]] = defaultdict(list)
        for position, stems in enumerate(matched):
            for stem in stems:
                where[stem].append(position)
        after_negation = [
            i > 0 and i not in clause_starts and folded[i - 1] in negations
            for i in range(len(folded))
        ]
        return cls(matched, after_negation, negations, dict(where))


def occurrences(alternative: Sequence[Stem], message: Message) -> list[int]:
    """Start positions where the alternative's words stand in a row, not right after a negation."""
    negatable = alternative[0].text not in message.negations
    rest = range(1, len(alternative))
    last = len(message.matched)
    return [
        start
        for start in message.where.get(alternative[0], ())
        if not (negatable and message.after_negation[start])
        and start + len(alternative) <= last
        and all(alternative[k] in message.matched[start + k] for k in rest)
    ]


def find(pattern: Pattern, message: Message) -> list[int] | None:
    """Word positions that fired, every group within the window, or None."""
    present = [heads.intersection(message.where) for heads in pattern.heads]
    if not all(present):
        return None
    per_group: list[list[tuple[int, int]]] = []
    for heads, index in zip(present, pattern.by_head, strict=True):
        spots = sorted(
            {
                (pos, len(alt))
                for head in heads
                for alt in index[head]
                for pos in occurrences(alt, message)
            },
            key=lambda spot: (spot[0], -spot[1]),
        )
        if not spots:
            return None
        per_group.append(spots)
    for anchor in sorted(pos for spots in per_group for pos, _ in spots):
        chosen = [_first_in_window(spots, anchor) for spots in per_group]
        if all(chosen):
            return sorted(
                {pos + k for spot in chosen if spot for pos, span in [spot] for k in range(span)}
            )
    return None


def _first_in_window(spots: list[tuple[int, int]], anchor: int) -> tuple[int, int] | None:
    return next((spot for spot in spots if anchor <= spot[0] <= anchor + WINDOW), None)
