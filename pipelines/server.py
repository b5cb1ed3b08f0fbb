"""A dashboard server started by a program (browser tests, the load benchmark): a free port and its health.

``framewatch dashboard`` serves with :func:`pipelines.cli.dashboard_command`; a program that
starts that command itself needs a free loopback port to give it and to know when Streamlit
answers. Both are here so the browser tests and ``benchmarks/load_dashboard.py`` start it the
same way. :func:`serving` does the whole round -- start on a free port, wait until healthy, stop
the process group at the end of a ``with`` block -- for the browser tests and the benchmarks.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Served:
    """A server started by :func:`serving`: its base URL (``http://127.0.0.1:PORT``) and its
    process, the leader of a process group of its own."""

    url: str
    process: subprocess.Popen


@contextmanager
def serving(command: Callable[[int], list[str]], *, cwd: str | Path | None = None, log: str | Path | None = None,
            timeout: float = 60.0, interval: float = 0.1, stop_timeout: float = 10.0) -> Iterator[Served]:
    """Serve ``command(port)`` on a free loopback port until the ``with`` block ends.

    Picks the port (:func:`free_port`), starts the command in a session of its own (``framewatch
    dashboard`` runs Streamlit as a child, and both must stop), waits until it answers healthy
    (:func:`wait_until_healthy`) and yields a :class:`Served`. When the block ends, or the start
    fails, the process group gets SIGTERM; the leader is waited for up to *stop_timeout* seconds
    and the rest of the group as long again, then whatever is left gets SIGKILL. Only that group
    is signalled.

    Parameters
    ----------
    command : port -> the command line to run, e.g.
        ``lambda port: pipelines.cli.dashboard_command(store, port)``.
    cwd : working directory of the command (default: this process's).
    log : file that gets the command's stdout and stderr (overwritten); None: discarded.
    timeout, interval : seconds to wait for health in all, and between two polls.
    stop_timeout : seconds to wait for the leader, then for the rest of its group, to stop.

    Raises
    ------
    ServerNotStarted
        From :func:`wait_until_healthy`, after the group is stopped: the process exited early or
        did not answer healthy in *timeout* seconds.
    """
    port = free_port()
    out = open(log, "wb") if log is not None else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(command(port), cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    finally:
        if log is not None:
            out.close()                               # the child has its own copy
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, proc, timeout=timeout, interval=interval)
        yield Served(url, proc)
    finally:
        _stop_group(proc, stop_timeout)


def _stop_group(proc: subprocess.Popen, timeout: float) -> None:
    """SIGTERM to the process group *proc* leads, wait for it and its group, SIGKILL what is left."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)           # the group of the process started above, nothing else
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:                # a child (streamlit) stops a moment later
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
