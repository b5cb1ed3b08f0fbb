"""Time the tone stage (pipelines.tone.score_targets) on the real corpora: articles/s.

The stage reuses the quotation spans of the score step, so this times matching, sentence
splitting, voice lookup and VADER only. Each corpus is ingested and scored once into a
temporary store (the quotes come from there), then the tone stage is timed alone, one core,
median of --repeat runs (the cache of sentence scores emptied before each). Corpora are read
from ../shared/corpora (absent ones are skipped).

    .venv/bin/python benchmarks/bench_tone.py            # --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from pipelines import storage
from pipelines.ingest import IngestOptions
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.tone import TargetMatcher, clear_tone_cache, read_gazetteer, score_targets

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
CASES = [("ruwa_ukraine_war_2022", "ruwa_dev.csv", "event"), ("kcna_2024", "kcna_articles.csv", "topics")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each corpus (default 3)")
    args = ap.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    matcher = TargetMatcher(read_gazetteer()).fit()
    print(f"{'corpus':<24} {'articles':>8} {'rows':>7} {'median s':>9} {'articles/s':>11}")
    for name, file, topic_column in CASES:
        path = CORPORA / name / file
        if not path.is_file():
            print(f"{name:<24} skipped: {path} not found")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            store = Path(tmp) / "s.duckdb"
            run_pipeline(store, [path], IngestOptions(topic_column=topic_column), ScoreOptions(), fresh=True)
            con = storage.connect(store)
            arts = con.execute("SELECT article_id, text FROM articles").df()
            quotes = con.execute("SELECT * FROM quotes").df()
            con.close()
        times = []
        for _ in range(args.repeat):
            clear_tone_cache()  # each run scores its sentences afresh, as a run of new articles does
            t0 = time.perf_counter()
            rows = score_targets(arts, quotes, matcher)
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        print(f"{name:<24} {len(arts):>8} {len(rows):>7} {med:>9.2f} {len(arts) / med:>11,.0f}")


if __name__ == "__main__":
    main()
