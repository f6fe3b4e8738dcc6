"""`make bench`: matcher latency next to rapidfuzz extractOne(WRatio) over the same phrasings."""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.content.loader import load_content
from bot.faq.matcher import FaqIndex, Phrasing
from bot.understanding import Understanding

ROOT = Path(__file__).resolve().parent.parent


def synthetic(phrasings: list[Phrasing], size: int, rng: random.Random) -> list[Phrasing]:
    """Grow the real phrasings to `size` by shuffling words between phrasings of one topic."""
    grown = list(phrasings)
    while len(grown) < size:
        base = rng.choice(phrasings)
        words = base.text.split()
        rng.shuffle(words)
        grown.append(Phrasing(f"{base.topic_id}-{len(grown) % 300}", base.lang, " ".join(words)))
    return grown[:size]


def median_ms(run: object, queries: list[str]) -> tuple[float, float]:
    timings = []
    for query in queries:
        start = time.perf_counter()
        run(query)  # type: ignore[operator]
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def baseline(choices: list[str]) -> object:
    """The naive way: WRatio against every phrasing."""
    return lambda query: process.extractOne(query, choices, scorer=fuzz.WRatio)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    content = load_content(ROOT / "content")
    understanding = Understanding(content)
    rng = random.Random(7)
    queries = [
        line.split('"text": "')[1].split('"')[0]
        for line in (ROOT / "tests/data/eval_faq.jsonl").open()
    ]
    queries = queries[: 100 if args.quick else len(queries)]
    base = [
        p
        for t in content.faq.topics
        for lang, texts in t.phrasings.items()
        for p in (Phrasing(t.id, lang, x) for x in texts)
    ]
    rows = [
        "| phrasings | ours median ms | ours p99 ms | WRatio extractOne median ms | ratio |",
        "|---|---|---|---|---|",
    ]
    for size in (len(base), 10_000):
        phrasings = synthetic(base, size, rng)
        index = FaqIndex.build(phrasings)
        choices = [p.text for p in phrasings]
        ours, ours_p99 = median_ms(index.match, queries)
        theirs, _ = median_ms(baseline(choices), queries[:50])
        rows.append(
            f"| {size} | {ours:.3f} | {ours_p99:.3f} | {theirs:.3f} | {theirs / ours:.0f}x |"
        )
    triage_median, triage_p99 = median_ms(understanding.triage, queries)
    rows.append(
        f"\nfull triage (normalise + risk + FAQ), shipped content: "
        f"median {triage_median:.3f} ms, p99 {triage_p99:.3f} ms"
    )
    table = "\n".join(rows)
    print(table)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.md").write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
