"""Benchmark the dashboard on a store: what a filter change costs before any chart is drawn, and first render.

Standalone: ``python benchmarks/bench_dashboard_queries.py --store PATH [--store PATH2] [--repeat R] [--render [--no-queries]]``.

Queries: opens each store read-only (as the dashboard does) and, for a series of filter
settings a user reaches in the sidebar (everything, in the outlet's own voice by default; two
outlets; one topic; a date range; all voices; wire copies once; pooled by month), times the rollups behind the main
pages -- :func:`pipelines.rollups.trend` (weekly), :func:`pipelines.rollups.outlet_category_matrix`,
:func:`pipelines.rollups.article_count` -- and the rest of what a filter change on the Trends page
queries: :func:`pipelines.rollups.undated_count` and the evidence lines of its first chart cell
(:func:`pipelines.rollups.keyword_in_context_spread` for the cell ``dashboard/views/trends.py`` selects
first, as ``dashboard.evidence.evidence_lines`` asks it: the ``KWIC_SHOWN`` lines on screen spread over
the cell's mentions and their count; not the download, which is read when its button is clicked and
is timed apart, for the biggest of these cells, below the table) -- directly, without
Streamlit's cache: the first call
and the median of R more (default 5), in milliseconds of wall time, and the median CPU time
of the process (DuckDB's threads included). Prints the store's size and the load average.

First render (``--render``, needs Debian's chromium and Playwright): starts ``framewatch
dashboard`` on the store (:func:`pipelines.cli.dashboard_command`) and times, in one headless
chromium, the Trends chart drawn (legend in the page, script run ended): *cold* from the
server's process start (imports, first script run, uncached queries; the time until the
server answered its health check is printed beside it, so the cold page alone is the difference),
and *warm*, a new browser page on the running
server (a new session, the loaders' caches filled), median of R; and *first*: the first page of a
second server warmed up as ``framewatch dashboard`` does before it says ready
(:func:`pipelines.server.warm_up`; the time from its start to ready is printed). *first* and *warm* count
from the navigation start, as a browser's Navigation Timing (and so first contentful paint) does; opening
the tab before it (chromium's new page and its DevTools session, 0.3-0.4 s here) is printed apart, as
*tab opened before* (until 2026-12-02 it was counted in them). Each page is split with marks
taken in the page (``performance.now()``, from the navigation start): *socket* when Streamlit's
websocket opened (HTML + JS bundle loaded and booted), *last message* when the server's last
message of the run arrived (its script run: queries, figure, elements sent), and the rest to
the chart drawn (the browser laying out the elements and drawing the chart); a second table gives, per
page, when each kind of element (:data:`ELEMENTS`, by ``data-testid``) first entered the page, the
main thread's long tasks (> 50 ms) in all, the CPU of the page's renderer main thread (chromium's
``Performance.getMetrics`` ``ThreadTime``) and the DOM nodes. The same is timed on
``render_floor_app.py`` (a trivial page with a two-trace chart, served with the same command
line): the floor any Streamlit page pays on this machine at this moment.

Server side apart (``--render``): the first script run of a session in Streamlit's AppTest, in
a new process (*cold*: imports, first plotly figure, uncached queries) and for further new
sessions in that process (*warm*), CPU (pinned to one core) and wall ms, without a browser.

Targets (issue 4): median < 200 ms for any filter change, first render < 3 s, on the
million-article store.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.rollups import (POOLED, Filters, article_count, keyword_in_context,  # noqa: E402
                               keyword_in_context_spread, outlet_category_matrix, trend, undated_count)

TARGET_MS = 200
TARGET_RENDER_S = 3.0
CHART = '[data-testid="stVegaLiteChart"] .role-title-text, [data-testid="stVegaLiteChart"] canvas'
"""A drawn chart: the Trends chart's title drawn in its SVG, or its canvas (Streamlit draws over 2,000 marks on one)."""
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
FLOOR_APP = ROOT / "benchmarks" / "render_floor_app.py"


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


