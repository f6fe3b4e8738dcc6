"""Matches a message to FAQ topics fast: token index for candidates, rapidfuzz for typos."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from bot.text.normalize import skeleton

STEM = 5
TOKEN_SIMILARITY = 80.0
COMMON_SHARE = 0.08
# Words in more phrasings than this share ("kak", "i") rank topics but not single phrasings.
FILLER_SHARE = 0.2
RESCORE = 12
PHRASING_SHARE = 0.6
STRONG_EVIDENCE = 6.0
WORD_CACHE = 20_000
# A query word that is a keyword of a few topics only (a country, a city) lifts those topics.
KEYWORD_BONUS = 3.0
KEYWORD_TOPICS = 2

Array = npt.NDArray[np.float64]
Rows = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Phrasing:
    """One example question for a topic, in the shared skeleton form."""

    topic_id: str
    lang: str
    text: str
    keyword: bool = False


@dataclass(frozen=True)
class FaqMatch:
    """Best topic with a 0..100 score, and the runners-up in order."""

    topic_id: str | None
    score: float
    runners_up: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class _Evidence:
    rows: Rows
    gains: Array
    topic_rows: Rows
    topic_gains: Array
    mass: float
    keyword_topics: Rows


@dataclass
class FaqIndex:
    """Inverted index over skeleton words as numpy arrays, with a typo-tolerant word lookup."""

    topic_ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # skeleton words, sorted
    entry_topic: Rows = field(default_factory=lambda: np.zeros(0, np.int32))
    entry_mass: Array = field(default_factory=lambda: np.zeros(0))
    postings: dict[str, Rows] = field(default_factory=dict)
    topic_postings: dict[str, Rows] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    stems: dict[str, set[str]] = field(default_factory=dict)
    keyword_topics: dict[str, Rows] = field(default_factory=dict)
    _evidence_cache: dict[str, _Evidence] = field(default_factory=dict)

    @classmethod
    def build(cls, phrasings: Iterable[Phrasing]) -> FaqIndex:
        """Index every phrasing once, at content load."""
        index = cls()
        postings: dict[str, list[int]] = defaultdict(list)
        topics_of: dict[str, set[int]] = defaultdict(set)
        topic_number: dict[str, int] = {}
        entry_topic: list[int] = []
        entry_words: list[tuple[str, ...]] = []
        keyword_topics: dict[str, set[int]] = defaultdict(set)
        for phrasing in phrasings:
            text = skeleton(phrasing.text)
            words = tuple(dict.fromkeys(text.split()))
            if not words:
                continue
            topic = topic_number.setdefault(phrasing.topic_id, len(topic_number))
            for word in words:
                postings[word].append(len(entry_topic))
                topics_of[word].add(topic)
                if phrasing.keyword:
                    keyword_topics[word].add(topic)
            entry_topic.append(topic)
            entry_words.append(words)
            index.texts.append(_sorted_words(text))
        index.topic_ids = list(topic_number)
        index.entry_topic = np.array(entry_topic, np.int32)
        index.postings = {w: np.array(p, np.int32) for w, p in postings.items()}
        index.topic_postings = {w: np.array(sorted(t), np.int32) for w, t in topics_of.items()}
        total = max(len(topic_number), 1)
        index.idf = {w: math.log(1 + total / len(t)) for w, t in topics_of.items()}
        index.entry_mass = np.array([sum(index.idf[w] for w in ws) for ws in entry_words])
        index.stems = _stem_index(index.idf)
        index.keyword_topics = {
            w: np.array(sorted(t), np.int32)
            for w, t in keyword_topics.items()
            if len(t) <= KEYWORD_TOPICS
        }
        for word in index.idf:
            index._evidence(word)
        return index

    def similar_words(self, word: str) -> list[tuple[str, float]]:
        """Indexed words `word` may be (itself, an inflection, a typo), with similarity 0..1.

        Not cached itself: `_evidence`, its only caller, keeps the result per word.
        """
        found: dict[str, float] = {}
        if word in self.idf:
            found[word] = 1.0
        for key in _stem_keys(word):
            for candidate in self.stems.get(key, ()):
                if candidate not in found:
                    similarity = _word_similarity(word, candidate)
                    if similarity >= TOKEN_SIMILARITY:
                        found[candidate] = similarity / 100.0
        return sorted(found.items(), key=lambda item: (-item[1], item[0]))[:6]

    def match(self, text: str, limit: int = 3) -> FaqMatch:
        """Score topics for a message; the best first, runners-up after."""
        query = skeleton(text)
        words = list(dict.fromkeys(query.split()))
        shape = _sorted_words(query)
        if not words or not self.texts:
            return FaqMatch(None, 0.0)
        gains, topic_gains, query_mass, keyword_hits = self._gather(words)
        touched = np.flatnonzero(gains > 0)
        if not len(touched):
            return FaqMatch(None, 0.0)
        if len(touched) > RESCORE:
            touched = touched[np.argpartition(-gains[touched], RESCORE)[:RESCORE]]
        best: dict[int, float] = {}
        for entry in touched.tolist():
            topic = int(self.entry_topic[entry])
            score = self._score(entry, float(gains[entry]), query_mass, shape)
            if score > best.get(topic, -1.0):
                best[topic] = score
        ranked = sorted(
            (
                (
                    self.topic_ids[t],
                    self._blend(s, float(topic_gains[t]), query_mass)
                    + KEYWORD_BONUS * keyword_hits[t],
                )
                for t, s in best.items()
            ),
            key=lambda item: -item[1],
        )
        top_id, top_score = ranked[0]
        return FaqMatch(top_id, round(top_score, 1), tuple(ranked[1:limit]))

    def _gather(self, words: list[str]) -> tuple[Array, Array, float, Counter[int]]:
        """Per entry and per topic, the idf mass of query words found (best spelling per word).

        Also per topic, how many query words are its distinctive keywords. One `bincount` over
        all words' postings adds them up; it is several times cheaper than adding word by word.
        """
        found = [self._evidence(word) for word in words]
        gains = _summed([(e.rows, e.gains) for e in found], len(self.texts))
        topic_gains = _summed([(e.topic_rows, e.topic_gains) for e in found], len(self.topic_ids))
        keyword_hits: Counter[int] = Counter()
        for evidence in found:
            if len(evidence.keyword_topics):
                keyword_hits.update(evidence.keyword_topics.tolist())
        return gains, topic_gains, sum(e.mass for e in found), keyword_hits

    def _evidence(self, word: str) -> _Evidence:
        """What one query word adds to each entry and topic; computed once per distinct word."""
        cached = self._evidence_cache.get(word)
        if cached is not None:
            return cached
        similar = self.similar_words(word)
        common = max(len(self.texts) * COMMON_SHARE, 50)
        filler = max(len(self.texts) * FILLER_SHARE, 500)
        usable = [
            (self.postings[w], s * self.idf[w])
            for w, s in similar
            if len(self.postings[w]) <= (filler if s >= 1.0 else common)
        ]
        rows, gains = _best_per_row(usable)
        topic_rows, topic_gains = _best_per_row(
            [(self.topic_postings[w], s * self.idf[w]) for w, s in similar]
        )
        mass = max((self.idf[w] for w, _ in similar), default=self._unknown_idf(word))
        keyword_topics = self._keyword_topics(w for w, _ in similar)
        evidence = _Evidence(rows, gains, topic_rows, topic_gains, mass, keyword_topics)
        if len(self._evidence_cache) > WORD_CACHE:
            self._evidence_cache.clear()
        self._evidence_cache[word] = evidence
        return evidence

    def _keyword_topics(self, spellings: Iterable[str]) -> Rows:
        """Topics keeping any spelling of the word as a distinctive keyword, each once."""
        found = [self.keyword_topics[w] for w in spellings if w in self.keyword_topics]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int32)

    def _unknown_idf(self, word: str) -> float:
        """Unknown long words weigh on the query a little, digits and short words barely."""
        return 1.0 if len(word) >= 4 and not word.isdigit() else 0.3

    def _score(self, entry: int, gain: float, query_mass: float, shape: str) -> float:
        mass = float(self.entry_mass[entry])
        entry_cover = min(gain / mass, 1.0) if mass else 0.0
        query_cover = min(gain / query_mass, 1.0) if query_mass else 0.0
        likeness = fuzz.ratio(shape, self.texts[entry]) / 100.0
        return 100.0 * (0.55 * entry_cover + 0.3 * query_cover + 0.15 * likeness)

    @staticmethod
    def _blend(score: float, evidence: float, query_mass: float) -> float:
        """A topic's best phrasing, mixed with how much of the query the whole topic covers."""
        topic_cover = min(evidence / query_mass, 1.0) if query_mass else 0.0
        blended = PHRASING_SHARE * score + (1 - PHRASING_SHARE) * 100.0 * topic_cover
        return blended * min(1.0, evidence / STRONG_EVIDENCE)


