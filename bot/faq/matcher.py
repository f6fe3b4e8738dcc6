"""Matches a message to FAQ topics fast: token index for candidates, rapidfuzz for typos."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.text.normalize import skeleton

STEM = 5
TOKEN_SIMILARITY = 80.0
COMMON_SHARE = 0.08
RESCORE = 12
PHRASING_SHARE = 0.6
STRONG_EVIDENCE = 6.0


@dataclass(frozen=True)
class Phrasing:
    """One example question for a topic, in the shared skeleton form."""

    topic_id: str
    lang: str
    text: str


@dataclass(frozen=True)
class FaqMatch:
    """Best topic with a 0..100 score, and the runners-up in order."""

    topic_id: str | None
    score: float
    runners_up: tuple[tuple[str, float], ...] = ()


@dataclass
class _Entry:
    topic_id: str
    words: tuple[str, ...]
    mass: float
    text: str


@dataclass
class FaqIndex:
    """Inverted index over skeleton words, with a typo-tolerant word lookup."""

    entries: list[_Entry] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)
    topic_postings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    stems: dict[str, set[str]] = field(default_factory=dict)
    _word_cache: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    @classmethod
    def build(cls, phrasings: Iterable[Phrasing]) -> FaqIndex:
        """Index every phrasing once, at content load."""
        index = cls()
        postings: dict[str, list[int]] = defaultdict(list)
        raw: list[tuple[str, tuple[str, ...], str]] = []
        for phrasing in phrasings:
            words = tuple(dict.fromkeys(skeleton(phrasing.text).split()))
            if words:
                for word in words:
                    postings[word].append(len(raw))
                raw.append((phrasing.topic_id, words, skeleton(phrasing.text)))
        index.postings = dict(postings)
        topics_of: dict[str, set[str]] = defaultdict(set)
        for topic_id, words, _ in raw:
            for word in words:
                topics_of[word].add(topic_id)
        index.topic_postings = {w: tuple(sorted(t)) for w, t in topics_of.items()}
        total = max(len({topic_id for topic_id, _, _ in raw}), 1)
        index.idf = {w: math.log(1 + total / len(t)) for w, t in topics_of.items()}
        for topic_id, words, text in raw:
            mass = sum(index.idf[w] for w in words)
            index.entries.append(_Entry(topic_id, words, mass, text))
        index.stems = _stem_index(index.idf)
        return index

    def similar_words(self, word: str) -> list[tuple[str, float]]:
        """Indexed words `word` may be (itself, an inflection, a typo), with similarity 0..1."""
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if word in self.idf:
            found[word] = 1.0
        for key in _stem_keys(word):
            for candidate in self.stems.get(key, ()):
                if candidate not in found:
                    similarity = _word_similarity(word, candidate)
                    if similarity >= TOKEN_SIMILARITY:
                        found[candidate] = similarity / 100.0
        result = sorted(found.items(), key=lambda item: -item[1])[:6]
        if len(self._word_cache) > 100_000:
            self._word_cache.clear()
        self._word_cache[word] = result
        return result

    def match(self, text: str, limit: int = 3) -> FaqMatch:
        """Score topics for a message; the best first, runners-up after."""
        query = skeleton(text)
        words = list(dict.fromkeys(query.split()))
        if not words or not self.entries:
            return FaqMatch(None, 0.0)
        gains, topic_gains, query_mass = self._gather(words)
        if not gains:
            return FaqMatch(None, 0.0)
        shortlist = sorted(gains, key=lambda i: -gains[i])[:RESCORE]
        best: dict[str, float] = {}
        for entry_index in shortlist:
            entry = self.entries[entry_index]
            score = self._score(entry, gains[entry_index], query_mass, query)
            if score > best.get(entry.topic_id, -1.0):
                best[entry.topic_id] = score
        for topic_id, score in best.items():
            evidence = topic_gains.get(topic_id, 0.0)
            topic_cover = min(evidence / query_mass, 1.0) if query_mass else 0.0
            blended = PHRASING_SHARE * score + (1 - PHRASING_SHARE) * 100.0 * topic_cover
            best[topic_id] = blended * min(1.0, evidence / STRONG_EVIDENCE)
        ranked = sorted(best.items(), key=lambda item: -item[1])
        top_id, top_score = ranked[0]
        return FaqMatch(top_id, round(top_score, 1), tuple(ranked[1:limit]))

    def _gather(self, words: list[str]) -> tuple[dict[int, float], dict[str, float], float]:
        gains: dict[int, float] = defaultdict(float)
        topic_gains: dict[str, float] = defaultdict(float)
        query_mass = 0.0
        common = max(len(self.entries) * COMMON_SHARE, 50)
        for word in words:
            similar = self.similar_words(word)
            query_mass += max((self.idf[w] for w, _ in similar), default=self._unknown_idf(word))
            seen: dict[int, float] = {}
            for candidate, similarity in similar:
                posting = self.postings[candidate]
                if len(posting) > common and similarity < 1.0:
                    continue
                gain = similarity * self.idf[candidate]
                for entry_index in posting:
                    if gain > seen.get(entry_index, 0.0):
                        seen[entry_index] = gain
            for entry_index, gain in seen.items():
                gains[entry_index] += gain
            best_in_topic: dict[str, float] = {}
            for candidate, similarity in similar:
                gain = similarity * self.idf[candidate]
                for topic_id in self.topic_postings[candidate]:
                    if gain > best_in_topic.get(topic_id, 0.0):
                        best_in_topic[topic_id] = gain
            for topic_id, gain in best_in_topic.items():
                topic_gains[topic_id] += gain
        return gains, topic_gains, query_mass

    def _unknown_idf(self, word: str) -> float:
        """Unknown long words weigh on the query a little, digits and short words barely."""
        return 1.0 if len(word) >= 4 and not word.isdigit() else 0.3

    @staticmethod
    def _score(entry: _Entry, gain: float, query_mass: float, query: str) -> float:
        entry_cover = min(gain / entry.mass, 1.0) if entry.mass else 0.0
        query_cover = min(gain / query_mass, 1.0) if query_mass else 0.0
        shape = fuzz.token_sort_ratio(query, entry.text) / 100.0
        return 100.0 * (0.55 * entry_cover + 0.3 * query_cover + 0.15 * shape)


def _stem_keys(word: str) -> set[str]:
    """The word's stem and its one-deletion variants: the typo neighbourhood of the stem."""
    stem = word[:STEM]
    keys = {stem}
    if len(stem) >= 4:
        keys.update(stem[:i] + stem[i + 1 :] for i in range(len(stem)))
    return keys


def _stem_index(words: Iterable[str]) -> dict[str, set[str]]:
    stems: dict[str, set[str]] = defaultdict(set)
    for word in words:
        for key in _stem_keys(word):
            stems[key].add(word)
    return dict(stems)


def _word_similarity(word: str, candidate: str) -> float:
    """Inflections share a stem, typos a near spelling; both count, unrelated words do not."""
    if len(word) < 4 or len(candidate) < 4:
        return 100.0 if word == candidate else 0.0
    shorter = min(len(word), len(candidate))
    prefix = fuzz.ratio(word[:shorter], candidate[:shorter])
    whole = fuzz.ratio(word, candidate)
    length_penalty = 4.0 * max(0, abs(len(word) - len(candidate)) - 2)
    return max(whole, prefix - length_penalty)