def first_cell(con, f: Filters, granularity: str, pooled: bool) -> tuple[dict, int] | None:
    """The Trends page's first evidence cell (``dashboard/views/trends.py``: the earliest period's first
    outlet, its days inside the selected dates) as keyword arguments of
    :func:`keyword_in_context_spread`, with its mentions, or ``None`` when the selection has no mention."""
    from dashboard.charts import period_end
    from dashboard.tables import evidence_cells

    cells = evidence_cells(trend(con, f, granularity, pooled=pooled))
    if cells.empty:
        return None
    cell = cells.iloc[0]
    start = max(d for d in (cell["period"].date(), f.start) if d is not None)
    end = min(d for d in (period_end(cell["period"], granularity).date(), f.end) if d is not None)
    return (dict(outlet=None if cell["outlet"] == POOLED else cell["outlet"], period_start=start, period_end=end),
            int(cell["n_mentions"]))


def _evidence_limits() -> tuple[int, int]:
    """``(KWIC_SHOWN, KWIC_DOWNLOAD_LIMIT)`` of ``dashboard.evidence``."""
    import streamlit.logger
    streamlit.logger.set_log_level("error")   # its caches warn, outside a server, when defined
    from dashboard.evidence import KWIC_DOWNLOAD_LIMIT, KWIC_SHOWN

    return KWIC_SHOWN, KWIC_DOWNLOAD_LIMIT


def first_cell_evidence(con, f: Filters, granularity: str, pooled: bool):
    """What a filter change on the Trends page reads for its first evidence cell (:func:`first_cell`):
    :func:`keyword_in_context_spread` with ``dashboard.evidence.KWIC_SHOWN`` lines, as
    ``dashboard.evidence.evidence_lines`` asks it (the lines on screen and the cell's count; the download
    is read only when clicked, see :func:`first_cell_download`), as a callable, or ``None`` when the
    selection has no mention."""
    cell = first_cell(con, f, granularity, pooled)
    if cell is None:
        return None
    shown, _ = _evidence_limits()
    return lambda: keyword_in_context_spread(con, f, shown=shown, **cell[0])


def first_cell_download(con, f: Filters, granularity: str, pooled: bool):
    """The evidence download of the Trends page's first cell as its button builds it when clicked
    (``dashboard.evidence.Evidence.csv``: :func:`keyword_in_context` up to ``KWIC_DOWNLOAD_LIMIT``
    lines, encoded as CSV), as a callable returning ``(lines, CSV bytes)``, or ``None``."""
    from dashboard.exports import to_csv_bytes

    cell = first_cell(con, f, granularity, pooled)
    if cell is None:
        return None
    _, limit = _evidence_limits()

    def download() -> tuple[int, int]:
        lines = keyword_in_context(con, f, limit=limit, **cell[0])
        return len(lines), len(to_csv_bytes(lines))
    return download


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
    print("| filters | trend | outlets x categories | article count | undated count | Trends evidence (first cell) |"
          "\n|---|---|---|---|---|---|")
    worst = 0.0
    biggest = (0, None)                       # the first cell with the most mentions: its download is timed
    for label, f, granularity, pooled in settings(con):
        cells = []
        for fn in (lambda: trend(con, f, granularity, pooled=pooled), lambda: outlet_category_matrix(con, f),
                   lambda: article_count(con, f), lambda: undated_count(con, f),
                   first_cell_evidence(con, f, granularity, pooled)):
            if fn is None:
                cells.append("no mention")
                continue
            first, median, cpu = timed(fn, repeat)
            worst = max(worst, median)
            cells.append(f"{first:.0f} / {median:.0f} ({cpu:.0f})")
        cell = first_cell(con, f, granularity, pooled)
        if cell is not None and cell[1] > biggest[0]:
            biggest = (cell[1], (label, f, granularity, pooled))
        print(f"| {label} ({granularity}{', pooled' if pooled else ''}) | " + " | ".join(cells) + " |")
    print(f"\nslowest median {worst:.0f} ms (target < {TARGET_MS} ms: {'met' if worst < TARGET_MS else 'NOT met'}); "
          f"load average now {os.getloadavg()[0]:.1f}")
    if biggest[1] is not None:
        label, f, granularity, pooled = biggest[1]
        download = first_cell_download(con, f, granularity, pooled)
        n_lines, n_bytes = download()
        first, median, cpu = timed(download, repeat)
        print(f"evidence download (on click, not part of a filter change) of the first cell of \"{label}\" "
              f"({biggest[0]:,} mentions): {n_lines:,} lines, {n_bytes / 1e6:.1f} MB of CSV; "
              f"ms: {first:.0f} / {median:.0f} ({cpu:.0f})")
    con.close()
    return worst


