"""Benchmark quote finding and word counting by voice; optionally this tree against another.

Standalone::

    python benchmarks/bench_quotes.py [n_articles]
    python benchmarks/bench_quotes.py --baseline OTHER_TREE [--input FILE --text-column COL --outlet-column COL]
                                      [--articles N] [--repeat R]

Without ``--baseline``: builds ~2,000 synthetic articles (about 600 words each, with direct
quotes, reported speech, apostrophes and a few unbalanced marks), times
:func:`pipelines.quotes.find_quotes` followed by :func:`pipelines.quotes.count_words_by_voice`
over all of them, three times, and prints the median articles per second (and microseconds
per article).

With ``--baseline OTHER_TREE`` (another checkout, e.g. ``git worktree add /tmp/base <commit>``):
loads ``OTHER_TREE/pipelines/quotes.py`` next to this tree's module in the same process and
times ``find_quotes`` of both, alternating, on ONE pinned core (``os.sched_setaffinity``),
CPU time (``time.process_time``), median of R runs (default 5); prints µs per article of
each and the ratio, and checks the two give the same quotes (offsets, kind, speaker, cue,
closed) on every article. The articles are :func:`bench_score.make_corpus`'s synthetic ones
(``--articles``, default 2,000), or the text column of ``--input`` (JSONL or CSV; ``--text-column``,
default ``text``; the outlet column, when given, gives ``outlet_names`` as the score stage passes them).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pipelines.quotes  # noqa: E402
from bench_ingest import baseline_module  # noqa: E402
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


def read_texts(path: Path | None, text_column: str, outlet_column: str | None,
               n: int) -> tuple[list[str], list[tuple[str, ...]]]:
    """Texts and ``outlet_names`` per article: ``--input``'s, or *n* of ``make_corpus``'s."""
    import pandas as pd

    if path is None:
        from bench_score import make_corpus

        frame = make_corpus(n)
        text_column, outlet_column = "text", "outlet"
    elif str(path).endswith((".jsonl", ".json")):
        frame = pd.read_json(path, lines=str(path).endswith(".jsonl"))
    else:
        frame = pd.read_csv(path)
    if text_column not in frame:
        raise SystemExit(f"--input {path}: no column {text_column!r} (columns: {', '.join(map(str, frame.columns))}); "
                         "name the text column with --text-column")
    frame = frame[frame[text_column].map(lambda t: isinstance(t, str))]
    names = [(o,) if isinstance(o, str) else () for o in frame[outlet_column]] if outlet_column else [()] * len(frame)
    return frame[text_column].tolist(), names


def side_by_side(base, new, texts: list[str], names: list[tuple[str, ...]], repeat: int) -> dict[str, float]:
    """Median µs of CPU per article of each module's ``find_quotes``, alternating which runs first."""
    times: dict[str, list[float]] = {"baseline": [], "this tree": []}
    sides = [("baseline", base.find_quotes), ("this tree", new.find_quotes)]
    for fq in (base.find_quotes, new.find_quotes):  # warm up
        for text, outlet in zip(texts[:200], names):
            fq(text, outlet)
    for r in range(repeat):
        for label, fq in (sides if r % 2 == 0 else sides[::-1]):
            t0 = time.process_time()
            for text, outlet in zip(texts, names):
                fq(text, outlet)
            times[label].append((time.process_time() - t0) / len(texts) * 1e6)
    return {label: statistics.median(v) for label, v in times.items()}


def same_quotes(base, new, texts: list[str], names: list[tuple[str, ...]]) -> int:
    """Number of articles whose quotes differ between the two modules (as field tuples)."""
    def rows(qs):
        return [(q.start, q.end, q.kind, q.speaker, q.cue, q.closed) for q in qs]
    return sum(rows(base.find_quotes(t, o)) != rows(new.find_quotes(t, o)) for t, o in zip(texts, names))


def main(argv: list[str]) -> None:
    if len(argv) > 1 and argv[1].isdigit() or len(argv) == 1:
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
        return
    parser = argparse.ArgumentParser(description="find_quotes of this tree against another checkout's.")
    parser.add_argument("--baseline", type=Path, required=True, metavar="OTHER_TREE", help="another checkout of framewatch")
    parser.add_argument("--input", type=Path, help="JSONL or CSV with a text column (default: synthetic)")
    parser.add_argument("--text-column", default="text", help="text column of --input (default: text)")
    parser.add_argument("--outlet-column", help="column naming each article's outlet (outlet_names)")
    parser.add_argument("--articles", type=int, default=2000, help="synthetic articles (default 2,000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each side (default 5)")
    args = parser.parse_args(argv[1:])
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    base, new = baseline_module(args.baseline, "quotes"), pipelines.quotes
    texts, names = read_texts(args.input, args.text_column, args.outlet_column, args.articles)
    med = side_by_side(base, new, texts, names, args.repeat)
    differ = same_quotes(base, new, texts, names)
    print(f"{len(texts)} articles ({args.input or 'synthetic, make_corpus'}), one core, CPU time, "
          f"median of {args.repeat}, load average {os.getloadavg()[0]:.1f}")
    print(f"find_quotes µs per article: baseline {med['baseline']:.1f}, this tree {med['this tree']:.1f}, "
          f"ratio {med['baseline'] / med['this tree']:.2f}x; articles with different quotes: {differ}")


if __name__ == "__main__":
    main(sys.argv)
