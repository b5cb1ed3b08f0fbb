"""A dashboard server started by a program (browser tests, the load benchmark): a free port and its health.

``framewatch dashboard`` serves with :func:`pipelines.cli.dashboard_command`; a program that
starts that command itself needs a free loopback port to give it and to know when Streamlit
answers. Both are here so the browser tests and ``benchmarks/load_dashboard.py`` start it the
same way. :func:`serving` does the whole round -- start on a free port, wait until healthy, stop
the process group at the end of a ``with`` block -- for the browser tests and the benchmarks.
:func:`open_stream` opens Streamlit's websocket as its frontend does (for :func:`warm_up` and
the load benchmark's protocol-level client). :func:`warm_up` opens the default page once over
it, so a new server's imports and first queries are paid before anyone opens it;
:func:`serve_warmed` is ``framewatch dashboard``'s whole run: serve, warm up, say ready, wait.
:func:`check_port` says, before a server starts, when its port is taken (and by whom); health only
counts when the process started holds the listening socket (:func:`listens_on`), so another
server answering on the same port is never taken for ours.
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ConfigError

HEALTH_PATH = "/_stcore/health"
"""Streamlit's health endpoint: answers ``ok`` once the server takes sessions."""


class ServerNotStarted(RuntimeError):
    """The dashboard process exited, or did not answer healthy in time; the message says which."""


class Stopped(Exception):
    """:func:`serve_warmed` was stopped by a signal (SIGTERM or SIGHUP): the server was stopped and
    waited for; ``signum`` is the signal, for the caller to end with it."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")


def listens_on(pid: int, port: int) -> bool:
    """True when process *pid* or one of its descendants listens on TCP *port*.

    Method: psutil's per-process socket table (Linux ``/proc/PID/fd`` against
    ``/proc/net/tcp*``; the system's own calls elsewhere). A process whose sockets this user may
    not read counts as listening (nothing better is known); one that is gone does not.
    """
    import psutil

    try:
        procs = [psutil.Process(pid)]
        procs += procs[0].children(recursive=True)
    except psutil.NoSuchProcess:
        return False
    for proc in procs:
        try:
            conns = proc.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        except psutil.AccessDenied:
            return True
        if any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port for c in conns):
            return True
    return False


def port_in_use(host: str, port: int) -> OSError | None:
    """The error binding *host*:*port* gives now (``EADDRINUSE`` when another server listens on one
    of the host's addresses; else the first error when none can be bound), or None when it can be bound. Binds as Streamlit's server does (``SO_REUSEADDR``, so a closed
    connection waiting out TIME_WAIT does not count) and closes at once."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return OSError(exc.errno, f"unknown host {host!r} ({exc.strerror})")
    error, bound = None, False
    for family, kind, proto, _, addr in infos:      # every address of the host (localhost: ::1 and 127.0.0.1)
        with socket.socket(family, kind, proto) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(addr)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return exc
                error = error or exc                  # e.g. ::1 on a machine without IPv6
            else:
                bound = True
    return None if bound else error


def _holder(port: int) -> tuple[str, int | None]:
    """Who listens on TCP *port* here, in words, and the pid to stop (a ``framewatch`` command that
    started the listener, else the listener); ``("another program", None)`` when unknown."""
    import psutil

    try:
        pids = {c.pid for c in psutil.net_connections(kind="inet")
                if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid}
    except (psutil.AccessDenied, OSError):
        pids = set()
    for pid in sorted(pids):
        try:
            proc = psutil.Process(pid)
            cmd = proc.cmdline()
        except psutil.Error:
            continue
        stop = pid
        try:
            parent = proc.parent()
            if parent is not None and any(Path(a).name == "framewatch" or a.endswith("pipelines.cli")
                                          for a in parent.cmdline()[:3]):
                stop = parent.pid
        except psutil.Error:
            pass
        if "--store" in cmd and any(a.endswith(str(Path("dashboard", "app.py"))) for a in cmd):
            store = cmd[cmd.index("--store") + 1] if cmd.index("--store") + 1 < len(cmd) else "?"
            return f"a framewatch dashboard for {store} (pid {stop})", stop
        return f"pid {pid} ({' '.join(' '.join(cmd).split())[:120] or proc.name()})", stop
    return "another program", None


def _next_free(host: str, port: int, tries: int = 50) -> int | None:
    """The first port above *port* that *host* can bind now (None when none of the next *tries*)."""
    for p in range(port + 1, min(port + 1 + tries, 65536)):
        if port_in_use(host, p) is None:
            return p
    return None


def check_port(host: str, port: int, option: str = "--port") -> None:
    """Check, before a server starts, that it can listen on *host*:*port*.

    Raises
    ------
    ConfigError
        The port is taken: names who holds it (a framewatch dashboard and its store, or the
        program and its pid, when this user may see it), a free port to use instead (*option*) and
        what to stop; or the address cannot be bound at all (the system's reason).
    """
    exc = port_in_use(host, port)
    if exc is None:
        return
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        who, stop = _holder(port)
        free = _next_free(host, port)
        fixes = [f"serve on another port, e.g. {option} {free} (free now)" if free else f"serve on another {option}",
                 f"or stop the other server (kill {stop})" if stop else "or stop the other server"]
        raise ConfigError(f"port {port} is already in use", where=where,
                          expected="a free port to serve the dashboard on", found=f"{who} listening on it",
                          fix=", ".join(fixes))
    raise ConfigError("cannot serve on this address", where=where,
                      expected="an address of this machine and a port this user may bind",
                      found=exc.strerror or str(exc),
                      fix=f"check --host, or choose a port above 1023 ({option})")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, proc: subprocess.Popen, timeout: float = 60.0, interval: float = 0.1,
                       owned: bool = True) -> None:
    """Poll ``url + /_stcore/health`` until it answers ``ok`` from *proc*'s server.

    Parameters
    ----------
    url : base URL of the server, e.g. ``"http://127.0.0.1:8600"``.
    proc : the process serving it; its exit ends the wait.
    timeout, interval : seconds to wait in all, and between two polls.
    owned : an ``ok`` counts only while *proc* (or a process it started) listens on the URL's port
        (:func:`listens_on`): another server already on that port answers too, and is not ours.
        False: any ``ok`` counts.

    Raises
    ------
    ServerNotStarted
        ``"exited early (<returncode>)"`` when *proc* ended first, ``"did not become healthy in
        <timeout> s"`` when the time ran out.
    """
    deadline = time.monotonic() + timeout
    port = urlsplit(url).port
    while True:
        try:
            with urllib.request.urlopen(url + HEALTH_PATH, timeout=1) as r:
                ok = r.read().strip() == b"ok"
        except Exception:                             # not listening yet, reset, half-started
            ok = False
        if ok and (not owned or listens_on(proc.pid, port)):
            return
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