WS_MARKS = """
window.__fw = {ws: null, first: null, last: null, n: 0, seen: {}, long: 0, longn: 0};
new MutationObserver((records) => {        // when each kind of element (data-testid) first entered the page
  const t = performance.now(), seen = window.__fw.seen;
  for (const r of records) for (const node of r.addedNodes) {
    if (node.nodeType !== 1) continue;
    for (const el of [node, ...node.querySelectorAll("[data-testid], .main-svg, .marks")]) {
      const id = el.classList.contains("main-svg") ? "plotly main-svg" : el.classList.contains("marks") ? "vega marks"
                 : el.dataset.testid;
      if (id && !(id in seen)) seen[id] = t;
    }
  }
}).observe(document, {childList: true, subtree: true});
try {                                       // main-thread tasks over 50 ms (layout, script, drawing)
  new PerformanceObserver((list) => { for (const e of list.getEntries()) { window.__fw.long += e.duration;
                                                                          window.__fw.longn += 1; } })
    .observe({type: "longtask", buffered: true});
} catch (e) {}
const _WS = window.WebSocket;
window.WebSocket = function (...args) {
  const ws = new _WS(...args);
  ws.addEventListener("open", () => { window.__fw.ws = performance.now(); });
  ws.addEventListener("message", () => { const t = performance.now(); window.__fw.first ??= t;
                                          window.__fw.last = t; window.__fw.n += 1; });
  return ws;
};
window.WebSocket.prototype = _WS.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
"""
"""Wraps the page's WebSocket to mark (``performance.now()``, ms from the navigation start) when
Streamlit's socket opened and when its first and last messages arrived; marks when each kind of
element (its ``data-testid``; ``vega marks``: the chart's drawing surface, SVG or canvas) first entered the
page (a ``MutationObserver``); sums the main thread's long tasks (> 50 ms, ``PerformanceObserver``)."""

ELEMENTS = ("stSidebar", "stHeading", "stMultiSelect", "stDateInput", "stRadio", "stVegaLiteChart", "vega marks",
            "stExpander", "stDownloadButton", "stSelectbox", "stDataFrame", "stPageLink")
"""Elements whose first appearance :func:`bench_render` prints (those the Trends page and the floor draw)."""


def _serve(command: list[str], browser, repeat: int) -> dict[str, float]:
    """Serve *command*, time a cold page and *repeat* warm pages to a drawn chart (see :func:`bench_render`)."""
    from pipelines.server import serving, warm_up

    def on_port(port: int) -> list[str]:
        return [str(port) if prev == "--server.port" else a for prev, a in zip([None, *command], command)]

    def cpu() -> tuple[float, float]:
        """CPU seconds so far of the server's process tree and of the client (Playwright's driver and chromium)."""
        def tree(proc, skip=()):
            total = 0.0
            for pr in [proc, *proc.children(recursive=True)]:
                try:
                    if pr.pid not in skip:
                        t = pr.cpu_times()
                        total += t.user + t.system
                except psutil.Error:
                    pass
            return total
        srv = psutil.Process(server.process.pid)
        skip = {srv.pid, *(c.pid for c in srv.children(recursive=True)), os.getpid()}
        return tree(srv), tree(psutil.Process(), skip)

    def drawn(t0: float | None) -> dict[str, float]:
        """Seconds to the chart drawn, from *t0* (the server's process start), or with ``None`` from the
        navigation start, as a browser's Navigation Timing counts a page load; opening the tab before it
        (chromium's new page and its DevTools session) is ``tab``."""
        t_tab = time.perf_counter()
        s0, c0 = cpu()
        page = browser.new_page(viewport={"width": 1300, "height": 1400})
        page.add_init_script(WS_MARKS)
        cdp = page.context.new_cdp_session(page)            # the renderer's own CPU (Performance.getMetrics)
        cdp.send("Performance.enable")
        t_page = time.perf_counter()
        page.goto(server.url + "/", timeout=120_000)
        page.locator(CHART).first.wait_for(timeout=120_000)
        page.locator(IDLE).wait_for(timeout=120_000)
        took = time.perf_counter() - (t_page if t0 is None else t0)
        marks = page.evaluate("window.__fw")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        s1, c1 = cpu()
        page.close()
        lead = 0.0 if t0 is None else t_page - t0            # before the navigation started (server start, new page)
        return {"total": took, "tab": t_page - t_tab, "socket": lead + marks["ws"] / 1000, "last": lead + marks["last"] / 1000,
                "messages": marks["n"], "server_cpu": s1 - s0, "client_cpu": c1 - c0,
                "long_tasks_s": marks["long"] / 1000, "long_tasks": marks["longn"],
                "renderer_cpu": metrics.get("ThreadTime", float("nan")), "dom_nodes": metrics.get("Nodes", float("nan")),
                **{f"el {k}": v / 1000 for k, v in marks["seen"].items() if k in ELEMENTS}}   # from navigation

    t0 = time.perf_counter()
    # a free port, healthy before the block, its process group stopped after it
    with serving(on_port, cwd=ROOT, timeout=60, interval=0.05, stop_timeout=20) as server:
        t1 = time.perf_counter()
        cold = drawn(t0)
        warm = [drawn(None) for _ in range(repeat)]
    t2 = time.perf_counter()
    with serving(on_port, cwd=ROOT, timeout=60, interval=0.05, stop_timeout=20) as server:
        warm_up(server.url)                              # as framewatch dashboard does before it says ready
        t3 = time.perf_counter()
        first = drawn(None)
    out = {"healthy_s": t1 - t0, "ready_s": t3 - t2, **{f"cold_{k}": v for k, v in cold.items()},
           **{f"first_{k}": v for k, v in first.items()}}
    out.update({f"warm_{k}": statistics.median(w.get(k, float("nan")) for w in warm) for k in warm[0]})
    return out


