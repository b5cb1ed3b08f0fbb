from __future__ import annotations

import pytest

from store_factory import build_store


@pytest.fixture(scope="session")
def store_path(tmp_path_factory):
    """A small store with synthetic-labelled outlet, gaps, and hostile strings."""
    return build_store(tmp_path_factory.mktemp("store") / "s.duckdb")


@pytest.fixture(scope="session")
def real_store_path(tmp_path_factory):
    """The same store, with no outlet of type ``synthetic``."""
    return build_store(tmp_path_factory.mktemp("store_real") / "s.duckdb", synthetic=False)


# --- real browser (Playwright + Debian chromium) --------------------------------------
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    exe = shutil.which("chromium")  # Debian package; `playwright install` cannot download here
    if not exe:
        pytest.skip("chromium not found on PATH (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": exe, "args": CHROMIUM_ARGS}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dashboard_command(store: Path, port: int) -> list[str]:
    """The command that serves the dashboard on *port* for *store* (the one line to change for the CLI)."""
    return [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboard" / "app.py"),
            "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false", "--", "--store", str(store)]


@pytest.fixture(scope="session")
def app_url(store_path, tmp_path_factory):
    """A running dashboard over the test store; yields its base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(dashboard_command(store_path, port), cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except Exception:
                if proc.poll() is not None:
                    pytest.fail(f"dashboard server exited early:\n{log.read_text()}")
                time.sleep(0.1)
        else:
            pytest.fail(f"dashboard server did not become healthy:\n{log.read_text()}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for_app_idle(page, timeout: int = 20000) -> None:
    """Wait until Streamlit has finished rerunning the script (elements are current)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=timeout)
