"""Many users at once: concurrent browser sessions changing filters on one ``framewatch dashboard``.

Builds (or reuses) a synthetic store of 100,000 articles with ``framewatch demo``, serves it
on 127.0.0.1 with the command ``framewatch dashboard`` runs (:func:`pipelines.cli.dashboard_command`),
and drives N pages of one headless Debian chromium (Playwright) for S seconds each. Every
session opens the Trends page and then, in a loop, changes a filter the way a user does:
switches the Measure radio (rate <-> share), narrows the sidebar's outlets (empty: all of them)
to one through the outlet picker, then removes that chip (all outlets again). The latency of a
change is the time from the click to the updated chart in the browser: the y-axis title changed
(measure) or the legend holding the one outlet / every outlet again (outlets). The next change starts once the script run has ended, at once
(``--think 0``, the default: a worst case no reader produces) or after a pause drawn uniformly
from ``--think LOW-HIGH`` seconds (a user looking at the chart before the next click; the
pause is not part of any latency).

Two clients (``--client``):

* ``browser`` (the default): the above, in real chromium pages. On one 2-core machine the
  browsers compete with the server for the same cores (chromium spends ~0.6 s of CPU per
  change, the server ~0.1 s), so this measures the pair, not the server.
* ``ws``: protocol-level sessions that do on the wire what Streamlit's frontend does, without
  rendering: GET the page, ``/_stcore/health`` and ``/_stcore/host-config`` (the XSRF cookie),
  open the websocket ``/_stcore/stream`` with the frontend's subprotocols (``streamlit``, the
  XSRF token) and its cookies and Origin, send the ``rerun_script`` ``BackMsg`` with the page's
  query string, read the ``ForwardMsg`` messages (``streamlit.proto``), keep the current value of
  every radio, selectbox, multiselect and checkbox the deltas carry (as the frontend's widget
  manager does; date inputs keep their server-side value), and make the same changes by
  sending ``rerun_script`` with the changed ``WidgetStates``. Latency = sending the change ->
  ``script_finished`` of a run whose Vega-Lite chart delta held the updated spec (new y-axis
  title / one outlet fewer or more in the legend; that delta always comes before the run's
  end, a run without it is an error). Errors: an exception delta, a closed socket, a timeout,
  a chart not updated. This measures the server as many users see it, whatever machine their
  browsers run on.

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
    .venv/bin/python benchmarks/load_dashboard.py --client ws                         # protocol-level sessions, no browser
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dashboard.charts import MEASURE_LABELS  # noqa: E402 -- the Measure radio's labels
from pipelines.cli import dashboard_command  # noqa: E402
from pipelines.server import ServerNotStarted, open_stream, serving  # noqa: E402

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
    return await page.locator(LEGEND_TEXT).count()


CHART = '[data-testid="stVegaLiteChart"]'
"""The Trends chart (Vega-Lite, SVG at the load test's sizes: under Streamlit's 2,000 marks for a canvas)."""
LEGEND_TEXT = f"{CHART} .role-legend-label text, {CHART} .role-header-label text"
"""The outlets the chart names: its legend, or past three outlets its panels' titles ("Outlet · 12 articles")."""
Y_TITLE = f"{CHART} .role-axis-title text"
"""The axis titles: the lines' y axis, the volume bars' ("articles"), the time axis; compared joined by "|"."""
YTITLE_CHANGED = """before => {
    const t = Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"] .role-axis-title text'));
    return t.length > 0 && t.map(e => e.textContent).join("|") !== before;
}"""
LEGEND_IS = ("n => document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] .role-legend-label text, "
             "[data-testid=\"stVegaLiteChart\"] .role-header-label text').length === n")


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


def _error(exc: BaseException) -> str:
    """``"Type: first line of the message"`` (cut at 160 characters) for the error list."""
    lines = str(exc).splitlines()
    return f"{type(exc).__name__}: {lines[0][:160] if lines else ''}"


