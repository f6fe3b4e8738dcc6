"""Finds signs of danger in a message and says which category fired and on which words."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.content.models import RiskFile
from bot.risk.model import ModelVerdict, RiskModel
from bot.risk.patterns import Message, Pattern, StemMatcher, expand, find, parse_pattern
from bot.text.normalize import clauses, clean, fold, words

HUMAN_REQUEST = "human_request"
MODEL_PATTERN = "danger model"


@dataclass(frozen=True)
class RiskMatch:
    """One category that fired: the editors' pattern and the user's words that matched it."""

    category: str
    pattern: str
    phrase: str
    firm: bool = False  # an editors' pattern the danger model may not overrule


@dataclass(frozen=True)
class RiskVerdict:
    """What the detector saw in one message."""

    matches: tuple[RiskMatch, ...] = ()
    human_request: bool = False
    probability: float | None = None
    safety_check: bool = False

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
    patterns: tuple[Pattern, ...]  # firm patterns first
    guards: tuple[Pattern, ...]
    firm: int = 0  # how many of the patterns are firm


class RiskDetector:
    """Pattern rules per category, compiled once per content snapshot."""

    def __init__(
        self, rules: list[_Rule], negations: frozenset[str], model: RiskModel | None = None
    ) -> None:
        self.rules = rules
        self.negations = negations
        self.model = model
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
    def from_content(cls, risk: RiskFile, model: RiskModel | None = None) -> RiskDetector:
        words = word_lists(risk)
        rules = [_rule(HUMAN_REQUEST, risk.human_request, risk.human_request_unless, words)]
        rules += [_rule(c.id, c.patterns, c.unless, words, c.firm) for c in risk.categories]
        negations = frozenset(fold(clean(word)) for word in risk.negations)
        return cls(rules, negations, model)

    def detect(self, text: str) -> RiskVerdict:
        """The editors' rules, then the model's reading where a model is loaded."""
        verdict = self.detect_by_rules(text)
        if self.model is None:
            return verdict
        return weigh(verdict, self.model.score(text), self.model)

    def detect_by_rules(self, text: str) -> RiskVerdict:
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
        for number, pattern in enumerate(rule.patterns):
            positions = find(pattern, message) if id(pattern) in live else None
            if positions is None:
                continue
            if any(
                id(guard) in live and find(guard, message) is not None for guard in rule.guards
            ):
                return None
            phrase = " ".join(typed[pos] for pos in positions)
            return RiskMatch(rule.category, pattern.source, phrase, number < rule.firm)
        return None


def weigh(rules: RiskVerdict, reading: ModelVerdict, model: RiskModel) -> RiskVerdict:
    """Rules and model decide together: either alone misses what the other sees.

    A rule's alarm stands unless the model finds danger very unlikely (`confirm`) and the rule is
    not firm; the model alone raises the alarm when it is fairly sure (`alarm`) and names the
    words that weighed most, provided it had at least two words to read (numbers alone are none)
    and the message is not a plain wish for a person (that opens a case anyway; the model never
    learned from such wishes, so its alarm would only mislabel it). Below that but not far
    (`ask`), the bot answers and asks whether the person is safe; about a single word ("да",
    "работа") only when the model is as sure as an alarm would need.
    """
    matches = rules.matches
    if matches and reading.probability < model.confirm:
        matches = tuple(match for match in matches if match.firm)
    elif (
        not matches
        and not rules.human_request
        and reading.probability >= model.alarm
        and reading.enough_words
    ):
        phrase = ", ".join(reading.evidence)
        matches = tuple(RiskMatch(c, MODEL_PATTERN, phrase) for c in reading.categories)
    ask = model.ask if reading.enough_words else model.alarm
    unsure = not matches and reading.probability >= ask and reading.words > 0
    return RiskVerdict(matches, rules.human_request, reading.probability, unsure)


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
    firm: Mapping[str, Iterable[str]] | None = None,
) -> _Rule:
    firm_patterns = _parsed(firm or {}, words)
    return _Rule(
        category,
        firm_patterns + _parsed(patterns, words),
        _parsed(guards, words, fuzzy=False),
        len(firm_patterns),
    )


def _parsed(
    patterns: Mapping[str, Iterable[str]], words: Mapping[str, Sequence[str]], fuzzy: bool = True
) -> tuple[Pattern, ...]:
    """Every language's patterns compiled into one tuple: a message may mix languages."""
    return tuple(
        parse_pattern(expand(p, words), fuzzy=fuzzy) for texts in patterns.values() for p in texts
    )