class WarmUpFailed(RuntimeError):
    """The warm-up session of :func:`warm_up` saw an exception on the page, a closed socket, or no end in time."""


async def open_stream(url: str, timeout: float, also_get: tuple[str, ...] = ()):
    """Open Streamlit's websocket ``/_stcore/stream`` of the server at *url* as its frontend does.

    GETs ``/``, the health endpoint (its answer sets the XSRF cookie) and then each path of
    *also_get*, keeping the cookies as a browser keeps them; then connects with the frontend's
    subprotocols (``streamlit``, the XSRF token), those cookies and the page's Origin, no limit on
    a message's size and *timeout* seconds for each GET and for the opening handshake. Returns the
    open connection (``websockets``' ``ClientConnection``; ``async with`` it, or close it).
    Used by :func:`warm_up` and ``benchmarks/load_dashboard.py --client ws``.
    """
    import http.cookiejar

    import websockets

    jar = http.cookiejar.CookieJar()                  # cookies kept as a browser keeps them
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def fetch() -> None:
        for path in ("/", HEALTH_PATH, *also_get):  # the health answer sets the XSRF cookie
            with opener.open(url + path, timeout=timeout) as r:
                r.read()

    await asyncio.to_thread(fetch)
    cookies = {c.name: c.value for c in jar}
    return await websockets.connect(
        "ws" + url[len("http"):] + "/_stcore/stream", max_size=None, open_timeout=timeout,
        subprotocols=["streamlit", cookies.get("_streamlit_xsrf", "")],
        additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "Origin": url})


async def _warm_up(url: str, timeout: float) -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.rerun_script.context_info.url = url + "/"     # the default page, no URL keys: the sidebar's defaults
    async with await open_stream(url, timeout) as ws:
        await ws.send(msg.SerializeToString())
        while True:
            fwd = ForwardMsg()
            try:
                fwd.ParseFromString(await ws.recv())
            except Exception as exc:  # noqa: BLE001 -- websockets' ConnectionClosed and kin
                raise WarmUpFailed(f"socket closed: {type(exc).__name__}") from exc
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element" \
                    and fwd.delta.new_element.WhichOneof("type") == "exception":
                e = fwd.delta.new_element.exception
                raise WarmUpFailed(f"the page showed {e.type}: {e.message[:200]}")
            if kind == "script_finished" and fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return


