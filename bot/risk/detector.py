"""Finds signs of danger in a message and says which category fired and on which words."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.content.models import RiskFile
from bot.risk.patterns import Message, Pattern, StemMatcher, expand, find, parse_pattern
from bot.text.normalize import clauses, clean, fold, words

HUMAN_REQUEST = "human_request"


@dataclass(frozen=True)
class RiskMatch:
    """One category that fired: the editors' pattern and the user's words that matched it."""

    category: str
    pattern: str
    phrase: str


@dataclass(frozen=True)
class RiskVerdict:
    """What the detector saw in one message."""

    matches: tuple[RiskMatch, ...] = ()
    human_request: bool = False

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(match.category for match in self.matches))

    @property
    def is_risk(self) -> bool:
        return bool(self.matches)

    @property
    def needs_human(self) -> bool:
        return self.is_risk or self.human_request


@dataclass(frozen=True)
class _Rule:
    category: str
    patterns: tuple[Pattern, ...]
    guards: tuple[Pattern, ...]


class RiskDetector:
    """Pattern rules per category, compiled once per content snapshot."""

    def __init__(self, rules: list[_Rule], negations: frozenset[str]) -> None:
        self.rules = rules
        self.negations = negations
        stems = {
            stem
            for rule in rules
            for pattern in (*rule.patterns, *rule.guards)
            for group in pattern.groups
            for alternative in group
            for stem in alternative
        }
        self.matcher = StemMatcher.build(stems)
        self.by_first_head: dict[str, list[int]] = defaultdict(list)
        for rule in rules:
            for pattern in (*rule.patterns, *rule.guards):
                for head in pattern.heads[0] if pattern.heads else ():
                    self.by_first_head[head].append(id(pattern))

    @classmethod
    def from_content(cls, risk: RiskFile) -> RiskDetector:
        words = word_lists(risk)
        rules = [_rule(HUMAN_REQUEST, risk.human_request, risk.human_request_unless, words)]
        rules += [_rule(c.id, c.patterns, c.unless, words) for c in risk.categories]
        negations = frozenset(fold(clean(word)) for word in risk.negations)
        return cls(rules, negations)

    def detect(self, text: str) -> RiskVerdict:
        """Every category whose pattern fires and whose guards stay silent."""
        pairs: list[tuple[str, str]] = []
        clause_starts: set[int] = set()
        for clause in clauses(text):
            clause_starts.add(len(pairs))
            pairs += words(clause)
        if not pairs:
            return RiskVerdict()
        message = self._message([folded for _, folded in pairs], clause_starts)
        matches: list[RiskMatch] = []
        human = False
        live = {key for stem in message.where for key in self.by_first_head.get(stem, ())}
        for rule in self.rules:
            fired = self._fire(rule, message, live, [typed for typed, _ in pairs])
            if fired is None:
                continue
            if rule.category == HUMAN_REQUEST:
                human = True
            else:
                matches.append(fired)
        return RiskVerdict(tuple(matches), human)

    def _message(self, folded: list[str], clause_starts: set[int]) -> Message:
        matched = [self.matcher.stems_of(word) for word in folded]
        return Message.of(matched, self.negations, folded, clause_starts)

    @staticmethod
    def _fire(rule: _Rule, message: Message, live: set[int], typed: list[str]) -> RiskMatch | None:
        """The rule's first pattern that fires, unless a guard fires too; `live` skips the rest."""
        for pattern in rule.patterns:
            positions = find(pattern, message) if id(pattern) in live else None
            if positions is None:
                continue
            if any(
                id(guard) in live and find(guard, message) is not None for guard in rule.guards
            ):
                return None
            phrase = " ".join(typed[pos] for pos in positions)
            return RiskMatch(rule.category, pattern.source, phrase)
        return None


def word_lists(risk: RiskFile) -> dict[str, list[str]]:
    """Each named list with all its languages merged: "@document" serves a message in any."""
    return {
        name: list(dict.fromkeys(word for texts in by_lang.values() for word in texts))
        for name, by_lang in risk.words.items()
    }


def _rule(
    category: str,
    patterns: Mapping[str, Iterable[str]],
    guards: Mapping[str, Iterable[str]],
    words: Mapping[str, Sequence[str]],
) -> _Rule:
    return _Rule(
        category,
        tuple(parse_pattern(expand(p, words)) for texts in patterns.values() for p in texts),
        tuple(
            parse_pattern(expand(p, words), fuzzy=False)
            for texts in guards.values()
            for p in texts
        ),
    )
