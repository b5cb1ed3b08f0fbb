"""Many users at once: concurrent browser sessions changing filters on one ``framewatch dashboard``.

Builds (or reuses) a synthetic store of 100,000 articles with ``framewatch demo``, serves it
on 127.0.0.1 with the command ``framewatch dashboard`` runs (:func:`pipelines.cli.dashboard_command`),
and drives N pages of one headless Debian chromium (Playwright) for S seconds each. Every
session opens the Trends page and then, in a loop, changes a filter the way a user does:
switches the Measure radio (rate <-> share), removes an outlet chip in the sidebar, adds it
back through the outlet picker. The latency of a change is the time from the click to the
updated chart in the browser: the y-axis title changed (measure) or the legend holding one
outlet fewer / more (outlets). The next change starts once the script run has ended, at once
(``--think 0``, the default: a worst case no reader produces) or after a pause drawn uniformly
from ``--think LOW-HIGH`` seconds (a user looking at the chart before the next click; the
pause is not part of any latency).

Reported: changes made, p50 / p95 / max latency, errors (timeouts, a Streamlit exception on
the page, a page crash), peak RSS of the server (Streamlit process and its children, sampled
every 0.25 s), the CPU seconds used by the server and by the client (this script,
Playwright's driver and chromium: on one machine the browser competes with the server for the
same cores) during the first page loads and during the changes (all sessions start changing
together once every first load has ended), and the load average before and after (the machine
is shared).

Bounded: at most 50 sessions and 300 seconds; loopback only.

Usage::

    .venv/bin/python benchmarks/load_dashboard.py                     # 20 sessions x 60 s, 100,000 articles
    .venv/bin/python benchmarks/load_dashboard.py --think 1-3                         # users who read the chart
    .venv/bin/python benchmarks/load_dashboard.py --sessions 5 --seconds 20 --articles 5000 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipelines.cli import dashboard_command  # noqa: E402
from pipelines.server import ServerNotStarted, free_port, wait_until_healthy  # noqa: E402

MAX_SESSIONS, MAX_SECONDS = 50, 300
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
FIRST_LOAD = 120
"""Seconds a session's first page load may take (all sessions open at once; not counted as a change)."""


def build_store(store: Path, n_articles: int) -> float:
    """``framewatch demo`` with *n_articles* into *store* (skipped when it exists); seconds taken."""
    if store.exists():
        return 0.0
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from pipelines.cli import main; main()", "demo", "--store", str(store),
                    "--out", str(store.parent / f"{store.stem}-corpus"), "--articles", str(n_articles)],
                   cwd=REPO, check=True)
    return time.perf_counter() - t0