async def _first_load(load, out: dict, gate: Gate | None) -> bool:
    """Await *load* (a session's first page load), record its seconds or its error in *out*, then
    wait at *gate* for the other sessions; False when the load failed."""
    t0 = time.perf_counter()
    try:
        await load
    except Exception as exc:  # noqa: BLE001 -- counted as an error of the first load
        out["errors"].append("first load: " + _error(exc))
        ok = False
    else:
        out["first_load"].append(time.perf_counter() - t0)
        ok = True
    if gate is not None:
        await gate.loaded()
    return ok


async def session(browser, url: str, seconds: float, seed: int, timeout: float, out: dict,
                  think: tuple[float, float] = (0.0, 0.0), gate: Gate | None = None) -> None:
    """One user: open Trends, then change filters until *seconds* have passed, pausing *think*
    (uniform between low and high seconds) after each updated chart."""
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1300, "height": 1400})
    page = await context.new_page()
    async def load() -> None:
        await page.goto(url + "/", timeout=FIRST_LOAD * 1000)
        await page.locator(LEGEND_TEXT).first.wait_for(timeout=FIRST_LOAD * 1000)
        await _idle(page, FIRST_LOAD)

    try:
        if not await _first_load(load(), out, gate):
            return
        sidebar = page.get_by_test_id("stSidebar")
        chosen: str | None = None           # the one outlet chosen in the sidebar; None: all outlets
        n_all = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            try:
                if chosen is None and rng.random() < 0.5:
                    before = "|".join(await page.locator(Y_TITLE).all_text_contents())
                    radio = page.get_by_test_id("stRadio").filter(has_text="Measure")
                    target = "Rate per 1,000 words" if "share" in (before or "").lower() else "Share of articles"
                    t0 = time.perf_counter()
                    await radio.get_by_text(target).click()
                    await _wait_until(page, YTITLE_CHANGED, before, timeout)
                    kind = "measure"
                elif chosen is None:
                    names = [t.rsplit(" · ", 1)[0] for t in await page.locator(LEGEND_TEXT).all_text_contents()]
                    if len(names) < 2:
                        continue
                    n_all, chosen = len(names), rng.choice(names)
                    picker = sidebar.get_by_test_id("stMultiSelect").filter(has_text="Outlets")
                    await picker.get_by_role("combobox").click()
                    t0 = time.perf_counter()
                    await page.get_by_role("option", name=chosen, exact=True).click()
                    await page.keyboard.press("Escape")
                    await _wait_until(page, LEGEND_IS, 1, timeout)
                    kind = "one outlet"
                else:
                    t0 = time.perf_counter()
                    await sidebar.get_by_role("button", name=f"Remove {chosen}", exact=True).click()
                    await _wait_until(page, LEGEND_IS, n_all, timeout)
                    chosen, kind = None, "all outlets"
                out["latencies"].append((kind, time.perf_counter() - t0))
                await _idle(page, timeout)
                if await page.get_by_test_id("stException").count():
                    out["errors"].append("a Streamlit exception is shown on the page")
                if think[1] > 0:
                    await asyncio.sleep(rng.uniform(*think))
            except Exception as exc:  # noqa: BLE001 -- every failure is counted and reported
                out["errors"].append(_error(exc))
                chosen = None
                await page.goto(url + "/", timeout=timeout * 1000)
                await _idle(page, timeout)
    finally:
        await context.close()


async def drive(url: str, sessions: int, seconds: float, timeout: float, think: tuple[float, float] = (0.0, 0.0),
                sampler: RssSampler | None = None, client: str = "browser") -> dict:
    """Run *sessions* users at once (:func:`session` in chromium pages, or :func:`ws_session` with
    *client* ``"ws"``); ``{"latencies": [(kind, s)], "errors": [str], "first_load": [s],
    "cpu_at_changes": sampler sample}``."""
    out = {"latencies": [], "errors": [], "first_load": []}
    gate = Gate(sessions, sampler)

    async def users(user) -> None:
        await asyncio.gather(*(user(seed) for seed in range(sessions)))
        if sampler is not None:                       # before chromium's processes exit
            sampler.cpu.update(sampler.cpu_now())
            out["cpu_at_changes"] = gate.cpu_at

    if client == "ws":
        await users(lambda seed: ws_session(url, seconds, seed, timeout, out, think, gate))
        return out
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            await users(lambda seed: session(browser, url, seconds, seed, timeout, out, think, gate))
        finally:
            await browser.close()
    return out


