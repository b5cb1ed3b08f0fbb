"""pipelines.server.warm_up and framewatch dashboard's warm-up: real Streamlit servers, no browser."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import REPO, serving as serve_dashboard
from pipelines.cli import dashboard_command
from pipelines.server import WarmUpFailed, local_url, serving, warm_up

COUNTING_APP = """
import sys
from pathlib import Path
import streamlit as st
with Path(sys.argv[1]).open("a") as f:
    f.write(repr(dict(st.query_params)) + "\\n")
st.title("counting")
"""

FAILING_APP = """
import streamlit as st
st.title("about to fail")
raise ValueError("no store here")
"""


def _serve_app(app: Path, *args: str):
    """Serve *app* with the dashboard's own flags (XSRF protection on), script arguments *args*."""
    def command(port: int) -> list[str]:
        cmd = dashboard_command("unused.duckdb", port)
        flags = cmd[:cmd.index("--")]
        return [str(app) if a.endswith("app.py") else a for a in flags] + ["--", *args]
    return serving(command, cwd=REPO, timeout=60)


def test_warm_up_runs_the_default_page_once_per_call(tmp_path):
    app, runs = tmp_path / "counting.py", tmp_path / "runs.txt"
    app.write_text(COUNTING_APP)
    with _serve_app(app, str(runs)) as server:
        assert not runs.exists()                          # nothing runs the script before a session
        assert warm_up(server.url) > 0
        assert runs.read_text() == "{}\n"                 # the default page, no URL keys
        warm_up(server.url + "/")
        assert runs.read_text() == "{}\n{}\n"


def test_warm_up_reports_an_exception_shown_on_the_page(tmp_path):
    app = tmp_path / "failing.py"
    app.write_text(FAILING_APP)
    with _serve_app(app) as server:
        with pytest.raises(WarmUpFailed, match=r"^the page showed ValueError: no store here$"):
            warm_up(server.url)


def test_warm_up_of_nothing_listening_says_it_could_not_open_the_page():
    from pipelines.server import free_port

    with pytest.raises(WarmUpFailed, match=r"^could not open the page: "):
        warm_up(f"http://127.0.0.1:{free_port()}", timeout=5)


@pytest.mark.parametrize("host, url", [("127.0.0.1", "http://127.0.0.1:8501"), ("0.0.0.0", "http://127.0.0.1:8501"),
                                       ("::", "http://127.0.0.1:8501"), ("10.1.2.3", "http://10.1.2.3:8501"),
                                       ("::1", "http://[::1]:8501")])
def test_local_url_reaches_the_bound_address(host, url):
    assert local_url(host, 8501) == url


def test_framewatch_dashboard_prepares_the_default_page_before_it_says_ready(store_path, tmp_path):
    log = tmp_path / "dashboard.log"
    with serve_dashboard(store_path, log) as url:
        deadline = time.monotonic() + 120                 # the warm-up ends after the health answer
        while "Ready on" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        text = log.read_text()
    assert f"Ready on {url} (the default page was prepared in " in text, text
    assert "warm-up skipped" not in text and "Traceback" not in text


def test_warm_up_works_inside_a_running_event_loop(tmp_path):
    import asyncio
    import threading

    app, runs = tmp_path / "counting.py", tmp_path / "runs.txt"
    app.write_text(COUNTING_APP)

    async def inside() -> float:                          # as under Playwright's sync API
        return warm_up(server.url)

    took = []
    with _serve_app(app, str(runs)) as server:            # a thread of its own: pytest's may already run a loop
        thread = threading.Thread(target=lambda: took.append(asyncio.run(inside())))
        thread.start()
        thread.join(120)
    assert took and took[0] > 0
    assert runs.read_text() == "{}\n"