def parse_think(value: str) -> tuple[float, float]:
    """``"0"``, ``"2"`` or ``"1-3"`` as the (low, high) seconds of a user's pause between changes."""
    low, _, high = value.partition("-")
    try:
        lo, hi = float(low), float(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--think takes seconds or LOW-HIGH seconds (e.g. 1-3), not {value!r}")
    if not 0 <= lo <= hi <= 60:
        raise argparse.ArgumentTypeError(f"--think needs 0 <= LOW <= HIGH <= 60, not {value!r}")
    return lo, hi


class RssSampler(threading.Thread):
    """Peak resident memory of a process and its children, and CPU seconds of the server and the client.

    The server is the process *pid* and its children; the client is this process and its other
    descendants (Playwright's driver, chromium and its renderers). CPU is each process's last
    sample minus its CPU when the sampler was made, summed; a renderer that exits between two
    samples loses at most one interval (0.25 s) of its time.
    """

    def __init__(self, pid: int, every: float = 0.25):
        super().__init__(daemon=True)
        self.proc, self.every, self.peak, self._done = psutil.Process(pid), every, 0, threading.Event()
        self.me = psutil.Process()
        self.cpu: dict[int, tuple[str, float]] = {}
        self.cpu0 = self.cpu_now()

    def cpu_now(self) -> dict[int, tuple[str, float]]:
        """``{pid: ("server" | "client", CPU seconds so far)}`` for this process and its descendants."""
        server = {self.proc.pid, *(c.pid for c in self.proc.children(recursive=True))}
        now = {}
        for p in (self.me, *self.me.children(recursive=True)):
            try:
                t = p.cpu_times()
                now[p.pid] = ("server" if p.pid in server else "client", t.user + t.system)
            except psutil.Error:
                pass
        return now

    def cpu_seconds(self, since: dict | None = None, until: dict | None = None) -> dict[str, float]:
        """CPU seconds used between two :meth:`cpu_now` samples (default: since the sampler was
        made, until the last sample): ``{"server": s, "client": s}``."""
        since, until = since or self.cpu0, until or self.cpu
        out = {"server": 0.0, "client": 0.0}
        for pid, (who, t) in until.items():
            out[who] += t - since.get(pid, (who, 0.0))[1]
        return {k: round(v, 1) for k, v in out.items()}

    def run(self) -> None:
        while not self._done.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
                self.cpu.update(self.cpu_now())
            except psutil.Error:
                pass
            self._done.wait(self.every)

    def stop(self) -> None:
        self._done.set()
        self.join()


async def _idle(page, timeout: float) -> None:
    await page.locator(IDLE).wait_for(timeout=timeout * 1000)


async def _legend_count(page) -> int:
    return await page.locator(".js-plotly-plot .legendtext").count()


YTITLE_CHANGED = """before => {
    const t = document.querySelector('.js-plotly-plot .g-ytitle');
    return t !== null && t.textContent !== before;
}"""
LEGEND_IS = "n => document.querySelectorAll('.js-plotly-plot .legendtext').length === n"


async def _wait_until(page, js: str, arg, timeout: float) -> None:
    """Wait for the JS predicate *js*(*arg*) to hold, checked in the page on every animation frame.

    In the page rather than by polling from here: 20 sessions polling through Playwright every
    20 ms cost the client more CPU than the server's reruns, and the browser shares the cores.
    """
    try:
        await page.wait_for_function(js, arg=arg, polling="raf", timeout=timeout * 1000)
    except Exception as exc:  # noqa: BLE001 -- Playwright's TimeoutError; one message for every kind of change
        raise TimeoutError("the chart did not update") from exc


class Gate:
    """All sessions start changing filters together, once every first page load has ended
    (the first loads of 20 pages take minutes on 2 cores and would otherwise overlap the changes)."""

    def __init__(self, sessions: int, sampler: RssSampler | None):
        self.left, self.sampler, self.opened = sessions, sampler, asyncio.Event()
        self.cpu_at: dict = {}

    async def loaded(self) -> None:
        """Count this session's first load as ended and wait for the others'."""
        self.left -= 1
        if self.left == 0:
            if self.sampler is not None:
                self.cpu_at = self.sampler.cpu_now()
            self.opened.set()
        await self.opened.wait()


async def session(browser, url: str, seconds: float, seed: int, timeout: float, out: dict,
                  think: tuple[float, float] = (0.0, 0.0), gate: Gate | None = None) -> None:
    """One user: open Trends, then change filters until *seconds* have passed, pausing *think*
    (uniform between low and high seconds) after each updated chart."""
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1300, "height": 1400})
    page = await context.new_page()
    try:
        t0 = time.perf_counter()
        try:
            await page.goto(url + "/", timeout=FIRST_LOAD * 1000)
            await page.locator(".js-plotly-plot .legendtext").first.wait_for(timeout=FIRST_LOAD * 1000)
            await _idle(page, FIRST_LOAD)
        except Exception as exc:  # noqa: BLE001
            out["errors"].append(f"first load: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
            if gate is not None:
                await gate.loaded()
            return
        out["first_load"].append(time.perf_counter() - t0)
        if gate is not None:
            await gate.loaded()
        sidebar = page.get_by_test_id("stSidebar")
        removed: str | None = None
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            try:
                if removed is None and rng.random() < 0.5:
                    title = page.locator(".js-plotly-plot .g-ytitle").first
                    before = await title.text_content()
                    radio = page.get_by_test_id("stRadio").filter(has_text="Measure")
                    target = "Rate per 1,000 words" if "share" in (before or "").lower() else "Share of articles"
                    t0 = time.perf_counter()
                    await radio.get_by_text(target).click()
                    await _wait_until(page, YTITLE_CHANGED, before, timeout)
                    kind = "measure"
                elif removed is None:
                    n = await _legend_count(page)
                    picker = sidebar.get_by_test_id("stMultiSelect").filter(has_text="Outlets")
                    chips = picker.get_by_role("button", name="Remove ")
                    names = [(await c.get_attribute("aria-label") or "")[len("Remove "):] for c in await chips.all()]
                    names = [x for x in names if x]
                    if len(names) < 2:
                        continue
                    removed = rng.choice(names)
                    t0 = time.perf_counter()
                    await sidebar.get_by_role("button", name=f"Remove {removed}", exact=True).click()
                    await _wait_until(page, LEGEND_IS, n - 1, timeout)
                    kind = "remove outlet"
                else:
                    n = await _legend_count(page)
                    picker = sidebar.get_by_test_id("stMultiSelect").filter(has_text="Outlets")
                    await picker.get_by_role("combobox").click()
                    t0 = time.perf_counter()
                    await page.get_by_role("option", name=removed, exact=True).click()
                    await page.keyboard.press("Escape")
                    await _wait_until(page, LEGEND_IS, n + 1, timeout)
                    removed, kind = None, "add outlet"
                out["latencies"].append((kind, time.perf_counter() - t0))
                await _idle(page, timeout)
                if await page.get_by_test_id("stException").count():
                    out["errors"].append("a Streamlit exception is shown on the page")
                if think[1] > 0:
                    await asyncio.sleep(rng.uniform(*think))
            except Exception as exc:  # noqa: BLE001 -- every failure is counted and reported
                out["errors"].append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
                removed = None
                await page.goto(url + "/", timeout=timeout * 1000)
                await _idle(page, timeout)
    finally:
        await context.close()


async def drive(url: str, sessions: int, seconds: float, timeout: float, think: tuple[float, float] = (0.0, 0.0),
                sampler: RssSampler | None = None) -> dict:
    from playwright.async_api import async_playwright

    out = {"latencies": [], "errors": [], "first_load": []}
    gate = Gate(sessions, sampler)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            await asyncio.gather(*(session(browser, url, seconds, seed, timeout, out, think, gate)
                                   for seed in range(sessions)))
            if sampler is not None:                   # before chromium's processes exit
                sampler.cpu.update(sampler.cpu_now())
                out["cpu_at_changes"] = gate.cpu_at
        finally:
            await browser.close()
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, default=Path("data/store/load.duckdb"),
                    help="store to serve (built with framewatch demo when missing)")
    ap.add_argument("--articles", type=int, default=100_000, help="articles in a store built here")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--timeout", type=float, default=30, help="seconds a change may take before it counts as an error")
    ap.add_argument("--think", type=parse_think, default=(0.0, 0.0), metavar="SECONDS",
                    help="pause after each updated chart before the next change: SECONDS or LOW-HIGH "
                         "(uniform, e.g. 1-3); 0 (default) = no pause")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args()
    if not 1 <= args.sessions <= MAX_SESSIONS or not 1 <= args.seconds <= MAX_SECONDS:
        ap.error(f"sessions must be 1..{MAX_SESSIONS} and seconds 1..{MAX_SECONDS}")
    if not shutil.which("chromium"):
        ap.error("chromium not found on PATH (apt-get install chromium)")
    args.store.parent.mkdir(parents=True, exist_ok=True)
    build_s = build_store(args.store, args.articles)
    port = free_port()
    log = open(args.store.with_suffix(".dashboard.log"), "wb")
    server = subprocess.Popen(dashboard_command(args.store, port, "127.0.0.1"), cwd=REPO, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_healthy(url, server, timeout=60, interval=0.2)
        except ServerNotStarted:
            sys.exit("the dashboard did not start; see " + log.name)
        sampler = RssSampler(server.pid)
        sampler.start()
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        out = asyncio.run(drive(url, args.sessions, args.seconds, args.timeout, args.think, sampler))
        wall = time.perf_counter() - t0
        load_after = os.getloadavg()
        sampler.stop()
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the group started above: the server and its children only
        server.wait(timeout=20)
        log.close()
    lat = [s for _, s in out["latencies"]]
    by_kind = {}
    for kind, s in out["latencies"]:
        by_kind.setdefault(kind, []).append(s)
    figures = {
        "store": str(args.store), "store_build_s": round(build_s, 1), "sessions": args.sessions,
        "seconds_per_session": args.seconds, "wall_s": round(wall, 1), "changes": len(lat),
        "p50_s": round(_percentile(lat, 50), 3), "p95_s": round(_percentile(lat, 95), 3),
        "max_s": round(max(lat), 3) if lat else None, "errors": len(out["errors"]),
        "error_kinds": sorted(set(out["errors"]))[:10],
        "by_change": {k: {"n": len(v), "p50_s": round(_percentile(v, 50), 3), "p95_s": round(_percentile(v, 95), 3)}
                      for k, v in sorted(by_kind.items())},
        "first_load_p50_s": round(_percentile(out["first_load"], 50), 2),
        "first_load_max_s": round(max(out["first_load"]), 2) if out["first_load"] else None,
        "think_s": list(args.think),
        "server_peak_rss_mb": round(sampler.peak / 2**20, 1),
        "cpu_s_first_loads": sampler.cpu_seconds(until=out.get("cpu_at_changes")),
        "cpu_s_changes": sampler.cpu_seconds(since=out.get("cpu_at_changes")),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after], "cpus": os.cpu_count(),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\ntarget: no errors, p95 < 1.5 s -> {'met' if not out['errors'] and figures['p95_s'] < 1.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
