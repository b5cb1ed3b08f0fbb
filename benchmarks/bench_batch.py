"""Benchmark the per-batch score stages with and without the shared per-article work.

Standalone: ``python benchmarks/bench_batch.py [--input FILE] [--topic-column COL] [--articles N] [--repeat R]``.

Ingests N articles (default 1,500) -- of *FILE* (any input ``framewatch run`` reads, e.g.
``../shared/corpora/kcna_2024/kcna_articles.csv``), or of ``bench_score.py``'s synthetic
~600-word corpus when none is given -- into a scratch store, builds the fitted stages as the
score stage does (built-in lexicon, topic queries, pairs, frames, targets), then times, on
ONE core (``os.sched_setaffinity``), CPU seconds (``time.process_time``):

* **shared** -- :func:`pipelines.engines.score_batch` (one matching copy, one list of quotes
  and one split into sentences per article, :mod:`pipelines.prepared`);
* **each stage on its own** -- ``score_batch(..., shared=False)``: the same stages, each
  building its matching copy and sentences and rebuilding the quotes from the ``quotes``
  frame (the sharing undone; the word-choice matcher's skip of groups without a form is in
  both).

The two are run alternately, R times each (default 3); prints medians, ms of CPU an article,
articles/s and the ratio, and checks that both give identical tables. Then the shared run's
stages one by one (``score_articles`` -- matching, voice, topics, article scores, the issue's
"whole score stage" --, frames, word-choice pairs, tone toward targets), ms of CPU an article
and articles/s, median of R. The cache of VADER sentence scores is emptied before every timed
run, so each scores its sentences as a run of new articles does.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_score import make_corpus  # noqa: E402
from pipelines.engines import default_stages, read_articles, score_batch  # noqa: E402
from pipelines.frames import score_frames  # noqa: E402
from pipelines.ingest import IngestOptions  # noqa: E402
from pipelines.run import run_ingest  # noqa: E402
from pipelines.prepared import prepare_texts  # noqa: E402
from pipelines.score import score_articles  # noqa: E402
from pipelines.storage import connect  # noqa: E402
from pipelines.tone import clear_tone_cache, score_targets  # noqa: E402
from pipelines.wordchoice import find_pair_mentions  # noqa: E402


def stage_times(articles, stages) -> dict[str, float]:
    """CPU seconds of each stage of ``score_batch(articles, stages)``, run as it runs them."""
    s = stages
    out: dict[str, float] = {}

    def timed(name, fn, *a, **kw):
        t = time.process_time()
        r = fn(*a, **kw)
        out[name] = time.process_time() - t
        return r

    clear_tone_cache()
    prepared = timed("prepare (shared texts)", prepare_texts, articles)
    result = timed("score_articles (match, voice, topics, scores)", score_articles, articles, s.lexicon,
                   s.topic_matcher, use_topic_column=s.use_topic_column, matcher=s.matcher,
                   outlet_names=s.outlet_names, prepared=prepared)
    timed("frames", score_frames, articles, result.quotes, s.frames, prepared)
    timed("word-choice pairs", find_pair_mentions, articles, result.quotes, s.pair_matcher, prepared)
    timed("tone toward targets", score_targets, articles, result.quotes, s.target_matcher, prepared)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", type=Path, help="input file (default: the synthetic corpus)")
    ap.add_argument("--topic-column", help="input column of topic labels")
    ap.add_argument("--articles", type=int, default=1500, help="articles scored (default 1,500)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each side (default 3)")
    args = ap.parse_args(argv)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with tempfile.TemporaryDirectory(prefix="fw-bench-batch-") as tmp:
        src = args.input
        if src is None:
            src = Path(tmp) / "articles.jsonl"
            with src.open("w", encoding="utf-8") as f:
                for row in make_corpus(args.articles).to_dict("records"):
                    f.write(json.dumps({k: v for k, v in row.items() if k != "topics_raw"}, ensure_ascii=False) + "\n")
        store = Path(tmp) / "bench.duckdb"
        run_ingest(store, [src], IngestOptions(topic_column=args.topic_column), fresh=True)
        with connect(store, read_only=True) as con:
            ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY article_id LIMIT ?",
                                             [args.articles]).fetchall()]
            articles = read_articles(con, ids)
    stages = default_stages(args.topic_column is not None)
    score_batch(articles.head(20), stages)  # warm up (VADER's lexicon, the fold table)
    times: dict[str, list[float]] = {"each stage on its own": [], "shared": []}
    out = {}
    print(f"{len(articles):,} articles of {args.input or 'the synthetic corpus'}; one core; "
          f"load average {os.getloadavg()[0]:.1f}; CPU s, median of {args.repeat}\n")
    for _ in range(args.repeat):
        for name, shared in (("each stage on its own", False), ("shared", True)):
            clear_tone_cache()
            t = time.process_time()
            out[name] = score_batch(articles, stages, shared=shared)
            times[name].append(time.process_time() - t)
    same = all(out["shared"][t].equals(out["each stage on its own"][t]) for t in out["shared"])
    print("| score stages | CPU s (runs) | ms an article | articles/s |\n|---|---|---|---|")
    med = {k: statistics.median(v) for k, v in times.items()}
    for name, ts in times.items():
        print(f"| {name} | {med[name]:.2f} ({' / '.join(f'{x:.2f}' for x in ts)}) | "
              f"{1000 * med[name] / len(articles):.2f} | {len(articles) / med[name]:,.0f} |")
    print(f"\nshared / each on its own: {med['each stage on its own'] / med['shared']:.2f}x faster; "
          f"tables identical: {same}; load average now {os.getloadavg()[0]:.1f}")
    runs = [stage_times(articles, stages) for _ in range(args.repeat)]
    print(f"\n| stage (shared) | CPU s, median of {args.repeat} | ms an article | articles/s |\n|---|---|---|---|")
    for name in runs[0]:
        m = statistics.median(r[name] for r in runs)
        print(f"| {name} | {m:.2f} | {1000 * m / len(articles):.3f} | "
              f"{len(articles) / m if m else float('inf'):,.0f} |")
    print(f"\nload average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
