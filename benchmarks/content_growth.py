"""Bigger FAQ content for growth runs: copies of the real topics with their words shuffled."""

from __future__ import annotations

import dataclasses
import random

from bot.content.loader import Content
from bot.content.models import FaqTopic


def grow(content: Content, factor: float, seed: int = 7) -> Content:
    """About `factor` times the topics and phrasings; answers stay so the bot can send them."""
    originals = content.faq.topics
    wanted = round(len(originals) * factor)
    if wanted <= len(originals):
        return content
    rng = random.Random(seed)
    copies = [
        _shuffled_copy(originals[n % len(originals)], f"x{n}", rng)
        for n in range(wanted - len(originals))
    ]
    faq = content.faq.model_copy(update={"topics": [*originals, *copies]})
    return dataclasses.replace(content, faq=faq)


def _shuffled_copy(topic: FaqTopic, suffix: str, rng: random.Random) -> FaqTopic:
    def shuffle(text: str) -> str:
        words = text.split()
        rng.shuffle(words)
        return " ".join(words)

    return topic.model_copy(
        update={
            "id": f"{topic.id}-{suffix}",
            "title": {lang: shuffle(text) for lang, text in topic.title.items()},
            "phrasings": {
                lang: [shuffle(text) for text in texts] for lang, texts in topic.phrasings.items()
            },
        }
    )
