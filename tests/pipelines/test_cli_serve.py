"""framewatch dashboard and demo --serve as a user runs them: real processes, real Streamlit servers.

A taken port is one Error: line naming who holds it, never "Ready"; SIGTERM and SIGHUP stop the
Streamlit child too, free the port and end the command by the same signal.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from pipelines.server import free_port, port_in_use

REPO = Path(__file__).resolve().parents[2]


def framewatch(*args) -> list[str]:
    """The installed command (the venv's console script), else the CLI through ``python -c``."""
    script = Path(sys.executable).parent / "framewatch"
    if script.is_file():
        return [str(script), *map(str, args)]
    return [sys.executable, "-c", "from pipelines.cli import main; main()", *map(str, args)]


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("serve")
    store = tmp / "demo.duckdb"
    done = subprocess.run(framewatch("demo", "--store", store, "--out", tmp / "corpus", "--articles", 60),
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return store


def _start(args, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(framewatch(*args), cwd=REPO, stdout=out, stderr=subprocess.STDOUT)


def _wait_ready(proc: subprocess.Popen, log: Path, timeout: float = 180) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text()
        if "Ready on " in text:
            return text
        if proc.poll() is not None:
            pytest.fail(f"exited {proc.returncode} before Ready:\n{text}")
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"no Ready in {timeout} s:\n{log.read_text()}")


def _kill_tree(proc: subprocess.Popen) -> None:
    """Clean up after a failed test: the command and whatever it started."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    for p in [*children, proc]:
        try:
            p.kill()
        except (psutil.NoSuchProcess, ProcessLookupError):
            pass
    proc.wait()


@pytest.mark.parametrize("command, signum", [("dashboard", signal.SIGTERM), ("demo --serve", signal.SIGHUP)])
def test_a_signal_stops_the_streamlit_child_frees_the_port_and_ends_the_command_by_it(
        demo_store, tmp_path, command, signum):
    port, log = free_port(), tmp_path / "serve.log"
    args = (["dashboard", "--store", demo_store] if command == "dashboard" else
            ["demo", "--store", tmp_path / "d.duckdb", "--out", tmp_path / "corpus", "--articles", 60, "--serve"])
    proc = _start([*args, "--port", port], log)
    try:
        _wait_ready(proc, log)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "the dashboard runs Streamlit as a child"
        assert port_in_use("127.0.0.1", port) is not None
        proc.send_signal(signum)
        assert proc.wait(timeout=60) == -signum            # ended by the signal, as without a handler
        gone, alive = psutil.wait_procs(children, timeout=5)
        assert alive == []
        assert port_in_use("127.0.0.1", port) is None
    finally:
        if proc.poll() is None:
            _kill_tree(proc)


def test_a_taken_port_is_one_error_naming_the_server_there_and_never_ready(demo_store, tmp_path):
    port, log = free_port(), tmp_path / "first.log"
    first = _start(["dashboard", "--store", demo_store, "--port", port], log)
    try:
        _wait_ready(first, log)
        other = tmp_path / "other.duckdb"
        other.write_bytes(demo_store.read_bytes())
        second = subprocess.run(framewatch("dashboard", "--store", other, "--port", port), cwd=REPO,
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 1
        assert "Ready" not in second.stderr and "Serving" not in second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: 127.0.0.1:{port}: port {port} is already in use; "
                                                       "expected a free port to serve the dashboard on; found a "
                                                       f"framewatch dashboard for {demo_store.resolve()} "
                                                       f"(pid {first.pid}) listening on it. Fix: serve on another "
                                                       "port, e.g. --port "), lines
        assert lines[0].endswith(f" (free now), or stop the other server (kill {first.pid})")
        suggested = int(lines[0].split("--port ")[1].split()[0])
        assert suggested != port and port_in_use("127.0.0.1", suggested) is None

        demo = subprocess.run(framewatch("demo", "--store", tmp_path / "d.duckdb", "--out", tmp_path / "corpus",
                                         "--articles", 60, "--serve", "--port", port),
                              cwd=REPO, capture_output=True, text=True, timeout=120)
        assert demo.returncode == 1
        assert demo.stderr.startswith(f"Error: 127.0.0.1:{port}: port {port} is already in use;")
        assert not (tmp_path / "d.duckdb").exists()     # checked before the build, not after it
        assert first.poll() is None                       # the first server serves on
    finally:
        first.send_signal(signal.SIGTERM)
        try:
            first.wait(timeout=60)
        except subprocess.TimeoutExpired:
            _kill_tree(first)