# --- protocol-level client (--client ws) ---------------------------------------------------

MEASURE_KEY, OUTLET_KEY = "trend_measure", "fw_outlet"
"""Widget keys of the Trends page's Measure radio and the sidebar's outlet multiselect
(Streamlit puts a keyed widget's key at the end of its id: ``$$ID-<hash>-<key>``)."""
WIDGET_KINDS = ("radio", "selectbox", "multiselect", "checkbox")


class RerunFailed(Exception):
    """A script run shown with an exception, a closed socket or no ``script_finished`` in time."""


def widget_value(kind: str, w) -> tuple[str, object] | None:
    """The ``WidgetState`` field and value the frontend holds for widget proto *w* of element
    type *kind* when it has only the server's word for it (its default, or the value the
    script set); ``None`` when it holds none (a selectbox without a choice)."""
    if kind in ("radio", "selectbox"):
        if w.set_value or w.HasField("raw_value"):
            return "string_value", w.raw_value
        if w.HasField("default") and 0 <= w.default < len(w.options):
            return "string_value", w.options[w.default]
        return None
    if kind == "multiselect":
        return "string_array_value", list(w.raw_values) if w.set_value else [w.options[i] for i in w.default]
    if kind == "checkbox":
        return "bool_value", w.value if w.set_value else w.default
    return None


def _line_encoding(spec: dict) -> dict:
    """The encoding of the Trends chart's line layer (:func:`dashboard.charts.trend_chart`), or ``{}``."""
    stack = [spec]
    while stack:
        view = stack.pop()
        if isinstance(view, dict):
            mark = view.get("mark")
            if (mark.get("type") if isinstance(mark, dict) else mark) == "line":
                return view.get("encoding", {})
            stack.extend([*view.get("layer", []), *([view["spec"]] if "spec" in view else [])])   # a facet's panel
    return {}


def legend_names(figure: dict) -> list[str]:
    """The outlets the Trends chart names, in order: its legend (its colour scale's domain), or with more than three
    outlets its panels' titles ("Outlet · 12 articles")."""
    if "facet" in figure:
        return [str(t).rsplit(" · ", 1)[0] for t in figure["facet"].get("sort", [])]
    return list(_line_encoding(figure).get("color", {}).get("scale", {}).get("domain", []))


def y_title(figure: dict) -> str:
    """The Trends chart's y-axis title ('' when none)."""
    return str(_line_encoding(figure).get("y", {}).get("axis", {}).get("title", ""))


