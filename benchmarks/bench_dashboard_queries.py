"""Benchmark the dashboard on a store: what a filter change costs before any chart is drawn, and first render.

Standalone: ``python benchmarks/bench_dashboard_queries.py --store PATH [--store PATH2] [--repeat R] [--render]``.

Queries: opens each store read-only (as the dashboard does) and, for a series of filter
settings a user reaches in the sidebar (everything; two outlets; one topic; a date range;
the outlet's own voice; wire copies once; pooled by month), times the rollups behind the main
pages -- :func:`pipelines.rollups.trend` (weekly), :func:`pipelines.rollups.outlet_category_matrix`,
:func:`pipelines.rollups.article_count` -- directly, without Streamlit's cache: the first call
and the median of R more (default 5), in milliseconds of wall time, and the median CPU time
of the process (DuckDB's threads included). Prints the store's size and the load average.

First render (``--render``, needs Debian's chromium and Playwright): starts ``framewatch
dashboard`` on the store (:func:`pipelines.cli.dashboard_command`) and times, in one headless
chromium, the Trends chart drawn (legend in the page, script run ended): *cold* from the
server's process start (imports, first script run, uncached queries), *cold page* from the
moment the server answers its health check, and *warm*, a new browser page on the running
server (a new session, the loaders' caches filled), median of R.

Targets (issue 4): median < 200 ms for any filter change, first render < 3 s, on the
million-article store.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.rollups import Filters, article_count, outlet_category_matrix, trend  # noqa: E402

TARGET_MS = 200
TARGET_RENDER_S = 3.0
CHART = ".js-plotly-plot .legendtext"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def settings(con) -> list[tuple[str, Filters, str, bool]]:
    """(label, filters, granularity, pooled) a user reaches in a few clicks, from the store's own
    outlets, topics and dates."""
    outlets = [r[0] for r in con.execute("SELECT outlet, count(*) n FROM articles GROUP BY 1 ORDER BY n DESC "
                                         "LIMIT 2").fetchall()]
    topics = [r[0] for r in con.execute("SELECT topic, count(*) n FROM article_topics GROUP BY 1 ORDER BY n DESC "
                                        "LIMIT 1").fetchall()]
    lo, hi = con.execute("SELECT min(published_at)::DATE, max(published_at)::DATE FROM articles").fetchone()
    base = Filters()
    mid = lo + (hi - lo) / 2 if lo and hi else None
    return [("everything", base, "week", False),
            ("two outlets", replace(base, outlets=tuple(outlets)), "week", False),
            ("one topic", replace(base, topics=tuple(topics)), "week", False),
            ("second half of the dates", replace(base, start=mid, end=hi), "week", False),
            ("all voices", replace(base, voice="all"), "week", False),
            ("wire copies once", replace(base, copies="once"), "week", False),
            ("pooled, by month", base, "month", True)]


def timed(fn, repeat: int) -> tuple[float, float, float]:
    """(first call, median of *repeat* more, median CPU of those), in ms."""
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    times, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return first * 1000, statistics.median(times) * 1000, statistics.median(cpu) * 1000


def bench_queries(store: str, repeat: int) -> float:
    """Print the query table for *store*; return the slowest median (ms)."""
    con = duckdb.connect(store, read_only=True)
    sizes = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in ("articles", "mentions", "daily")}
    print(f"\nstore {Path(store).name}: " + ", ".join(f"{n:,} {t}" for t, n in sizes.items())
          + f"; load average {os.getloadavg()[0]:.1f}; ms: first call / median of {repeat} (median CPU)\n")
    print("| filters | trend | outlets x categories | article count |\n|---|---|---|---|")
    worst = 0.0
    for label, f, granularity, pooled in settings(con):
        cells = []
        for fn in (lambda: trend(con, f, granularity, pooled=pooled), lambda: outlet_category_matrix(con, f),
                   lambda: article_count(con, f)):
            first, median, cpu = timed(fn, repeat)
            worst = max(worst, median)
            cells.append(f"{first:.0f} / {median:.0f} ({cpu:.0f})")
        print(f"| {label} ({granularity}{', pooled' if pooled else ''}) | " + " | ".join(cells) + " |")
    con.close()
    print(f"\nslowest median {worst:.0f} ms (target < {TARGET_MS} ms: {'met' if worst < TARGET_MS else 'NOT met'}); "
          f"load average now {os.getloadavg()[0]:.1f}")
    return worst


def bench_render(store: str, repeat: int) -> dict[str, float]:
    """Seconds to a drawn Trends chart: cold (process start), cold page (server healthy), warm (median)."""
    from playwright.sync_api import sync_playwright

    from pipelines.cli import dashboard_command
    from pipelines.server import free_port, wait_until_healthy

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run"])

        def drawn(t0: float) -> float:
            page = browser.new_page(viewport={"width": 1300, "height": 1400})
            page.goto(url, timeout=120_000)
            page.locator(CHART).first.wait_for(timeout=120_000)
            page.locator(IDLE).wait_for(timeout=120_000)
            took = time.perf_counter() - t0
            page.close()
            return took

        t0 = time.perf_counter()
        server = subprocess.Popen(dashboard_command(store, port, "127.0.0.1"), cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_until_healthy(url.rstrip("/"), server, timeout=60, interval=0.05)
            t1 = time.perf_counter()
            cold = drawn(t1)
            warm = [drawn(time.perf_counter()) for _ in range(repeat)]
        finally:
            os.killpg(server.pid, signal.SIGTERM)   # the group started above: the server only
            server.wait(timeout=20)
            browser.close()
    out = {"cold_s": t1 - t0 + cold, "cold_page_s": cold, "warm_s": statistics.median(warm)}
    print(f"\nfirst render of Trends on {Path(store).name} (load average {os.getloadavg()[0]:.1f}): "
          f"cold {out['cold_s']:.1f} s from the server's start ({out['cold_page_s']:.1f} s after it answered), "
          f"warm {out['warm_s']:.1f} s (median of {repeat} new pages; target < {TARGET_RENDER_S:.0f} s: "
          f"{'met' if out['warm_s'] < TARGET_RENDER_S and out['cold_s'] < TARGET_RENDER_S else 'NOT met'})")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", required=True, action="append", help="store to time (repeat for several)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--render", action="store_true", help="also time the first render in chromium")
    args = ap.parse_args(argv)
    for store in args.store:
        bench_queries(store, args.repeat)
        if args.render:
            bench_render(store, args.repeat)


if __name__ == "__main__":
    main()
