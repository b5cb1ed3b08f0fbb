from __future__ import annotations

import pytest

from store_factory import build_big_cell_store, build_c11_store, build_store


@pytest.fixture(scope="session")
def store_path(tmp_path_factory):
    """A small store with synthetic-labelled outlet, gaps, and hostile strings."""
    return build_store(tmp_path_factory.mktemp("store") / "s.duckdb")


@pytest.fixture(scope="session")
def real_store_path(tmp_path_factory):
    """The same store, with no outlet of type ``synthetic``."""
    return build_store(tmp_path_factory.mktemp("store_real") / "s.duckdb", synthetic=False)


@pytest.fixture(scope="session")
def c11_store_path(tmp_path_factory):
    """Case C11 through the real pipeline: 3 wire copies of one story (Outlets A, B, C) and 1 original (D)."""
    from tests.conftest import case_dir

    return build_c11_store(tmp_path_factory.mktemp("c11"), case_dir("C11"))


@pytest.fixture(scope="session")
def big_cell_store_path(tmp_path_factory):
    """Outlet K: 480 mentions of "regime" and 60 of "puppet" over October 2024 (more than the table shows)."""
    return build_big_cell_store(tmp_path_factory.mktemp("big"))


# --- real browser (Playwright + Debian chromium) --------------------------------------
import shutil  # noqa: E402
import sys  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

from pipelines.server import ServerNotStarted  # noqa: E402
from pipelines.server import serving as serve_command  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    exe = shutil.which("chromium")  # Debian package; `playwright install` cannot download here
    if not exe:
        pytest.skip("chromium not found on PATH (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": exe, "args": CHROMIUM_ARGS}


def dashboard_command(store: Path, port: int) -> list[str]:
    """The command the README documents: ``framewatch dashboard --store PATH --port N``.

    The venv's console script when installed, else the same CLI through ``python -c``.
    """
    args = ["dashboard", "--store", str(store), "--port", str(port)]
    script = Path(sys.executable).parent / "framewatch"
    if script.is_file():
        return [str(script), *args]
    return [sys.executable, "-c", "from pipelines.cli import main; main()", *args]


@contextmanager
def serving(store: Path, log: Path):
    """Run the dashboard for *store* until the block ends; yields its base URL once healthy
    (:func:`pipelines.server.serving`: a free port, the process group stopped at the end)."""
    try:
        with serve_command(lambda port: dashboard_command(store, port), cwd=REPO, log=log, timeout=60) as server:
            yield server.url
    except ServerNotStarted as e:
        pytest.fail(f"dashboard server {e}:\n{log.read_text()}")


def wait_for_app_idle(page, timeout: int = 20000) -> None:
    """Wait until Streamlit has finished rerunning the script (elements are current)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=timeout)
