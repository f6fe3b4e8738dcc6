"""One path from a free-text message to what the bot makes of it: shared by dialogue and triage."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content.loader import Content
from bot.faq.matcher import FaqIndex, FaqMatch, Phrasing
from bot.risk.detector import RiskDetector, RiskVerdict
from bot.risk.model import load_model
from bot.text.language import LANGS, LanguageGuesser

ANSWER_SCORE = 35.0
SUGGEST_SCORE = 28.0
CLEAR_MARGIN = 8.0


@dataclass(frozen=True)
class Triage:
    """What one message means to the bot: language, danger, and the FAQ topic to answer."""

    lang: str
    risk: RiskVerdict
    match: FaqMatch
    faq_id: str | None
    suggestions: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, object]:
        """The `migrant-bot triage` contract (shared/spec/triage.md)."""
        return {
            "lang": self.lang,
            "risk": self.risk.needs_human,
            "risk_categories": self.risk.categories,
            "faq_id": self.faq_id,
            "faq_score": self.match.score,
            "suggestions": list(self.suggestions),
            "human_request": self.risk.human_request,
            "risk_phrases": [m.phrase for m in self.risk.matches],
            "risk_score": self.risk.probability,
            "risk_check": self.risk.safety_check and not self.risk.needs_human,
        }


class Understanding:
    """FAQ index, risk rules and language guesser built from one content snapshot."""

    def __init__(self, content: Content) -> None:
        phrasings = list(_phrasings(content))
        self.index = FaqIndex.build(phrasings)
        self.detector = RiskDetector.from_content(content.risk, load_model())
        samples: dict[str, list[str]] = {lang: [] for lang in LANGS}
        for phrasing in phrasings:
            samples[phrasing.lang].append(phrasing.text)
        self.languages = LanguageGuesser.from_samples(samples)

    def triage(self, text: str, lang: str | None = None) -> Triage:
        """Risk first (a person in danger gets no FAQ), then the FAQ decision."""
        chosen = lang if lang in LANGS else self.languages.guess(text)
        verdict = self.detector.detect(text)
        match = self.index.match(text)
        faq_id, suggestions = decide(match)
        return Triage(chosen or "ru", verdict, match, faq_id, suggestions)


def decide(match: FaqMatch) -> tuple[str | None, tuple[str, ...]]:
    """Answer when confident, offer buttons when unsure, nothing when nothing fits."""
    if match.topic_id is None or match.score < SUGGEST_SCORE:
        return None, ()
    others = tuple(topic for topic, score in match.runners_up if score >= SUGGEST_SCORE)
    if match.score >= ANSWER_SCORE:
        close = tuple(t for t, s in match.runners_up if match.score - s < CLEAR_MARGIN)
        return match.topic_id, close
    return None, (match.topic_id, *others)


def _phrasings(content: Content) -> list[Phrasing]:
    found = []
    for topic in content.faq.topics:
        for lang in LANGS:
            texts = [topic.title.get(lang, "")]
            texts += topic.phrasings.get(lang, [])
            found += [Phrasing(topic.id, lang, text) for text in texts if text]
            keywords = topic.keywords.get(lang, [])
            found += [Phrasing(topic.id, lang, word, keyword=True) for word in keywords if word]
    return found
