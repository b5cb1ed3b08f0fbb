"""Benchmark quote finding and word counting by voice on synthetic 600-word articles.

Standalone: ``python benchmarks/bench_quotes.py [n_articles]``. Builds ~2,000 synthetic
articles (about 600 words each, with direct quotes, reported speech, apostrophes and a few
unbalanced marks), times :func:`pipelines.quotes.find_quotes` followed by
:func:`pipelines.quotes.count_words_by_voice` over all of them, three times, and prints the
median articles per second (and microseconds per article).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.quotes import WORD_RE, count_words_by_voice, find_quotes  # noqa: E402

_FILLER = (
    "The delegation arrived in the capital on Tuesday for talks on trade and security. "
    "Officials from both sides met behind closed doors for several hours. "
    "The army's latest exercises drew criticism from neighbouring countries. "
    "Analysts in the region have followed the situation closely since the '90s. "
    "The ministry published its annual report on the economy and energy supplies. "
    "Residents of the border towns described long queues at the checkpoints. "
    "Prices of fuel and grain rose again last month, the statistics office said. "
)
_QUOTED = (
    "“We will never accept the hegemonic policy of the imperialists,” said Foreign Minister Choe Son Hui. ",
    "Kim Yo Jong said in a statement: \"The puppet regime is playing with fire.\" ",
    "The KCNA commentary said that the \"puppet forces\" were staging reckless war games. ",
    "According to the ministry, the drills were a rehearsal for invasion. ",
    "A spokesman for the ministry told reporters that the sanctions were illegal. ",
    "The talks were constructive and frank, the envoy said. ",
    "Critics dismissed the plan as a ‘propaganda stunt’ aimed at voters. ",
    "He accused Washington of escalating tensions in the region. ",
    "She called the elections a farce, insisting that the vote was rigged. ",
    "The “elections” were held under tight security, Reuters reported. ",
    "“The enemy is weak and divided.\n“Our people are united and strong,” he added. ",
)


def make_articles(n: int, words: int = 600, seed: int = 7) -> list[str]:
    """Build ``n`` synthetic articles of about ``words`` words each (str, paragraphs on "\\n")."""
    rng = random.Random(seed)
    fill = _FILLER.split(". ")
    out = []
    for _ in range(n):
        paras, count = [], 0
        while count < words:
            sents = [rng.choice(fill).strip().rstrip(".") + "." for _ in range(rng.randint(2, 4))]
            if rng.random() < 0.6:
                sents.insert(rng.randint(0, len(sents)), rng.choice(_QUOTED).strip())
            if rng.random() < 0.03:
                sents.append("He said “this never closes")
            para = " ".join(sents)
            paras.append(para)
            count += len(WORD_RE.findall(para))
        out.append("\n".join(paras))
    return out


def run(articles: list[str]) -> float:
    """Seconds to find quotes and count words by voice for every article."""
    t0 = time.perf_counter()
    for text in articles:
        count_words_by_voice(text, find_quotes(text))
    return time.perf_counter() - t0


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 2000
    articles = make_articles(n)
    n_words = sum(len(WORD_RE.findall(t)) for t in articles) / len(articles)
    run(articles[:100])  # warm up
    times = [run(articles) for _ in range(3)]
    med = statistics.median(times)
    t0 = time.perf_counter()
    for text in articles:
        find_quotes(text)
    fq = (time.perf_counter() - t0) / n * 1e6
    print(f"{n} articles, {n_words:.0f} words each on average")
    print(f"find_quotes + count_words_by_voice: {n / med:,.0f} articles/s "
          f"(median of 3; {med / n * 1e6:.1f} µs per article; find_quotes alone {fq:.1f} µs)")


if __name__ == "__main__":
    main(sys.argv)
