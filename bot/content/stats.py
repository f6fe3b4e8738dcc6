"""Per-language figures for the content check: how much each language has, and what it lacks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.content.loader import Content, language_maps, missing_languages
from bot.content.models import LANGS


@dataclass(frozen=True)
class LanguageCounts:
    """What one language offers users, and how many of its texts are still missing."""

    lang: str
    topics: int
    phrasings: int
    ui_strings: int
    flow_texts: int
    missing: int


def language_counts(content: Content) -> list[LanguageCounts]:
    """One row per language, in the order editors know (ru ky uz tg en)."""
    missing = missing_by_language(content)
    flow_maps = [
        node
        for name, doc in content.documents.items()
        if name.startswith("flows/")
        for _, node in language_maps(doc.data)
    ]
    return [
        LanguageCounts(
            lang=lang,
            topics=sum(1 for t in content.faq.topics if t.answer.get(lang)),
            phrasings=sum(len(t.phrasings.get(lang, [])) for t in content.faq.topics),
            ui_strings=sum(1 for s in content.ui.strings.values() if s.get(lang)),
            flow_texts=sum(1 for node in flow_maps if node.get(lang)),
            missing=missing[lang],
        )
        for lang in LANGS
    ]


def missing_by_language(content: Content) -> Counter[str]:
    """Missing translations across every file, counted per language."""
    counts: Counter[str] = Counter()
    for doc in content.documents.values():
        for loc, node in language_maps(doc.data):
            counts.update(missing_languages(loc, node))
    return counts


HEADER = ("language", "topics", "phrasings", "ui strings", "flow texts", "missing")


def counts_table(rows: list[LanguageCounts]) -> str:
    """A plain text table that reads well in a terminal and pastes into a report."""
    cells = [HEADER] + [
        (r.lang, *(str(n) for n in (r.topics, r.phrasings, r.ui_strings, r.flow_texts, r.missing)))
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(
            cell.rjust(width) if i else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    )
