"""Benchmark the dashboard's data queries on a store: what a filter change costs before any chart is drawn.

Standalone: ``python benchmarks/bench_dashboard_queries.py --store PATH [--repeat R]``.

Opens the store read-only (as the dashboard does) and, for a series of filter settings a user
reaches in the sidebar (everything; two outlets; one topic; a date range; the outlet's own
voice; wire copies once), times the rollups behind the main pages --
:func:`pipelines.rollups.trend` (weekly), :func:`pipelines.rollups.outlet_category_matrix`,
:func:`pipelines.rollups.article_count` -- directly, without Streamlit's cache: the first
call and the median of R more (default 5), in milliseconds of wall time. Prints the store's
size (articles, mentions, daily rows) and the load average.

Target (issue 4): median < 200 ms for any filter change on the million-article store.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.rollups import Filters, article_count, outlet_category_matrix, trend  # noqa: E402

TARGET_MS = 200


def settings(con) -> list[tuple[str, Filters]]:
    """(label, filters) a user reaches in a few clicks, from the store's own outlets, topics and dates."""
    outlets = [r[0] for r in con.execute("SELECT outlet, count(*) n FROM articles GROUP BY 1 ORDER BY n DESC "
                                         "LIMIT 2").fetchall()]
    topics = [r[0] for r in con.execute("SELECT topic, count(*) n FROM article_topics GROUP BY 1 ORDER BY n DESC "
                                        "LIMIT 1").fetchall()]
    lo, hi = con.execute("SELECT min(published_at)::DATE, max(published_at)::DATE FROM articles").fetchone()
    base = Filters()
    mid = lo + (hi - lo) / 2 if lo and hi else None
    return [("everything", base),
            ("two outlets", replace(base, outlets=tuple(outlets))),
            ("one topic", replace(base, topics=tuple(topics))),
            ("second half of the dates", replace(base, start=mid, end=hi)),
            ("outlet's own voice", replace(base, voice="outlet")),
            ("wire copies once", replace(base, copies="once"))]


def timed(fn, repeat: int) -> tuple[float, float]:
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return first * 1000, statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    con = duckdb.connect(args.store, read_only=True)
    sizes = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in ("articles", "mentions", "daily")}
    print(f"store {Path(args.store).name}: " + ", ".join(f"{n:,} {t}" for t, n in sizes.items())
          + f"; load average {os.getloadavg()[0]:.1f}; ms of wall time, first call / median of {args.repeat}\n")
    print("| filters | trend (week) | outlets x categories | article count |\n|---|---|---|---|")
    worst = 0.0
    for label, f in settings(con):
        cells = []
        for fn in (lambda: trend(con, f, "week"), lambda: outlet_category_matrix(con, f), lambda: article_count(con, f)):
            first, median = timed(fn, args.repeat)
            worst = max(worst, median)
            cells.append(f"{first:.0f} / {median:.0f}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print(f"\nslowest median {worst:.0f} ms (target < {TARGET_MS} ms: {'met' if worst < TARGET_MS else 'NOT met'}); "
          f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