PHASES = ("cold", "first", "warm")
"""cold: from the process start, no warm-up; first: the first page after :func:`pipelines.server.warm_up`;
warm: a new page on a server that has served pages (median)."""


def _row(label: str, r: dict[str, float], phase: str) -> str:
    socket, last, total = r[f"{phase}_socket"], r[f"{phase}_last"], r[f"{phase}_total"]
    return (f"| {label} | {phase} | {total:.1f} | {socket:.1f} | {last - socket:.1f} | {total - last:.1f} | "
            f"{r[f'{phase}_tab']:.2f} | {r[f'{phase}_messages']:.0f} | {r[f'{phase}_server_cpu']:.2f} | "
            f"{r[f'{phase}_client_cpu']:.2f} |")


def bench_render(store: str, repeat: int) -> dict[str, float]:
    """Seconds to a drawn Trends chart, cold (from the server process start) and warm (a new page on the
    running server, median of *repeat*), each split into socket open / server's run / drawing, beside the
    same for :data:`FLOOR_APP`; then the server's first script run alone (:func:`server_first_run`)."""
    from playwright.sync_api import sync_playwright

    from pipelines.cli import dashboard_command

    command = dashboard_command(store, 0, "127.0.0.1")
    floor = [str(FLOOR_APP) if a.endswith("app.py") else a for a in command[:command.index("--")]]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            load0 = os.getloadavg()[0]
            out = _serve(command, browser, repeat)
            base = _serve(floor, browser, repeat)
            load1 = os.getloadavg()[0]
        finally:
            browser.close()
    print(f"\nfirst render on {Path(store).name} (load average {load0:.1f} -> {load1:.1f}; seconds; cold: from the "
          f"server's process start, healthy after {out['healthy_s']:.1f} s, floor's {base['healthy_s']:.1f} s; "
          f"warm: a new page, median of {repeat}; first and warm from the navigation start, the tab opened before it "
          f"apart)\n")
    print("| page | | drawn | socket open | socket open -> last message | last message -> drawn | tab opened before "
          "| messages | server CPU s | client CPU s |\n|---|---|---|---|---|---|---|---|---|---|")
    for label, r in (("Trends", out), ("floor (trivial app)", base)):
        for phase in PHASES:
            print(_row(label, r, phase))
    print(f"\n'first': the first page of a server warmed up as `framewatch dashboard` does (ready after "
          f"{out['ready_s']:.1f} s, floor's {base['ready_s']:.1f} s, from the process start); seconds from the "
          f"navigation start to each element's first appearance, and the main thread's long tasks (> 50 ms):\n")
    print("| page | | " + " | ".join(ELEMENTS) + " | long tasks s (n) | renderer main thread CPU s | DOM nodes |\n|---|---|"
          + "---|" * (len(ELEMENTS) + 3))
    for label, r in (("Trends", out), ("floor (trivial app)", base)):
        for phase in PHASES:
            cells = [f"{r[f'{phase}_el {e}']:.2f}" if f"{phase}_el {e}" in r else "" for e in ELEMENTS]
            print(f"| {label} | {phase} | " + " | ".join(cells)
                  + f" | {r[f'{phase}_long_tasks_s']:.2f} ({r[f'{phase}_long_tasks']:.0f}) | {r[f'{phase}_renderer_cpu']:.2f} "
                  f"| {r[f'{phase}_dom_nodes']:.0f} |")
    met = all(out[f"{p}_total"] < TARGET_RENDER_S for p in ("first", "warm"))
    print(f"\ntarget < {TARGET_RENDER_S:.0f} s (first page after the warm-up, and warm): {'met' if met else 'NOT met'}; "
          f"Trends minus floor: cold {out['cold_total'] - base['cold_total']:+.1f} s, first "
          f"{out['first_total'] - base['first_total']:+.1f} s, warm {out['warm_total'] - base['warm_total']:+.1f} s")
    out.update({f"floor_{k}": v for k, v in base.items()})
    out.update(server_first_run(store, repeat))
    return out


