"""A dashboard server started by a program (browser tests, the load benchmark): a free port and its health.

``framewatch dashboard`` serves with :func:`pipelines.cli.dashboard_command`; a program that
starts that command itself needs a free loopback port to give it and to know when Streamlit
answers. Both are here so the browser tests and ``benchmarks/load_dashboard.py`` start it the
same way.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

HEALTH_PATH = "/_stcore/health"
"""Streamlit's health endpoint: answers ``ok`` once the server takes sessions."""


class ServerNotStarted(RuntimeError):
    """The dashboard process exited, or did not answer healthy in time; the message says which."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, proc: subprocess.Popen, timeout: float = 60.0, interval: float = 0.1) -> None:
    """Poll ``url + /_stcore/health`` until it answers ``ok``.

    Parameters
    ----------
    url : base URL of the server, e.g. ``"http://127.0.0.1:8600"``.
    proc : the process serving it; its exit ends the wait.
    timeout, interval : seconds to wait in all, and between two polls.

    Raises
    ------
    ServerNotStarted
        ``"exited early (<returncode>)"`` when *proc* ended first, ``"did not become healthy in
        <timeout> s"`` when the time ran out.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + HEALTH_PATH, timeout=1) as r:
                if r.read().strip() == b"ok":
                    return
        except Exception:                             # not listening yet, reset, half-started
            pass
        if proc.poll() is not None:
            raise ServerNotStarted(f"exited early ({proc.returncode})")
        if time.monotonic() > deadline:
            raise ServerNotStarted(f"did not become healthy in {timeout:g} s")
        time.sleep(interval)
