"""Where rules and model hand over, ask, or stay quiet: chosen on messages the model never saw.

Every figure here comes from out-of-fold probabilities (each message scored by a model trained
without it) and from sets the editors' lexicon was not tuned on, so the choice is not flattered
by either. Held-out sets play no part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.risk.model import WORDS_TO_ALARM

Mask = npt.NDArray[np.bool_]

LEXICON_TUNED_ON = ("eval_risk", "eval_faq", "holdout_risk", "holdout_faq")
# Greetings, thanks, yes/no and bare numbers: taught to the model, kept out of the budget,
# where hundreds of easy negatives would let the cut-offs drop.
SMALL_TALK = ("smalltalk_risk",)
# Hard negatives handed to a person. They are written to look like danger, and a missed danger
# costs more than an operator's minute; ordinary questions handed over stay near 1.5% out of fold.
FALSE_ALARM_BUDGET = 0.08
QUESTION_ASK_BUDGET = 0.05  # ordinary questions followed by "are you safe?"
CONFIRM_CAP = 0.2  # the model overrules an editors' rule only when it finds danger unlikely
STEPS = np.round(np.arange(0.0, 1.0001, 0.01), 2)  # fine: a coarse grid jumps past the budget


@dataclass(frozen=True)
class Thresholds:
    """The three cut-offs, with the out-of-fold figures they were chosen by."""

    alarm: float
    confirm: float
    ask: float
    recall: float = 0.0
    false_alarms: float = 0.0
    reached: float = 0.0
    questions_asked: float = 0.0

    def describe(self) -> str:
        return (
            f"alarm {self.alarm:.2f}, confirm {self.confirm:.2f}, ask {self.ask:.2f}: "
            f"recall {self.recall:.1%}, false alarms {self.false_alarms:.1%}, "
            f"handed over or asked {self.reached:.1%}, questions asked {self.questions_asked:.1%}"
        )


@dataclass(frozen=True)
class Evidence:
    """Per message: out-of-fold probability, whether a (firm) rule fired, and what it really is."""

    probability: npt.NDArray[np.float64]
    rule_fired: Mask
    danger: Mask
    question: Mask
    fair: Mask
    firm_fired: Mask
    lettered: npt.NDArray[np.int64]  # words with letters, as `ModelVerdict.words` counts them

    def handed_over(self, alarm: float, confirm: float) -> Mask:
        """What `detector.weigh` hands over, for every message at once."""
        confirmed = self.rule_fired & (self.probability >= confirm)
        alone = (self.probability >= alarm) & (self.lettered >= WORDS_TO_ALARM)
        return alone | confirmed | self.firm_fired

    def asked(self, alarm: float, confirm: float, ask: float) -> Mask:
        """What `detector.weigh` leaves unhanded but asks "are you safe?" about."""
        unhanded = ~self.handed_over(alarm, confirm)
        cutoff = np.where(self.lettered >= WORDS_TO_ALARM, ask, alarm)
        return unhanded & (self.probability >= cutoff) & (self.lettered > 0)

    @property
    def dangers(self) -> Mask:
        return self.fair & self.danger

    @property
    def negatives(self) -> Mask:
        return self.fair & ~self.danger & ~self.question

    @property
    def questions(self) -> Mask:
        return self.fair & self.question


def choose(evidence: Evidence) -> Thresholds:
    """Most dangers handed over within the false-alarm budget; then ask within its budget."""
    best: tuple[float, float, float, float] | None = None
    for alarm in STEPS[1:]:
        for confirm in STEPS[(alarm >= STEPS) & (CONFIRM_CAP >= STEPS)]:
            fired = evidence.handed_over(alarm, confirm)
            false_alarms = float(fired[evidence.negatives].mean())
            if false_alarms > FALSE_ALARM_BUDGET:
                continue
            key = (float(fired[evidence.dangers].mean()), -false_alarms, alarm, confirm)
            best = key if best is None or key > best else best
    if best is None:
        raise ValueError("no thresholds keep false alarms within budget")
    recall, minus_false, alarm, confirm = best
    return _with_ask(evidence, Thresholds(alarm, confirm, alarm, recall, -minus_false))


def _with_ask(evidence: Evidence, chosen: Thresholds) -> Thresholds:
    """The lowest "are you safe?" cut-off that asks few enough ordinary questions."""
    fired = evidence.handed_over(chosen.alarm, chosen.confirm)
    for ask in STEPS[chosen.alarm >= STEPS]:
        asked = evidence.asked(chosen.alarm, chosen.confirm, ask)
        if float(asked[evidence.questions].mean()) <= QUESTION_ASK_BUDGET:
            reached = float((fired | asked)[evidence.dangers].mean())
            questions = float((fired | asked)[evidence.questions].mean())
            return Thresholds(
                chosen.alarm, chosen.confirm, float(ask), chosen.recall, chosen.false_alarms,
                reached, questions,
            )  # fmt: skip
    return chosen