FIRST_RUN = """
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
os.sched_setaffinity(0, {0})
from streamlit.testing.v1 import AppTest
import streamlit.runtime.scriptrunner.script_runner as sr
spent = []
_run = sr.ScriptRunner._run_script
def timed(self, *a, **k):
    c, w = time.thread_time(), time.perf_counter()
    try:
        return _run(self, *a, **k)
    finally:
        spent.append((time.thread_time() - c, time.perf_counter() - w))
sr.ScriptRunner._run_script = timed
for _ in range(1 + int(sys.argv[3])):
    at = AppTest.from_file(sys.argv[2], default_timeout=120)
    at.session_state["store_path"] = sys.argv[4]
    at.run()
    assert not at.exception and len(at.get("vega_lite_chart")) == 1, at.exception
print(json.dumps(spent))
"""


def server_first_run(store: str, repeat: int) -> dict[str, float]:
    """The first script run of a session, server side only: AppTest in a new Python process, CPU of
    the script thread (pinned to one core; DuckDB's own threads not counted) and wall ms, cold (the
    process's first session) and warm (median of *repeat* new sessions after it)."""
    app = ROOT / "dashboard" / "app.py"
    done = subprocess.run([sys.executable, "-c", FIRST_RUN, str(ROOT), str(app), str(repeat), store],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    spent = json.loads(done.stdout.strip().splitlines()[-1])
    cold, warm = spent[0], spent[1:]
    out = {"server_cold_cpu_ms": cold[0] * 1000, "server_cold_wall_ms": cold[1] * 1000,
           "server_warm_cpu_ms": statistics.median(w[0] for w in warm) * 1000,
           "server_warm_wall_ms": statistics.median(w[1] for w in warm) * 1000}
    print(f"\nserver side, first script run of a session (AppTest, one core; load average {os.getloadavg()[0]:.1f}): "
          f"cold {out['server_cold_cpu_ms']:.0f} ms CPU / {out['server_cold_wall_ms']:.0f} ms wall, warm (median of "
          f"{repeat} new sessions) {out['server_warm_cpu_ms']:.0f} ms CPU / {out['server_warm_wall_ms']:.0f} ms wall")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", required=True, action="append", help="store to time (repeat for several)")
    ap.add_argument("--repeat", type=int, default=5, help="timed calls after the first; with --render, warm pages (default 5)")
    ap.add_argument("--render", action="store_true", help="also time the first render in chromium")
    ap.add_argument("--no-queries", action="store_true", help="skip the query table (with --render)")
    args = ap.parse_args(argv)
    for store in args.store:
        if not args.no_queries:
            bench_queries(store, args.repeat)
        if args.render:
            bench_render(store, args.repeat)


if __name__ == "__main__":
    main()
