"""The load test's protocol-level client (``benchmarks/load_dashboard.py --client ws``) is faithful.

A ws session against a real ``framewatch dashboard`` on the demo store changes the Measure radio
and narrows the outlets (empty: all) to one the way the frontend does (a ``rerun_script`` with changed
``WidgetStates``); the Trends figure it receives must be the one the server draws for that
selection: the expected y-axis title and legend, and the same figure JSON as a new session
opened on the link (query string) the change produced -- the page a browser shows for it.
No timing is asserted.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import serving
from dashboard.charts import MEASURE_LABELS
from pipelines.cli import dashboard_command

REPO = Path(__file__).resolve().parents[2]


def _load_dashboard_module():
    spec = importlib.util.spec_from_file_location("load_dashboard", REPO / "benchmarks" / "load_dashboard.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ws_demo")
    store = folder / "demo.duckdb"
    subprocess.run([sys.executable, "-c", "from pipelines.cli import main; main()", "demo", "--store", str(store),
                    "--out", str(folder / "corpus"), "--articles", "600"], cwd=REPO, check=True,
                   capture_output=True)
    with serving(store, folder / "dashboard.log") as url:
        yield url


def test_a_ws_session_gets_the_chart_of_its_changes(demo_url):
    ld = _load_dashboard_module()

    async def scenario():
        user = ld.WsSession(demo_url, timeout=60)
        await user.open()
        try:
            first = user.figure
            assert user.values[user.ids[ld.OUTLET_KEY]][1] == []    # the outlet filter starts empty: all
            outlets = ld.legend_names(first)
            assert ld.y_title(first) == "mentions per 1,000 words"
            assert len(outlets) >= 3

            await user.change(ld.MEASURE_KEY, MEASURE_LABELS["share"], lambda fig: ld.y_title(fig) != ld.y_title(first))
            assert ld.y_title(user.figure) == "share of articles"
            assert "measure=share" in user.query_string

            chosen = outlets[1]
            await user.change(ld.OUTLET_KEY, [chosen], lambda fig: ld.legend_names(fig) == [chosen])
            changed, link = user.figure, user.query_string
            assert ld.legend_names(changed) == [chosen]
            assert not any(o in json.dumps(changed) for o in outlets if o != chosen)   # no scale, legend or title names one
            assert ld.y_title(changed) == "share of articles"

            # Back to where it started (the chip removed: all outlets): the first figure again,
            # which the server may send as a reference to the one this session holds.
            await user.change(ld.OUTLET_KEY, [], lambda fig: len(ld.legend_names(fig)) == len(outlets))
            await user.change(ld.MEASURE_KEY, MEASURE_LABELS["rate"], lambda fig: ld.y_title(fig) == ld.y_title(first))
            assert user.figure == first
        finally:
            await user.close()

        # The page a browser opens on that link draws the very same figure.
        fresh = ld.WsSession(demo_url, timeout=60)
        fresh.query_string = link
        await fresh.open()
        try:
            assert fresh.figure == changed
        finally:
            await fresh.close()

    # In a thread of its own: pytest-playwright's sync API may hold an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def test_the_served_dashboard_does_not_reload_modules_under_live_sessions():
    cmd = dashboard_command("s.duckdb", 8501)
    assert cmd[cmd.index("--server.fileWatcherType") + 1] == "none"
    assert cmd[cmd.index("--server.runOnSave") + 1] == "false"
    # and does not force a full garbage collection after every run (most of its CPU under 20 users)
    assert cmd[cmd.index("--runner.postScriptGC") + 1] == "false"