class WsSession:
    """One user of the dashboard on the wire, as Streamlit's frontend talks to the server.

    :meth:`open` loads the page and runs the script once; :meth:`change` sends a rerun with one
    widget changed and returns when the chart satisfies a predicate and the run has finished.
    ``figure`` is the last Trends chart (its Vega-Lite spec as a dict), ``values`` the widget
    states the frontend would send (``{widget id: (WidgetState field, value)}``).
    Method: ``streamlit/web/server/starlette/starlette_websocket.py`` (subprotocols, XSRF,
    Origin), ``runtime/app_session.py`` and ``proto/BackMsg.proto`` / ``ClientState.proto``.
    """

    def __init__(self, url: str, timeout: float):
        self.url, self.timeout = url, timeout
        self.ws = None
        self.query_string, self.page_hash = "", ""
        self.values: dict[str, tuple[str, object]] = {}
        self.ids: dict[str, str] = {}
        self.cache: dict[str, bytes] = {}
        self.figure: dict = {}

    async def open(self) -> None:
        """GET the page and the two endpoints the frontend fetches first, open the websocket, run the script."""
        self.ws = await open_stream(self.url, self.timeout, also_get=("/_stcore/host-config",))
        await self.run(lambda fig: bool(legend_names(fig)))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    def _backmsg(self) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string, rerun.page_script_hash = self.query_string, self.page_hash
        rerun.cached_message_hashes.extend(self.cache)
        ctx = rerun.context_info
        ctx.timezone, ctx.timezone_offset, ctx.locale, ctx.url = "UTC", 0, "en-US", self.url + "/"
        ctx.is_embedded, ctx.color_scheme = False, "light"
        for wid, (field, value) in self.values.items():
            state = rerun.widget_states.widgets.add()
            state.id = wid
            if field == "string_array_value":
                state.string_array_value.data.extend(value)
            else:
                setattr(state, field, value)
        return msg.SerializeToString()

    async def run(self, chart_ok) -> float:
        """Send a rerun with the current widget states and read until ``script_finished``.

        Returns the seconds to ``script_finished``; raises :class:`RerunFailed` on an exception
        delta, a closed socket, a run without a chart delta for which ``chart_ok(figure)`` holds
        (the chart did not update), or *timeout*.
        """
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        t0 = time.perf_counter()
        await self.ws.send(self._backmsg())
        chart_updated, seen = False, {}
        end = t0 + self.timeout
        while True:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), max(0.01, end - time.perf_counter()))
            except asyncio.TimeoutError:
                raise RerunFailed("timeout: no script_finished") from None
            except Exception as exc:  # noqa: BLE001 -- websockets' ConnectionClosed and kin
                raise RerunFailed(f"socket closed: {type(exc).__name__}") from exc
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            if msg.WhichOneof("type") == "ref_hash":      # a message this session holds (cached_message_hashes)
                raw = self.cache[msg.ref_hash]
                msg = ForwardMsg()
                msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = msg.new_session.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                if msg.metadata.cacheable and msg.hash:
                    self.cache[msg.hash] = raw
                el = msg.delta.new_element
                etype = el.WhichOneof("type")
                if etype == "exception":
                    raise RerunFailed(f"exception shown: {el.exception.type}: {el.exception.message[:120]}")
                if etype in WIDGET_KINDS:
                    w = getattr(el, etype)
                    seen[w.id] = None
                    self.ids[w.id.rsplit("-", 1)[-1]] = w.id
                    if w.id not in self.values or getattr(w, "set_value", False):
                        value = widget_value(etype, w)
                        if value is not None:
                            self.values[w.id] = value
                elif etype == "vega_lite_chart" and el.vega_lite_chart.id.endswith("-trend_chart"):
                    figure = json.loads(el.vega_lite_chart.spec)
                    chart_updated = chart_updated or chart_ok(figure)
                    self.figure = figure
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if not chart_updated:
                    raise RerunFailed("the chart did not update")
                self.values = {k: v for k, v in self.values.items() if k in seen}  # the frontend drops unmounted widgets
                return time.perf_counter() - t0

    async def change(self, key: str, value, chart_ok) -> float:
        """Set widget *key* (its Streamlit key) to *value*, rerun; seconds to the end of a run that updated the chart.

        :meth:`run` raises :class:`RerunFailed` when no chart delta satisfied *chart_ok*; the
        chart delta always comes before ``script_finished``, so the run's end is the latency.
        """
        wid = self.ids[key]
        self.values[wid] = (self.values[wid][0], value)
        return await self.run(chart_ok)



