"""Benchmark the whole score stage on one core and on two: local engine vs Dask with 1 and 2 workers.

Standalone: ``python benchmarks/bench_engines.py [--articles N] [--chunk C] [--repeat R]``.

Ingests N synthetic ~600-word articles (default 4,000; the generator of ``bench_score.py``)
into a scratch store once, then times :func:`pipelines.run.run_score` -- every per-batch
stage (matching, voice, topics, frames, pairs, tone) plus the store-wide steps (syndication
clusters) -- with the local engine (this process, one core), and with ``--engine dask`` on a
``LocalCluster`` of one and of two single-threaded worker processes (cluster start
included), in batches of C articles (default 500, so two workers have work to share).
Prints wall seconds (median of R, default 3), articles/s and the two-worker speed-up, and
what this (the main) process spends: its CPU seconds (``time.process_time``: reading and
writing the partitions, appending the scored tables, the clusters), which with Dask must
stay well under the workers' share for two workers to use both cores.

Target (issue 4): two cores at least 1.7x one core. Wall time is what counts here, so the
figure is only meaningful on an otherwise idle machine; the load average is printed.
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
from pipelines import run as run_module  # noqa: E402
from pipelines.engines import EngineOptions  # noqa: E402
from pipelines.run import ScoreOptions, run_ingest, run_score  # noqa: E402

TARGET_SPEEDUP = 1.7


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=4000, help="synthetic articles scored (default 4,000)")
    ap.add_argument("--chunk", type=int, default=500, help="articles a batch (default 500)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each engine (default 3)")
    args = ap.parse_args(argv)
    run_module.SCORE_CHUNK = args.chunk
    with tempfile.TemporaryDirectory(prefix="fw-bench-engines-") as tmp:
        src = Path(tmp) / "articles.jsonl"
        with src.open("w", encoding="utf-8") as f:
            for row in make_corpus(args.articles).to_dict("records"):
                row = {k: v for k, v in row.items() if k != "topics_raw"}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        store = Path(tmp) / "bench.duckdb"
        run_ingest(store, [src], fresh=True)
        cases = [("local engine, one process", EngineOptions("local")),
                 ("dask, 1 worker", EngineOptions("dask", n_workers=1)),
                 ("dask, 2 workers", EngineOptions("dask", n_workers=2))]
        print(f"{args.articles:,} articles, batches of {args.chunk}; cores {sorted(os.sched_getaffinity(0))}; "
              f"load average {os.getloadavg()[0]:.1f}; wall time, median of {args.repeat}\n")
        print("| engine | wall s (runs) | articles/s | main process CPU s | score step wall s | clusters wall s | "
              "load average |\n|---|---|---|---|---|---|---|")
        medians = {}
        for name, engine in cases:
            times, cpu, steps = [], [], []
            for _ in range(args.repeat):
                t, c = time.perf_counter(), time.process_time()
                summary = run_score(store, ScoreOptions(topic_queries=None, engine=engine))
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
                steps.append(summary.stage_seconds)
            medians[name] = statistics.median(times)
            print(f"| {name} | {medians[name]:.1f} ({' / '.join(f'{x:.1f}' for x in times)}) | "
                  f"{args.articles / medians[name]:,.0f} | {statistics.median(cpu):.1f} | "
                  f"{statistics.median(s['score'] for s in steps):.1f} | "
                  f"{statistics.median(s['clusters'] for s in steps):.1f} | {os.getloadavg()[0]:.1f} |")
    speedup = medians["dask, 1 worker"] / medians["dask, 2 workers"]
    print(f"\ntwo workers / one worker: {speedup:.2f}x (target >= {TARGET_SPEEDUP}x: "
          f"{'met' if speedup >= TARGET_SPEEDUP else 'NOT met'}); two workers / local engine: "
          f"{medians['local engine, one process'] / medians['dask, 2 workers']:.2f}x; load average now "
          f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
