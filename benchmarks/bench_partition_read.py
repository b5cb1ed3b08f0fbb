"""Benchmark reading the score stage's batches of articles: by ``article_id`` list vs by rowid range.

Standalone: ``python benchmarks/bench_partition_read.py STORE [--chunk 5000] [--sample K] [--repeat R]``.

Opens STORE read-only as the pipeline opens it (:func:`pipelines.storage.connect`: 512 MB
buffer pool), pinned to one core, and times (CPU seconds, ``time.process_time``, of this
process and DuckDB's threads, and wall seconds) reading batches of ``--chunk`` articles two ways, alternating:

* ``by id`` (before): batches cut in ``article_id`` order, each read by
  ``article_id IN (...)`` (:func:`pipelines.engines.read_articles`), so a batch's articles are
  spread over the whole store and each read scans the text of every row group;
* ``by rowid range`` (after): batches cut in store order, each read by a rowid range
  (:func:`pipelines.engines.plan_batches`, :func:`pipelines.engines.read_batch`), which
  reads only its own row groups.

``--sample K`` times K batches spread evenly over the store instead of all of them (a
million-article store has 200) and scales the sum to the whole store. Prints the medians
per batch, the estimated whole-store totals and their ratio, and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.engines import plan_batches, read_articles, read_batch, store_rowids  # noqa: E402
from pipelines.storage import connect  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("store", type=Path, help="store to read (opened read-only)")
    ap.add_argument("--chunk", type=int, default=5000, help="articles a batch [default: 5000]")
    ap.add_argument("--sample", type=int, default=0, help="batches timed, spread over the store [default: all]")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the timed batches [default: 3]")
    args = ap.parse_args(argv)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # before DuckDB starts its threads
    con = connect(args.store)
    ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY article_id").fetchall()]
    by_id = [ids[i:i + args.chunk] for i in range(0, len(ids), args.chunk)]
    by_range = plan_batches(store_rowids(con), args.chunk)
    n = len(by_id)
    picks = sorted({round(k * (n - 1) / max(args.sample - 1, 1)) for k in range(args.sample)}) if args.sample else \
        list(range(n))
    old, new, old_wall, new_wall = [], [], [], []
    for _ in range(args.repeat):
        for k in picks:
            t, w = time.process_time(), time.perf_counter()
            rows_old = len(read_articles(con, by_id[k]))
            old.append(time.process_time() - t)
            old_wall.append(time.perf_counter() - w)
            t, w = time.process_time(), time.perf_counter()
            rows_new = len(read_batch(con, by_range[k]))
            new.append(time.process_time() - t)
            new_wall.append(time.perf_counter() - w)
            assert rows_old == rows_new
    med_old, med_new = statistics.median(old), statistics.median(new)
    wall_old, wall_new = statistics.median(old_wall), statistics.median(new_wall)
    print(f"{args.store.name}: {len(ids):,} articles, {n} batches of {args.chunk}, {len(picks)} timed x {args.repeat}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| read | CPU s a batch (median) | wall s a batch (median) | whole store, estimated CPU s |\n"
          "|---|---|---|---|")
    print(f"| by id (before) | {med_old:.3f} | {wall_old:.3f} | {med_old * n:.1f} |")
    print(f"| by rowid range (after) | {med_new:.3f} | {wall_new:.3f} | {med_new * n:.1f} |")
    print(f"ratio before/after: CPU {med_old / med_new:.1f}x, wall {wall_old / wall_new:.1f}x")


if __name__ == "__main__":
    main()
