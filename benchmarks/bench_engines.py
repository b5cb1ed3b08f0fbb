"""Benchmark scoring on one core and on two: whole runs (local engine, Dask 1 and 2 workers), then the score stage alone.

Standalone: ``python benchmarks/bench_engines.py [--articles N] [--chunk C] [--repeat R] [--stage-repeat R] [--no-whole]``.

Ingests N synthetic ~600-word articles (default 4,000; the generator of ``bench_score.py``)
into a scratch store once, then times :func:`pipelines.run.run_score` -- every per-batch
stage (matching, voice, topics, frames, pairs, tone) plus the store-wide steps (syndication
clusters) -- with the local engine (this process, one core), and with ``--engine dask`` on a
``LocalCluster`` of one and of two single-threaded worker processes (cluster start
included), in batches of C articles (default 500, so two workers have work to share).
The three take turns (local, 1 worker, 2 workers, then the other way round), Dask imported before the first.
Prints wall seconds (median of R, default 3), articles/s and the two-worker speed-up, and
what this (the main) process spends: its CPU seconds (``time.process_time``: reading and
writing the partitions, appending the scored tables, the clusters), which with Dask must
stay well under the workers' share for two workers to use both cores.

Then the score stage alone on the workers, with no store and no start-up: the same batches,
written once as Parquet partitions, scored by :func:`pipelines.engines.score_partition` (read the
partition, every per-batch stage, write the tables) on two ``LocalCluster`` s started beforehand,
of one and of two single-threaded workers, each worker warmed up by one partition first; the
two clusters are timed alternately, in the order 1 2, 2 1, 1 2, ... (R runs each), so a drift of the
machine's speed falls on both. It measures scoring as ``bench_score.py``'s one-core figure does (no
store reads or appends, no process start-up), with more in it: every per-batch stage (that figure
times matching, voice and topics) and each partition's Parquet read and written. Give it
at least 3 batches a worker (``--articles 50000 --chunk 5000``: 10): with fewer, Dask's scheduler
may not spread them evenly (4 batches went 3 and 1 to the two workers in one run of 2,000 articles).

Target (issue 4): the score stage on two cores at least 1.7x one core (the second table). The
whole ``run_score`` (first table) adds what does not divide between workers: starting the
cluster (~2 s), the store's reads and appends in this process (on the cores the workers use),
and the store-wide steps after the last batch. Wall time is what counts here, so the figures
are only meaningful on an otherwise idle machine; the load average is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
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
from pipelines.engines import (DaskScorer, EngineOptions, plan_batches, read_batch,  # noqa: E402
                               score_partition, store_rowids)
from pipelines.outlets import read_registry  # noqa: E402
from pipelines.run import ScoreOptions, run_ingest, run_score  # noqa: E402
from pipelines.storage import writing  # noqa: E402
from pipelines.tone import read_gazetteer  # noqa: E402

TARGET_SPEEDUP = 1.7


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=4000, help="synthetic articles scored (default 4,000)")
    ap.add_argument("--chunk", type=int, default=500, help="articles a batch (default 500)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each engine (default 3)")
    ap.add_argument("--stage-repeat", type=int, default=3,
                    help="timed runs of the score stage alone on each cluster (default 3; 0: skip that table)")
    ap.add_argument("--no-whole", action="store_true", help="skip the whole run_score table")
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
        print(f"{args.articles:,} articles, batches of {args.chunk}; cores {sorted(os.sched_getaffinity(0))}; "
              f"load average {os.getloadavg()[0]:.1f}; wall time\n")
        if not args.no_whole:
            whole(store, args)
        if args.stage_repeat:
            stage(store, Path(tmp), args)


def whole(store: Path, args) -> None:
    """The first table: the whole ``run_score`` with each engine, median of ``--repeat``; the engines
    take turns, in the order local, 1 worker, 2 workers, then the other way round, and so on, so a drift
    of the machine's speed falls on all; Dask is imported before the first, so no engine's first run
    pays for importing it (with an odd ``--repeat`` one order runs once more than the other). The load
    column is the highest 1-minute load average read just before an engine's runs, which carries this
    benchmark's own earlier runs: a figure well above 2 there means another job shared the cores."""
    import distributed  # noqa: F401

    cases = [("local engine, one process", EngineOptions("local")),
             ("dask, 1 worker", EngineOptions("dask", n_workers=1)),
             ("dask, 2 workers", EngineOptions("dask", n_workers=2))]
    times, cpu, steps, loads = ({name: [] for name, _ in cases} for _ in range(4))
    for r in range(args.repeat):
        for name, engine in (cases if r % 2 == 0 else cases[::-1]):
            loads[name].append(os.getloadavg()[0])
            t, c = time.perf_counter(), time.process_time()
            summary = run_score(store, ScoreOptions(topic_queries=None, engine=engine))
            times[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
            steps[name].append(summary.stage_seconds)
    print(f"Whole run_score (cluster start-up, store reads and appends, store-wide steps), the engines in turn, "
          f"median of {args.repeat}:\n")
    print("| engine | wall s (runs) | articles/s | main process CPU s | score step wall s | clusters wall s | "
          "load average before (max) |\n|---|---|---|---|---|---|---|")
    medians = {}
    for name, _ in cases:
        medians[name] = statistics.median(times[name])
        print(f"| {name} | {medians[name]:.1f} ({' / '.join(f'{x:.1f}' for x in times[name])}) | "
              f"{args.articles / medians[name]:,.0f} | {statistics.median(cpu[name]):.1f} | "
              f"{statistics.median(s['score'] for s in steps[name]):.1f} | "
              f"{statistics.median(s['clusters'] for s in steps[name]):.1f} | {max(loads[name]):.1f} |")
    speedup = medians["dask, 1 worker"] / medians["dask, 2 workers"]
    pairs = [one / two for one, two in zip(times["dask, 1 worker"], times["dask, 2 workers"])]
    print(f"\nwhole run, two workers / one worker: {speedup:.2f}x (run by run: "
          f"{' / '.join(f'{x:.2f}x' for x in pairs)}); two workers / local engine: "
          f"{medians['local engine, one process'] / medians['dask, 2 workers']:.2f}x; load average now "
          f"{os.getloadavg()[0]:.1f}\n")


def stage(store: Path, tmp: Path, args) -> None:
    """The second table: the score stage alone (:func:`score_partition` of every batch) on a started
    cluster of one worker and one of two, timed alternately; prints the two-worker speed-up."""
    import logging

    logging.getLogger("distributed").setLevel(logging.WARNING)   # no line for every worker started and closed
    options = ScoreOptions(topic_queries=None)
    lexicon, warnings, topics = options.load()
    registry = read_registry()
    parts = []
    with writing(store) as con:   # the stages as run_score fits them (it writes the definition tables)
        outlet_names = {name: registry.names_of(name)
                        for (name,) in con.execute("SELECT DISTINCT outlet FROM articles").fetchall()}
        stages = run_module._fit_stages(con, lexicon, topics, options.topic_column, options.frame_scorer(),
                                        read_gazetteer(options.targets), list(warnings), outlet_names)
        (tmp / "parts").mkdir()
        for k, batch in enumerate(plan_batches(store_rowids(con), args.chunk)):
            parts.append(str(tmp / "parts" / f"part-{k:05d}.parquet"))
            read_batch(con, batch).to_parquet(parts[-1], index=False)
    with contextlib.ExitStack() as stack:   # the engine's own clusters (DaskScorer), closed on any way out
        scorers = {}
        for n in (1, 2):
            scorers[n] = stack.enter_context(DaskScorer(None, stages, EngineOptions("dask", n_workers=n)))
            scorers[n]._start()   # the LocalCluster, and the stages scattered to its workers, as a run starts them
            client, shared = scorers[n].client, scorers[n].shared
            workers = list(client.scheduler_info()["workers"])
            client.gather([client.submit(score_partition, parts[0], out=str(tmp / f"warm-{n}-{k}"), stages=shared,
                                         sketch=True, pure=False, workers=[w]) for k, w in enumerate(workers)])
        times = {1: [], 2: []}
        for r in range(args.stage_repeat):
            for n in ((1, 2) if r % 2 == 0 else (2, 1)):   # neither cluster always goes first
                client, shared = scorers[n].client, scorers[n].shared
                out = tmp / f"out-{n}-{r}"
                t = time.perf_counter()
                client.gather([client.submit(score_partition, p, out=str(out), stages=shared,
                                             sketch=True, pure=False) for p in parts])
                times[n].append(time.perf_counter() - t)
                shutil.rmtree(out)
    print(f"Score stage alone: every batch's score_partition on a started, warmed-up cluster, no store; "
          f"the two clusters alternately, median of {args.stage_repeat}:\n")
    print("| cluster | wall s (runs) | articles/s |\n|---|---|---|")
    medians = {n: statistics.median(t) for n, t in times.items()}
    for n in (1, 2):
        print(f"| {n} worker{'s' if n > 1 else ''} | {medians[n]:.1f} ({' / '.join(f'{x:.1f}' for x in times[n])}) | "
              f"{args.articles / medians[n]:,.0f} |")
    speedup = medians[1] / medians[2]
    pairs = [one / two for one, two in zip(times[1], times[2])]   # each pair ran back to back
    print(f"\nscore stage, two workers / one worker: {speedup:.2f}x (target >= {TARGET_SPEEDUP}x: "
          f"{'met' if speedup >= TARGET_SPEEDUP else 'NOT met'}); run by run: "
          f"{' / '.join(f'{x:.2f}x' for x in pairs)} (median {statistics.median(pairs):.2f}x); "
          f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