async def ws_session(url: str, seconds: float, seed: int, timeout: float, out: dict,
                     think: tuple[float, float] = (0.0, 0.0), gate: Gate | None = None) -> None:
    """One protocol-level user: the changes of :func:`session` (Measure rate <-> share, one outlet
    chosen, then all outlets again), sent as the frontend sends them."""
    rng = random.Random(seed)
    user = WsSession(url, timeout)
    user.timeout = FIRST_LOAD
    try:
        if not await _first_load(user.open(), out, gate):
            return
        user.timeout = timeout
        chosen: str | None = None           # the one outlet chosen in the sidebar; None: all outlets
        n_all = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            try:
                if chosen is None and rng.random() < 0.5:
                    before = y_title(user.figure)
                    now = user.values[user.ids[MEASURE_KEY]][1]
                    target = MEASURE_LABELS["rate"] if now == MEASURE_LABELS["share"] else MEASURE_LABELS["share"]
                    s = await user.change(MEASURE_KEY, target, lambda fig, b=before: y_title(fig) != b)
                    kind = "measure"
                elif chosen is None:
                    outlets = legend_names(user.figure)       # the outlet filter is empty: all of them
                    if len(outlets) < 2:
                        continue
                    n_all, chosen = len(outlets), rng.choice(outlets)
                    s = await user.change(OUTLET_KEY, [chosen], lambda fig, c=chosen: legend_names(fig) == [c])
                    kind = "one outlet"
                else:
                    s = await user.change(OUTLET_KEY, [], lambda fig, n=n_all: len(legend_names(fig)) == n)
                    chosen, kind = None, "all outlets"
                out["latencies"].append((kind, s))
                if think[1] > 0:
                    await asyncio.sleep(rng.uniform(*think))
            except Exception as exc:  # noqa: BLE001 -- every failure is counted and reported
                out["errors"].append(_error(exc))
                chosen = None
                await user.close()
                user = WsSession(url, timeout)
                await user.open()
    finally:
        await user.close()


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
    ap.add_argument("--sessions", type=int, default=20, help="concurrent sessions (default 20, at most 50)")
    ap.add_argument("--seconds", type=float, default=60, help="seconds each session makes changes (default 60, at most 300)")
    ap.add_argument("--timeout", type=float, default=30, help="seconds a change may take before it counts as an error")
    ap.add_argument("--think", type=parse_think, default=(0.0, 0.0), metavar="SECONDS",
                    help="pause after each updated chart before the next change: SECONDS or LOW-HIGH "
                         "(uniform, e.g. 1-3); 0 (default) = no pause")
    ap.add_argument("--client", choices=("browser", "ws"), default="browser",
                    help="browser: Playwright pages of one headless chromium (default); ws: protocol-level "
                         "sessions speaking Streamlit's websocket protocol, no rendering")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args()
    if not 1 <= args.sessions <= MAX_SESSIONS or not 1 <= args.seconds <= MAX_SECONDS:
        ap.error(f"sessions must be 1..{MAX_SESSIONS} and seconds 1..{MAX_SECONDS}")
    if args.client == "browser" and not shutil.which("chromium"):
        ap.error("chromium not found on PATH (apt-get install chromium)")
    args.store.parent.mkdir(parents=True, exist_ok=True)
    build_s = build_store(args.store, args.articles)
    log = args.store.with_suffix(".dashboard.log")
    try:
        # the server's process group is stopped when the block ends (pipelines.server.serving)
        with serving(lambda port: dashboard_command(args.store, port, "127.0.0.1"), cwd=REPO, log=log,
                     timeout=60, interval=0.2, stop_timeout=20) as server:
            sampler = RssSampler(server.process.pid)
            sampler.start()
            load_before = os.getloadavg()
            t0 = time.perf_counter()
            out = asyncio.run(drive(server.url, args.sessions, args.seconds, args.timeout, args.think, sampler,
                                    args.client))
            wall = time.perf_counter() - t0
            load_after = os.getloadavg()
            sampler.stop()
    except ServerNotStarted:
        sys.exit(f"the dashboard did not start; see {log}")
    lat = [s for _, s in out["latencies"]]
    by_kind = {}
    for kind, s in out["latencies"]:
        by_kind.setdefault(kind, []).append(s)
    figures = {
        "client": args.client, "store": str(args.store), "store_build_s": round(build_s, 1), "sessions": args.sessions,
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