def _sorted_words(text: str) -> str:
    """Words in sorted order: `ratio` of two such strings is rapidfuzz's `token_sort_ratio`."""
    return " ".join(sorted(text.split()))


def _summed(parts: list[tuple[Rows, Array]], size: int) -> Array:
    """Gains added up per row over all parts."""
    rows = np.concatenate([rows for rows, _ in parts])
    gains = np.concatenate([gains for _, gains in parts])
    return np.asarray(np.bincount(rows, weights=gains, minlength=size), dtype=np.float64)


def _best_per_row(postings: list[tuple[Rows, float]]) -> tuple[Rows, Array]:
    """Rows a word's spellings reach, each with its best gain: a word counts once per row."""
    if len(postings) <= 1:
        rows = postings[0][0] if postings else np.zeros(0, np.int32)
        return rows, np.full(len(rows), postings[0][1] if postings else 0.0)
    by_gain = sorted(postings, key=lambda posting: -posting[1])
    rows = np.concatenate([r for r, _ in by_gain])
    gains = np.concatenate([np.full(len(r), g) for r, g in by_gain])
    order = np.argsort(rows, kind="stable")
    rows, gains = rows[order], gains[order]
    first = np.ones(len(rows), bool)
    first[1:] = rows[1:] != rows[:-1]
    return rows[first], gains[first]


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
