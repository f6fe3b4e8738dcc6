"""The FAQ matcher: a place a message names weighs toward the topic keeping it as a keyword."""

from __future__ import annotations

import pytest

from bot.faq.matcher import KEYWORD_BONUS, KEYWORD_TOPICS, FaqIndex, Phrasing

OTHERS = [Phrasing(f"other-{n}", "en", f"question {n} about subject{n}") for n in range(20)]
HOME = [
    Phrasing("stay-home", "en", "how long can i stay without registration"),
    Phrasing("stay-home", "en", "registration rules for a rented flat"),
]


def _scores(text: str, places_are_keywords: bool, owners: int = 1) -> dict[str, float]:
    abroad = [Phrasing("stay-abroad", "en", "registration rules in almaty")]
    owner_ids = ["stay-abroad", *(f"other-{n}" for n in range(owners - 1))]
    places = [Phrasing(o, "en", "almaty", keyword=places_are_keywords) for o in owner_ids]
    match = FaqIndex.build(OTHERS + HOME + abroad + places).match(text, limit=30)
    return dict([(match.topic_id or "", match.score), *match.runners_up])


def test_a_named_place_lifts_the_topic_keeping_it() -> None:
    text = "registration rules for my rented flat in almaty"
    plain = _scores(text, places_are_keywords=False)
    lifted = _scores(text, places_are_keywords=True)
    assert lifted["stay-abroad"] > plain["stay-abroad"]
    assert lifted["stay-abroad"] == pytest.approx(plain["stay-abroad"] + KEYWORD_BONUS, abs=0.1)
    assert lifted["stay-home"] == pytest.approx(plain["stay-home"], abs=0.1)


def test_a_message_naming_no_place_lifts_nothing() -> None:
    text = "registration rules for my rented flat"
    assert _scores(text, True) == pytest.approx(_scores(text, False))


def test_a_keyword_of_many_topics_lifts_none() -> None:
    text = "registration rules for my rented flat in almaty"
    many = KEYWORD_TOPICS + 1
    assert _scores(text, True, many)["stay-abroad"] == pytest.approx(
        _scores(text, False, many)["stay-abroad"], abs=0.1
    )