def warm_up(url: str, timeout: float = 300.0) -> float:
    """Open the served dashboard's default page once, as a browser would, and wait until its script run ends.

    A new dashboard process pays its imports, its first plotly figure and its uncached
    queries on the first page anyone opens (about 1 s of CPU on 100,000 articles, 1.5 s on a
    million). This session pays them instead: the loaders' and figures' caches are filled for
    the default view (sidebar defaults, Trends), so the first user gets what every later new
    session gets. Method: Streamlit's websocket protocol as its frontend speaks it (the XSRF
    cookie of ``/``, the ``streamlit`` subprotocol, one ``rerun_script`` ``BackMsg``; read
    ``ForwardMsg`` until ``script_finished``), as in ``benchmarks/load_dashboard.py --client ws``.

    Parameters
    ----------
    url : base URL of a server that answers healthy (:func:`wait_until_healthy`), e.g.
        ``"http://127.0.0.1:8501"``.
    timeout : seconds for the whole session.

    Returns
    -------
    float
        Seconds the session took.

    Raises
    ------
    WarmUpFailed
        The page showed an exception, the socket closed, or it did not finish in *timeout* s.
    """
    def session() -> None:
        asyncio.run(asyncio.wait_for(_warm_up(url.rstrip("/"), timeout), timeout))

    t0 = time.perf_counter()
    try:
        try:
            asyncio.get_running_loop()
        except RuntimeError:                          # no event loop in this thread (the CLI)
            session()
        else:                                         # e.g. under Playwright's sync API: a thread of its own
            with ThreadPoolExecutor(1) as pool:
                pool.submit(session).result()
    except (asyncio.TimeoutError, TimeoutError):
        raise WarmUpFailed(f"the default page did not finish in {timeout:g} s") from None
    except OSError as exc:
        raise WarmUpFailed(f"could not open the page: {exc}") from exc
    return time.perf_counter() - t0


def local_url(host: str, port: int) -> str:
    """The URL this machine reaches a server bound to *host*:*port* at (``0.0.0.0`` / ``::``: loopback)."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve_warmed(command: list[str], url: str, say: Callable[[str], None], env: dict | None = None,
                 timeout: float = 300.0, stop_timeout: float = 10.0) -> int:
    """Run the dashboard server *command* until it exits; warm it up (:func:`warm_up`) before saying it is ready.

    "Ready" is said only once the server started here answers healthy on *url*'s port
    (:func:`wait_until_healthy`, which ignores another server on that port). While it serves,
    SIGTERM and SIGHUP (like Ctrl-C) stop the server and wait for it: a ``kill`` of this process
    does not leave the server running on its own.

    Parameters
    ----------
    command : :func:`pipelines.cli.dashboard_command`.
    url : where this machine reaches it (:func:`local_url`).
    say : prints one line (the CLI's ``click.echo`` to stderr): the server is ready, with the
        warm-up's seconds, or the warm-up failed (the server goes on: the first user pays the
        first run, as without a warm-up).
    env, timeout : the server's environment; seconds to wait for health and for the warm-up.
    stop_timeout : seconds the stopped server has to end after SIGTERM before it gets SIGKILL.

    Returns
    -------
    int
        The server's exit status.

    Raises
    ------
    ServerNotStarted
        It exited before answering healthy (e.g. its port was taken meanwhile), or did not
        answer in *timeout* seconds (it is stopped first).
    Stopped
        This process got SIGTERM or SIGHUP; the server was stopped and has ended.
    KeyboardInterrupt
        Ctrl-C; the server was stopped and has ended.
    """
    previous = _raise_on_signals()
    try:
        with subprocess.Popen(command, env=env) as proc:
            try:
                wait_until_healthy(url, proc, timeout=timeout)
                try:
                    took = warm_up(url, timeout)
                    say(f"Ready on {url} (the default page was prepared in {took:.1f} s)")
                except WarmUpFailed as exc:
                    say(f"Ready on {url} (warm-up skipped: {exc})")
                return proc.wait()
            except BaseException:
                _stop(proc, stop_timeout)
                raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _raise_on_signals() -> dict:
    """Make SIGTERM and SIGHUP raise :class:`Stopped` (the first one; later ones are ignored while
    the server stops). Returns the handlers they had, to restore; empty outside the main thread,
    where Python cannot set handlers (the default action then applies)."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum, frame):
        for s in _STOP_SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        raise Stopped(signum)

    return {s: signal.signal(s, handler) for s in _STOP_SIGNALS}


def _stop(proc: subprocess.Popen, timeout: float) -> None:
    """SIGTERM to *proc* (nothing else), wait up to *timeout* seconds, then SIGKILL and wait."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
